"""Coverage over time on SQLite and PostgreSQL: counts per body and month, field shares,
the three flags against each source's own history, and how harvest and `pykala status`
report a flag once (new) and then as known."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pykala.cli import app
from pykala.harvester.report import RunReport, SourceReport
from pykala.harvester.runrecord import finish
from pykala.storage.coverage import Month, UnknownSelection, body_coverage, select_sources
from pykala.storage.coverageflags import coverage_flags, drop_flags, gap_flag
from pykala.storage.db import Archive
from pykala.storage.runs import start_run
from tests.coveragekit import add_meetings, weekly
from tests.storagekit import setup_sources

TODAY = date.today()


def build(archive: Archive) -> None:
    """kuopio stopped 9 weeks ago; espoo's meetings shrank to 2 items; aanekoski went
    from weekly to monthly meetings."""
    setup_sources(archive)

    def kuopio_flags(n: int) -> str:
        flags = []
        if n % 4 == 0:
            flags.append("no_diary_number")
        if n % 5 == 0:
            flags.append("no_proposal_or_decision")  # not "no_proposal"
        return " ".join(flags)

    add_meetings(
        archive, "kuopio", "Kaupunginhallitus", weekly(TODAY - timedelta(days=63), 100),
        flags=kuopio_flags,
    )  # fmt: skip
    shrink = TODAY - timedelta(days=130)
    add_meetings(
        archive, "espoo", "Kaupunginhallitus", weekly(TODAY - timedelta(days=3), 100),
        items_per_meeting=lambda day: 2 if day >= shrink else 10,
    )  # fmt: skip
    before = weekly(shrink - timedelta(days=7), 90)
    after = weekly(TODAY - timedelta(days=3), 5, every=28)
    add_meetings(archive, "aanekoski", "Sivistyslautakunta", before + after)


def kinds(flags: list, source: str) -> set[str]:  # type: ignore[type-arg]
    return {f.kind for f in flags if f.source == source}


def test_counts_per_body_and_month(archive: Archive) -> None:
    build(archive)
    add_meetings(archive, "kuopio", "Kaupunginvaltuusto", [TODAY - timedelta(days=70)], 4)
    with archive.session() as session:
        bodies = body_coverage(session)
    by_key = {(b.source, b.body): b for b in bodies}
    kh = by_key[("kuopio", "Kaupunginhallitus")]
    assert (kh.label, kh.meetings, kh.items) == ("Kuopio", 100, 1000)
    assert kh.last_meeting == TODAY - timedelta(days=63)
    assert kh.first_meeting == TODAY - timedelta(days=63 + 7 * 99)
    assert sum(m.meetings for m in kh.months) == 100
    assert sum(m.items for m in kh.months) == 1000
    assert [m.month for m in kh.months] == sorted(m.month for m in kh.months)
    assert kh.shares["diary_number"] == pytest.approx(0.75)
    assert kh.shares["proposal"] == 1.0  # no_proposal_or_decision is another flag
    assert kh.shares["title"] == 1.0
    kv = by_key[("kuopio", "Kaupunginvaltuusto")]
    assert (kv.meetings, kv.items) == (1, 4)
    with archive.session() as session:
        only = body_coverage(session, ["espoo"])
    assert {b.source for b in only} == {"espoo"}


def test_flags_each_drop_against_its_own_history(archive: Archive) -> None:
    build(archive)
    with archive.session() as session:
        flags = coverage_flags(session, TODAY)
    assert "no_new_meeting" in kinds(flags, "kuopio")
    assert "fewer_items" not in kinds(flags, "kuopio")
    gap = next(f for f in flags if f.kind == "no_new_meeting")
    assert gap.line == "Kuopio: no new minutes for 9 weeks (usually 1)"
    assert kinds(flags, "espoo") == {"fewer_items"}
    assert kinds(flags, "aanekoski") == {"fewer_meetings"}
    with archive.session() as session:
        quiet = coverage_flags(session, TODAY, silent={"kuopio"})
    assert "no_new_meeting" not in kinds(quiet, "kuopio")


def test_a_source_that_stopped_years_ago_is_flagged(archive: Archive) -> None:
    setup_sources(archive)
    add_meetings(archive, "espoo", "Kaupunginhallitus", weekly(TODAY - timedelta(days=5 * 365), 50))
    with archive.session() as session:
        (flag,) = coverage_flags(session, TODAY)
    assert flag.kind == "no_new_meeting"
    assert flag.line == "Espoo: no new minutes for 261 weeks (usually 1)"


def test_gap_flag_needs_a_rhythm_and_a_real_overdue() -> None:
    today = date(2026, 6, 1)
    fortnightly = weekly(today - timedelta(days=20), 30, every=14)
    assert gap_flag("s", "S", fortnightly, today) is None  # 20 days: under 3 × 14
    late = weekly(today - timedelta(days=50), 30, every=14)
    flag = gap_flag("s", "S", late, today)
    assert flag is not None and flag.message == "no new minutes for 7 weeks (usually 2)"
    assert gap_flag("s", "S", late[-3:], today) is None  # too few meetings to know
    daily = weekly(today - timedelta(days=10), 30, every=2)
    assert gap_flag("s", "S", daily, today) is None  # under MIN_GAP_DAYS


def test_a_quiet_summer_is_no_drop() -> None:
    """Fewer meetings in June–August than the year's mean, as every year: no flag."""
    months = []
    for year in (2024, 2025, 2026):
        for month in range(1, 13):
            meetings = 1 if month in (6, 7, 8) else 4
            months.append(Month(f"{year}-{month:02d}", meetings, meetings * 10))
    assert drop_flags("s", "S", months, date(2026, 9, 15)) == []
    steady = [Month(m.month, 4, 40) for m in months]
    assert drop_flags("s", "S", steady, date(2026, 9, 15)) == []
    dropped = [Month(m.month, 1 if m.month >= "2026-06" else 4, 40) for m in months]
    (flag,) = drop_flags("s", "S", dropped, date(2026, 9, 15))
    assert flag.kind == "fewer_meetings"


