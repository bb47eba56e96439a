#!/usr/bin/env bash
# `make bench` stage (called by audit.sh): validity of the report's intervals
# in the product's own loop, where the classifier is retrained on every draw.
# On data/demo: the project coded with no audit sample, then for each seed 1..SEEDS on a
# copy of its store: `audit draw --size 12 --seed s` (12 of 47 participants),
# `code --import-gold data/demo/gold.jsonl --audit-only` (people's coding of
# the drawn participants; `code` retrains and cross-fits), `report`. Each
# code's interval is checked against the census count of the demo's gold
# (a parent counts its children). Prints per-code coverage with its Monte
# Carlo error and the estimate's mean error. Run from the repository root.
set -euo pipefail
BIN=${BIN:-$PWD/target/release/autocode}
SEEDS=${SEEDS:-200}
PY=${PY:-python3}
W=$(mktemp -d "${TMPDIR:-/tmp}/autocode-audit-workflow.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/reports"
"$BIN" --quiet init "$W/base"
"$BIN" --quiet --project "$W/base" ingest data/demo --participants data/demo/participants.csv > /dev/null
"$BIN" --quiet --project "$W/base" embed > /dev/null
"$BIN" --quiet --project "$W/base" code --codebook data/demo/codebook.yaml > /dev/null
for s in $(seq 1 "$SEEDS"); do
  rm -rf "$W/w"; mkdir -p "$W/w"; cp "$W/base/autocode.db" "$W/w/"
  "$BIN" --quiet --project "$W/w" audit draw --size 12 --seed "$s" > /dev/null
  "$BIN" --quiet --project "$W/w" code --import-gold data/demo/gold.jsonl --audit-only > /dev/null 2>&1
  "$BIN" --quiet --project "$W/w" report --format csv --out "$W/w" > /dev/null 2>&1
  cp "$W/w/report.csv" "$W/reports/report_$s.csv"
done
"$PY" - "$W/reports" data/demo/gold.jsonl data/demo/codebook.yaml <<'PY'
import csv, glob, json, math, re, sys
reports, gold, codebook = sys.argv[1:4]
# The codebook's parents, read without a YAML library: `- id:` then `parent:`.
parent, current = {}, None
for line in open(codebook):
    m = re.match(r"\s*-\s*id:\s*(\S+)", line)
    if m:
        current = m.group(1).strip("'\"")
        parent[current] = None
    m = re.match(r"\s+parent:\s*(\S+)", line)
    if m and current:
        parent[current] = m.group(1).strip("'\"")
truth = {}
for g in map(json.loads, open(gold)):
    for code in g["labels"]:
        while code:
            truth.setdefault(code, set()).add((g["doc"], g["speaker"]))
            code = parent.get(code)
rows = {}
files = sorted(glob.glob(reports + "/report_*.csv"))
for f in files:
    for r in csv.DictReader(open(f)):
        t = len(truth.get(r["code_id"], ()))
        lo, hi, est = float(r["estimate_low"]), float(r["estimate_high"]), float(r["estimate"])
        rows.setdefault(r["code_id"], []).append((lo - 1e-6 <= t <= hi + 1e-6, est - t, r["estimate_method"]))
print(f"{len(files)} seeded audits of 12 of 47 participants (demo); per code, coverage of the 95% interval")
print(f"{'code':28s} {'truth':>5s} {'coverage':>16s} {'mean error':>10s}")
pooled = []
for code in sorted(rows, key=lambda c: sum(x[0] for x in rows[c]) / len(rows[c])):
    hits = [x[0] for x in rows[code]]
    p = sum(hits) / len(hits)
    pooled += hits
    err = sum(x[1] for x in rows[code]) / len(hits)
    print(f"{code:28s} {len(truth.get(code, ())):5d} {p:8.3f} ± {math.sqrt(p * (1 - p) / len(hits)):.3f} {err:+10.2f}")
print(f"pooled over codes: {sum(pooled) / len(pooled):.3f}")
PY
