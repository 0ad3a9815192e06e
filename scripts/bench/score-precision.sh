#!/usr/bin/env bash
# Times `stance score` end to end (model load included) on every AG News test sentence that mentions
# a default actor, once per precision per run (interleaved), and prints sentences/s and peak memory;
# then how often each precision's labels equal fp32's, and whether a precision's scores depend on
# which sentences share a batch (scored again with --batch-size 8 instead of 16). Needs
# ../shared/data/agnews and a release build.
#   bash scripts/bench/score-precision.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
input=target/bench/agnews-actor-sentences.jsonl
mkdir -p target/bench
[ -s "$input" ] || cargo bench --bench score_throughput -- --write-score-input "$input"
n=$(wc -l < "$input")
for r in $(seq "$runs"); do
  for precision in fp32 bf16 int8; do
    /usr/bin/time -f "%e %M" -o target/bench/time.txt \
      target/release/stance score "$input" --quiet --precision "$precision" > "target/bench/scores-$precision.jsonl"
    read -r secs kib < target/bench/time.txt
    python3 -c "print(f'$precision run $r: $n sentences in {$secs:.2f} s = {$n/$secs:.1f} sentences/s, peak {$kib/1024:.0f} MiB')"
  done
done
for precision in fp32 bf16 int8; do
  target/release/stance score "$input" --quiet --precision "$precision" --batch-size 8 > "target/bench/scores-$precision-batch8.jsonl"
done
python3 - <<'PY'
import json
def load(p):
    return [json.loads(line) for line in open(p)]
def labels(rows):
    out = []
    for o in rows:
        out += [t["label"] for t in o["targets"]] + ["s:" + o["sentiment_label"]]
    return out
def probs(rows):
    out = []
    for o in rows:
        out += [list(t["stance"].values()) for t in o["targets"]] + [list(o["sentiment"].values())]
    return out
fp32 = load("target/bench/scores-fp32.jsonl")
for p in ["fp32", "bf16", "int8"]:
    rows, batch8 = load(f"target/bench/scores-{p}.jsonl"), load(f"target/bench/scores-{p}-batch8.jsonl")
    a, b = labels(fp32), labels(rows)
    same = sum(x == y for x, y in zip(a, b))
    c = labels(batch8)
    stable = sum(x == y for x, y in zip(b, c))
    drift = max(abs(x - y) for u, v in zip(probs(rows), probs(batch8)) for x, y in zip(u, v))
    print(f"{p}: labels equal to fp32 on {same}/{len(a)} = {same/len(a):.4f}; "
          f"batch 8 vs 16: labels equal on {stable}/{len(b)} = {stable/len(b):.4f}, largest probability change {drift:.4f}")
PY
