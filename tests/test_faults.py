"""Every fault a server or network can throw, in one harvest (SQLite and PostgreSQL).

A generated municipality (48 items) is served with faults on a dozen pages: the run must
finish, report each fault, store everything it could fetch; a second run with the faults
off must complete the archive to exactly what a clean run stores, with no duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pykala.harvester.fixturesite import Fault
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.report import RunReport
from pykala.harvester.run import harvest
from pykala.harvester.sources import SourceConfig, load_sources
from pykala.harvester.synthsite import SyntheticSite, serve_synthetic_sites
from pykala.storage import models
from pykala.storage.db import Archive, open_archive
from tests.harvestkit import canonical_dump

XML_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 2 else "&lol;" * 10}">'.encode()
        for n in range(2, 10)
    )
    + b']><rss version="2.0"><channel><title>&lol9;</title>'
    + b"<item><title>&lol9;</title><link>http://x.invalid/a</link></item></channel></rss>"
)
POLITENESS = Politeness(
    min_interval=0,
    tries=2,
    backoff=0.01,
    retry_after_cap=0.05,
    read_timeout=0.5,
    connect_timeout=1.0,
    max_bytes=2 * 1024 * 1024,
)


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(POLITENESS) as c:
        yield c


def _sources(site: SyntheticSite, tmp_path: Path) -> list[SourceConfig]:
    path = tmp_path / f"{site.name}-{site.base_url.rsplit(':', 1)[-1]}.toml"
    path.write_text(site.source_toml(), encoding="utf-8")
    return load_sources(path)


def _stored(archive: Archive) -> set[str]:
    with archive.session() as session:
        return set(session.scalars(select(models.Item.external_id)))


def _disallow(site: SyntheticSite, item: str) -> None:
    site.robots_txt = f"User-agent: *\nDisallow: /cgi/DREQUEST.PHP?page=meetingitem&id={item}\n"


def test_harvest_survives_every_fault_and_the_next_run_completes_the_archive(
    archive: Archive, client: PoliteClient, tmp_path: Path
) -> None:
    with serve_synthetic_sites(2) as (site, clean):
        items = site.item_ids()  # newest first; the same ids on both sites
        oldest_meeting = sorted(site.meetings.values(), key=lambda m: m.day)[0]
        oldest_items = {f"{oldest_meeting.id}-{k}" for k in range(1, 5)}
        clean.name = site.name  # the same source in another archive
        for s in (site, clean):
            _disallow(s, items[20])  # reported as skipped, never fetched, on both

        # The reference: an uninterrupted, fault-free harvest of the same municipality.
        with open_archive(f"sqlite:///{tmp_path / 'reference.db'}") as reference:
            assert harvest(reference, _sources(clean, tmp_path), client).exit_status == 0
            expected = canonical_dump(reference)
        assert len(expected["items"]) == 47

        def item(n: int, **fault: object) -> Fault:
            return site.faults.add(Fault(f"*meetingitem&id={items[n]}", **fault))  # type: ignore[arg-type]

        persistent = {
            items[0]: item(0, status=500),
            items[1]: item(1, status=502),
            items[2]: item(2, status=503),
            items[4]: item(4, reset=True),
            items[5]: item(5, close=True),
            items[6]: item(6, delay=1.0),  # beyond the read timeout
            items[8]: item(8, truncate=100),
            items[11]: item(11, redirect="http://muu-palvelin.example/kokous/1-1.HTM"),
            items[12]: item(12, body=b"<html>" + b"x" * (10 * 1024 * 1024) + b"</html>"),
        }
        passing = [
            item(3, status=429, retry_after="1", times=1),  # retried within the run
            item(7, drip=0.05),  # slow but within every timeout
            item(9, charset="x-no-such-charset"),  # a wrong (unknown) charset
            item(10, charset=""),  # no charset at all
        ]
        bomb = site.faults.add(Fault("*rss/meetingitems*", body=XML_BOMB))
        site.faults.add(Fault(f"*page=meeting&id={oldest_meeting.id}", status=502))

        sources = _sources(site, tmp_path)
        first = harvest(archive, sources, client)

        assert all(f.hits for f in [*persistent.values(), *passing, bomb])
        lines = "\n".join(first.error_lines())
        assert "Traceback" not in lines and "crashed" not in lines
        reasons = {
            items[0]: "HTTP 500 after 2 tries",
            items[1]: "HTTP 502 after 2 tries",
            items[2]: "HTTP 503 after 2 tries",
            items[4]: "connection closed without a response after 2 tries",
            items[5]: "connection closed without a response after 2 tries",
            items[6]: "timed out after 2 tries",
            items[8]: "connection closed before the response was complete after 2 tries",
            items[11]: "redirected to another host (muu-palvelin.example)",
            items[12]: "response larger than 2 MB",
        }
        for ident, reason in reasons.items():
            url = f"{site.cgi_url}?page=meetingitem&id={ident}"
            assert f"synth1: {reason}: {url}" in first.error_lines(), (ident, lines)
        assert f"page=meeting&id={oldest_meeting.id}" in lines
        report = first.sources[0]
        assert any("amplification" in w for w in report.warnings)  # the bomb, defused
        assert report.skipped == 1
        assert _stored(archive) == {i for i in items} - set(persistent) - oldest_items - {items[20]}
        assert report.queued == len(persistent) + 1  # the failed pages wait for the next run

        site.faults.clear()
        second = harvest(archive, sources, client)
        assert second.error_lines() == [], second.error_lines()
        assert second.sources[0].queued == 0
        assert canonical_dump(archive) == expected
        _assert_no_duplicates(archive, first, second)


def _assert_no_duplicates(archive: Archive, *runs: RunReport) -> None:
    with archive.session() as session:
        for model, key in (
            (models.Item, models.Item.external_id),
            (models.Meeting, models.Meeting.external_id),
            (models.Page, models.Page.url),
        ):
            total = session.scalar(select(func.count()).select_from(model))
            distinct = session.scalar(select(func.count(func.distinct(key))))
            assert total == distinct, model.__tablename__
        assert session.scalar(select(func.count()).select_from(models.CrawlQueue)) == 0
    assert sum(r.totals()["inserted"] for r in runs) == 47
