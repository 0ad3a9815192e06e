#!/usr/bin/env bash
# End-to-end throughput of `stance score` and `stance analyze` on the same AG News sentences, one
# process per run with model load included, timed by GNU time. `score` reads every AG News test
# sentence that mentions a default actor (target/bench/agnews-actor-sentences.jsonl, written by the
# score_throughput bench); `analyze` reads the 7,600 AG News test items (target/bench/agnews-test.jsonl,
# written here) and scores the same sentences. Runs are interleaved (score, analyze, score, ...) so
# that the machine's drift hits both alike; the table gives each run and the median.
#   bash scripts/bench/throughput.sh [RUNS] [-- EXTRA STANCE FLAGS, e.g. --precision int8 --workers 1]
# STANCE_BIN=path times another build (an older commit's, for a before/after on the same machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-5}"
shift || true
[ "${1:-}" = "--" ] && shift
extra=("$@")
bin="${STANCE_BIN:-target/release/stance}"
mkdir -p target/bench
sentences=target/bench/agnews-actor-sentences.jsonl
items=target/bench/agnews-test.jsonl
[ -s "$sentences" ] || cargo bench --bench score_throughput -- --write-score-input "$sentences"
if [ ! -s "$items" ]; then
  python3 - "$items" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for i, line in enumerate(open("../shared/data/agnews/test.tsv", encoding="utf-8")):
        text = line.rstrip("\n").rsplit("\t", 1)[0].replace(" #36;", " $").replace("\\", "\n")
        out.write(json.dumps({"id": f"agnews-{i}", "author": f"source{i % 13}", "text": text}) + "\n")
PY
fi
n=$(wc -l < "$sentences")
echo "binary: $bin; flags: ${extra[*]:-(defaults)}; $n sentences; $runs runs each"
for r in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -o target/bench/time-score.txt \
    "$bin" score "$sentences" --quiet "${extra[@]}" > target/bench/throughput-score.jsonl
  /usr/bin/time -f "%e %M" -o target/bench/time-analyze.txt \
    "$bin" analyze "$items" --quiet --format jsonl --output target/bench/throughput-analyze.jsonl "${extra[@]}"
  scored=$(python3 -c "import json,sys; print([json.loads(l) for l in open('target/bench/throughput-analyze.jsonl')][-1]['data']['scored_sentences'])")
  read -r s_secs s_kib < target/bench/time-score.txt
  read -r a_secs a_kib < target/bench/time-analyze.txt
  echo "run $r: score $s_secs s $s_kib KiB; analyze $a_secs s $a_kib KiB $scored"
done | tee target/bench/throughput.log
python3 - "$n" <<'PY'
import statistics, sys
n = int(sys.argv[1])
score, analyze, peaks = [], [], []
for line in open("target/bench/throughput.log"):
    if not line.startswith("run "):
        continue
    f = line.split()
    score.append(n / float(f[3])); analyze.append(int(f[12]) / float(f[8]))
    peaks += [int(f[5]) / 1024, int(f[10]) / 1024]
print("| run | score sentences/s | analyze scored sentences/s | analyze / score |")
print("|---:|---:|---:|---:|")
for i, (s, a) in enumerate(zip(score, analyze), 1):
    print(f"| {i} | {s:.1f} | {a:.1f} | {a / s:.3f} |")
ms, ma = statistics.median(score), statistics.median(analyze)
ratios = [a / s for s, a in zip(score, analyze)]
print(f"| median | {ms:.1f} | {ma:.1f} | {statistics.median(ratios):.3f} |")
print(f"peak RSS: {min(peaks):.0f}-{max(peaks):.0f} MiB")
PY
