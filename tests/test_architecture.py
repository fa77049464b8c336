"""The import contracts hold: layers, no cycles, no web framework below the web layer.

The contracts live in pyproject.toml ([tool.importlinter]); README.md ("Layers") says why.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports() -> str:
    # The venv's own script first: the suite may run without the venv on PATH.
    beside_python = Path(sys.executable).with_name("lint-imports")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("lint-imports")
    assert found, "lint-imports is not installed: pip install -r requirements-dev.txt"
    return found


def test_the_import_contracts_are_kept():
    run = subprocess.run(
        [_lint_imports(), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