def test_select_sources(archive: Archive) -> None:
    build(archive)
    with archive.session() as session:
        assert select_sources(session, [], []) is None
        assert select_sources(session, [], ["kuopio"]) == ["kuopio"]
        assert select_sources(session, ["espoo"], ["049"]) == ["espoo"]
        with pytest.raises(UnknownSelection, match="nope"):
            select_sources(session, ["nope"], [])
        with pytest.raises(UnknownSelection, match="Tampere"):
            select_sources(session, [], ["Tampere"])


def _run(archive: Archive, unreachable: str | None = None) -> RunReport:
    started = datetime.now(UTC)
    with archive.session() as session:
        run_id = start_run(session, started)
    report = RunReport("harvest", started=started, run_id=run_id)
    for name in ("kuopio", "espoo", "aanekoski"):
        source = SourceReport(name, unchanged=1, links=1, pages=1)
        if name == unreachable:
            source.unreachable = "connection refused"
        report.sources.append(source)
    finish(archive, report)
    return report


def test_harvest_reports_a_flag_once(archive: Archive) -> None:
    build(archive)
    first = _run(archive)
    assert first.exit_status == 1
    assert "Kuopio: no new minutes for 9 weeks (usually 1)" in first.error_lines()
    kuopio = first.sources[0]
    assert "publishes less" in kuopio.flags
    assert any(c["kind"] == "no_new_meeting" and c["new"] for c in kuopio.coverage)
    assert kuopio.as_dict()["coverage"] == kuopio.coverage

    second = _run(archive)
    assert second.exit_status == 0, second.error_lines()
    assert not second.error_lines()
    assert all(not c["new"] for s in second.sources for c in s.coverage)
    assert {c["kind"] for c in second.sources[0].coverage} >= {"no_new_meeting"}

    # Unreachable: its harvest flag says so, and no gap flag; back again, the gap is new.
    third = _run(archive, unreachable="kuopio")
    assert not any(c["kind"] == "no_new_meeting" for c in third.sources[0].coverage)
    fourth = _run(archive)
    assert "Kuopio: no new minutes for 9 weeks (usually 1)" in fourth.error_lines()


