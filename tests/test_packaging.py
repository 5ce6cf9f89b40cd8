"""One import root: installed, pykala is the package ``pykala`` and nothing else lands in
site-packages (no top-level ``cli``, ``parsers``, ``storage`` … to collide with others)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = shutil.ignore_patterns(
    ".venv", ".git", "build", "*.egg-info", "__pycache__", "fixtures", "tests", "bench"
)


def _listed_packages() -> set[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_of_the_tree_is_listed_for_installation() -> None:
    """A new package must be added to pyproject.toml, or pip would leave it out."""
    found = {"pykala"}
    for init in ROOT.rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT)
        if rel.parts and rel.parts[0] not in {"tests", "bench", "fixtures", ".venv", "build"}:
            found.add(".".join(("pykala", *rel.parts)))
    listed = _listed_packages()
    assert found <= listed
    # The rest are folders of data: no code in them, but files to install.
    for name in listed - found:
        folder = ROOT.joinpath(*name.split(".")[1:])
        assert folder.is_dir() and not list(folder.glob("*.py")), name
        assert list(folder.iterdir()), name


def test_pip_install_puts_only_pykala_into_site_packages(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    target = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(source)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    # setuptools says nothing: no deprecated licence table, no data folder left unlisted.
    assert "Warning" not in built.stdout + built.stderr, built.stdout + built.stderr
    installed = {p.name for p in target.iterdir()} - {"bin"}
    assert {n for n in installed if not n.endswith(".dist-info")} == {"pykala"}
    assert (target / "pykala" / "harvester" / "data" / "sources.toml").is_file()
    # The organisations are built from this table at run time.
    assert (target / "pykala/harvester/data/reference/wellbeing_counties.csv").is_file()
    assert (target / "pykala" / "storage" / "migrations" / "versions").is_dir()
    assert (target / "pykala" / "linking" / "data" / "topics.toml").is_file()
    imported = subprocess.run(
        [sys.executable, "-c", "import pykala.cli, pykala.storage.db; "
         "from pykala.harvester.sources import load_sources; assert len(load_sources()) == 322; "
         "print(pykala.cli.__file__)"],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith(str(target))
