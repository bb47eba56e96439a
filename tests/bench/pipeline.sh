#!/usr/bin/env bash
# End-to-end pipeline benchmark (issue 8): a corpus of PIPELINE_SENTENCES
# sentences (default 100,000) in the demo corpus's style, each stage timed
# with its peak RSS, then the nightly case: 1% new documents and a rerun.
# The Python reference (sentence-transformers + BERTopic on the same texts)
# runs when the venvs made by embed.sh and themes.sh exist (.bench/st, .bench/bt).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${PIPELINE_SENTENCES:-100000}
BIN=${BIN:-target/release/autocode}
W=.bench/pipeline
rm -rf "$W" && mkdir -p "$W"
python3 tests/bench/pipeline_corpus.py data/demo "$W/corpus/transcripts" "$N"
cp data/demo/participants.csv "$W/corpus/" 2>/dev/null || true
cat > "$W/autocode.toml" <<TOML
[project]
store = "store/autocode.db"
[inputs]
paths = ["corpus/transcripts"]
[model]
path = "$PWD/models/all-MiniLM-L6-v2"
[codebook]
path = "$PWD/data/demo/codebook.yaml"
[themes]
seed = 42
[report]
out = "out"
TOML
P="--project $W/store/autocode.db"
$BIN init "$W/store" >/dev/null
timed() { # stage label, then the command
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/time.$label" "$@" > "$W/log.$label" 2>&1
  read -r secs kb < "$W/time.$label"
  printf "| %-8s | %8.1f s | %6d MB |\n" "$label" "$secs" "$((kb / 1024))"
  echo "$secs" >> "$W/total"
}
echo "| stage    |     wall |  peak RSS |"
echo "|---|---:|---:|"
timed ingest $BIN $P ingest "$W/corpus/transcripts"
timed embed  $BIN $P embed --model models/all-MiniLM-L6-v2
timed code   $BIN $P code --codebook data/demo/codebook.yaml --model models/all-MiniLM-L6-v2
timed themes $BIN $P themes --seed 42
timed report $BIN $P report --out "$W/out" --format all
full=$(paste -sd+ "$W/total" | bc)
echo "full run: ${full} s"

# Nightly: 1% new documents, then the batch command over the whole project.
docs=$(ls "$W/corpus/transcripts" | wc -l)
python3 tests/bench/pipeline_corpus.py data/demo "$W/corpus/transcripts" $((N / 100)) --start-doc "$docs"
/usr/bin/time -f "%e %M" -o "$W/time.nightly" $BIN run --config "$W/autocode.toml" --json > "$W/nightly.json" 2> "$W/log.nightly"
read -r nsecs nkb < "$W/time.nightly"
echo "nightly rerun with 1% new documents: ${nsecs} s, peak ${nkb} KB, $(python3 -c "print(f'{100*$nsecs/$full:.1f}')")% of the full run"

