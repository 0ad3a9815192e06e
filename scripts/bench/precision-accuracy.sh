#!/usr/bin/env bash
# What each inference precision costs in accuracy: stance eval on the actor-stance test split, the
# NewsMTSC validation part (as stance train holds it out) and SST-2 valid.tsv, for fp32 and bf16,
# and each precision's macro F1 / accuracy side by side. Needs ../shared/data and a release build.
#   bash scripts/bench/precision-accuracy.sh [MODEL_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
model="${1:-models/stance-minilm}"
mkdir -p target/bench
for p in fp32 bf16 int8; do
  target/release/stance eval data/actor-stance/corpus.jsonl \
    --split test --model "$model" --precision "$p" > "target/bench/eval-test-$p.json"
  target/release/stance eval ../shared/data/newsmtsc/train.jsonl ../shared/data/sst2/valid.tsv \
    --split validation --model "$model" --precision "$p" > "target/bench/eval-val-$p.json"
done
python3 - <<'PY'
import json
rows = []
for p in ["fp32", "bf16", "int8"]:
    t = json.load(open(f"target/bench/eval-test-{p}.json"))["results"][0]["report"]
    v = json.load(open(f"target/bench/eval-val-{p}.json"))["results"]
    rows.append((p, t["macro_f1"], t["accuracy"], v[0]["report"]["macro_f1"], v[0]["report"]["accuracy"], v[1]["accuracy"]))
print("| precision | actor test macro F1 | actor test acc | NewsMTSC val macro F1 | NewsMTSC val acc | SST-2 valid acc |")
print("|---|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]:.4f} | {r[2]:.4f} | {r[3]:.4f} | {r[4]:.4f} | {r[5]:.4f} |")
PY
