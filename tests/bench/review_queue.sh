#!/usr/bin/env bash
# The review page's queue at scale (issue 15): how long `GET /api/queue`
# takes on the pipeline bench's 100k-sentence store (tests/bench/pipeline.sh
# leaves it in .bench/pipeline) in the default `representative` order
# (facility location on the sentence vectors, classify::active) against the
# `balanced` order it replaced (no vectors), the named reference, in the
# same run, alternating, as a ratio. Measured twice: on the store as coded
# (nothing reviewed) and after REVIEW_DECISIONS decisions posted through the
# page's API (what is reviewed is what the order must cover). The page asks
# for its queue when it opens and when a filter changes, not after each
# decision. Then times `autocode code` retraining on those decisions.
# Works on copies: the pipeline's store is left as it was.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/release/autocode}
STORE=${REVIEW_STORE:-.bench/pipeline/store/autocode.db}
ROUNDS=${REVIEW_ROUNDS:-5}
DECISIONS=${REVIEW_DECISIONS:-200}
[ -x "$BIN" ] || { echo "review queue bench: $BIN missing (run make build)" >&2; exit 1; }
[ -f "$STORE" ] || { echo "review queue bench: $STORE missing (run tests/bench/pipeline.sh first)" >&2; exit 1; }
W=$(mktemp -d)
cp "$STORE" "$W/autocode.db"
TOKEN=bench-$(date +%s)-token
$BIN --project "$W/autocode.db" review --listen 127.0.0.1:0 --token "$TOKEN" --reviewer bench > "$W/out" 2> "$W/err" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$W"' EXIT
for _ in $(seq 100); do grep -q '^review page:' "$W/out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's#^review page: \(http://[^/]*\)/.*#\1#p' "$W/out")
[ -n "$BASE" ] || { echo "review queue bench: the page did not start:" >&2; cat "$W/err" >&2; exit 1; }

get() { # order -> seconds; the body goes to $W/body.<order>
  curl -sf -o "$W/body.$1" -w '%{time_total}' -H "X-Autocode-Token: $TOKEN" "$BASE/api/queue?order=$1"
}
measure() { # label
  local b r
  b=(); r=()
  for _ in $(seq "$ROUNDS"); do
    b+=("$(get balanced)"); r+=("$(get representative)")
  done
  python3 - "$1" "$W" "${b[*]}" "${r[*]}" <<'PY'
import json, statistics, sys
label, w, b, r = sys.argv[1], sys.argv[2], list(map(float, sys.argv[3].split())), list(map(float, sys.argv[4].split()))
total = json.load(open(f"{w}/body.representative"))["total"]
mb, mr = statistics.median(b), statistics.median(r)
print(f"| {label} | {total} | {mr:.3f} s ({', '.join(f'{x:.3f}' for x in r)}) | "
      f"{mb:.3f} s ({', '.join(f'{x:.3f}' for x in b)}) | {mr / mb:.2f} |")
PY
}

echo "store: $STORE ($(du -h "$STORE" | cut -f1)); $ROUNDS rounds each, alternating"
echo "| reviewed | open suggestions | representative (median; rounds) | balanced (median; rounds) | ratio |"
echo "|---|---:|---|---|---:|"
measure "nothing"
# Accept or reject the representative queue's first suggestions, as a
# reviewer would: every other one.
python3 - "$BASE" "$TOKEN" "$W/body.representative" "$DECISIONS" <<'PY'
import json, sys, urllib.request
base, token, body, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
items = json.load(open(body))["items"][:n]
# A decision moves its sentence's version on: the next decision on the
# same sentence carries the new one.
version = {}
for i, it in enumerate(items):
    req = urllib.request.Request(
        f"{base}/api/decision", method="POST",
        data=json.dumps({"segment_id": it["segment_id"], "code_id": it["code_id"],
                         "decision": "accept" if i % 2 == 0 else "reject",
                         "reviewer": "bench",
                         "version": version.get(it["segment_id"], it["version"])}).encode(),
        headers={"X-Autocode-Token": token, "Content-Type": "application/json"})
    version[it["segment_id"]] = json.load(urllib.request.urlopen(req))["version"]
PY
measure "$DECISIONS decisions"
echo "page process peak RSS: $(awk '/VmHWM/{print int($2/1024) " MB"}' /proc/$PID/status)"
kill $PID 2>/dev/null || true
wait $PID 2>/dev/null || true

# Retraining after the batch of reviews (issue 15: "retraining after a
# batch of reviews takes seconds on 100k sentences"): `autocode code` on
# the reviewed copy fits the classifier again on the decisions and codes
# every sentence anew. Reference, the same run: `autocode code` on a copy
# of the store as coded without its classifier cache, which loads and fits
# the same way but finds nothing to code (the floor of any run that fits);
# the first coding of the whole store is the pipeline bench's `code` stage
# (.bench/pipeline/rows). A run with nothing new loads the cached
# classifier instead of fitting (docs/classify.md, "The classifier cache"):
# emptying the table is what makes the reference fit.
cp "$STORE" "$W/unreviewed.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM classifier_cache"); c.commit()' "$W/unreviewed.db"
timed_code() { # store -> "secs MB coded"
  RAYON_NUM_THREADS=${PIPELINE_THREADS:-2} /usr/bin/time -f "%e %M" -o "$W/time.code" \
    $BIN --quiet --project "$1" code --json > "$W/code.json" 2> "$W/code.err" || {
      echo "review queue bench: autocode code failed:" >&2; cat "$W/code.err" >&2; exit 1; }
  read -r secs kb < "$W/time.code"
  echo "$secs $((kb / 1024)) $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["coded"])' "$W/code.json")"
}
read -r ref_s ref_mb ref_n <<< "$(timed_code "$W/unreviewed.db")"
read -r re_s re_mb re_n <<< "$(timed_code "$W/autocode.db")"
first=$(awk '$1 == "autocode" && $2 == "code" {print $3}' .bench/pipeline/rows 2>/dev/null || true)
echo
echo "| autocode code | sentences coded | wall | peak RSS |"
echo "|---|---:|---:|---:|"
echo "| nothing reviewed, nothing new (reference: load and fit) | $ref_n | $ref_s s | $ref_mb MB |"
echo "| after $DECISIONS decisions (retrain, code everything again) | $re_n | $re_s s | $re_mb MB |"
python3 -c "import sys; r, b = float(sys.argv[1]), float(sys.argv[2]); print(f'ratio, retrain / reference: {r / b:.2f}')" "$re_s" "$ref_s"
[ -n "$first" ] && echo "the pipeline bench's first coding of this store (its code stage): $first s"
