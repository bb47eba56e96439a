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

# Median of $RUNS runs of our encoder; `--timings` prints encode time without model load.
ours=()
for _ in $(seq "$RUNS"); do
  line=$(RAYON_NUM_THREADS=$THREADS "$BIN" --quiet encode --model "$MODEL" --input "$INPUT" \
          --output "$OUT/ours.npy" --timings 2>&1 >/dev/null | grep '^timings:')
  ours+=("$(echo "$line" | sed -E 's/.* ([0-9.]+) sentences\/s$/\1/')")
done
ours_rate=$(printf '%s\n' "${ours[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

# Baseline venv (PyTorch from PyPI is large: kept out of `make test`).
if [ ! -x .bench/st/bin/python ] || ! .bench/st/bin/python -c 'import sentence_transformers' 2>/dev/null; then
  python3 -m venv .bench/st
  .bench/st/bin/pip install --quiet --disable-pip-version-check torch sentence-transformers
fi
st_line=$(HF_HUB_OFFLINE=1 OMP_NUM_THREADS=$THREADS .bench/st/bin/python tests/bench/embed_st.py \
  --model "$MODEL" --input "$INPUT" --threads "$THREADS" --batch-size 32 --runs "$RUNS" \
  --compare "$OUT/ours.npy")
st_rate=$(echo "$st_line" | awk '/^st /{print $4}')
cosine=$(echo "$st_line" | grep '^cosine' || true)

echo "input: $INPUT ($n sentences), $THREADS threads, model load excluded, median of $RUNS"
printf '%-44s %14s\n' "encoder" "sentences/s"
printf '%-44s %14s\n' "sentence-transformers (PyTorch, batch 32)" "$st_rate"
printf '%-44s %14s\n' "autocode encode (candle, packed batches)" "$ours_rate"
awk -v a="$ours_rate" -v b="$st_rate" 'BEGIN {printf "%-44s %13.2fx\n", "ratio autocode / sentence-transformers", a / b}'
echo "agreement with sentence-transformers on all $n: $cosine"

# Peak memory on 100,000 sentences: sentences.txt repeated with a numbered
# prefix so no two lines are equal.
big="$OUT/100k.txt"
if [ ! -f "$big" ]; then
  awk -v n="$n" 'BEGIN {i = 0} {s[NR] = $0} END {while (i < 100000) {print "(" i ") " s[i % n + 1]; i++}}' "$INPUT" > "$big"
fi
/usr/bin/time -v env RAYON_NUM_THREADS=$THREADS "$BIN" --quiet encode --model "$MODEL" --input "$big" \
  --output "$OUT/100k.npy" --timings 2> "$OUT/100k.log" >/dev/null
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$OUT/100k.log")
echo "100,000 sentences: $(grep '^timings:' "$OUT/100k.log" | sed 's/^timings: //')"
echo "100,000 sentences: peak RSS $((rss_kb / 1024)) MB"
