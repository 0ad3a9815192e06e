#!/usr/bin/env bash
# CI check of the Spark example (examples/spark/stance_spark.py), in Spark's local[2] mode:
#   1. the job over the first 300 Reuters headlines, 4 partitions, --chunk 1, gives the very bytes
#      of one `stance analyze SAMPLE --chunk 1 --threads 1 --format json` (cmp);
#   2. a partition whose stance cannot run fails the job (exit 2) with the partition named.
# Usage: examples/spark/check.sh /path/to/stance
# pyspark comes from PYTHONPATH or an installed package, else from .pyspark/ in the repo
# (scripts/setup.sh installs it there); Java 17 must be on PATH. About 1 minute on 2 cores.
set -euo pipefail

fail() { echo "spark check: FAIL: $*" >&2; exit 1; }

[ $# -ge 1 ] || { echo "usage: $0 /path/to/stance" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
stance="$1"
[ -f "$stance" ] && [ -x "$stance" ] || fail "no executable stance binary at '$stance' (build it: cargo build --release)"
stance="$(cd "$(dirname "$stance")" && pwd)/$(basename "$stance")"
src="${STANCE_SPARK_SAMPLE_SOURCE:-$root/../shared/data/reuters-headlines/actor-headlines.jsonl.gz}"
[ -f "$src" ] || fail "sample source '$src' is missing (../shared/data beside the repo, or set STANCE_SPARK_SAMPLE_SOURCE)"
PY="${PYTHON:-python3}"
command -v java >/dev/null || fail "java is not on PATH: pyspark 3.5 needs Java 8, 11 or 17 (apt-get install openjdk-17-jre-headless)"
if ! "$PY" -c 'import pyspark' 2>/dev/null; then
  [ -f "$root/.pyspark/pyspark/__init__.py" ] \
    || fail "pyspark is not importable and .pyspark/ is absent (python3 -m pip install --target .pyspark pyspark==3.5.7)"
  export PYTHONPATH="$root/.pyspark${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYSPARK_PYTHON="${PYSPARK_PYTHON:-$PY}"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS
"$PY" - "$src" "$work/sample.jsonl" <<'EOF'
import gzip, sys
with gzip.open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    for _, line in zip(range(300), f):
        out.write(line)
EOF
[ "$(wc -l < "$work/sample.jsonl")" -eq 300 ] || fail "the sample does not have 300 lines"

# The reference: one run over the whole sample. --threads 1 as in every partition of the job: with
# bf16 inference (what --precision auto picks on AMD Zen 4) libtorch's thread count can move a
# score's 4th decimal.
"$stance" analyze "$work/sample.jsonl" --chunk 1 --threads 1 --format json --quiet --output "$work/direct.json" \
  || fail "stance analyze over the sample failed (exit $?)"

if ! "$PY" "$here/stance_spark.py" --master 'local[2]' --input "$work/sample.jsonl" --output "$work/spark.json" \
     --stance "$stance" --partitions 4 --chunk 1 > "$work/spark.log" 2>&1; then
  cat "$work/spark.log" >&2
  fail "the Spark job failed"
fi
grep -q "300 records (300 lines) in 4 shards" "$work/spark.log" || { cat "$work/spark.log" >&2; fail "the job did not run 4 shards of the 300 records"; }
if ! cmp "$work/direct.json" "$work/spark.json"; then
  cat "$work/spark.log" >&2
  fail "the Spark job's merged JSON differs from a single stance analyze over the sample"
fi

# A partition whose stance cannot start: exit 2, the partition and the reason named, no output.
rc=0
"$PY" "$here/stance_spark.py" --master 'local[2]' --input "$work/sample.jsonl" --output "$work/bad.json" \
  --stance "$work/no-such-stance" --driver-stance "$stance" --partitions 2 --chunk 1 > "$work/bad.log" 2>&1 || rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "partition 1 .*cannot run stance" "$work/bad.log" || [ -e "$work/bad.json" ]; then
  cat "$work/bad.log" >&2
  fail "a missing stance on the executors should fail the job with exit 2 and name the partition (exit $rc)"
fi

echo "spark check: OK: 300 records in 4 partitions merged to the bytes of a single run; a failing partition is reported ($((SECONDS - start)) s)"
