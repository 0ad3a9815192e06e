#!/usr/bin/env bash
# The README's State of the Union example, end to end: fetch the addresses, score them once by party
# and decade, compare Democrats and Republicans on each actor, print the time series by decade, and
# write the dashboard page. Outputs go to OUT (default runs/sotu-demo/).
#
#   bash scripts/sotu/demo.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/sotu-demo}"
mkdir -p "$out"
stance="${STANCE:-target/release/stance}"
bash scripts/sotu/fetch.sh
# 1. Score once: every speech, grouped by party and decade (the Cold War aliases added).
"$stance" analyze data/sotu/sotu.jsonl --actors examples/sotu/actors.toml \
    --by meta.party --by date:decade --format json > "$out/analysis.json"
# 2. Compare the two big parties on each actor, from the saved analysis.
"$stance" compare --analysis "$out/analysis.json" --by meta.party --groups Democratic,Republican \
    --format table | tee "$out/compare.txt"
"$stance" compare --analysis "$out/analysis.json" --by meta.party --groups Democratic,Republican \
    --format json > "$out/compare.json"
# 3. Stance toward Russia / the USSR by decade, as tidy rows (from a run grouped by decade only).
"$stance" analyze data/sotu/sotu.jsonl --actors examples/sotu/actors.toml --by date:decade \
    --format tidy-csv --quiet --output "$out/decades.csv"
# 4. The page.
"$stance" report "$out/analysis.json" --compare "$out/compare.json" --output "$out/page.html"
echo "demo: wrote $out/analysis.json, compare.txt, compare.json, decades.csv, page.html" >&2
