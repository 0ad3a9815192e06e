#!/usr/bin/env bash
# The big real corpus: all 548,594 Reuters headlines (2007-2016) through `stance analyze` as a
# monthly time series, a 100,000-headline sample for the memory comparison, and `stance compare`
# of every pair of years from the saved analysis. Prints wall time and peak RSS of each step
# (GNU time). Outputs go to OUT (default runs/reuters).
#
#   bash scripts/bench/reuters.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/reuters}"
mkdir -p "$out"
stance="${STANCE:-target/release/stance}"
data=../shared/data/reuters-headlines/actor-headlines.jsonl.gz
measure() {  # name, command...
    local name="$1"; shift
    /usr/bin/time -f "$name: %e s wall, %M KiB peak RSS" "$@"
}
zcat "$data" | head -100000 > "$out/sample100k.jsonl"
measure "analyze 100k by month" "$stance" analyze "$out/sample100k.jsonl" --by date:month --format jsonl \
    --quiet --output "$out/month100k.jsonl"
measure "analyze 548,594 by month" "$stance" analyze "$data" --by date:month --format jsonl \
    --quiet --output "$out/month.jsonl"
measure "compare 10 years (45 pairs x 4 actors)" "$stance" compare --analysis "$out/month.jsonl" \
    --by date:year --format json > "$out/compare-years.json"
measure "compare 2008 vs 2014" "$stance" compare --analysis "$out/month.jsonl" --by date:year \
    --groups 2008,2014 --format table
