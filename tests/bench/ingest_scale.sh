#!/usr/bin/env bash
# `make bench` stage: ingest time against the number of speaker turns, to
# show it is linear (it was quadratic: the code-point index restarted from
# byte 0 on every turn). One CSV per size, rows of one document with three
# speakers and multi-byte text, ingested into a fresh project each time.
# Run from the repository root. INGEST_TURNS overrides the sizes.
set -euo pipefail
BIN=${BIN:-target/release/autocode}
SIZES=${INGEST_TURNS:-"10000 100000 1000000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-10s %10s %12s %14s\n' turns seconds "µs/turn" "peak RSS MB"
for n in $SIZES; do
  csv="$work/turns-$n.csv"
  awk -v n="$n" 'BEGIN {
    split("Anna|Zoë|Ünal", who, "|")
    split("We need more light at the station.|Grüße — das ist 3.5 mal so teuer. Wirklich?|監視は怖い。でも必要です。|Mr. Ørsted said so, e.g. last week… I agree.", say, "|")
    print "doc,speaker,text"
    for (i = 0; i < n; i++) printf "d,%s,\"%s\"\n", who[i % 3 + 1], say[i % 4 + 1]
  }' > "$csv"
  project="$work/project-$n"
  "$BIN" --quiet --project "$project" init >/dev/null
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$BIN" --quiet --project "$project" ingest "$csv" >/dev/null
  end=$(date +%s.%N)
  awk -v n="$n" -v s="$start" -v e="$end" -v kb="$(cat "$work/rss")" \
    'BEGIN { t = e - s; printf "%-10d %10.2f %12.2f %14.0f\n", n, t, t / n * 1e6, kb / 1024 }'
done
