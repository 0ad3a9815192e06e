#!/usr/bin/env bash
# The speed floor's comparison: `stance score` at its default precision against the fp32 PyTorch
# loop over the same encoder and heads (scripts/bench/pytorch_loop.py) on the benchmark sentences:
# every AG News test sentence that mentions a default actor, with the mentions as targets
# (runs/bench/agnews-actor-sentences.jsonl, written here by `cargo bench --bench score_throughput --
# --write-score-input` when absent; needs ../shared/data/agnews). Rounds alternate the two, one
# process each: `stance score` timed end to end by GNU time (model load included, as
# scripts/bench/score-precision.sh times it), then the PyTorch loop with --threads torch threads.
# Prints each round, the medians and the ratios. Run it on an otherwise idle machine: two torch
# (OpenMP) threads on cores that other work also uses run several times slower.
#   bash scripts/bench/vs-pytorch.sh [ROUNDS] [--limit N] [--threads N] [--model DIR]
# ROUNDS defaults to 5; --limit takes the first N sentences only (a quick try); --threads is the
# PyTorch loop's torch.set_num_threads (default 2; `stance score` keeps its own defaults);
# --model is passed to both (default models/stance-minilm).
#
# Needs a release build (cargo build --release) and the PyTorch venv in .bench-venv (ignored):
#   python3 -m venv .bench-venv
#   .bench-venv/bin/pip install torch==2.4.0 safetensors tokenizers
# (the PyPI torch 2.4.0 wheel, with the CUDA packages it pulls; it runs on the CPU here).
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=5
limit=0
threads=2
model=""
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    [0-9]*) rounds="$1"; shift ;;
    *) echo "vs-pytorch.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

py=.bench-venv/bin/python
if ! "$py" -c 'import torch, safetensors, tokenizers' 2>/dev/null; then
  echo "vs-pytorch.sh: no PyTorch in .bench-venv; make it with:" >&2
  echo "  python3 -m venv .bench-venv && .bench-venv/bin/pip install torch==2.4.0 safetensors tokenizers" >&2
  exit 2
fi
[ -x target/release/stance ] || { echo "vs-pytorch.sh: no target/release/stance; run cargo build --release" >&2; exit 2; }

mkdir -p runs/bench
full=runs/bench/agnews-actor-sentences.jsonl
[ -s "$full" ] || cargo bench --bench score_throughput -- --write-score-input "$full"
input="$full"
if [ "$limit" -gt 0 ]; then
  input="runs/bench/agnews-actor-sentences-first$limit.jsonl"
  head -n "$limit" "$full" > "$input"
fi
model_args=()
[ -n "$model" ] && model_args=(--model "$model")
n=$(grep -c . "$input")
# What `stance score`'s default precision (auto) is on this CPU, as stance itself resolves it: the
# last word of its summary line, "(fp32)" or "(bf16)".
precision=$(head -n 1 "$input" | target/release/stance score - "${model_args[@]}" 2>&1 >/dev/null | sed -n 's/.*(\([a-z0-9]*\))$/\1/p' | tail -n 1)

log=runs/bench/vs-pytorch-rounds.tsv
: > "$log"
echo "input: $input, $n sentences; stance score at its default precision (auto = $precision here), PyTorch fp32 loop with $threads threads; $rounds rounds"
for r in $(seq "$rounds"); do
  /usr/bin/time -f "%e %M" -o runs/bench/time-stance.txt \
    target/release/stance score "$input" --quiet "${model_args[@]}" > runs/bench/vs-pytorch-scores.jsonl
  read -r s_secs s_kib < runs/bench/time-stance.txt
  /usr/bin/time -f "%e %M" -o runs/bench/time-pytorch.txt \
    "$py" scripts/bench/pytorch_loop.py "$input" --threads "$threads" "${model_args[@]}" > runs/bench/pytorch-loop.json
  read -r p_secs p_kib < runs/bench/time-pytorch.txt
  python3 - "$r" "$n" "$s_secs" "$s_kib" "$p_secs" "$p_kib" runs/bench/pytorch-loop.json "$log" <<'PY'
import json, sys
r, n, s_secs, s_kib, p_secs, p_kib, loop, log = sys.argv[1:]
n = int(n)
s_rate = n / float(s_secs)
p = json.load(open(loop))
p_e2e = n / float(p_secs)
print(f"round {r}: stance score {s_rate:.1f} sentences/s ({float(s_secs):.2f} s end to end, peak {int(s_kib)/1024:.0f} MiB) | "
      f"pytorch loop {p['sentences_per_s']:.1f} sentences/s, {p['targets_per_s']:.1f} targets/s "
      f"({p['seconds']:.2f} s; end to end {p_e2e:.1f} sentences/s in {float(p_secs):.2f} s, peak {p['peak_rss_mib']:.0f} MiB)",
      flush=True)
with open(log, "a") as f:
    f.write(f"{r}\t{s_rate}\t{int(s_kib)/1024}\t{p['sentences_per_s']}\t{p_e2e}\t{p['peak_rss_mib']}\n")
PY
done
python3 - "$log" <<'PY'
import statistics, sys
rows = [list(map(float, line.split("\t"))) for line in open(sys.argv[1]) if line.strip()]
med = lambda i: statistics.median(r[i] for r in rows)
s, s_mib, p_loop, p_e2e, p_mib = med(1), med(2), med(3), med(4), med(5)
print(f"median: stance score {s:.1f} sentences/s (peak {s_mib:.0f} MiB); pytorch loop {p_loop:.1f} sentences/s, "
      f"end to end {p_e2e:.1f} (peak {p_mib:.0f} MiB)")
print(f"ratio of medians: stance score / pytorch loop = {s / p_loop:.2f}x (floor: 1.5x); "
      f"against the loop end to end {s / p_e2e:.2f}x")
print(f"median of per-round ratios: {statistics.median(r[1] / r[3] for r in rows):.2f}x")
PY
