#!/usr/bin/env bash
# `make bench` stage: zero-shot from the codebook alone (corpus
# pseudo-labels, no labels read) and the simulated reviewer (queue order vs
# random review) on OPP-115 dev, and the demo's zero-shot beside it.
# Prints the tables of docs/benchmarks.md, "Zero-shot and simulated review".
# Run from the repository root.
set -euo pipefail
BIN=${BIN:-target/release/autocode}
SHARED=${SHARED:-../shared}
OPP=$SHARED/eval/opp115-dev
CACHE=${AUTOCODE_EVAL_CACHE:-.bench/cache}
mkdir -p "$CACHE" .bench
summary() { python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print("{:<40} macro-F1 {:.3f}  mean kappa {:.3f}  ({:.0f} s)".format(sys.argv[1], r["macro_f1"], r["mean_kappa"], r["seconds"]))' "$1"; }
"$BIN" --quiet eval code --gold data/demo/gold.jsonl --codebook data/demo/codebook.yaml --cache "$CACHE" --json --mode zero-shot | summary "demo gold: zero-shot (codebook + corpus)"
# A corpus of answers (docs/classify.md, "Zero-shot in a corpus of
# answers"): the demo and data/interviews from their codebooks alone, over
# five CV seeds, and data/interviews in simulated review.
for gold in demo interviews; do
  for seed in 42 1 2 3 4; do
    "$BIN" --quiet eval code --gold data/$gold/gold.jsonl --codebook data/$gold/codebook.yaml --cache "$CACHE" --json --mode zero-shot --seed $seed | summary "$gold gold: zero-shot, CV seed $seed"
  done
done
"$BIN" --quiet eval code --gold data/interviews/gold.jsonl --codebook data/interviews/codebook.yaml --cache "$CACHE" --simulate-review --per-code-steps 1,2,5,10 --seeds 30
# A survey's open answers (docs/classify.md, "A survey's open answers"):
# data/survey, one document, its folds by respondent.
for mode in keyword zero-shot auto; do
  "$BIN" --quiet eval code --gold data/survey/gold.jsonl --codebook data/survey/codebook.yaml --cache "$CACHE" --json --mode $mode | summary "survey gold: $mode"
done
"$BIN" --quiet eval code --gold data/survey/gold.jsonl --codebook data/survey/codebook.yaml --cache "$CACHE" --simulate-review --per-code-steps 5,10,25 --seeds 10
# The same codebook with exclusion criteria (docs/classify.md, "Exclusion
# criteria"): zero-shot over the five seeds and the simulated reviewer.
for seed in 42 1 2 3 4; do
  "$BIN" --quiet eval code --gold data/interviews/gold.jsonl --codebook data/interviews/codebook-exclusions.yaml --cache "$CACHE" --json --mode zero-shot --seed $seed | summary "interviews gold, exclusion criteria: zero-shot, CV seed $seed"
done
"$BIN" --quiet eval code --gold data/interviews/gold.jsonl --codebook data/interviews/codebook-exclusions.yaml --cache "$CACHE" --simulate-review --per-code-steps 1,2,5,10 --seeds 30
# The demo's focus groups (26 codes in a hierarchy, 7 transcripts): the
# simulated reviewer on data other than OPP-115 (docs/benchmarks.md,
# "The simulated reviewer on the demo").
start=$(date +%s)
"$BIN" --quiet eval code --gold data/demo/gold.jsonl --codebook data/demo/codebook.yaml --cache "$CACHE" --simulate-review --per-code-steps 1,2,5,10 --seeds 30
echo "demo simulated review (1-10 per code, 30 splits): $(( $(date +%s) - start )) s"
# Codebooks that cover part of their corpus (docs/classify.md, "A
# codebook that covers part of the corpus"): subsets of data/interviews'
# codes and, where ../shared exists, of OPP-115's, written to .bench by
# tests/bench/partial_codebooks.py; zero-shot over two CV seeds and the
# simulated reviewer.
PARTS=.bench/partial-codebooks
python3 tests/bench/partial_codebooks.py "$SHARED" "$PARTS"
for part in "$PARTS"/*.jsonl; do
  name=$(basename "$part" .jsonl)
  codebook="$PARTS/$name.yaml"; [ -f "$codebook" ] || codebook="$PARTS/$name.json"
  for seed in 42 1; do
    "$BIN" --quiet eval code --gold "$part" --codebook "$codebook" --cache "$CACHE" --json --mode zero-shot --seed $seed | summary "$name: zero-shot, CV seed $seed"
  done
  case $name in interviews-*) seeds=30 ;; *) seeds=10 ;; esac
  echo "$name: simulated review, $seeds splits"
  "$BIN" --quiet eval code --gold "$part" --codebook "$codebook" --cache "$CACHE" --simulate-review --per-code-steps 5,10,25 --seeds $seeds
done
if [ -f "$OPP/segments.jsonl" ]; then
  ev() { "$BIN" --quiet eval code --gold "$OPP/segments.jsonl" --codebook "$OPP/codebook.json" --cache "$CACHE" "$@"; }
  ev --json --mode zero-shot | summary "OPP-115 dev: zero-shot (codebook + corpus)"
  # Small corpora (docs/benchmarks.md, "Small corpora, definitions alone"):
  # the first N segments, policy-grouped CV as above.
  for n in 300 600 900 1200 2000; do
    ev --json --mode zero-shot --limit "$n" | summary "OPP-115 dev, first $n: zero-shot"
  done
  # The same corpus in simulated review (1-10 per code, 30 splits).
  ev --simulate-review --per-code-steps 2,5,10 --seeds 30 --limit 900
  start=$(date +%s)
  # Issue #15's checkpoints over 30 splits: the per-seed lead varies by
  # about ±0.05 κ, so 10 splits fix a mean lead only to about ±0.017.
  ev --simulate-review --per-code-steps 5,10,25 --seeds 30
  echo "simulated review (5-25 per code, 30 splits): $(( $(date +%s) - start )) s"
  start=$(date +%s)
  ev --simulate-review --per-code-steps 50,100 --seeds 10
  echo "simulated review: $(( $(date +%s) - start )) s"
else
  echo "SKIP: $OPP not found; OPP-115 zero-shot and simulated review not run"
fi
