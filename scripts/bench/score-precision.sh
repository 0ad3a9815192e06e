#!/usr/bin/env bash
# Times `stance score` end to end (model load included) on every AG News test sentence that mentions
# a default actor, once per precision, and prints sentences/s and peak memory; then the agreement of
# each precision's labels with fp32's. Needs ../shared/data/agnews and a release build.
#   bash scripts/bench/score-precision.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
input=target/bench/agnews-actor-sentences.jsonl
mkdir -p target/bench
[ -s "$input" ] || cargo bench --bench score_throughput -- --write-score-input "$input"
n=$(wc -l < "$input")
for precision in fp32 bf16; do
  for r in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o target/bench/time.txt \
      target/release/stance score "$input" --quiet --precision "$precision" > "target/bench/scores-$precision.jsonl"
    read -r secs kib < target/bench/time.txt
    python3 -c "print(f'$precision run $r: $n sentences in {$secs:.2f} s = {$n/$secs:.1f} sentences/s, peak {$kib/1024:.0f} MiB')"
  done
done
python3 - <<'PY'
import json
def labels(p):
    out = []
    for line in open(p):
        o = json.loads(line)
        out += [t["label"] for t in o["targets"]] + ["s:" + o["sentiment_label"]]
    return out
a, b = labels("target/bench/scores-fp32.jsonl"), labels("target/bench/scores-bf16.jsonl")
same = sum(x == y for x, y in zip(a, b))
print(f"bf16 labels equal to fp32 on {same}/{len(a)} = {same/len(a):.4f} (stance targets and sentence sentiment)")
PY
