#!/usr/bin/env bash
# Themes benchmark (run by tests/bench/run.sh; results in docs/benchmarks.md ## Themes).
# 1. Quality: `autocode eval themes` vs BERTopic (defaults, same embeddings) on
#    OPP-115 dev single-label segments ($SHARED) and the demo gold; ARI/NMI with
#    outliers scored as one cluster; and the interview corpus data/interviews
#    (interviewee sentences, minimal responses left out as `autocode themes`
#    does; both sides get the sentences `eval themes --dump` used). Ours over seeds 1..$RUNS, BERTopic over
#    $RUNS unseeded runs (its default UMAP is unseeded); RUNS=10 by default
#    because single runs of either side vary by several points.
# 2. Speed: 100k synthetic clustered 384-d vectors (tests/bench/themes_synth.py,
#    NOT real sentences) with synthetic texts: our fit + describe (c-TF-IDF,
#    quotes) vs BERTopic's fit_transform (UMAP + HDBSCAN + c-TF-IDF), wall time.
# 3. Scale: 1M synthetic vectors, our fit + describe, wall time and peak RSS.
# Set THEMES_BENCH_SKIP_1M=1 / THEMES_BENCH_SKIP_BERTOPIC=1 /
# THEMES_BENCH_SKIP_SPEED=1 to skip parts; THEMES_BENCH_CORPORA="interviews" (or
# any of "opp115 demo interviews") for some quality corpora only; THEMES_BENCH_RUNS=N for N quality runs
# a side; THEMES_BENCH_SPEED_RUNS=N (3) alternating speed runs a side.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
OUT=.bench/themes
RUNS=${THEMES_BENCH_RUNS:-10}
mkdir -p "$OUT"
VENV=.bench/bt
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  # BERTopic without sentence-transformers/torch: we pass precomputed embeddings.
  "$VENV/bin/pip" install -q numpy scipy scikit-learn pandas tqdm umap-learn hdbscan plotly pyyaml
  "$VENV/bin/pip" install -q --no-deps bertopic
fi
cargo build -q --bin autocode
cargo build -q -p themes --example cluster_npy
BIN=target/debug/autocode   # dev profile: themes, embed and all deps are opt-level 3
EX=target/debug/examples/cluster_npy

