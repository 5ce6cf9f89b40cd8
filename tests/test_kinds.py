"""Items and documents share one path (storage.kinds): each Kind names tables and columns
the archive has, and an item and a document with one title and text are indexed, scored
and versioned alike. SQLite and PostgreSQL (the ``archive`` fixture).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import inspect, select, text

from pykala.linking.membership import refresh
from pykala.linking.topics import load_topics
from pykala.parsers.records import DocumentRecord, ItemRecord, Section, SectionKind
from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.documents import save_document
from pykala.storage.docview import get_document
from pykala.storage.kinds import DOCUMENT, ITEM, KINDS, record_texts
from pykala.storage.versions import read_versions
from pykala.storage.views import get_item
from tests.storagekit import T0, T1, item, item_page, setup_sources, store

TITLE = "Perhekeskustoimintamallin käyttöönotto"
TEXT = "Perhekeskus kokoaa lasten ja perheiden palvelut. Neuvola ja perheneuvola."
DOC = DocumentRecord(
    external_id="https://www.kuopio.fi/perhekeskus",
    url="https://www.kuopio.fi/perhekeskus",
    title=TITLE,
    text=TEXT,
    dates=(date(2020, 9, 1),),
    municipality_code="297",
)
INDEX_COLUMNS = "title_lemmas, title_parts, body_lemmas, body_parts"


def _one_section_item() -> ItemRecord:
    return replace(item(title=TITLE), sections=(Section(SectionKind.SELOSTUS, "Selostus", TEXT),))


def _store_both(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, item_page(_one_section_item()))
    with archive.session() as session:
        save_document(session, DOC, seen_at=T0)


def test_each_kind_names_tables_and_columns_the_archive_has(archive: Archive) -> None:
    with archive.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        inspector = inspect(conn)
        tables = set(inspector.get_table_names())
        if sqlite:  # FTS5 virtual tables
            tables |= set(conn.scalars(text("SELECT name FROM sqlite_master")))
        for kind in KINDS:
            for model in (kind.version_table, kind.topic_table, kind.analysis_table):
                columns = {c["name"] for c in inspector.get_columns(model.__tablename__)}
                assert kind.owner in columns, (kind.name, model.__tablename__)
            assert kind.table.__tablename__ == kind.name
            index_tables = (
                (kind.fts_table, kind.fts_title_table, kind.fts_section_table)
                if sqlite
                else (kind.pg_table, kind.pg_section_table)
            )
            for name in filter(None, index_tables):
                assert name in tables, (kind.name, name)
            if not sqlite:
                columns = {c["name"] for c in inspector.get_columns(kind.pg_table)}
                assert kind.owner in columns


def test_an_item_and_a_document_with_one_text_are_indexed_alike(archive: Archive) -> None:
    _store_both(archive)
    with archive.session() as session:
        item_id = session.scalars(select(models.Item.id)).one()
        document_id = session.scalars(select(models.Document.id)).one()
        sqlite = session.get_bind().dialect.name == "sqlite"
        if sqlite:
            item_row = session.execute(text(f"SELECT {INDEX_COLUMNS} FROM item_fts")).one()
            doc_row = session.execute(
                text(f"SELECT {INDEX_COLUMNS} FROM document_fts WHERE rowid = :id"),
                {"id": document_id},
            ).one()
        else:
            item_row = session.execute(
                text(f"SELECT {INDEX_COLUMNS} FROM item_search WHERE item_id = :id"),
                {"id": item_id},
            ).one()
            doc_row = session.execute(
                text(f"SELECT {INDEX_COLUMNS} FROM document_search WHERE document_id = :id"),
                {"id": document_id},
            ).one()
        assert item_row == doc_row and "perhekeskus" in doc_row[2].split()
        # The sections both paths read: an item's from its rows, a document's text as one.
        ((_, _, _, item_sections),) = record_texts(session, ITEM, [item_id])
        ((_, _, _, doc_sections),) = record_texts(session, DOCUMENT, [document_id, 10**6])
        assert item_sections == [("selostus", TEXT)]
        assert doc_sections == [("document", TEXT)]


def test_an_item_and_a_document_with_one_text_score_alike(archive: Archive) -> None:
    _store_both(archive)
    with archive.session() as session:
        report = refresh(session, load_topics())
        assert (report.items_analysed, report.documents_analysed) == (1, 1)
        item_score = session.scalars(select(models.ItemTopic.score)).one()
        doc_score = session.scalars(select(models.DocumentTopic.score)).one()
        # selostus and a document's text weigh alike (1.0) by default.
        assert item_score == doc_score > 0


def test_versions_of_both_kinds_are_read_by_one_path(archive: Archive) -> None:
    _store_both(archive)
    store(archive, item_page(replace(_one_section_item(), title="Uusi otsikko")), at=T1)
    with archive.session() as session:
        assert save_document(session, replace(DOC, title="Uusi otsikko"), seen_at=T1) == "updated"
    with archive.session() as session:
        view = get_item(session, "kuopio:2024101-3")
        document = get_document(session, DOC.external_id)
        assert view is not None and document is not None
        assert [v.content["title"] for v in view.versions] == [TITLE]
        assert [v.content["title"] for v in document.versions] == [TITLE]
        assert document.versions == read_versions(session, DOCUMENT, document.db_id)
        assert document.versions[0].valid_to == T1 == view.versions[0].valid_to
