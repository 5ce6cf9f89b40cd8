"""kill -9 a harvest at several points; the next run converges to an uninterrupted one.

A real `pykala harvest` process harvests a generated municipality served (slowly: a short
delay per page) by this test process. It is killed with SIGKILL after 1, 3 and 6 more pages
were committed (the test polls the archive), restarted each time, then allowed to finish.
The archive must then hold exactly what one uninterrupted run stores, without duplicates,
and SQLite's integrity check must pass. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from pykala.harvester.fixturesite import Fault
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.harvester.synthsite import SyntheticSite, serve_synthetic_sites
from pykala.storage import models
from pykala.storage.db import open_archive
from tests.harvestkit import canonical_dump

ROOT = Path(__file__).resolve().parents[1]
EXIT_LOCKED = 4


@pytest.fixture
def site() -> Iterator[SyntheticSite]:
    with serve_synthetic_sites(1) as (running,):
        yield running


def _start(db: str, sources: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli import app; app()",
            "harvest",
            "--db",
            db,
            "--sources",
            str(sources),
            "--delay",
            "0",
            "--quiet",
        ],
        cwd=ROOT,
        env={**os.environ, "PYKALA_DB": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _pages(engine: Engine) -> int:
    with engine.connect() as conn:
        try:
            return int(conn.execute(select(func.count()).select_from(models.Page)).scalar() or 0)
        except Exception:  # the schema is not there yet: the child is still migrating
            return 0


def _run_until(db: str, sources: Path, engine: Engine, more_pages: int) -> None:
    """Start a harvest and kill -9 it once ``more_pages`` pages were committed."""
    target = _pages(engine) + more_pages
    deadline = time.monotonic() + 60
    proc = _start(db, sources)
    try:
        while _pages(engine) < target:
            if proc.poll() is not None:
                # The server may not yet have seen the previous child's connection close,
                # so its advisory lock can outlive it by a moment: start again.
                assert proc.returncode == EXIT_LOCKED, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
                proc = _start(db, sources)
            assert time.monotonic() < deadline, "the harvest made no progress"
            time.sleep(0.005)
    finally:
        proc.kill()  # SIGKILL: no cleanup, no rollback handlers, no lock release code
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What one uninterrupted harvest of the same municipality stores."""
    tmp = tmp_path_factory.mktemp("reference")
    with serve_synthetic_sites(1) as (clean,):
        path = tmp / "sources.toml"
        path.write_text(clean.source_toml(), encoding="utf-8")
        with (
            open_archive(f"sqlite:///{tmp / 'reference.db'}") as archive,
            PoliteClient(Politeness(min_interval=0)) as client,
        ):
            assert harvest(archive, load_sources(path), client).exit_status == 0
            return canonical_dump(archive)


def test_killed_runs_converge_to_an_uninterrupted_run(
    archive_url: str, site: SyntheticSite, tmp_path: Path, reference: dict[str, object]
) -> None:
    site.faults.add(Fault("*page=*", delay=0.02))  # slow enough to be caught mid-run
    sources = tmp_path / "sources.toml"
    sources.write_text(site.source_toml(), encoding="utf-8")
    open_archive(archive_url).close()  # migrate first: the poll reads the page table
    engine = create_engine(archive_url)
    try:
        for more in (1, 3, 6):
            _run_until(archive_url, sources, engine, more)
        killed_at = _pages(engine)
        assert 10 <= killed_at < 66  # interrupted three times, far from done
        for _ in range(20):
            final = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from cli import app; app()",
                    "harvest",
                    "--db",
                    archive_url,
                    "--sources",
                    str(sources),
                    "--delay",
                    "0",
                    "--quiet",
                ],
                cwd=ROOT,
                env={**os.environ, "PYKALA_DB": ""},
                capture_output=True,
                text=True,
                timeout=120,
            )
            if final.returncode != EXIT_LOCKED:
                break
            time.sleep(0.2)
        assert final.returncode == 0, final.stderr
        assert "Traceback" not in final.stderr
        with open_archive(archive_url) as archive:
            assert canonical_dump(archive) == reference
            with archive.session() as session:
                statuses = session.scalars(
                    select(models.HarvestRun.status).order_by(models.HarvestRun.id)
                ).all()
                assert statuses[-1] == "ok" and "running" not in statuses
                assert statuses.count("interrupted") >= 3
                assert session.scalar(select(func.count()).select_from(models.CrawlQueue)) == 0
                for key in (models.Item.external_id, models.Page.url, models.Meeting.external_id):
                    count = session.scalar(select(func.count(key)))
                    assert count == session.scalar(select(func.count(func.distinct(key))))
        if archive_url.startswith("sqlite"):
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        engine.dispose()
