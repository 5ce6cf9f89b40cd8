"""The README's cron line and systemd units work as written.

The commands are taken from the README verbatim; only the machine-specific paths are
mapped into a temporary directory (/opt/pykala → this checkout, /var/lib/pykala and
/var/log/pykala → tmp) and the sources point at a generated site on 127.0.0.1 (tests never
touch the internet). The units go through `systemd-analyze verify`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pykala.harvester.synthsite import SyntheticSite, serve_synthetic_sites

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def cron_lines() -> tuple[dict[str, str], list[str]]:
    """The README's crontab: its environment lines and the harvest command."""
    (crontab,) = [b for b in blocks("cron") if "pykala harvest" in b]
    env: dict[str, str] = {}
    command: list[str] = []
    for line in crontab.splitlines():
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            env[name] = value
        elif line.strip() and not line.startswith("#"):
            fields = line.split(None, 5)  # minute hour day month weekday command
            assert len(fields) == 6, line
            command = shlex.split(fields[5])
    return env, command


def service_unit() -> str:
    (unit,) = [b for b in blocks("ini") if "ExecStart=" in b]
    return unit


def timer_unit() -> str:
    (unit,) = [b for b in blocks("ini") if "[Timer]" in b]
    return unit


def unit_value(unit: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith(f"{key}=")]


class Machine:
    """The README's machine, mapped into tmp_path."""

    def __init__(self, tmp: Path) -> None:
        self.var_lib = tmp / "var-lib-pykala"
        self.var_log = tmp / "var-log-pykala"
        self.var_lib.mkdir()
        self.var_log.mkdir()

    def map(self, text: str) -> str:
        return (
            text.replace("/var/lib/pykala", str(self.var_lib))
            .replace("/var/log/pykala", str(self.var_log))
            .replace("/opt/pykala", str(ROOT))
        )

    def run(self, command: list[str], env: dict[str, str], sources: Path) -> int:
        program, *args = (self.map(c) for c in command)
        assert program == str(ROOT / ".venv/bin/pykala")
        result = subprocess.run(
            [sys.executable, "-c", "from cli import app; app()", *args],
            cwd=ROOT,
            env={
                **os.environ,
                **{k: self.map(v) for k, v in env.items()},
                "PYKALA_SOURCES": str(sources),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.stdout == result.stderr == "", result.stderr  # --quiet: cron mails nothing
        return result.returncode


@pytest.fixture
def site() -> Iterator[SyntheticSite]:
    # Tiny: the commands run with pykala's real default of one request per second.
    with serve_synthetic_sites(1, bodies=1, meetings_per_body=1, items_per_meeting=3) as (running,):
        yield running


@pytest.fixture
def sources(site: SyntheticSite, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(site.source_toml(), encoding="utf-8")
    return path


def _check_outcome(machine: Machine) -> None:
    report = json.loads((machine.var_lib / "last-harvest.json").read_text("utf-8"))
    assert report["exit_status"] == 0 and report["totals"]["inserted"] == 3
    assert report["archive"] == f"sqlite:///{machine.var_lib / 'pykala.db'}"
    assert "synth1: done: 3 new" in (machine.var_log / "harvest.log").read_text("utf-8")


def test_cron_line_runs_as_written(sources: Path, tmp_path: Path) -> None:
    env, command = cron_lines()
    assert env == {"PYKALA_DB": "sqlite:////var/lib/pykala/pykala.db"}
    machine = Machine(tmp_path)
    assert machine.run(command, env, sources) == 0
    _check_outcome(machine)


def test_systemd_service_runs_the_cron_command() -> None:
    """The unit's ExecStart and Environment are the crontab's command and environment
    (so the cron test above runs it too)."""
    unit = service_unit()
    (exec_start,) = unit_value(unit, "ExecStart")
    env = dict(e.split("=", 1) for e in unit_value(unit, "Environment"))
    assert (env, shlex.split(exec_start)) == cron_lines()
    # the directories the command writes to are the ones systemd creates for the unit
    assert unit_value(unit, "StateDirectory") == unit_value(unit, "LogsDirectory") == ["pykala"]
    assert unit_value(unit, "Type") == ["oneshot"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_units_verify(tmp_path: Path) -> None:
    # ExecStart must name an executable that exists: /opt/pykala is this checkout.
    if not (ROOT / ".venv/bin/pykala").exists():
        pytest.skip("no .venv/bin/pykala (run .ci/setup)")
    service = tmp_path / "pykala-harvest.service"
    timer = tmp_path / "pykala-harvest.timer"
    service.write_text(service_unit().replace("/opt/pykala", str(ROOT)), encoding="utf-8")
    timer.write_text(timer_unit(), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(service), str(timer)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert unit_value(timer_unit(), "OnCalendar") == ["*-*-* 03:30:00"]
