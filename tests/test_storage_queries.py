"""Read-side queries: one item in full, runs and archive statistics."""

from __future__ import annotations

from pykala.parsers.records import Attachment, MeetingKind
from pykala.storage.db import Archive
from pykala.storage.runs import finish_run, start_run
from pykala.storage.views import AmbiguousItemError, archive_stats, get_item, list_runs
from tests.storagekit import T0, T1, item, item_page, setup_sources, store


def test_get_item_by_stable_id_with_sections_attachments_versions(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, item_page(item(kind=MeetingKind.ESITYSLISTA, paatos="")))
    minutes = item(attachments=(Attachment("https://kuopio.example/liite.pdf", "Liite 1"),))
    store(archive, item_page(minutes), at=T1)
    with archive.session() as session:
        view = get_item(session, "kuopio:2024101-3")
        assert view is not None
        assert (view.municipality, view.body, view.meeting_kind) == (
            "Kuopio",
            "Kaupunginhallitus",
            "poytakirja",
        )
        assert [s.kind for s in view.sections] == ["selostus", "paatosehdotus", "paatos"]
        assert view.attachments[0].title == "Liite 1"
        assert len(view.versions) == 1 and view.versions[0].content["meeting_kind"] == "esityslista"
        assert view.first_seen == T0 and view.last_changed == T1
        assert get_item(session, "kuopio:404-1") is None


def test_get_item_by_bare_external_id(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, item_page(item("2024101-3")))
    store(archive, item_page(item("2024101-4")), source="espoo", url="https://espoo.example/1")
    store(archive, item_page(item("2024101-4")), source="aanekoski", url="https://a.example/1")
    with archive.session() as session:
        view = get_item(session, "2024101-3")
        assert view is not None and view.item_id == "kuopio:2024101-3"
        try:
            get_item(session, "2024101-4")
        except AmbiguousItemError as exc:
            assert "use <source>:2024101-4" in str(exc)
        else:
            raise AssertionError("ambiguous id accepted")


def test_stats_and_runs(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, item_page(item("2024101-3"), item("2024101-4")))
    with archive.session() as session:
        first = start_run(session, T0)
        finish_run(session, first, finished=T0, status="ok", counts={}, errors=[])
        second = start_run(session, T1)
    with archive.session() as session:
        stats = archive_stats(session)
        runs = list_runs(session)
    kuopio = next(s for s in stats.sources if s.source == "kuopio")
    assert (kuopio.items, kuopio.meetings, kuopio.pages, kuopio.last_fetched) == (2, 1, 1, T0)
    assert next(s for s in stats.sources if s.source == "espoo").items == 0
    assert stats.items == 2 and stats.raw_pages == 1 and stats.raw_bytes > 0
    assert [r.id for r in runs] == [second, first]
    assert stats.last_run is not None and stats.last_run.status == "running"
