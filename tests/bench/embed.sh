#!/usr/bin/env bash
# Embedding speed: `autocode encode` in each precision (f32, bf16, int8)
# against ONNX Runtime float32 and int8 (the issue #18 anchors) and
# sentence-transformers (PyTorch, CPU) on
# $SHARED/reference/all-MiniLM-L6-v2/sentences.txt, same machine, same run, 2
# threads each, model load excluded (each reports its own encode time), with
# every encoder's min and mean cosine to autocode's float32 vectors.
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

# Baseline venv: PyTorch, sentence-transformers and ONNX Runtime from PyPI
# (large: kept out of `make test`).
if [ ! -x .bench/st/bin/python ] || ! .bench/st/bin/python -c 'import sentence_transformers, onnxruntime, onnx' 2>/dev/null; then
  python3 -m venv .bench/st
  .bench/st/bin/pip install --quiet --disable-pip-version-check torch sentence-transformers onnx onnxruntime
fi
PY=.bench/st/bin/python
# The ONNX export and its int8 quantisation, made once (not timed).
HF_HUB_OFFLINE=1 $PY tests/bench/embed_onnx.py --model "$MODEL" --work "$OUT/onnx" --export-only

# Runs alternate (ours in each precision, ONNX Runtime f32 and int8,
# sentence-transformers, then again) so that other load on the machine hits
# all alike; each reports its own encode time, model load excluded
# (`--timings` for ours). The median of $RUNS runs of each is reported.
PRECISIONS=${EMBED_PRECISIONS:-f32 bf16 int8}
declare -A rate
ours_rate() {
  RAYON_NUM_THREADS=$THREADS "$BIN" --quiet encode --model "$MODEL" --input "$INPUT" --precision "$1" \
    --output "$OUT/ours-$1.npy" --timings 2>&1 >/dev/null | grep '^timings:' | sed -E 's/.* ([0-9.]+) sentences\/s$/\1/'
}
for _ in $(seq "$RUNS"); do
  for p in $PRECISIONS; do rate[ours-$p]+="$(ours_rate "$p") "; done
  for p in f32 int8; do
    line=$(OMP_NUM_THREADS=$THREADS $PY tests/bench/embed_onnx.py --model "$MODEL" --input "$INPUT" \
      --work "$OUT/onnx" --precision "$p" --threads "$THREADS" --save "$OUT/ort-$p.npy" | awk '/^ort-/{print $4}')
    rate[ort-$p]+="$line "
  done
  st_out=$(HF_HUB_OFFLINE=1 OMP_NUM_THREADS=$THREADS $PY tests/bench/embed_st.py \
    --model "$MODEL" --input "$INPUT" --threads "$THREADS" --batch-size 32 --runs 1 \
    --compare "$OUT/ours-f32.npy")
  rate[st]+="$(echo "$st_out" | awk '/^st /{print $4}') "
  st_cosine=$(echo "$st_out" | grep '^cosine' || true)
done
median() { printf '%s\n' $@ | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Cosine of each encoder's vectors to autocode's float32 ones, every sentence.
cosine() {
  $PY -c 'import sys, numpy as np
a = np.load(sys.argv[1]).astype(np.float32); b = np.load(sys.argv[2]).astype(np.float32)
c = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
print(f"{c.min():.5f} {c.mean():.5f}")' "$1" "$OUT/ours-f32.npy"
}

ort_f32=$(median ${rate[ort-f32]})
echo "input: $INPUT ($n sentences), $THREADS threads, model load excluded, median of $RUNS alternating runs"
printf '%-46s %12s %14s %22s\n' "encoder" "sentences/s" "vs ORT f32" "cosine to f32 min mean"
row() { # name key npy
  local r; r=$(median ${rate[$2]})
  printf '%-46s %12s %13.2fx %22s   runs: %s\n' "$1" "$r" "$(awk -v a="$r" -v b="$ort_f32" 'BEGIN {print a / b}')" \
    "$( [ -n "$3" ] && cosine "$3" || echo '–')" "${rate[$2]}"
}
row "sentence-transformers (PyTorch, batch 32)" st ""
row "ONNX Runtime float32 (sorted batches of 32)" ort-f32 "$OUT/ort-f32.npy"
row "ONNX Runtime dynamic int8 (default settings)" ort-int8 "$OUT/ort-int8.npy"
for p in $PRECISIONS; do row "autocode encode --precision $p" "ours-$p" "$OUT/ours-$p.npy"; done
echo "autocode f32 vs sentence-transformers on all $n: $st_cosine"

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
