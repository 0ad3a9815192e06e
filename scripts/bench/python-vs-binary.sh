#!/usr/bin/env bash
# The Python package against the binary on the benchmark sentences, end to end (one process per
# run, model load and reading the input included, GNU time: wall seconds and peak RSS), rounds
# interleaved (binary score, python score, binary analyze, python analyze, ...) so that this
# machine's drift hits all alike; prints every run, the medians and the ratio python / binary.
#   score:   target/bench/agnews-actor-sentences.jsonl (2,133 AG News test sentences naming a default
#            actor, 2,781 targets), `stance score FILE` against `stance.score(lines)` on the parsed lines
#   analyze: target/bench/agnews-test.jsonl (the 7,600 AG News test items), `stance analyze FILE
#            --format json` against `stance.analyze(files=[FILE])` (the call: the model and the
#            JSON's bytes; the JSON is parsed and the tables built on first use) and against the call
#            with its three tables built (analyze-python-tables)
# Both inputs are written by scripts/bench/throughput.sh. Needs .venv-python (scripts/python.sh).
#   bash scripts/bench/python-vs-binary.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-5}"
bin="${STANCE_BIN:-target/release/stance}"
py=.venv-python/bin/python
sentences=target/bench/agnews-actor-sentences.jsonl
items=target/bench/agnews-test.jsonl
for f in "$sentences" "$items"; do
  [ -s "$f" ] || { echo "missing $f: run bash scripts/bench/throughput.sh 1 first" >&2; exit 2; }
done
log=$(mktemp)
trap 'rm -f "$log" "$log.t"' EXIT
run() { # label command...
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$log.t" "$@" > /dev/null 2>&1
  echo "$label $(cat "$log.t")" | tee -a "$log"
}
for r in $(seq "$rounds"); do
  run score-binary "$bin" score "$sentences" --quiet
  run score-python "$py" -c "import json, stance; stance.score([json.loads(l) for l in open('$sentences')])"
  run analyze-binary "$bin" analyze "$items" --quiet --format json
  run analyze-python "$py" -c "import stance; stance.analyze(files=['$items'])"
  run analyze-python-tables "$py" -c "import stance; a = stance.analyze(files=['$items']); a.tidy, a.documents, a.evidence"
done
python3 - "$log" "$(wc -l < "$sentences")" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, wall, kib = line.split()
    runs[label].append((float(wall), int(kib)))
n = int(sys.argv[2])
med = {}
for label, v in runs.items():
    wall = [w for w, _ in v]
    med[label] = statistics.median(wall)
    print(f"{label:21s} wall median {med[label]:.2f} s ({n / med[label]:.0f} sentences/s; min {min(wall):.2f}, "
          f"max {max(wall):.2f}), peak RSS median {statistics.median(k for _, k in v) / 1024:.0f} MiB; "
          f"runs: {' '.join(f'{w:.2f}' for w in wall)}")
for cmd in ("score", "analyze"):
    print(f"{cmd}: python / binary = {med[cmd + '-python'] / med[cmd + '-binary']:.3f} (medians)")
print(f"analyze with the three tables built: python / binary = {med['analyze-python-tables'] / med['analyze-binary']:.3f}")
PY
