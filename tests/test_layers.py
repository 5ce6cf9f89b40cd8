"""The import layers hold (pyproject.toml, [tool.importlinter]): a module that imports
upwards (storage importing linking, parsers importing storage) breaks this test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports() -> str:
    found = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    return found


def test_import_layers_are_kept() -> None:
    result = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_layer_importing_upwards_is_caught(tmp_path: Path) -> None:
    """The contract is not empty: a copy of the package with storage importing linking
    fails. The copy is a folder named pykala, found first on PYTHONPATH."""
    package = tmp_path / "pykala"
    shutil.copytree(
        ROOT,
        package,
        ignore=shutil.ignore_patterns(
            "*.pyc", ".venv", ".git", "build", "tests", "bench", "fixtures", "*.egg-info"
        ),
    )
    lock = package / "storage" / "lock.py"
    lock.write_text(lock.read_text(encoding="utf-8") + "\nfrom pykala import linking  # noqa\n")
    result = subprocess.run(
        [_lint_imports(), "--no-cache", "--config", str(package / "pyproject.toml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0, result.stdout
    assert "pykala.storage.lock -> pykala.linking" in result.stdout
