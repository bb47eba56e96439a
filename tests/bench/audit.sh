#!/usr/bin/env bash
# `make bench` stage: validity of the report's audit-based intervals. The
# default classifier's out-of-fold probabilities (grouped 5-fold CV) stand in
# for the machine; `eval audit` draws 1,000 seeded random audit samples of 10%,
# 20% and 30% of the units and reports how often the prediction-powered 95%
# interval holds the true count, its width against the sample-only interval,
# and the mean absolute count errors. Run from the repository root.
set -euo pipefail
BIN=${BIN:-target/release/autocode}
SHARED=${SHARED:-../shared}
OPP=$SHARED/eval/opp115-dev
DRAWS=${DRAWS:-1000}
CACHE=${AUTOCODE_EVAL_CACHE:-.bench/cache}
mkdir -p "$CACHE" .bench
if [ -f "$OPP/segments.jsonl" ]; then
  "$BIN" --quiet eval code --gold "$OPP/segments.jsonl" --codebook "$OPP/codebook.json" --cache "$CACHE" \
    --predictions .bench/opp-predictions.jsonl --json > /dev/null
  echo "--- OPP-115 dev, units = policies"
  "$BIN" eval audit --predictions .bench/opp-predictions.jsonl --unit doc --draws "$DRAWS" --per-code
  echo "--- OPP-115 dev, units = segments"
  "$BIN" eval audit --predictions .bench/opp-predictions.jsonl --unit item --draws "$DRAWS" --per-code
else
  echo "SKIP: $OPP not found; OPP-115 audit simulation not run"
fi
for mode in auto zero-shot; do
  "$BIN" --quiet eval code --gold data/demo/gold.jsonl --codebook data/demo/codebook.yaml --cache "$CACHE" \
    --mode "$mode" --predictions ".bench/demo-$mode-predictions.jsonl" --json > /dev/null
  echo "--- demo, units = participants, classifier --mode $mode"
  "$BIN" eval audit --predictions ".bench/demo-$mode-predictions.jsonl" --unit speaker --draws "$DRAWS" --per-code
done
echo "--- demo, the whole workflow per draw (audit draw, code --import-gold --audit-only, report)"
SEEDS=${WORKFLOW_SEEDS:-200} bash tests/bench/audit_workflow.sh
