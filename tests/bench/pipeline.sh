#!/usr/bin/env bash
# End-to-end pipeline benchmark (issue 8): a corpus of PIPELINE_SENTENCES
# sentences (default 100,000) in the demo corpus's style
# (tests/bench/pipeline_corpus.py), each stage run as its own command under
# /usr/bin/time for wall time and peak RSS:
#   1. autocode: ingest, embed, code, themes, report (model load included);
#   2. the Python reference on the same transcripts, same machine, same run
#      (tests/bench/pipeline_python.py: sentence-transformers, scikit-learn,
#      BERTopic), with its own venvs under .bench/ (st, bt);
#   3. the nightly case: 1% new documents, then `autocode run` on the whole
#      project (incremental: new sentences embedded, coded and joined to the
#      existing themes; report redone).
# PIPELINE_PYTHON=0 skips step 2. PIPELINE_PRECISION=f32|bf16|int8 embeds in
# that precision (default: autocode's default, bf16).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${PIPELINE_SENTENCES:-100000}
BIN=${BIN:-target/release/autocode}
THREADS=${PIPELINE_THREADS:-2}
MODEL=models/all-MiniLM-L6-v2
CODEBOOK=data/demo/codebook.yaml
W=.bench/pipeline
[ -x "$BIN" ] || { echo "pipeline bench: $BIN missing (run make build)" >&2; exit 1; }
rm -rf "$W" && mkdir -p "$W"
python3 tests/bench/pipeline_corpus.py data/demo "$W/corpus/transcripts" "$N" | tee "$W/corpus.txt"
PRECISION_LINE=""
[ -n "${PIPELINE_PRECISION:-}" ] && PRECISION_LINE="precision = \"$PIPELINE_PRECISION\""
cat > "$W/autocode.toml" <<TOML
[project]
store = "store/autocode.db"
[inputs]
paths = ["corpus/transcripts"]
[model]
path = "$PWD/$MODEL"
$PRECISION_LINE
[codebook]
path = "$PWD/$CODEBOOK"
[themes]
seed = 42
[report]
out = "out"
TOML
P="--project $W/store/autocode.db"
$BIN init "$W/store" >/dev/null

: > "$W/rows"
timed() { # side, stage, then the command
  local side=$1 label=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$W/time.$side.$label" "$@" > "$W/log.$side.$label" 2>&1 || {
    echo "$side $label failed:" >&2; tail -20 "$W/log.$side.$label" >&2; exit 1; }
  read -r secs kb < "$W/time.$side.$label"
  echo "$side $label $secs $((kb / 1024))" >> "$W/rows"
}

export RAYON_NUM_THREADS=$THREADS
timed autocode ingest $BIN $P ingest "$W/corpus/transcripts"
timed autocode embed  $BIN $P embed --model $MODEL ${PIPELINE_PRECISION:+--precision $PIPELINE_PRECISION}
timed autocode code   $BIN $P code --codebook $CODEBOOK --model $MODEL
timed autocode themes $BIN $P themes --seed 42 --incremental
timed autocode report $BIN $P report --out "$W/out" --format all
unset RAYON_NUM_THREADS

if [ "${PIPELINE_PYTHON:-1}" != 0 ]; then
  if [ ! -x .bench/st/bin/python ] || ! .bench/st/bin/python -c 'import sentence_transformers, yaml' 2>/dev/null; then
    python3 -m venv .bench/st
    .bench/st/bin/pip install --quiet --disable-pip-version-check torch sentence-transformers pyyaml
  fi
  if [ ! -x .bench/bt/bin/python ] || ! .bench/bt/bin/python -c 'import bertopic, yaml, pandas' 2>/dev/null; then
    python3 -m venv .bench/bt
    .bench/bt/bin/pip install --quiet numpy scipy scikit-learn pandas tqdm umap-learn hdbscan plotly pyyaml
    .bench/bt/bin/pip install --quiet --no-deps bertopic
  fi
  PY=tests/bench/pipeline_python.py
  export OMP_NUM_THREADS=$THREADS THREADS HF_HUB_OFFLINE=1 NUMBA_NUM_THREADS=$THREADS
  timed python ingest .bench/bt/bin/python $PY ingest "$W/corpus/transcripts" "$W/py"
  timed python embed  .bench/st/bin/python $PY embed $MODEL $CODEBOOK "$W/py"
  timed python code   .bench/bt/bin/python $PY code $CODEBOOK "$W/py"
  timed python themes .bench/bt/bin/python $PY themes "$W/py"
  timed python report .bench/bt/bin/python $PY report "$W/py"
fi

# Nightly: 1% new documents, then the batch command over the whole project.
docs=$(ls "$W/corpus/transcripts" | wc -l)
python3 tests/bench/pipeline_corpus.py data/demo "$W/corpus/transcripts" $((N / 100)) --start-doc "$docs" > "$W/nightly-corpus.txt"
RAYON_NUM_THREADS=$THREADS /usr/bin/time -f "%e %M" -o "$W/time.nightly" \
  $BIN run --config "$W/autocode.toml" --json > "$W/nightly.json" 2> "$W/log.nightly"
read -r nsecs nkb < "$W/time.nightly"

python3 - "$W" "$nsecs" "$nkb" <<'PY'
import json, sys
w, nsecs, nkb = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rows = {}
for line in open(f"{w}/rows"):
    side, stage, secs, mb = line.split()
    rows.setdefault(stage, {})[side] = (float(secs), int(mb))
stages = ["ingest", "embed", "code", "themes", "report"]
print("| stage | autocode wall | autocode peak RSS | Python wall | Python peak RSS |")
print("|---|---:|---:|---:|---:|")
tot = {"autocode": 0.0, "python": 0.0}
for s in stages:
    cells = []
    for side in ("autocode", "python"):
        if side in rows.get(s, {}):
            secs, mb = rows[s][side]
            tot[side] += secs
            cells += [f"{secs:.1f} s", f"{mb} MB"]
        else:
            cells += ["—", "—"]
    print(f"| {s} | " + " | ".join(cells) + " |")
py = f"**{tot['python']:.1f} s**" if tot["python"] else "—"
print(f"| **total** | **{tot['autocode']:.1f} s** | | {py} | |")
if tot["python"]:
    print(f"\nspeed-up, whole pipeline: {tot['python'] / tot['autocode']:.2f}x (Python time / autocode time)")
summary = json.load(open(f"{w}/nightly.json"))
stages = ", ".join(f"{s['stage']} {s['seconds']:.1f} s" for s in summary["counts"]["stages"])
changed = summary["counts"]["changed"]
print(f"\nnightly rerun, +{changed.get('documents', 0)} documents / +{changed.get('segments', 0)} sentences: "
      f"{nsecs:.1f} s = {100 * nsecs / tot['autocode']:.1f}% of the full run, peak RSS {nkb // 1024} MB ({stages})")
PY
echo "corpus: $(cat "$W/corpus.txt"); nightly: $(cat "$W/nightly-corpus.txt")"
