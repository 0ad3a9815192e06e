#!/usr/bin/env bash
# Checks this crate's MPNet encoder (src/model/mpnet.rs and the inference encoder) against Hugging
# Face's MPNetModel on the real all-mpnet-base-v2 weights: the same token ids from tokenizer.json and
# the same last hidden state, to 1e-3, from both of this crate's encoders.
#
#   bash scripts/check-mpnet-reference.sh [WORK]     (WORK defaults to target/mpnet-reference)
#
# Fetches the weights (scripts/fetch-mpnet.sh) and installs torch 2.4.0 and transformers 4.44.2 into
# WORK/pylib when Python lacks them (about 1 GB), then runs the test
# `all_mpnet_base_v2_matches_hugging_face` in tests/mpnet_encoder.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-target/mpnet-reference}"
mkdir -p "$work"
bash scripts/fetch-mpnet.sh "$work/base"
export PYTHONPATH="$PWD/$work/pylib${PYTHONPATH:+:$PYTHONPATH}"
python3 -c "import torch, transformers" 2>/dev/null ||
  python3 -m pip install -q --target "$work/pylib" torch==2.4.0 transformers==4.44.2
python3 - "$work" <<'PY'
import json, sys, torch
from transformers import AutoTokenizer, MPNetModel
from safetensors.torch import save_file
work = sys.argv[1]
texts = [
    "China welcomed the deal, while Russia threatened to cut gas supplies to Ukraine.",
    "Beijing's crackdown on protesters in Hong Kong drew sharp criticism from the European Union.",
    "We call upon all Member States to support the peaceful settlement of disputes in accordance with the Charter of the United Nations, and we note with concern that the arms race continues unabated.",
    "Iran",
    "Naïve café owners in São Paulo said: \"the West's sanctions—and Moscow's replies—hurt us\".",
]
tok = AutoTokenizer.from_pretrained(f"{work}/base")
model = MPNetModel.from_pretrained(f"{work}/base", add_pooling_layer=False).eval()
enc = tok(texts, padding=True, return_tensors="pt")
with torch.no_grad():
    states = model(**enc).last_hidden_state
save_file({"input_ids": enc["input_ids"].contiguous(), "attention_mask": enc["attention_mask"].contiguous(),
           "last_hidden_state": states.contiguous()}, f"{work}/reference.safetensors")
json.dump(texts, open(f"{work}/texts.json", "w"), ensure_ascii=False)
print(f"reference: {len(texts)} texts, {enc['input_ids'].shape[1]} tokens wide")
PY
STANCE_MPNET_REFERENCE="$PWD/$work" cargo test --release --test mpnet_encoder all_mpnet_base_v2_matches_hugging_face -- --ignored --nocapture
