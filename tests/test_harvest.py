"""Harvesting the fixture site (a real HTTP server on 127.0.0.1) into SQLite and PostgreSQL.

The site serves the parser fixtures under their original URLs (fixtures/site/site.toml);
the golden files next to those fixtures say what each item page must become.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from pykala.harvester.fixturesite import Fault, FixtureSite, closed_port_url, serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.reparse import reparse
from pykala.harvester.report import Progress, RunReport
from pykala.harvester.run import harvest
from pykala.harvester.sources import SourceConfig, load_sources
from pykala.storage import models
from pykala.storage.db import Archive

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KUOPIO = "http://publish.kuopio.fi/cgi/DREQUEST.PHP"
ITEMS_FEED = f"{KUOPIO}?page=rss/meetingitems&show=100"
ITEM_5 = f"{KUOPIO}?page=meetingitem&id=2020362412-5"
ITEM_4 = f"{KUOPIO}?page=meetingitem&id=2020362412-4"

# (source, item external id, golden file of its page): every item page the crawl reaches.
REACHED = [
    ("kuopio", "2020362412-3", "dynasty/kuopio/meetingitem_2020362412-3.html"),
    ("kuopio", "2020362412-4", "dynasty/kuopio/meetingitem_2020362412-4.html"),
    ("kuopio", "2020362412-5", "dynasty/kuopio/meetingitem_2020362412-5.html"),
    ("espoo", "2017406946-3", "dynasty/espoo/2017406946-3.HTM"),
    ("kokkola", "20261273-7", "dynasty/kokkola/meetingitem_20261273-7_TRIMMED.html"),
]


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve_fixture_site() as running:
        yield running


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    fast = Politeness(min_interval=0, tries=2, backoff=0.01, retry_after_cap=0.05)
    with PoliteClient(fast) as c:
        yield c


@pytest.fixture
def sources(site: FixtureSite, tmp_path: Path) -> list[SourceConfig]:
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(), encoding="utf-8")
    return load_sources(path)


def run(
    archive: Archive,
    sources: list[SourceConfig],
    client: PoliteClient,
    site: FixtureSite,
    **options: Any,
) -> RunReport:
    return harvest(archive, sources, client, scope=site.covers, **options)


def dump(archive: Archive) -> list[dict[str, Any]]:
    """Items with sections and attachments, without row ids or timestamps."""
    out: list[dict[str, Any]] = []
    with archive.session() as session:
        rows = session.execute(
            select(models.Source.name, models.Item)
            .join(models.Source, models.Source.id == models.Item.source_id)
            .order_by(models.Source.name, models.Item.external_id)
        ).all()
        for source_name, item in rows:
            body = session.get(models.Body, item.body_id) if item.body_id else None
            meeting = session.get(models.Meeting, item.meeting_id) if item.meeting_id else None
            sections = session.scalars(
                select(models.Section)
                .where(models.Section.item_id == item.id)
                .order_by(models.Section.ordinal)
            ).all()
            attachments = session.scalars(
                select(models.Attachment)
                .where(models.Attachment.item_id == item.id)
                .order_by(models.Attachment.ordinal)
            ).all()
            out.append(
                {
                    "source": source_name,
                    "external_id": item.external_id,
                    "body": body.name if body else None,
                    "meeting": meeting.external_id if meeting else None,
                    "meeting_date": str(item.meeting_date),
                    "meeting_kind": item.meeting_kind,
                    "position": item.position,
                    "paragraph": item.paragraph,
                    "diary_number": item.diary_number,
                    "title": item.title,
                    "url": item.url,
                    "pdf_url": item.pdf_url,
                    "content_hash": item.content_hash,
                    "sections": [(s.kind, s.heading, s.text, s.presenter) for s in sections],
                    "attachments": [(a.url, a.title) for a in attachments],
                }
            )
    return out


def count(archive: Archive, model: type[models.Base]) -> int:
    with archive.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_harvest_stores_every_reached_item_as_its_golden_file_says(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    report = run(archive, sources, client, site)
    assert report.error_lines() == []
    assert report.exit_status == 0
    assert {s.name: s.inserted for s in report.sources} == {"kuopio": 3, "espoo": 1, "kokkola": 1}
    stored = {(d["source"], d["external_id"]): d for d in dump(archive)}
    assert set(stored) == {(source, ext) for source, ext, _ in REACHED}
    for source, ext, fixture in REACHED:
        golden = json.loads((FIXTURES / (fixture + ".expected.json")).read_text("utf-8"))
        (expected,) = golden["result"]["items"]
        item = stored[(source, ext)]
        assert (item["paragraph"], item["title"]) == (expected["paragraph"], expected["title"])
        assert [s[0] for s in item["sections"]] == [s["kind"] for s in expected["sections"]]
        # URLs are the loopback ones the site served: links led back to the server
        assert item["url"].startswith(site.base_url)
    kuopio_48 = stored[("kuopio", "2020362412-5")]
    assert kuopio_48["paragraph"] == "48"
    assert kuopio_48["title"].startswith("Kuopion Perhekeskustoimintamalli")
    assert kuopio_48["meeting"] == "2020362412"
    assert stored[("espoo", "2017406946-3")]["paragraph"] == "127"


def test_second_harvest_changes_nothing(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    first = run(archive, sources, client, site)
    before = dump(archive)
    sections = count(archive, models.Section)
    assert first.totals()["inserted"] == len(REACHED)
    served = len(site.requests)
    second = run(archive, sources, client, site)
    assert second.totals()["inserted"] == second.totals()["updated"] == 0
    # The items the feeds name are asked for again (a conditional GET each); Espoo's item,
    # reached only through its old meeting, is not fetched at all.
    assert second.totals()["unchanged"] == len(REACHED) - 1
    assert not any("2017406946-3" in r for r in site.requests[served:])
    assert second.exit_status == 0
    assert dump(archive) == before
    assert count(archive, models.Item) == len(REACHED)
    assert count(archive, models.Section) == sections
    assert count(archive, models.ItemVersion) == 0


def test_changed_page_gives_a_new_version(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    run(archive, sources, client, site)
    original = (FIXTURES / "dynasty/kuopio/meetingitem_2020362412-5.html").read_bytes()
    assert b"Perhekeskustoimintamalli" in original
    site.set_content(ITEM_5, original.replace(b"Perhekeskustoimintamalli", b"Perhekeskusmalli"))
    report = run(archive, sources, client, site)
    kuopio = next(s for s in report.sources if s.name == "kuopio")
    assert (kuopio.updated, kuopio.unchanged) == (1, 2)
    assert count(archive, models.ItemVersion) == 1
    with archive.session() as session:
        title = session.scalar(
            select(models.Item.title).where(models.Item.external_id == "2020362412-5")
        )
        old = session.scalar(select(models.ItemVersion.content))
    assert title is not None and title.startswith("Kuopion Perhekeskusmalli")
    assert old is not None and "Perhekeskustoimintamalli" in old
    assert count(archive, models.Item) == len(REACHED)


def test_reparse_rebuilds_the_same_archive_without_network(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    harvested = run(archive, sources, client, site)
    expected = dump(archive)
    with archive.session() as session:  # throw away everything parsed; raw pages stay
        session.execute(delete(models.Item))
        session.execute(delete(models.Meeting))
    assert dump(archive) == []
    served = len(site.requests)
    report = reparse(archive)
    assert len(site.requests) == served  # not one request
    assert report.error_lines() == []
    assert report.totals()["inserted"] == len(REACHED)
    assert report.totals()["pages"] == harvested.totals()["pages"]
    assert dump(archive) == expected


def test_failing_page_is_reported_and_the_rest_stored(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    site.faults.add(Fault("*id=2020362412-4*", status=500))
    report = run(archive, sources, client, site)
    assert report.error_lines() == [f"kuopio: HTTP 500 after 2 tries: {site.url_for(ITEM_4)}"]
    assert report.exit_status == 0  # the source still gave items
    stored = {d["external_id"] for d in dump(archive)}
    assert "2020362412-4" not in stored
    assert {"2020362412-3", "2020362412-5", "2017406946-3"} <= stored
    site.faults.clear()
    again = run(archive, sources, client, site)  # a failed page is fetched on the next run
    assert next(s for s in again.sources if s.name == "kuopio").inserted == 1


def test_unreachable_source_is_one_clear_line(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    dead_origin = closed_port_url()
    dead = SourceConfig(
        name="suljettu",
        platform="dynasty",
        base_url=f"{dead_origin}/publish.kuopio.fi/cgi/DREQUEST.PHP",
        municipality_code="297",
    )
    report = run(archive, [dead, *sources], client, site)
    host = dead_origin.removeprefix("http://")
    assert report.error_lines() == [
        f"suljettu: cannot reach {host} (connection refused after 2 tries)"
    ]
    assert report.exit_status == 1
    assert [s.name for s in report.failed_sources] == ["suljettu"]
    assert report.totals()["inserted"] == len(REACHED)  # the others were harvested


def test_feed_that_is_not_xml_is_an_error_line(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    site.set_content(ITEMS_FEED, b"<html><body>Huoltokatko</body></html>", "text/html")
    report = run(archive, sources, client, site)
    (line,) = report.error_lines()
    assert line.startswith(f"kuopio: cannot parse {site.url_for(ITEMS_FEED)}: ")
    # the meetings feed still leads to the meeting and its items
    assert next(s for s in report.sources if s.name == "kuopio").inserted == 3
    with archive.session() as session:
        error = session.scalar(
            select(models.Page.parse_error).where(models.Page.url == site.url_for(ITEMS_FEED))
        )
    assert error  # the raw page is kept with why it failed, for a reparse after a fix


def test_source_that_yields_nothing_is_flagged(
    archive: Archive, client: PoliteClient, site: FixtureSite
) -> None:
    empty = SourceConfig(
        name="tyhja",
        platform="dynasty",
        base_url=site.url_for("http://tyhja.example.fi/cgi/DREQUEST.PHP"),
        municipality_code="297",
    )
    report = run(archive, [empty], client, site)
    lines = report.error_lines()
    assert lines[0] == "tyhja: no items found (0 pages fetched)"
    assert len(lines) == 3 and all("HTTP 404" in line for line in lines[1:])
    assert report.exit_status == 1


def test_run_is_recorded_in_harvest_run(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    report = run(archive, sources, client, site)
    with archive.session() as session:
        row = session.get(models.HarvestRun, report.run_id)
        assert row is not None
        assert row.status == "ok"
        assert row.finished is not None
        assert row.counts is not None and row.counts["kuopio"]["inserted"] == 3
        assert row.errors == []


def test_page_budget_and_progress(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    class Recorder(Progress):
        def __init__(self) -> None:
            self.pages: list[tuple[str, int]] = []

        def on_page(self, source: str, url: str, n: int, total_guess: int) -> None:
            assert total_guess >= n
            self.pages.append((source, n))

    recorder = Recorder()
    report = run(archive, sources, client, site, max_pages=2, progress=recorder)
    kuopio = next(s for s in report.sources if s.name == "kuopio")
    assert kuopio.pages == 2 and kuopio.truncated  # only the two feeds
    assert [n for s, n in recorder.pages if s == "kuopio"] == [1, 2]


def test_documents_only_when_asked(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    plain = run(archive, sources, client, site)
    assert not any(".PDF" in r for r in site.requests)
    # Documents of items stored before are fetched by a full walk (a nightly run fetches
    # those of new and changed items).
    with_pdfs = run(archive, sources, client, site, fetch_documents=True, full=True)
    assert with_pdfs.error_lines() == []
    pdfs = [r for r in site.requests if r.endswith(".PDF")]
    assert len(pdfs) == 4  # 2020362412-3, -3-1, -4, -5 (the ones the item pages link)
    assert with_pdfs.totals()["pages"] == plain.totals()["pages"] + 4
    with archive.session() as session:
        kinds = session.scalars(
            select(models.Page.page_kind).where(models.Page.url.like("%.PDF"))
        ).all()
    assert kinds == ["document"] * 4


@pytest.mark.parametrize(
    "fault",
    [
        Fault("*id=2020362412-4*", status=429, retry_after="1", times=1),
        Fault("*id=2020362412-4*", status=503, times=1),
        Fault("*id=2020362412-4*", close=True, times=1),
        Fault("*id=2020362412-4*", truncate=200, times=1),
        Fault("*rss/meetingitems*", status=502, times=1),
    ],
    ids=["429-retry-after", "503", "closed", "truncated", "feed-502"],
)
def test_transient_faults_are_retried_within_the_run(
    archive: Archive,
    sources: list[SourceConfig],
    client: PoliteClient,
    site: FixtureSite,
    fault: Fault,
) -> None:
    site.faults.add(fault)
    report = run(archive, sources, client, site)
    assert fault.hits == 1
    assert report.error_lines() == []
    assert report.totals()["inserted"] == len(REACHED)


def test_wrong_charset_header_does_not_stop_the_run(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    # Espoo's windows-1252 page announced as UTF-8: whatever the parser makes of it, the
    # item is stored and the run goes on.
    site.faults.add(Fault("*/2017406946-3.HTM", charset="utf-8"))
    report = run(archive, sources, client, site)
    assert report.error_lines() == []
    assert ("espoo", "2017406946-3") in {(d["source"], d["external_id"]) for d in dump(archive)}


def test_pages_robots_txt_disallows_are_skipped_not_failed(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    rule = "Disallow: /publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2020362412-4"
    site.robots_txt = f"User-agent: pykala\n{rule}\n"
    report = run(archive, sources, client, site)
    kuopio = next(s for s in report.sources if s.name == "kuopio")
    assert report.error_lines() == []
    assert (kuopio.skipped, kuopio.failed, kuopio.inserted) == (1, 0, 2)
    assert f"skipped (disallowed by robots.txt): {site.url_for(ITEM_4)}" in kuopio.warnings
    assert not any("2020362412-4" in r for r in site.requests)
