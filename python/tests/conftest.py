"""Shared by the Python tests: the repository, the `stance` binary the package is compared with,
and a skip (or, where STANCE_REQUIRE_DATA is set, as in CI, a failure) when the binary is absent."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "release" / "stance"


@pytest.fixture(scope="session")
def binary():
    if not BINARY.is_file():
        if os.environ.get("STANCE_REQUIRE_DATA"):
            pytest.fail(f"{BINARY} is absent (cargo build --release); STANCE_REQUIRE_DATA is set")
        pytest.skip(f"{BINARY} is absent (cargo build --release)")

    def run(*args, stdin=None, ok=(0,)):
        p = subprocess.run([str(BINARY), *map(str, args)], input=stdin, capture_output=True, cwd=ROOT)
        assert p.returncode in ok, f"stance {args}: exit {p.returncode}: {p.stderr.decode()}"
        return p.stdout

    return run
