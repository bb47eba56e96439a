#!/usr/bin/env bash
# Embedding speed: `autocode encode` against sentence-transformers (PyTorch,
# CPU) on $SHARED/reference/all-MiniLM-L6-v2/sentences.txt, same machine, same
# run, 2 threads each, model load excluded (both report their own encode time).
# Then peak RSS of `autocode encode` on 100,000 sentences.
# Run by tests/bench/run.sh (`make bench`), which builds target/release first.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-${AUTOCODE_SHARED:-../shared}}
BIN=target/release/autocode
MODEL=models/all-MiniLM-L6-v2
INPUT="$SHARED/reference/all-MiniLM-L6-v2/sentences.txt"
THREADS=${EMBED_THREADS:-2}
RUNS=${EMBED_RUNS:-3}
[ -x "$BIN" ] || { echo "embed bench: $BIN missing (run make build)" >&2; exit 1; }
[ -f "$INPUT" ] || { echo "embed bench: SKIP: $INPUT not found" >&2; exit 0; }
OUT=.bench/embed
mkdir -p "$OUT"
n=$(wc -l < "$INPUT")

# Baseline venv (PyTorch from PyPI is large: kept out of `make test`).
if [ ! -x .bench/st/bin/python ] || ! .bench/st/bin/python -c 'import sentence_transformers' 2>/dev/null; then
  python3 -m venv .bench/st
  .bench/st/bin/pip install --quiet --disable-pip-version-check torch sentence-transformers
fi

# Runs alternate (ours, baseline, ours, ...) so that other load on the machine
# hits both alike; each reports its own encode time, model load excluded
# (`--timings` for ours). The median of $RUNS runs of each is reported.
ours=(); st=(); cosine=""
for _ in $(seq "$RUNS"); do
  line=$(RAYON_NUM_THREADS=$THREADS "$BIN" --quiet encode --model "$MODEL" --input "$INPUT" \
          --output "$OUT/ours.npy" --timings 2>&1 >/dev/null | grep '^timings:')
  ours+=("$(echo "$line" | sed -E 's/.* ([0-9.]+) sentences\/s$/\1/')")
  st_out=$(HF_HUB_OFFLINE=1 OMP_NUM_THREADS=$THREADS .bench/st/bin/python tests/bench/embed_st.py \
    --model "$MODEL" --input "$INPUT" --threads "$THREADS" --batch-size 32 --runs 1 \
    --compare "$OUT/ours.npy")
  st+=("$(echo "$st_out" | awk '/^st /{print $4}')")
  cosine=$(echo "$st_out" | grep '^cosine' || true)
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours_rate=$(median "${ours[@]}")
st_rate=$(median "${st[@]}")

echo "input: $INPUT ($n sentences), $THREADS threads, model load excluded, median of $RUNS"
echo "runs: autocode ${ours[*]}; sentence-transformers ${st[*]}"
printf '%-44s %14s\n' "encoder" "sentences/s"
printf '%-44s %14s\n' "sentence-transformers (PyTorch, batch 32)" "$st_rate"
printf '%-44s %14s\n' "autocode encode (candle, packed batches)" "$ours_rate"
awk -v a="$ours_rate" -v b="$st_rate" 'BEGIN {printf "%-44s %13.2fx\n", "ratio autocode / sentence-transformers", a / b}'
echo "agreement with sentence-transformers on all $n: $cosine"

# Peak memory on 100,000 sentences (EMBED_RSS_LINES; 0 skips): sentences.txt
# repeated with a numbered prefix so no two lines are equal.
LINES=${EMBED_RSS_LINES:-100000}
[ "$LINES" -gt 0 ] || exit 0
big="$OUT/rss-$LINES.txt"
if [ ! -f "$big" ]; then
  awk -v n="$n" -v m="$LINES" 'BEGIN {i = 0} {s[NR] = $0} END {while (i < m) {print "(" i ") " s[i % n + 1]; i++}}' "$INPUT" > "$big"
fi
/usr/bin/time -v env RAYON_NUM_THREADS=$THREADS "$BIN" --quiet encode --model "$MODEL" --input "$big" \
  --output "$OUT/rss.npy" --timings 2> "$OUT/rss.log" >/dev/null
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$OUT/rss.log")
echo "$LINES sentences: $(grep '^timings:' "$OUT/rss.log" | sed 's/^timings: //')"
echo "$LINES sentences: peak RSS $((rss_kb / 1024)) MB"
