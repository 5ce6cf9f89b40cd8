"""Issue 12 (runs): what a harvest stores, how a run starts and how it always ends.

Credentials in a source URL, NUL and other control characters in parsed text, a page
too large to parse, robots.txt disallowing everything, atomic SQLite migrations, the run
lock before migrating, and a run row that always gets its end state.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, func, inspect, select
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import pykala.harvester.pageparse as pageparse_module
import pykala.harvester.run as run_module
from pykala.cli import app
from pykala.harvester.fixturesite import SITE_DIR, Fault, FixtureSite, load_site, serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.run import harvest
from pykala.harvester.sources import SourceConfig, load_sources
from pykala.harvester.synthsite import big_page, serve_synthetic_sites
from pykala.storage import models
from pykala.storage.clean import clean_text
from pykala.storage.db import Archive, open_archive
from pykala.storage.pages import save_page
from pykala.storage.parses import save_parse
from tests.harvestkit import harvest_in_child
from tests.test_cli import ROOT, assert_one_line_error, pykala


def test_credentials_in_a_source_url_are_refused_and_never_printed(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nname = "leaky"\nplatform = "dynasty"\n'
        'base_url = "https://user:s3cret@kuopio.oncloudos.com/cgi/DREQUEST.PHP"\n'
        'municipality = "297"\n',
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    result = pykala("harvest", "--db", f"sqlite:///{db}", "--sources", str(sources))
    line = assert_one_line_error(result, 2)
    assert "source #1 (leaky)" in line and "credentials" in line
    assert "s3cret" not in result.stderr + result.stdout
    assert not db.exists()  # refused before the archive was even opened


def test_a_robots_txt_disallowing_everything_is_named_in_the_report(
    sqlite_archive: Archive, tmp_path: Path
) -> None:
    with serve_synthetic_sites(1) as (site,):
        site.robots_txt = "User-agent: *\nDisallow: /\n"
        path = tmp_path / "sources.toml"
        path.write_text(site.source_toml(), encoding="utf-8")
        with PoliteClient(Politeness(min_interval=0)) as client:
            report = harvest(sqlite_archive, load_sources(path), client)
    assert report.exit_status == 1
    assert report.sources[0].flags == ["blocked by robots.txt"]
    assert report.error_lines() == [
        "synth1: no items: robots.txt refused every page tried "
        "(2 skipped; disallowed by robots.txt)"
    ]


# -- control characters never reach the archive; a refused row fails only its page -------

OPENNC_ITEM = "contents_4020_extended_properties.json"
TITLE = "Mikkelin kaupungin luovuttamien tonttien"


def _opennc(site: FixtureSite, tmp_path: Path) -> list[SourceConfig]:
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(groups=("platforms",)), encoding="utf-8")
    return [s for s in load_sources(path) if s.name == "mikkeli-opennc"]


def test_nul_and_control_characters_in_an_opennc_string_are_removed_before_storing(
    archive: Archive, tmp_path: Path
) -> None:
    original = next(p.url for p in load_site(SITE_DIR)[0] if p.file.name == OPENNC_ITEM)
    raw = (SITE_DIR.parent / "cloudnc" / "opennc_mikkeli" / OPENNC_ITEM).read_bytes()
    # JSON escapes: a NUL, a bell, ESC and a lone surrogate in the title; a NUL in the Dno.
    dirty = raw.replace(
        TITLE.encode(), b"Mikkelin\\u0000 kaupungin\\u0007 luovuttamien\\u001b\\ud800 tonttien"
    ).replace(b"MliDno-2017-206", b"MliDno-2017-\\u0000206")
    assert dirty.count(b"\\u0000") == 4
    with serve_fixture_site() as site:
        site.set_content(original, dirty, "application/json; charset=utf-8")
        with PoliteClient(Politeness(min_interval=0)) as client:
            first = harvest(archive, _opennc(site, tmp_path), client, scope=site.covers)
            again = harvest(archive, _opennc(site, tmp_path), client, scope=site.covers)
    assert first.error_lines() == [] and first.exit_status == 0
    assert again.error_lines() == [] and again.exit_status == 0
    assert first.totals()["inserted"] > 0
    with archive.session() as session:
        titles = list(session.scalars(select(models.Item.title)))
        item = session.scalars(select(models.Item).where(models.Item.url.contains("(4020)"))).one()
        assert item.title.startswith(f"{TITLE} hinnoittelu")
        assert item.diary_number == "MliDno-2017-206"
        statuses = list(session.scalars(select(models.HarvestRun.status)))
    assert statuses == ["ok", "ok"]
    assert not any(ch in t for t in titles for ch in "\x00\x07\x1b\ud800")


def test_a_row_the_database_refuses_fails_its_page_not_the_run(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_save_parse = save_parse
    refused: list[int] = []

    def picky_save_parse(session: Session, **kw: Any) -> Any:
        page = session.get(models.Page, kw["page_id"])
        if page is not None and "Contents(4020)" in page.url:
            refused.append(1)
            raise DataError("INSERT …", {}, ValueError("a value the database refuses"))
        return real_save_parse(session, **kw)

    monkeypatch.setattr(pageparse_module, "save_parse", picky_save_parse)
    with serve_fixture_site() as site, PoliteClient(Politeness(min_interval=0)) as client:
        report = harvest(archive, _opennc(site, tmp_path), client, scope=site.covers)
    assert refused and report.sources[0].failed == 1
    [line] = report.error_lines()
    assert line.startswith("mikkeli-opennc: archive refused the page (a value the database")
    assert "Contents(4020)" in line
    with archive.session() as session:
        queued = list(session.scalars(select(models.CrawlQueue.url)))
        assert len(queued) == 1 and "Contents(4020)" in queued[0]  # retried next run
        assert (session.scalar(select(func.count()).select_from(models.Item)) or 0) > 0
        assert list(session.scalars(select(models.HarvestRun.status))) == ["ok"]


def test_clean_text_keeps_tab_and_newline_and_breaks_lines_where_controls_did() -> None:
    assert clean_text("a\x00b\x07c\x1b[2Jd\ud800e") == "abc[2Jde"
    assert clean_text("tab\there\nline\r\nnext\rpage\x0cbreak") == (
        "tab\there\nline\nnext\npage\nbreak"
    )
    plain = "Päätösehdotus § 48"
    assert clean_text(plain) is plain


# -- memory bounded per page ------------------------------------------------------------

MB = 1024 * 1024


def test_a_text_page_above_the_parse_limit_fails_before_parsing(
    sqlite_archive: Archive, tmp_path: Path
) -> None:
    with serve_synthetic_sites(1) as (site,):
        huge = site.item_ids()[0]
        site.faults.add(Fault(f"*meetingitem&id={huge}", body=big_page(6 * MB)))
        path = tmp_path / "sources.toml"
        path.write_text(site.source_toml(), encoding="utf-8")
        with PoliteClient(Politeness(min_interval=0)) as client:
            report = harvest(sqlite_archive, load_sources(path), client)
    url = f"{site.cgi_url}?page=meetingitem&id={huge}"
    assert report.error_lines() == [
        f"synth1: cannot parse {url}: page too large to parse (6.0 MB of text; the limit is 5 MB)"
    ]
    assert report.sources[0].inserted == 47
    with sqlite_archive.session() as session:  # kept raw, for a reparse with a larger limit
        assert session.scalar(select(models.RawPage.size).order_by(models.RawPage.size.desc()))


# Everything a harvest imports, loaded before it starts: what the libraries cost depends on
# the environment (scikit-learn also loads pandas and pyarrow where they are installed, about
# 100 MiB), what the harvest's pages cost must not.
_IMPORTS_FIRST = """
import resource, pathlib, pykala.cli, pykala.linking.update
pathlib.Path({path!r}).write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def test_a_harvest_with_19_mb_pages_adds_under_150_mb_to_its_imports(tmp_path: Path) -> None:
    baseline_file = tmp_path / "baseline"
    with serve_synthetic_sites(1) as (site,):
        body = big_page(19 * MB)  # just under the 20 MB fetch cap
        for item in site.item_ids()[:3]:
            site.faults.add(Fault(f"*meetingitem&id={item}", body=body))
        report, _, peak_mib = harvest_in_child(
            site.source_toml(), tmp_path, prelude=_IMPORTS_FIRST.format(path=str(baseline_file))
        )
    assert sum("too large to parse" in e for e in report["errors"]) == 3
    assert report["sources"]["synth1"]["inserted"] == 45
    imports_mib = int(baseline_file.read_text()) / 1024
    # Measured: ~100 MiB for three 19 MB pages over 255 MiB of imports (85 without linking's).
    assert peak_mib - imports_mib < 150, f"peak {peak_mib:.0f} MiB, imports {imports_mib:.0f} MiB"


