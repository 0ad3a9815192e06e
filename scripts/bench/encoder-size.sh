#!/usr/bin/env bash
# What a stronger encoder would cost here (issue 16): a BERT-base-shaped encoder (hidden 768, 12
# layers, 109 M parameters: the size of all-mpnet-base-v2, the largest encoder with weights that the
# registries carry) against the shipped MiniLM-L6 shape, in this project's own trainer and scorer.
# The big encoder's weights are random (the work per step does not depend on their values), built
# from .base-model's tensor names with every 384 made 768 and every 1536 made 3072.
#
#   1. `stance train` with the flags of the shipped model's last runs, each run stopped after DUR
#      seconds (default 200), the two encoders interleaved for ROUNDS rounds (default 2): seconds a
#      step (the trainer's own 20-step figures, the first left out) and peak resident memory;
#   2. `stance score` at the default precision on the first 400 validation sentences of the
#      actor-stance corpus, with the shipped model and with a stance model on the big encoder (a
#      20-step checkpoint, heads and all), interleaved three times by interleave.sh: wall seconds a run,
#      model load included.
#
#   bash scripts/bench/encoder-size.sh [DUR] [ROUNDS]
# Needs a release build, .base-model (scripts/setup.sh --base-model) and Python with numpy and
# safetensors (installed into target/bench/pylib if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
dur="${1:-200}"
rounds="${2:-2}"
bin="${STANCE_BIN:-target/release/stance}"
big=target/bench/bert-base-random
mkdir -p target/bench
export PYTHONPATH="$PWD/target/bench/pylib${PYTHONPATH:+:$PYTHONPATH}"
python3 -c "import numpy, safetensors" 2>/dev/null ||
  python3 -m pip install -q --target target/bench/pylib numpy safetensors
if [ ! -s "$big/model.safetensors" ]; then
  mkdir -p "$big"
  cp .base-model/tokenizer.json .base-model/vocab.txt "$big/"
  python3 - "$big" <<'PY'
import json, sys, numpy as np
from safetensors.numpy import load_file, save_file
out_dir = sys.argv[1]
small = load_file(".base-model/model.safetensors")
rng = np.random.default_rng(0)
hidden, layers, inner = 768, 12, 3072
grow = lambda shape: tuple(hidden if d == 384 else inner if d == 1536 else d for d in shape)
out = {}
for name, t in small.items():
    if name.startswith("encoder.layer.") and not name.startswith("encoder.layer.0."):
        continue
    if t.dtype == np.int64:
        out[name] = t
        continue
    shape = grow(t.shape)
    if name.endswith("LayerNorm.weight"):
        a = np.ones(shape, np.float32)
    elif name.endswith("bias"):
        a = np.zeros(shape, np.float32)
    else:
        a = (rng.standard_normal(shape) * 0.02).astype(np.float32)
    if name.startswith("encoder.layer.0."):
        for layer in range(layers):
            out[name.replace("encoder.layer.0.", f"encoder.layer.{layer}.")] = a.copy()
    else:
        out[name] = a
save_file(out, f"{out_dir}/model.safetensors")
config = json.load(open(".base-model/config.json"))
config.update(hidden_size=hidden, num_hidden_layers=layers, intermediate_size=inner,
              _name_or_path="random weights, BERT-base shape (timing only)")
json.dump(config, open(f"{out_dir}/config.json", "w"), indent=1)
print(f"{out_dir}: {sum(a.size for a in out.values()) / 1e6:.1f} M parameters", file=sys.stderr)
PY
fi

train() { # BASE WORK SECONDS EXTRA... -> the trainer's log, with GNU time's report
  local base=$1 work=$2 secs=$3
  shift 3
  rm -rf "$work" "$work-out"
  /usr/bin/time -v timeout "$secs" "$bin" train --base "$base" --target-attention --target-locality \
    --actor-repeat 2 --contrast-repeat 3 --epochs 1 --lr 2e-5 --sst2-per-epoch 4000 --threads 2 --seed 13 \
    --work "$work" --out "$work-out" "$@" 2>&1 || true
}
summary() { # NAME ROUND < log
  python3 -c '
import re, statistics, sys
t = sys.stdin.read()
steps = [float(x) for x in re.findall(r"\((\d+\.\d+)s/step\)", t)][1:]
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
med = f"{statistics.median(steps):.2f}" if steps else "none logged"
print(f"{sys.argv[1]:<14} round {sys.argv[2]}: {len(steps)} figures of 20 steps, median {med} s a step, peak RSS {int(rss.group(1)) / 2**20:.2f} GiB")
' "$1" "$2"
}

echo "training steps, $dur s a run:"
for round in $(seq "$rounds"); do
  for base in .base-model "$big"; do
    name=$([ "$base" = "$big" ] && echo "BERT-base size" || echo "MiniLM-L6")
    train "$base" "target/bench/encoder-size-work" "$dur" --checkpoint-every 100000 | summary "$name" "$round"
  done
done

ckpt=target/bench/encoder-size-checkpoint
train "$big" "$ckpt" 120 --checkpoint-every 20 > /dev/null
[ -s "$ckpt/last/model.safetensors" ] || { echo "encoder-size.sh: no checkpoint written in 120 s" >&2; exit 1; }
input=target/bench/encoder-size-input.jsonl
python3 - "$input" <<'PY'
import json, sys
seen, out = set(), open(sys.argv[1], "w")
for line in open("data/actor-stance/corpus.jsonl"):
    p = json.loads(line)
    if p["split"] != "validation" or p["text"] in seen:
        continue
    seen.add(p["text"])
    out.write(json.dumps({"id": p["id"], "text": p["text"], "targets": [{"start": p["start"], "end": p["end"]}]}) + "\n")
    if len(seen) == 400:
        break
PY
echo "stance score, 400 sentences, default precision, model load included:"
bash scripts/bench/interleave.sh 3 \
  "MiniLM-L6|$bin score $input --model models/stance-minilm --quiet" \
  "BERT-base size|$bin score $input --model $ckpt/last --quiet"
