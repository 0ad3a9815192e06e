#!/usr/bin/env bash
# The UN General Debate showcase (README, "Two hundred states over 78 years"), end to end:
#   1. the corpus (../shared/data/un-general-debates, 10,952 speeches by 200 states, 1946-2023, CC0)
#      with each state's name, region and UN regional group added as meta (from the page's ISO
#      table, src/output/page/vendor/countries.json), into the git-ignored data/ungd/ungd.jsonl;
#   2. one analysis of every speech by state and decade (examples/ungd/actors.toml), timed;
#   3. the states most against each actor per decade (tables from the analysis);
#   4. shifts that history knows, as compare's intervals: all speeches by decade, pairs of decades;
#   5. which states differ from the rest on each actor over the whole period (--vs-rest);
#   6. the page (`stance report`).
# Outputs go to OUT (default runs/ungd-demo/). Takes about 10 minutes on 2 cores.
#
#   bash scripts/ungd/demo.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/ungd-demo}"
mkdir -p "$out" data/ungd
stance="${STANCE:-target/release/stance}"
src="${STANCE_DATA:-../shared/data}/un-general-debates/ungdc.jsonl.gz"
corpus=data/ungd/ungd.jsonl
actors=examples/ungd/actors.toml

# 1. The corpus with names and regions as meta (`--by meta.region`, `--by meta.un_group`).
python3 - "$src" "$corpus" <<'PY'
import gzip, json, sys
table = json.load(open("src/output/page/vendor/countries.json"))
fields = table["fields"]
states = {r[0]: dict(zip(fields, r)) for r in table["rows"]}
unknown = set()
with gzip.open(sys.argv[1], "rt") as f, open(sys.argv[2], "w") as out:
    for line in f:
        r = json.loads(line)
        s = states.get(r["author"])
        if s is None:
            unknown.add(r["author"])
        r["name"] = s["name"] if s else r["author"]
        r["region"] = (s or {}).get("region") or "unknown"
        r["un_group"] = (s or {}).get("un_group") or "none"
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
if unknown:
    print("demo: codes without a row in the ISO table:", sorted(unknown), file=sys.stderr)
PY

# 2. One analysis: every speech, by state and decade; time and peak memory to timing.txt.
/usr/bin/time -f "analyze: %e s wall, %M KB peak RSS" -o "$out/timing.txt" \
  "$stance" analyze "$corpus" --actors "$actors" --by author --by date:decade --format json \
  --quiet -o "$out/analysis.json"
cat "$out/timing.txt" >&2

# 3. The ten states most against (and most in favour of) each actor per decade, with at least 20
#    sentences about it.
python3 - "$out/analysis.json" > "$out/top-states.md" <<'PY'
import json, sys
from collections import defaultdict
a = json.load(open(sys.argv[1]))
table = json.load(open("src/output/page/vendor/countries.json"))
names = {r[0]: r[2] for r in table["rows"]}
actors = [x["id"] for x in a["actors"]]
by = defaultdict(list)  # (actor, decade) -> [(stance, state, sentences, ci)]
for g in a["groups"]:
    state, decade = g["key"]
    for act, p in g["actors"].items():
        if p["sentences"] >= 20:
            by[(act, decade)].append((p["stance"], state, p["sentences"], p["ci95"]))
for act in actors:
    print(f"\n### {act}\n")
    print("| decade | most against (stance, sentences) | most in favour |")
    print("|---|---|---|")
    for decade in sorted({d for (x, d) in by if x == act}):
        rows = sorted(by[(act, decade)])
        fmt = lambda r: f"{names.get(r[1], r[1])} {r[0]:+.2f} ({r[2]})"
        print(f"| {decade} | {'; '.join(fmt(r) for r in rows[:10])} | {'; '.join(fmt(r) for r in rows[::-1][:5])} |")
PY

# 4. Shifts that history knows: every speech by decade, pairs of decades on each actor.
"$stance" analyze "$corpus" --actors "$actors" --by date:decade --format json --quiet -o "$out/decades.json"
for pair in 1960s,1970s 1970s,1980s 1980s,1990s 2000s,2010s 2010s,2020s; do
  "$stance" compare --analysis "$out/decades.json" --by date:decade --groups "$pair" --format csv \
    > "$out/shift-${pair/,/-}.csv"
done

# 5. Which states differ from the rest, over the whole period (one test per state and actor, BH).
/usr/bin/time -f "compare --vs-rest: %e s wall, %M KB peak RSS" -a -o "$out/timing.txt" \
  "$stance" compare --analysis "$out/analysis.json" --by author --vs-rest --format csv > "$out/vs-rest.csv"
tail -1 "$out/timing.txt" >&2

# 6. The page.
/usr/bin/time -f "report: %e s wall, %M KB peak RSS" -a -o "$out/timing.txt" \
  "$stance" report "$out/analysis.json" --output "$out/page.html"
ls -l "$out/page.html" >&2
echo "demo: wrote $out/{analysis.json,top-states.md,decades.json,shift-*.csv,vs-rest.csv,page.html,timing.txt}" >&2
