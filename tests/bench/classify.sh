#!/usr/bin/env bash
# `make bench` stage: classification quality on OPP-115 dev (grouped 5-fold
# CV), the demo gold, a scikit-learn reference on the same embeddings and
# folds, and coding speed on synthetic vectors. Run from the repository root.
set -euo pipefail
BIN=${BIN:-target/release/autocode}
SHARED=${SHARED:-../shared}
OPP=$SHARED/eval/opp115-dev
CACHE=${AUTOCODE_EVAL_CACHE:-.bench/cache}
mkdir -p "$CACHE" .bench
summary() { python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(f"{sys.argv[1]:<34} macro-F1 {r[\"macro_f1\"]:.3f}  mean kappa {r[\"mean_kappa\"]:.3f}  ECE {r[\"ece\"]:.4f}  ({r[\"seconds\"]:.0f} s)" + (f"  humans {r[\"human_mean_kappa\"]:.3f}" if r.get("human_mean_kappa") else ""))' "$1"; }
if [ -f "$OPP/segments.jsonl" ]; then
  ev() { "$BIN" --quiet eval code --gold "$OPP/segments.jsonl" --codebook "$OPP/codebook.json" --cache "$CACHE" --json "$@"; }
  ev --mode auto --dump .bench/opp-dump.json | summary "supervised (embedding+tfidf)"
  ev --mode auto --features embedding | summary "supervised (embedding only)"
  ev --mode auto --features tfidf | summary "supervised (tfidf only)"
  ev --mode zero-shot | summary "zero-shot (definitions)"
  ev --mode keyword | summary "keyword baseline (code names)"
  for n in 10 25 50 100 200; do ev --mode auto --per-code "$n" | summary "learning curve: $n per code"; done
  if [ ! -x .bench/sk/bin/python ]; then python3 -m venv .bench/sk && .bench/sk/bin/pip install -q scikit-learn numpy scipy; fi
  .bench/sk/bin/python tests/bench/classify_sklearn.py .bench/opp-dump.json
else
  echo "SKIP: $OPP not found; OPP-115 classification benchmarks not run"
fi
"$BIN" --quiet eval code --gold data/demo/gold.jsonl --codebook data/demo/codebook.yaml --cache "$CACHE" --json | summary "demo gold (5-fold by group)"
"$BIN" --quiet eval code --gold data/demo/gold.jsonl --codebook data/demo/codebook.yaml --cache "$CACHE" --json --question-weight 0 | summary "demo gold, without the question"
"$BIN" --quiet eval code --gold data/interviews/gold.jsonl --codebook data/interviews/codebook.yaml --cache "$CACHE" --json | summary "interviews gold (5-fold by interview)"
"$BIN" --quiet eval code --gold data/interviews/gold.jsonl --codebook data/interviews/codebook.yaml --cache "$CACHE" --json --question-weight 0 | summary "interviews gold, without the question"
cargo run --quiet --release -p classify --example speed -- 100000 25
