"""The nightly harvest as cron runs it: the run lock, exit codes, --quiet, --log-file,
--report-json, and the retry queue across runs (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from pykala.harvester.fixturesite import Fault, FixtureSite, serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.harvester.synthsite import SyntheticSite, serve_synthetic_sites
from pykala.storage import models
from pykala.storage.crawlstate import queued_pages
from pykala.storage.db import Archive, open_archive
from pykala.storage.lock import ArchiveLocked, run_lock

ROOT = Path(__file__).resolve().parents[1]
KUOPIO = "http://publish.kuopio.fi/cgi/DREQUEST.PHP"
ITEM_4 = f"{KUOPIO}?page=meetingitem&id=2020362412-4"


def pykala(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env={**os.environ, "PYKALA_DB": "", "COLUMNS": "150", **(env or {})},
        timeout=120,
    )


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve_fixture_site() as running:
        yield running


@pytest.fixture
def sources_file(site: FixtureSite, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(), encoding="utf-8")
    return path


@pytest.fixture
def synth() -> Iterator[SyntheticSite]:
    """A whole small municipality (48 items): a CLI run without a scope stays inside it."""
    with serve_synthetic_sites(1) as (running,):
        yield running


@pytest.fixture
def synth_sources(synth: SyntheticSite, tmp_path: Path) -> Path:
    path = tmp_path / "synth.toml"
    path.write_text(synth.source_toml(), encoding="utf-8")
    return path


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(Politeness(min_interval=0, tries=2, backoff=0.01)) as c:
        yield c


def test_second_run_exits_4_at_once_while_the_lock_is_held(
    archive: Archive, archive_url: str, synth_sources: Path
) -> None:
    with run_lock(archive):
        with pytest.raises(ArchiveLocked), run_lock(archive):
            pass  # the same process cannot take it twice either
        result = pykala("harvest", "--db", archive_url, "--sources", str(synth_sources), "-q")
    assert result.returncode == 4, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("pykala: error: another pykala run is using ")
    with run_lock(archive):  # released: taken again at once
        pass


def test_lock_of_a_killed_process_is_released(archive_url: str, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from storage.db import open_archive\n"
            "from storage.lock import run_lock\n"
            f"a = open_archive({archive_url!r})\n"
            "with run_lock(a):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with open_archive(archive_url) as archive:
            with pytest.raises(ArchiveLocked), run_lock(archive):
                pass
            holder.kill()
            holder.wait(timeout=10)
            with run_lock(archive):  # kill -9 leaves no stale lock
                pass
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_quiet_run_is_silent_and_writes_log_and_json_report(
    synth: SyntheticSite, synth_sources: Path, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    log, report = tmp_path / "harvest.log", tmp_path / "last-run.json"
    args = ["harvest", "--db", db, "--sources", str(synth_sources), "--delay", "0", "--quiet"]
    result = pykala(*args, "--log-file", str(log), "--report-json", str(report))
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""  # cron mails nothing
    doc = json.loads(report.read_text("utf-8"))
    assert doc["exit_status"] == 0 and doc["kind"] == "harvest"
    source = doc["sources"]["synth1"]
    assert (source["inserted"], source["failed"], source["flags"]) == (48, 0, [])
    assert source["pages"] == 66 and source["requests"] == 67  # + robots.txt
    assert source["bytes"] > 50_000 and source["duration_s"] > 0
    text = log.read_text("utf-8")
    assert "synth1: done: 48 new" in text and "harvest finished" in text
    # Failing pages: exit 1 when a source fails more than the threshold, 0 below it.
    synth.faults.add(Fault("*meetingitem&id=*-[12]", status=404))
    result = pykala(*args, "--full", "--report-json", str(report))
    assert result.returncode == 1
    assert "synth1: 24 of 66 pages failed (36%, threshold 20%)" in result.stderr
    assert json.loads(report.read_text("utf-8"))["sources"]["synth1"]["flags"] == [
        "failure rate 36%"
    ]
    result = pykala(*args, "--full", "--failure-threshold", "0.5")
    assert result.returncode == 0, result.stderr


def test_configuration_error_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nname = "x"\n', encoding="utf-8")
    result = pykala("harvest", "--db", f"sqlite:///{tmp_path / 'a.db'}", "--sources", str(bad))
    assert result.returncode == 2
    result = pykala("harvest", "--db", "nonsense://", "--sources", str(bad))
    assert result.returncode == 2  # the sources file is read first


def test_failed_page_is_queued_and_the_next_run_drains_it_first(
    archive: Archive, site: FixtureSite, client: PoliteClient, sources_file: Path
) -> None:
    sources = load_sources(sources_file)
    site.faults.add(Fault("*id=2020362412-4*", status=503))
    first = harvest(archive, sources, client, scope=site.covers)
    assert first.exit_status == 0
    with archive.session() as session:
        (queued,) = queued_pages(session, "kuopio")
    assert queued.url == site.url_for(ITEM_4)
    assert (queued.attempts, queued.reason) == (1, "HTTP 503 after 2 tries")
    site.faults.clear()
    start = len(site.requests)
    second = harvest(archive, sources, client, scope=site.covers)
    assert next(s for s in second.sources if s.name == "kuopio").inserted == 1
    kuopio_requests = [r for r in site.requests[start:] if "publish.kuopio.fi" in r]
    assert "id=2020362412-4" in kuopio_requests[0]  # drained first
    with archive.session() as session:
        assert queued_pages(session, "kuopio") == []


def test_a_page_failing_run_after_run_leaves_the_queue(
    sqlite_archive: Archive, site: FixtureSite, client: PoliteClient, sources_file: Path
) -> None:
    sources = [s for s in load_sources(sources_file) if s.name == "kuopio"]
    site.faults.add(Fault("*id=2020362412-4*", status=500))
    for _ in range(4):
        harvest(sqlite_archive, sources, client, scope=site.covers)
    last = harvest(sqlite_archive, sources, client, scope=site.covers)
    assert any("failed in 5 runs; no longer retried" in e for e in last.error_lines())
    with sqlite_archive.session() as session:
        assert queued_pages(session, "kuopio") == []


def test_interrupted_run_is_marked(
    archive: Archive, client: PoliteClient, site: FixtureSite, sources_file: Path
) -> None:
    with archive.session() as session:
        from datetime import UTC, datetime

        from pykala.storage.runs import start_run

        dead = start_run(session, datetime.now(UTC))
    harvest(archive, load_sources(sources_file)[:1], client, scope=site.covers)
    with archive.session() as session:
        assert (
            session.scalar(select(models.HarvestRun.status).where(models.HarvestRun.id == dead))
            == "interrupted"
        )


def test_status_shows_runs_and_source_health(
    synth: SyntheticSite, synth_sources: Path, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    args = ["harvest", "--db", db, "--sources", str(synth_sources), "--delay", "0", "-q"]
    assert pykala(*args).returncode == 0
    (agenda,) = synth.publish(1)  # an agenda: its 4 items have no päätös yet
    synth.faults.add(Fault(f"*meetingitem&id={agenda.id}-1", status=503, retry_after="0"))
    assert pykala(*args).returncode == 0  # 1 page failed: below the threshold
    with open_archive(db) as archive, archive.session() as session:
        from pykala.storage.health import run_summaries, source_health

        (health,) = source_health(session)
        assert (health.items, health.days_since_new, health.queued) == (51, 0, 1)
        assert health.paatos_share == pytest.approx(48 / 51)
        assert health.failure_rate == pytest.approx(1 / 55)  # 54 pages fetched, 1 failed
        newest, oldest = run_summaries(session)
        assert (oldest.totals["inserted"], newest.totals["inserted"]) == (48, 3)
        assert newest.totals["failed"] == 1 and newest.flagged == ()
    result = pykala("status", "--db", db)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "synth1" in line)
    assert "51" in row and "0 d" in row and "2%" in row and "94%" in row
    assert "Last runs" in result.stdout