summ() { python3 -c '
import json,sys
rows=[json.loads(l) for l in sys.stdin if l.strip()]
a=[r["ari"] for r in rows]; n=[r["nmi"] for r in rows]
print("ARI %.3f (%.3f-%.3f)  NMI %.3f (%.3f-%.3f)  themes %.1f  outliers %.2f" % (sum(a)/len(a),min(a),max(a),sum(n)/len(n),min(n),max(n),sum(r["themes"] for r in rows)/len(rows),sum(r["outlier_share"] for r in rows)/len(rows)))'; }

quality() { # name gold
  local name=$1 gold=$2
  $BIN eval themes --gold "$gold" --cache "$OUT/cache.db" --dump "$OUT/$name.npy" --json > "$OUT/$name.eval.json"
  echo "-- $name: $(python3 -c "import json;d=json.load(open('$OUT/$name.eval.json'));print(d['single_label_used'],'of',d['sentences_in_gold'],'sentences single-label and not minimal,',d['gold_labels'],'labels')")"
  for extra in "" "--reassign 0.3"; do
    echo -n "autocode${extra:+ $extra}: "
    for s in $(seq 1 "$RUNS"); do $EX "$OUT/$name.npy" --labels "$OUT/$name.labels.txt" --seed $s $extra; done | summ
  done
  if [ -z "${THEMES_BENCH_SKIP_BERTOPIC:-}" ]; then
    echo -n "BERTopic defaults: "
    "$VENV/bin/python" tests/bench/themes_bertopic.py quality --gold "$gold" --items "$OUT/$name.items.jsonl" --emb "$OUT/$name.npy" --runs "$RUNS" 2>/dev/null | python3 -c '
import json,sys; d=json.load(sys.stdin)
print("ARI %.3f (%.3f-%.3f)  NMI %.3f (%.3f-%.3f)  topics %.1f  outliers %.2f" % (d["ari_mean"],d["ari_min"],d["ari_max"],d["nmi_mean"],d["nmi_min"],d["nmi_max"],d["topics_mean"],d["outlier_share_mean"]))'
  fi
}

CORPORA=" ${THEMES_BENCH_CORPORA:-opp115 demo interviews} "
echo "## quality"
if [[ $CORPORA == *" opp115 "* ]]; then
  if [ -f "$SHARED/eval/opp115-dev/segments.jsonl" ]; then
    quality opp115 "$SHARED/eval/opp115-dev/segments.jsonl"
  else
    echo "SKIP: $SHARED/eval/opp115-dev not found"
  fi
fi
[[ $CORPORA == *" demo "* ]] && quality demo data/demo/gold.jsonl
[[ $CORPORA == *" interviews "* ]] && quality interviews data/interviews/gold.jsonl

timed() { # label, command...: prints wall s and peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/last.json"
  read -r wall rss < "$OUT/time.txt"
  echo "$label: wall ${wall}s, peak RSS $((rss / 1024)) MB; $(cat "$OUT/last.json")"
}

[ -n "${THEMES_BENCH_SKIP_SPEED:-}" ] && exit 0
echo "## speed (synthetic clustered vectors, 100 clusters + 10% noise, 384-d)"
[ -f "$OUT/synth100k.npy" ] || "$VENV/bin/python" tests/bench/themes_synth.py 100000 "$OUT/synth100k"
# The two sides alternate, $SPEED_RUNS runs each, so a change in machine load
# hits both; the ratio is of the median process wall times. BERTopic gets one
# unmeasured warm-up run first (numba compiles UMAP/HDBSCAN on first use and
# caches it; a user's second run does not pay that).
SPEED_RUNS=${THEMES_BENCH_SPEED_RUNS:-3}
if [ -z "${THEMES_BENCH_SKIP_BERTOPIC:-}" ]; then
  "$VENV/bin/python" tests/bench/themes_bertopic.py speed --emb "$OUT/synth100k.npy" --texts "$OUT/synth100k.txt" > /dev/null
fi
: > "$OUT/walls.txt"
for i in $(seq 1 "$SPEED_RUNS"); do
  timed "autocode themes 100k (run $i)" $EX "$OUT/synth100k.npy" --labels "$OUT/synth100k.labels.txt" --texts "$OUT/synth100k.txt"
  echo "ours $(cut -d' ' -f1 "$OUT/time.txt")" >> "$OUT/walls.txt"
  if [ -z "${THEMES_BENCH_SKIP_BERTOPIC:-}" ]; then
    timed "BERTopic 100k (run $i)" "$VENV/bin/python" tests/bench/themes_bertopic.py speed --emb "$OUT/synth100k.npy" --texts "$OUT/synth100k.txt"
    echo "bertopic $(cut -d' ' -f1 "$OUT/time.txt")" >> "$OUT/walls.txt"
  fi
done
python3 - "$OUT/walls.txt" <<'PY'
import statistics, sys
w = {}
for line in open(sys.argv[1]):
    side, s = line.split()
    w.setdefault(side, []).append(float(s))
med = {k: statistics.median(v) for k, v in w.items()}
line = "median wall: autocode %.1f s" % med["ours"]
if "bertopic" in med:
    line += ", BERTopic %.1f s, ratio %.2fx (target >= 5x)" % (med["bertopic"], med["bertopic"] / med["ours"])
print(line)
PY
if [ -z "${THEMES_BENCH_SKIP_1M:-}" ]; then
  [ -f "$OUT/synth1m.npy" ] || "$VENV/bin/python" tests/bench/themes_synth.py 1000000 "$OUT/synth1m"
  timed "autocode themes 1M" $EX "$OUT/synth1m.npy" --labels "$OUT/synth1m.labels.txt" --texts "$OUT/synth1m.txt"
fi
