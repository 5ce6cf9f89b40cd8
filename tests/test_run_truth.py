"""Issue 14, item 6: runs that always tell the truth.

Ctrl-C ends a harvest at once with one line and records its real requests, failures and
duration; topics are current right after `pykala demo`; a second demo into the same
archive changes nothing (its pages' addresses do not depend on the loopback port).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from pykala.harvester.demo import run_demo
from pykala.harvester.fixturesite import Fault
from pykala.harvester.synthsite import serve_synthetic_sites
from pykala.storage import models
from tests.test_cli import ROOT


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from pykala.cli import app; app()", *args],
        cwd=ROOT,
        env={**os.environ, "PYKALA_DB": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _status(url: str) -> dict[str, object]:
    proc = _cli("status", "--db", url, "--format", "json")
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    document: dict[str, object] = json.loads(stdout)
    return document


def test_ctrl_c_ends_a_harvest_at_once_with_one_line_and_records_what_it_did(
    archive_url: str, tmp_path: Path
) -> None:
    with serve_synthetic_sites(1) as (site,):
        # The first three item pages are gone (failures); then every item answers 503
        # "come back in 30 s", and the worker waits in its backoff.
        gone = site.faults.add(Fault("*page=meetingitem&*", status=404, times=3))
        busy = site.faults.add(Fault("*page=meetingitem&*", status=503, retry_after="30"))
        sources = tmp_path / "sources.toml"
        sources.write_text(site.source_toml(), encoding="utf-8")
        started = time.monotonic()
        proc = _cli("harvest", "--db", archive_url, "--sources", str(sources), "--delay", "0")
        deadline = time.monotonic() + 60
        while busy.hits == 0 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.5)  # the worker is now in its 30 s wait
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        ended = time.monotonic()
        served = len(site.requests)
    assert proc.returncode == 130, stderr
    # At once: not after the 30 s Retry-After the server asked for.
    assert ended - interrupted < 10, ended - interrupted
    lines = [line for line in stderr.splitlines() if "Traceback" not in line]
    assert len(lines) == len(stderr.splitlines())
    last = lines[-1]
    assert last.startswith("pykala: harvest interrupted after "), stderr
    assert f"with {served} requests, {gone.hits} failed" in last, (served, gone.hits, last)
    assert "pages wait in the queue for the next run" in last
    assert not any(line.startswith(("┏", "│", "harvest summary")) for line in lines), stderr
    # status: the run with its real requests, failures and duration.
    runs: list[dict[str, Any]] = _status(archive_url)["runs"]  # type: ignore[assignment]
    (run,) = runs
    assert run["status"] == "interrupted"
    assert run["requests"] == served and run["failed"] == gone.hits >= 1
    assert 0 < run["duration_s"] <= ended - started


def test_a_second_ctrl_c_does_not_cut_the_record_short(archive_url: str, tmp_path: Path) -> None:
    """The issue's run: interrupted twice while waiting, recorded with 0 requests and 0
    failures (what a source still running had done was not counted)."""
    with serve_synthetic_sites(1) as (site,):
        gone = site.faults.add(Fault("*page=meetingitem&*", status=404, times=3))
        busy = site.faults.add(Fault("*page=meetingitem&*", status=503, retry_after="30"))
        sources = tmp_path / "sources.toml"
        sources.write_text(site.source_toml(), encoding="utf-8")
        proc = _cli("harvest", "--db", archive_url, "--sources", str(sources), "--delay", "0")
        deadline = time.monotonic() + 60
        while busy.hits == 0 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        served = len(site.requests)
    runs: list[dict[str, Any]] = _status(archive_url)["runs"]  # type: ignore[assignment]
    (run,) = runs
    assert run["status"] == "interrupted"
    assert (run["requests"], run["failed"]) == (served, gone.hits), stderr
    assert gone.hits >= 1
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "pykala: harvest interrupted after " in stderr


def _counts(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
                for table in (models.Item, models.ItemVersion, models.Document)
            )
    finally:
        engine.dispose()


def test_a_second_demo_into_the_same_archive_changes_nothing(archive_url: str) -> None:
    first = run_demo(archive_url, "perhekeskus")
    after_first = _counts(archive_url)
    second = run_demo(archive_url, "perhekeskus")
    assert _counts(archive_url) == after_first  # no duplicate documents, no new versions
    totals = second.report.totals()
    assert (totals["inserted"], totals["updated"]) == (0, 0), totals
    assert totals["unchanged"] >= after_first[0] + after_first[2]  # every item and document
    assert first.item is not None and second.item is not None
    assert second.item.url == first.item.url  # the address does not carry the port
    assert ":" not in second.item.url.split("//", 1)[1].split("/", 1)[0]


def test_topic_search_works_right_after_the_demo(archive_url: str) -> None:
    proc = _cli("demo", "--db", archive_url)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    proc = _cli(
        *("search", "perhekeskus", "--topic", "perhekeskus", "--db", archive_url),
        *("--kind", "item", "--format", "jsonl"),
    )
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    found = {json.loads(line)["item_id"] for line in stdout.splitlines()}
    assert {"kuopio:2020362412-5", "mikkeli:14112"} <= found, stderr
