#!/usr/bin/env python3
"""Writes tests/fixtures/mpnet-tiny: a tiny MPNet with random weights (Hugging Face transformers'
MPNetModel, seed 0) and what MPNetModel computes on three rows of token ids, one of them 150 tokens
long so that every bucket of relative distance is used. tests/mpnet_encoder.rs holds this crate's
two MPNet encoders to these states, offline. The ids are random (the tokenizer is not under test
here; scripts/check-mpnet-reference.sh checks it on the real model).

  PYTHONPATH=<dir with torch 2.4.0 and transformers 4.44.2> python3 scripts/make-mpnet-fixture.py
"""
import json, os, torch
from safetensors.torch import save_file
from transformers import MPNetConfig, MPNetModel

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "mpnet-tiny")
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
config = MPNetConfig(vocab_size=120, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=160, relative_attention_num_buckets=32,
                     layer_norm_eps=1e-5, pad_token_id=1, hidden_act="gelu")
model = MPNetModel(config, add_pooling_layer=False).eval()
with torch.no_grad():  # the bias starts at N(0, 0.02); make it large enough to matter
    model.encoder.relative_attention_bias.weight.normal_(0.0, 1.0)
lengths = [150, 12, 40]
ids = torch.full((len(lengths), max(lengths)), config.pad_token_id, dtype=torch.long)
mask = torch.zeros_like(ids)
for r, n in enumerate(lengths):
    ids[r, :n] = torch.randint(4, config.vocab_size, (n,))
    ids[r, 0], ids[r, n - 1] = 0, 2
    mask[r, :n] = 1
with torch.no_grad():
    states = model(input_ids=ids, attention_mask=mask).last_hidden_state
conf = config.to_dict()
conf["model_type"] = "mpnet"
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump({k: conf[k] for k in ("model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                    "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
                                    "max_position_embeddings", "initializer_range", "layer_norm_eps", "pad_token_id",
                                    "relative_attention_num_buckets")}, f, indent=1)
save_file({k: v.contiguous() for k, v in model.state_dict().items() if not k.endswith("position_ids")},
          os.path.join(out, "model.safetensors"))
save_file({"input_ids": ids, "attention_mask": mask, "last_hidden_state": states.contiguous()},
          os.path.join(out, "reference.safetensors"))
print(f"wrote {out}: {sum(p.numel() for p in model.parameters())} parameters, rows of {lengths} tokens")
