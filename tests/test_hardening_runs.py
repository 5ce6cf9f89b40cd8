"""Issue 12 (runs): what a harvest stores, how a run starts and how it always ends.

Credentials in a source URL, NUL and other control characters in parsed text, a page
too large to parse, robots.txt disallowing everything, atomic SQLite migrations, the run
lock before migrating, and a run row that always gets its end state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

import harvester.run as run_module
from harvester.fixturesite import SITE_DIR, Fault, FixtureSite, load_site, serve_fixture_site
from harvester.http import PoliteClient, Politeness
from harvester.run import harvest
from harvester.sources import SourceConfig, load_sources
from harvester.synthsite import big_page, serve_synthetic_sites
from storage import models
from storage.clean import clean_text
from storage.db import Archive
from storage.upsert import save_parse
from tests.harvestkit import harvest_in_child
from tests.test_cli import assert_one_line_error, pykala


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

    monkeypatch.setattr(run_module, "save_parse", picky_save_parse)
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


def test_peak_memory_of_a_harvest_with_19_mb_pages_stays_under_300_mb(tmp_path: Path) -> None:
    with serve_synthetic_sites(1) as (site,):
        body = big_page(19 * MB)  # just under the 20 MB fetch cap
        for item in site.item_ids()[:3]:
            site.faults.add(Fault(f"*meetingitem&id={item}", body=body))
        report, _, peak_mib = harvest_in_child(site.source_toml(), tmp_path)
    assert sum("too large to parse" in e for e in report["errors"]) == 3
    assert report["sources"]["synth1"]["inserted"] == 45
    assert peak_mib < 300, f"peak RSS {peak_mib:.0f} MiB"
