#!/usr/bin/env bash
# Runs several commands in turn, ROUNDS times (A, B, C, A, B, C, ...), so that this machine's
# drift in speed hits them alike, and prints each one's median, fastest and slowest wall time and
# median user CPU time (GNU time). Used for BENCHMARKS.md's before/after, layout and chunk runs:
#   bash scripts/bench/interleave.sh 5 \
#     "workers1|target/release/stance score target/bench/agnews-actor-sentences.jsonl --quiet --workers 1" \
#     "workers2|target/release/stance score target/bench/agnews-actor-sentences.jsonl --quiet --workers 2"
set -euo pipefail
rounds="$1"
shift
log=$(mktemp)
trap 'rm -f "$log" "$log.t"' EXIT
for r in $(seq "$rounds"); do
  for spec in "$@"; do
    label="${spec%%|*}"
    cmd="${spec#*|}"
    /usr/bin/time -f "%e %U" -o "$log.t" bash -c "$cmd" > /dev/null 2>&1
    echo "$label $(cat "$log.t")" >> "$log"
  done
done
python3 - "$log" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, wall, user = line.rsplit(maxsplit=2)
    runs[label].append((float(wall), float(user)))
for label, v in runs.items():
    wall = [w for w, _ in v]
    print(f"{label:30s} wall median {statistics.median(wall):.2f} s (min {min(wall):.2f}, max {max(wall):.2f}), "
          f"user median {statistics.median(u for _, u in v):.2f} s; each run: {' '.join(f'{w:.2f}' for w in wall)}")
PY
