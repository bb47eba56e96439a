#!/usr/bin/env bash
# `make bench`: runs every stage's benchmark script (tests/bench/<stage>.sh) in
# turn. Each script compares against its Python reference in the same run and
# prints a table; docs/benchmarks.md records the figures with machine and date.
# Baseline Python environments live in .bench/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${AUTOCODE_SHARED:-../shared}
export SHARED
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%FT%TZ)"
stages=${BENCH_STAGES:-"embed classify zeroshot audit themes ingest_scale pipeline review_queue"}
for stage in $stages; do
  script="tests/bench/$stage.sh"
  if [ -f "$script" ]; then
    echo; echo "=== bench: $stage ==="
    bash "$script"
  fi
done
