"""Opening archives, pages, sources and harvest runs (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from pykala.parsers.records import PageKind
from pykala.storage import models
from pykala.storage.db import MIGRATIONS_DIR, Archive, ArchiveError, open_archive, resolve_db_url
from pykala.storage.pages import iter_pages, page_validators, save_page, save_parse_error
from pykala.storage.parses import save_parse
from pykala.storage.runs import finish_run, start_run
from pykala.storage.sources import UnknownSourceError, sync_sources
from tests.storagekit import (
    KUOPIO_BASE,
    MUNICIPALITIES,
    SOURCES,
    T0,
    T1,
    Src,
    fetched,
    item,
    item_page,
    setup_sources,
    store,
)


def _count(archive: Archive, model: type[models.Base]) -> int:
    with archive.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_open_creates_schema_and_reopens(archive_url: str) -> None:
    with open_archive(archive_url) as first:
        tables = set(inspect(first.engine).get_table_names())
        assert {"item", "section", "item_version", "raw_page", "page", "harvest_run"} <= tables
        assert ("item_fts" if first.dialect == "sqlite" else "item_search") in tables
    # A second open finds the schema at head and changes nothing.
    with open_archive(archive_url) as second, second.engine.connect() as conn:
        head = sorted(p.name for p in MIGRATIONS_DIR.glob("versions/0*.py"))[-1][:4]
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a database URL"),
        ("nosuchdb://x/y", "unknown database driver"),
        ("postgresql+psycopg://someone:secret@127.0.0.1:1/test", "cannot open archive"),
    ],
)
def test_open_failures_are_one_line_archive_errors(url: str, expected: str) -> None:
    with pytest.raises(ArchiveError) as caught:
        open_archive(url)
    message = str(caught.value)
    assert message.startswith("cannot open archive") and expected in message
    assert "\n" not in message
    assert "secret" not in message


def test_sqlite_in_missing_directory_is_an_archive_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="cannot open archive"):
        open_archive(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'a.db'}")


def test_url_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("platformdirs.user_data_dir", lambda _: str(tmp_path / "d"))
    monkeypatch.delenv("PYKALA_DB", raising=False)
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'd' / 'pykala.db'}"
    assert (tmp_path / "d").is_dir()
    monkeypatch.setenv("PYKALA_DB", "sqlite:///from-env.db")
    assert resolve_db_url(None) == "sqlite:///from-env.db"
    assert resolve_db_url("sqlite:///explicit.db") == "sqlite:///explicit.db"


def test_sqlite_enforces_foreign_keys_and_uses_wal(sqlite_archive: Archive) -> None:
    with sqlite_archive.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    with pytest.raises(IntegrityError), sqlite_archive.session() as session:
        session.add(models.Body(source_id=12345, name="Ei ole"))
        session.flush()


def test_sync_sources_inserts_then_updates(archive: Archive) -> None:
    setup_sources(archive)
    changed = [Src("kuopio", "dynasty", "https://new.example/cgi/DREQUEST.PHP", "297", False)]
    with archive.session() as session:
        sync_sources(session, changed, MUNICIPALITIES)
    with archive.session() as session:
        kuopio = session.scalars(select(models.Source).where(models.Source.name == "kuopio")).one()
        assert (kuopio.base_url, kuopio.enabled) == ("https://new.example/cgi/DREQUEST.PHP", False)
        assert session.scalar(select(func.count()).select_from(models.Source)) == len(SOURCES)
        kuopio_muni = session.get(models.Municipality, "297")
        assert kuopio_muni is not None and kuopio_muni.region == "Pohjois-Savo"


def test_sync_sources_rejects_unknown_municipality(archive: Archive) -> None:
    expected = "source x: unknown municipality code '999'"
    with pytest.raises(ArchiveError, match=expected), archive.session() as session:
        sync_sources(session, [Src("x", "dynasty", "https://x", "999")], MUNICIPALITIES)


def test_raw_pages_are_stored_once_per_content(archive: Archive) -> None:
    setup_sources(archive)
    same = "<html>Sama sisältö</html>".encode()
    with archive.session() as session:
        a = save_page(session, fetched(f"{KUOPIO_BASE}?page=meeting&id=1", same))
        b = save_page(session, fetched(f"{KUOPIO_BASE}?page=meeting&id=2", same))
        c = save_page(session, fetched("https://espoo.example/x", same, source="espoo"))
        again = save_page(session, fetched(f"{KUOPIO_BASE}?page=meeting&id=1", same, at=T1))
    assert len({a, b, c}) == 3 and again == a
    assert _count(archive, models.RawPage) == 1
    assert _count(archive, models.Page) == 3
    with archive.session() as session:
        validators = page_validators(session, "kuopio", f"{KUOPIO_BASE}?page=meeting&id=1")
        assert validators is not None
        assert validators.etag == f'"{len(same)}"'
        assert validators.sha256 is not None and len(validators.sha256) == 64
        assert page_validators(session, "kuopio", "https://never.fetched/") is None


def test_not_modified_keeps_the_stored_bytes(archive: Archive) -> None:
    setup_sources(archive)
    url = f"{KUOPIO_BASE}?page=meeting&id=1"
    with archive.session() as session:
        page_id = save_page(session, fetched(url, b"<html>v1</html>"))
        save_parse(
            session,
            source_name="kuopio",
            page_id=page_id,
            result=item_page(item()),
            seen_at=T0,
        )
        assert save_page(session, fetched(url, b"", status=304, at=T1)) == page_id
    with archive.session() as session:
        page = session.get(models.Page, page_id)
        assert page is not None and page.status == 200 and page.parsed_at is not None
        pages = list(iter_pages(session))
        assert [p.body for p in pages] == [b"<html>v1</html>"]


def test_changed_bytes_mark_the_page_unparsed(archive: Archive) -> None:
    setup_sources(archive)
    url = f"{KUOPIO_BASE}?page=meeting&id=1"
    store(archive, item_page(item()), url=url, body=b"v1")
    with archive.session() as session:
        page_id = save_page(session, fetched(url, b"v2", at=T1))
        page = session.get(models.Page, page_id)
        assert page is not None and page.parsed_at is None
    assert _count(archive, models.RawPage) == 2  # the old bytes stay: item versions cite them


def test_iter_pages_streams_everything_and_filters_by_source(archive: Archive) -> None:
    setup_sources(archive)
    with archive.session() as session:
        for n in range(7):
            save_page(session, fetched(f"{KUOPIO_BASE}?page=meeting&id={n}", f"k{n}".encode()))
        save_page(session, fetched("https://espoo.example/1", b"e1", source="espoo"))
    with archive.session() as session:
        everything = list(iter_pages(session))
        assert len(everything) == 8
        assert everything[0].page_kind is PageKind.ITEM
        assert everything[0].content_type == "text/html; charset=utf-8"
        kuopio = list(iter_pages(session, "kuopio"))
        assert [p.body for p in kuopio] == [f"k{n}".encode() for n in range(7)]


def test_iter_pages_allows_commits_while_iterating(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pykala.storage.pages.PAGE_BATCH", 2)
    setup_sources(archive)
    with archive.session() as session:
        for n in range(5):
            save_page(session, fetched(f"{KUOPIO_BASE}?page=meeting&id={n}", f"k{n}".encode()))
    seen = []
    with archive.session() as session:
        for page in iter_pages(session, "kuopio"):
            save_parse_error(session, page.page_id, "reparse marker")
            session.commit()
            seen.append(page.page_id)
    assert len(seen) == 5
    with archive.session() as session:
        errors = session.scalars(select(models.Page.parse_error)).all()
        assert errors == ["reparse marker"] * 5


def test_parse_error_is_recorded_and_cleared_by_a_good_parse(archive: Archive) -> None:
    setup_sources(archive)
    with archive.session() as session:
        page_id = save_page(session, fetched(f"{KUOPIO_BASE}?page=meetingitem&id=1-1", b"?"))
        save_parse_error(session, page_id, "no DATABEGIN marker")
    with archive.session() as session:
        page = session.get(models.Page, page_id)
        assert page is not None and page.parse_error == "no DATABEGIN marker"
        save_parse(
            session, source_name="kuopio", page_id=page_id, result=item_page(item()), seen_at=T1
        )
        assert page.parse_error is None


def test_unknown_source_is_reported(archive: Archive) -> None:
    with (
        pytest.raises(UnknownSourceError, match="unknown source 'nowhere'"),
        archive.session() as s,
    ):
        save_page(s, fetched("https://x/", b"x", source="nowhere"))


def test_harvest_runs_are_recorded(archive: Archive) -> None:
    with archive.session() as session:
        run_id = start_run(session, T0)
    with archive.session() as session:
        finish_run(
            session,
            run_id,
            finished=T1,
            status="ok",
            counts={"kuopio": {"inserted": 3, "updated": 0}},
            errors=["espoo: timeout"],
        )
    with archive.session() as session:
        run = session.get(models.HarvestRun, run_id)
        assert run is not None and run.status == "ok"
        assert run.counts == {"kuopio": {"inserted": 3, "updated": 0}}
        assert run.errors == ["espoo: timeout"]


def test_rolled_back_source_is_forgotten(archive: Archive) -> None:
    setup_sources(archive)
    with archive.session() as session:
        sync_sources(session, [*SOURCES, Src("uusi", "dynasty", "https://u", None)], {})
        save_page(session, fetched("https://u/1", b"u", source="uusi"))
        session.rollback()
        with pytest.raises(UnknownSourceError):
            save_page(session, fetched("https://u/1", b"u", source="uusi"))
        session.rollback()


def test_source_id_listener_is_scoped_to_archive_sessions(archive: Archive) -> None:
    # storage.sources forgets its cached source ids when a pykala session rolls back, and
    # only then: a plain SQLAlchemy Session made elsewhere in the process keeps its info.
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import Session

    import pykala.storage.sources as sources
    from pykala.storage.db import ArchiveSession

    assert event.contains(ArchiveSession, "after_soft_rollback", sources._forget_source_ids)
    assert not event.contains(Session, "after_soft_rollback", sources._forget_source_ids)
    engine = create_engine("sqlite://")
    try:
        with Session(engine) as plain:
            plain.info[sources._SOURCE_IDS] = {"kuopio": 1}
            plain.execute(text("SELECT 1"))
            plain.rollback()
            assert plain.info[sources._SOURCE_IDS] == {"kuopio": 1}
    finally:
        engine.dispose()
    setup_sources(archive)
    with archive.session() as session:
        assert isinstance(session, ArchiveSession)
        sources.source_id_of(session, "kuopio")
        assert "kuopio" in session.info[sources._SOURCE_IDS]
        session.execute(text("SELECT 1"))
        session.rollback()
        assert sources._SOURCE_IDS not in session.info