def test_status_exits_1_on_a_new_flag_only(archive: Archive, archive_url: str) -> None:
    build(archive)
    runner = CliRunner()
    result = runner.invoke(app, ["status", "--db", archive_url])
    assert result.exit_code == 1, result.output
    assert "Kuopio: no new minutes for 9 weeks (usually 1) (new)" in result.output
    _run(archive)
    again = runner.invoke(app, ["status", "--db", archive_url])
    assert again.exit_code == 0, again.output
    assert "Kuopio: no new minutes for 9 weeks (usually 1)" in again.output
    assert "(new)" not in again.output


def test_cli_coverage_formats(sqlite_archive: Archive, tmp_path: Path) -> None:
    build(sqlite_archive)
    db = sqlite_archive.url
    runner = CliRunner()
    table = runner.invoke(app, ["coverage", "--db", db], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert "Kaupunginhallitus" in table.output and "Sivistyslautakunta" in table.output
    assert "Kuopio: no new minutes for 9 weeks (usually 1) (new)" in table.output

    doc = json.loads(runner.invoke(app, ["coverage", "--db", db, "--format", "json"]).output)
    assert {b["source"] for b in doc["bodies"]} == {"kuopio", "espoo", "aanekoski"}
    assert {(f["source"], f["kind"]) for f in doc["flags"]} >= {("espoo", "fewer_items")}

    lines = runner.invoke(app, ["coverage", "--db", db, "--format", "jsonl"]).output.splitlines()
    assert [json.loads(line)["kind"] for line in lines].count("body") == 3

    text = runner.invoke(
        app, ["coverage", "--db", db, "--format", "csv", "--organisation", "Espoo"]
    ).output
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["source"] for r in rows} == {"espoo"}
    assert sum(int(r["meetings"]) for r in rows) == 100
    assert sum(int(r["items"]) for r in rows) == int(rows[0]["body_items"])

    bad = runner.invoke(app, ["coverage", "--db", db, "--format", "xml"])
    assert bad.exit_code == 2 and "--format must be" in bad.output
    unknown = runner.invoke(app, ["coverage", "--db", db, "--source", "nope"])
    assert unknown.exit_code == 2 and "no source named nope" in unknown.output


def test_cli_coverage_png(sqlite_archive: Archive, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    build(sqlite_archive)
    png = tmp_path / "coverage.png"
    result = CliRunner().invoke(app, ["coverage", "--db", sqlite_archive.url, "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "3 sources" in result.output


def test_cli_coverage_of_an_empty_archive(sqlite_archive: Archive) -> None:
    setup_sources(sqlite_archive)
    result = CliRunner().invoke(app, ["coverage", "--db", sqlite_archive.url])
    assert result.exit_code == 0, result.output
    assert "no items in the archive" in result.output
    status = CliRunner().invoke(app, ["status", "--db", sqlite_archive.url])
    assert status.exit_code == 0, status.output
    assert "no source publishes less than it used to" in status.output


def test_a_county_source_is_labelled_and_selected_by_its_organisation(
    archive: Archive, tmp_path: Path
) -> None:
    from pykala.harvester.sources import load_municipalities, load_sources
    from pykala.storage.sources import sync_sources

    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "pshva"\nplatform = "dynasty"\n'
        'base_url = "https://pshva.oncloudos.com/cgi/DREQUEST.PHP"\norganisation = "13"\n',
        encoding="utf-8",
    )
    with archive.session() as session:
        sync_sources(session, load_sources(path), load_municipalities())
    add_meetings(archive, "pshva", "Aluehallitus", weekly(TODAY - timedelta(days=70), 40))
    with archive.session() as session:
        (body,) = body_coverage(session)
        assert body.label == "Pohjois-Savon hyvinvointialue"
        assert select_sources(session, [], ["13"]) == ["pshva"]
        assert select_sources(session, [], ["pohjois-savon hyvinvointialue"]) == ["pshva"]
        flags = coverage_flags(session, TODAY)
    lines = [f.line for f in flags if f.kind == "no_new_meeting"]
    assert lines == ["Pohjois-Savon hyvinvointialue: no new minutes for 10 weeks (usually 1)"]


def test_status_json_stays_valid_with_flags_on_stderr(sqlite_archive: Archive) -> None:
    build(sqlite_archive)
    result = CliRunner().invoke(app, ["status", "--db", sqlite_archive.url, "--format", "json"])
    assert result.exit_code == 1
    json.loads(result.stdout)
    assert "Kuopio: no new minutes for 9 weeks (usually 1) (new)" in result.stderr
