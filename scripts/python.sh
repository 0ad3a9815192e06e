#!/usr/bin/env bash
# Builds the Python package (python/: PyO3 + maturin, over the stance library) and installs it,
# with what its tests need (pytest, pandas, polars, pyarrow, duckdb, tqdm), into the git-ignored
# virtual environment .venv-python/. `scripts/setup.sh --tests` runs it; run it again after
# changing Rust code (pip rebuilds the extension; cargo's target/ is shared, so only what changed
# compiles). Needs scripts/setup.sh's libtorch (.libtorch/) first: the extension links it.
# Usage: bash scripts/python.sh        then  .venv-python/bin/python -m pytest python/tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PY="${PYTHON:-python3}"
venv="$root/.venv-python"
# The test tools, pinned: pyarrow and duckdb read the Parquet files back, polars is the second
# kind of data frame analyze() takes.
TEST_PACKAGES=(pytest==9.2.0 pandas==3.1.1 polars==2.1.0 pyarrow==26.0.1 duckdb==2.0.0 tqdm==4.70.1)
[ -f "$root/.libtorch/.done-2.4.0" ] || { echo "python.sh: run scripts/setup.sh first (libtorch)" >&2; exit 2; }
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating .venv-python" >&2
  "$PY" -m venv "$venv"
fi
stamp="$venv/.done-tests-$(printf '%s ' "${TEST_PACKAGES[@]}" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing ${TEST_PACKAGES[*]} into .venv-python" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${TEST_PACKAGES[@]}"
  touch "$stamp"
fi
echo "setup: building and installing the stance Python package (pip install ./python)" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ./python