# -- migrations: all or nothing; the run lock before them --------------------------------


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_migration_that_fails_between_two_ddl_statements_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    created: list[str] = []

    def fail_on_the_third_table(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE"):
            created.append(statement)
            if len(created) == 3:  # harvest_run, municipality, … already created
                raise OSError(28, "No space left on device (simulated)")

    event.listen(Engine, "before_cursor_execute", fail_on_the_third_table)
    try:
        with pytest.raises(OSError, match="simulated"):
            open_archive(url)
    finally:
        event.remove(Engine, "before_cursor_execute", fail_on_the_third_table)
    assert len(created) == 3
    assert _tables(url) == set()  # rolled back whole: no table, no alembic_version
    with open_archive(url) as archive:  # and the next command simply migrates
        assert archive.dialect == "sqlite"
    assert {"harvest_run", "item", "alembic_version"} <= _tables(url)


def test_killing_the_first_command_during_its_migration_never_breaks_the_archive(
    tmp_path: Path,
) -> None:
    db = tmp_path / "archive.db"
    url = f"sqlite:///{db}"
    # SIGKILL (no cleanup) at moments spread over the migration: it starts when the file
    # appears. Whatever the moment, the archive is either untouched or fully migrated.
    # The first command is a harvest of no sources: read-only commands create no archive.
    no_sources = tmp_path / "none.toml"
    no_sources.write_text("", encoding="utf-8")
    first = ["harvest", "--sources", str(no_sources), "--quiet", "--db", url]
    for delay in (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5):
        db.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cli import app; app()", *first],
            cwd=ROOT,
            env={**os.environ, "PYKALA_DB": ""},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        tables = _tables(url)
        assert tables == set() or "alembic_version" in tables, (delay, sorted(tables))
        result = pykala("status", "--db", url)
        assert result.returncode == 0, (delay, result.stderr)


def _hold_lock(url: str) -> subprocess.Popen[str]:
    """Another process holding the archive's run lock without migrating it."""
    code = (
        "import sys, time\n"
        "from storage.db import connect_archive\n"
        "from storage.lock import run_lock\n"
        "archive = connect_archive(sys.argv[1])\n"
        "with run_lock(archive):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_the_run_lock_is_taken_before_migrating(archive_url: str, tmp_path: Path) -> None:
    holder = _hold_lock(archive_url)
    try:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            '[[source]]\nname = "x"\nplatform = "webpage"\nbase_url = "http://127.0.0.1:9/"\n',
            encoding="utf-8",
        )
        result = pykala("harvest", "--db", archive_url, "--sources", str(sources))
        assert_one_line_error(result, 4)
        assert "another pykala run is using" in result.stderr
        assert _tables(archive_url) == set()  # it did not touch the schema
    finally:
        holder.kill()
        holder.wait()


def test_two_simultaneous_first_runs_on_a_new_archive_one_exits_4(
    archive_url: str, tmp_path: Path
) -> None:
    with serve_synthetic_sites(1) as (site,):
        site.faults.add(Fault("*meetingitem*", delay=0.05))  # a run of a few seconds
        sources = tmp_path / "sources.toml"
        sources.write_text(site.source_toml(), encoding="utf-8")
        args = ["harvest", "--db", archive_url, "--sources", str(sources), "--delay", "0"]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", "from cli import app; app()", *args, "--quiet"],
                cwd=ROOT,
                env={**os.environ, "PYKALA_DB": ""},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outcomes = sorted((p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs)
    assert [code for code, _ in outcomes] == [0, 4], outcomes
    assert "another pykala run is using" in outcomes[1][1]
    assert "Traceback" not in outcomes[1][1]


# -- a run always ends recorded ---------------------------------------------------------


def _runs(url: str) -> list[tuple[str, Any, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    models.HarvestRun.status, models.HarvestRun.finished, models.HarvestRun.counts
                )
            ).all()
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        engine.dispose()


def _pages_stored(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(models.Page)).scalar() or 0)
    except Exception:  # the schema is not there yet
        return 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_is_recorded_with_its_counts_and_report(
    archive_url: str, tmp_path: Path, signum: int
) -> None:
    with serve_synthetic_sites(1) as (site,):
        site.faults.add(Fault("*meetingitem*", delay=0.2))  # slow enough to interrupt
        sources = tmp_path / "sources.toml"
        sources.write_text(site.source_toml(), encoding="utf-8")
        report = tmp_path / "report.json"
        proc = subprocess.Popen(
            [
                *(sys.executable, "-c", "from cli import app; app()", "harvest"),
                *("--db", archive_url, "--sources", str(sources), "--delay", "0"),
                *("--quiet", "--report-json", str(report)),
            ],
            cwd=ROOT,
            env={**os.environ, "PYKALA_DB": ""},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while _pages_stored(archive_url) < 8 and time.monotonic() < deadline:
            assert proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("pykala: harvest interrupted after ")  # one line (issue 14)
    assert len(stderr.splitlines()) == 1
    written = json.loads(report.read_text("utf-8"))
    assert written["status"] == "interrupted"
    assert written["totals"]["pages"] >= 8
    [(status, finished, counts)] = _runs(archive_url)
    assert status == "interrupted" and finished is not None
    assert counts["synth1"]["pages"] == written["totals"]["pages"]


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("INSERT …", {}, Exception("database or disk is full")),
        OSError(errno.ENOSPC, "No space left on device"),
    ],
    ids=["database-full", "enospc"],
)
def test_a_run_that_fills_the_disk_is_recorded_and_reported(
    archive_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    real_save_page = save_page
    saved: list[int] = []

    def filling_save_page(session: Session, page: Any) -> int:
        if len(saved) == 5:
            raise failure
        saved.append(1)
        return real_save_page(session, page)

    monkeypatch.setattr(run_module, "save_page", filling_save_page)
    report = tmp_path / "report.json"
    with serve_synthetic_sites(1) as (site,):
        sources = tmp_path / "sources.toml"
        sources.write_text(site.source_toml(), encoding="utf-8")
        result = CliRunner().invoke(
            app,
            [
                *("harvest", "--db", archive_url, "--sources", str(sources), "--delay", "0"),
                *("--quiet", "--report-json", str(report)),
            ],
        )
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    why = "database or disk is full" if "database" in str(failure) else "No space left"
    written = json.loads(report.read_text("utf-8"))
    assert written["status"] == "aborted" and why in written["end_reason"]
    assert written["errors"][0].startswith("run aborted: ")
    [(status, finished, counts)] = _runs(archive_url)
    assert status == "aborted" and finished is not None
    # Six pages fetched; the sixth could not be stored (the run row and report agree).
    assert counts["synth1"]["pages"] == written["totals"]["pages"] == 6
