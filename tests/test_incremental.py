"""What a nightly run fetches: only what may have changed; nothing published between two
runs is missed even when the feeds overflowed; agendas are re-checked until their minutes
appear; --full walks everything. Over a generated municipality on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.report import RunReport
from pykala.harvester.run import harvest
from pykala.harvester.sources import SourceConfig, load_sources
from pykala.harvester.synthsite import SyntheticSite, serve_synthetic_sites
from pykala.storage import models
from pykala.storage.db import Archive


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(Politeness(min_interval=0, tries=2, backoff=0.01)) as c:
        yield c


def _sources(site: SyntheticSite, tmp_path: Path) -> list[SourceConfig]:
    path = tmp_path / "sources.toml"
    path.write_text(site.source_toml(), encoding="utf-8")
    return load_sources(path)


class Nightly:
    def __init__(
        self,
        archive: Archive,
        site: SyntheticSite,
        client: PoliteClient,
        sources: list[SourceConfig],
    ) -> None:
        self.archive, self.site, self.client, self.sources = archive, site, client, sources
        self.requests: list[str] = []

    def run(self, **options: object) -> RunReport:
        start = len(self.site.requests)
        report = harvest(self.archive, self.sources, self.client, **options)  # type: ignore[arg-type]
        self.requests = self.site.requests[start:]
        assert report.error_lines() == []
        return report

    def items(self) -> int:
        with self.archive.session() as session:
            return session.scalar(select(func.count()).select_from(models.Item)) or 0

    def asked(self, page: str) -> list[str]:
        return [r for r in self.requests if f"page={page}" in r]


@pytest.fixture
def nightly(sqlite_archive: Archive, client: PoliteClient, tmp_path: Path) -> Iterator[Nightly]:
    with serve_synthetic_sites(1, feed_size=10) as (site,):
        yield Nightly(sqlite_archive, site, client, _sources(site, tmp_path))


def test_first_run_walks_everything_then_nothing_changed_costs_only_cheap_requests(
    nightly: Nightly,
) -> None:
    first = nightly.run()
    assert first.totals()["inserted"] == nightly.items() == 48
    assert len(nightly.asked("meetings&")) == 3  # every meeting list, through the body list
    second = nightly.run()
    assert second.totals()["inserted"] == second.totals()["updated"] == 0
    # the two feeds and the ten items they name, each a conditional GET answered 304
    assert len(nightly.requests) == 12 and second.totals()["bytes"] == 0
    assert nightly.asked("meeting&") == nightly.asked("meetings&") == []


def test_new_meetings_within_the_feed_window_need_no_walk(nightly: Nightly) -> None:
    nightly.run()
    nightly.site.publish(2, minutes=True)  # 8 new items: within the 10-entry feeds
    report = nightly.run()
    assert report.totals()["inserted"] == 8 and nightly.items() == 56
    assert nightly.asked("meeting_handlers") == []


def test_overflowed_feeds_are_backfilled_from_the_meeting_lists(nightly: Nightly) -> None:
    nightly.run()
    nightly.site.publish(12, minutes=True)  # 48 new items, 12 meetings: both feeds overflow
    report = nightly.run()
    assert len(nightly.asked("meeting_handlers")) == 1
    assert report.totals()["inserted"] == 48 and nightly.items() == 96
    # the walk stops at what is known: only the new meetings' pages are fetched
    assert len(nightly.asked("meeting&")) == 12


def test_agenda_is_rechecked_until_its_minutes_appear(
    sqlite_archive: Archive, client: PoliteClient, tmp_path: Path
) -> None:
    with serve_synthetic_sites(1, feed_size=2) as (site,):
        night = Nightly(sqlite_archive, site, client, _sources(site, tmp_path))
        night.run()
        older, newer = site.publish(2)  # agendas; the 2-entry item feed names newer's only
        night.run()
        with sqlite_archive.session() as session:
            kinds = set(
                session.scalars(
                    select(models.Meeting.kind).where(models.Meeting.external_id == older.id)
                )
            )
        assert kinds == {"esityslista"}
        site.finalise(older.id)
        report = night.run()
        # both agendas are re-checked; the older one's items changed to minutes
        assert report.sources[0].rechecked == 2
        assert sorted(night.asked("meeting&")) == sorted(
            f"/cgi/DREQUEST.PHP?page=meeting&id={m.id}" for m in (older, newer)
        )
        assert report.totals()["updated"] == 4
        with sqlite_archive.session() as session:
            decided = session.scalar(
                select(func.count())
                .select_from(models.Section)
                .join(models.Item, models.Item.id == models.Section.item_id)
                .where(
                    models.Item.external_id.like(f"{older.id}-%"), models.Section.kind == "paatos"
                )
            )
            assert decided == 4
            assert (
                session.scalar(
                    select(models.Meeting.kind).where(models.Meeting.external_id == older.id)
                )
                == "poytakirja"
            )
        # minutes published: the meeting leaves the every-run re-check
        night.run()
        assert night.asked("meeting&") == [f"/cgi/DREQUEST.PHP?page=meeting&id={newer.id}"]


def test_full_walks_every_page_with_conditional_requests(nightly: Nightly) -> None:
    nightly.run()
    report = nightly.run(full=True)
    assert report.totals()["pages"] == 66  # 2 feeds, body list, 3 lists, 12 meetings, 48 items
    assert report.totals()["unchanged"] == 48
    assert report.totals()["bytes"] == 0  # every page answered 304
