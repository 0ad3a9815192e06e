#!/usr/bin/env bash
# What fp32's thread-count reproducibility costs. `stance` sets MKL_CBWR=AUTO,STRICT before a model
# loads (src/model/mod.rs, pin_matrix_reproducibility) so that fp32 scores do not depend on the
# libtorch thread count; MKL_CBWR=OFF (set by hand: a user's own value is kept) gives MKL's default
# kernels, the same bytes as leaving MKL_CBWR unset gave before stance set it. Times `stance score --precision fp32` end to end on the AG News test sentences that name a
# default actor, the two interleaved run by run, and prints sentences/s, peak memory and the
# medians; then whether --threads 1 and --threads 2 give the same bytes under each.
#   bash scripts/bench/fp32-strict.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-5}"
input=target/bench/agnews-actor-sentences.jsonl
mkdir -p target/bench
[ -s "$input" ] || cargo bench --bench score_throughput -- --write-score-input "$input"
n=$(wc -l < "$input")
: > target/bench/fp32-strict.txt
for r in $(seq "$runs"); do
  for mode in strict default; do
    cbwr=OFF
    [ "$mode" = strict ] && cbwr=AUTO,STRICT
    MKL_CBWR=$cbwr /usr/bin/time -f "%e %M" -o target/bench/time.txt \
      target/release/stance score "$input" --quiet --precision fp32 > /dev/null
    read -r secs kib < target/bench/time.txt
    echo "$mode $secs $kib" >> target/bench/fp32-strict.txt
    python3 -c "print(f'$mode (MKL_CBWR=$cbwr) run $r: $n sentences in {$secs:.2f} s = {$n/$secs:.1f} sentences/s, peak {$kib/1024:.0f} MiB')"
  done
done
python3 - "$n" <<'PY'
import statistics, sys
n = int(sys.argv[1])
rows = [l.split() for l in open("target/bench/fp32-strict.txt")]
for mode in ("strict", "default"):
    secs = [float(s) for m, s, _ in rows if m == mode]
    mib = max(int(k) for m, _, k in rows if m == mode) / 1024
    print(f"{mode}: median {statistics.median(secs):.2f} s = {n / statistics.median(secs):.1f} sentences/s, peak {mib:.0f} MiB")
PY
for cbwr in AUTO,STRICT OFF; do
  for t in 1 2; do
    MKL_CBWR=$cbwr target/release/stance score "$input" --quiet --precision fp32 --threads "$t" > "target/bench/fp32-threads-$t.jsonl"
  done
  if cmp -s target/bench/fp32-threads-1.jsonl target/bench/fp32-threads-2.jsonl; then
    echo "MKL_CBWR=$cbwr: --threads 1 and --threads 2 give the same bytes"
  else
    echo "MKL_CBWR=$cbwr: --threads 1 and --threads 2 differ"
  fi
done
