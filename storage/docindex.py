"""The search index of documents (programme pages, slide decks): the same lemma and
compound-part columns as the item index (storage.index), in ``document_fts`` (SQLite
FTS5, rowid = document.id) and ``document_search`` (PostgreSQL, stored tsvector).

A document is indexed like an item whose one section is its whole text, so a query
finds a document exactly when it would find an item with the same title and text.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from pykala.analysis.finnish import get_analyzer

from .index import item_rows

_COLUMNS = "title_lemmas, title_parts, body_lemmas, body_parts"
_VALUES = ":title_lemmas, :title_parts, :body_lemmas, :body_parts"


def index_document(session: Session, document_id: int, title: str, body: str) -> None:
    """(Re)index one document from its title and text."""
    row, _sections = item_rows(get_analyzer(), title, [("other", body)])
    sqlite = session.get_bind().dialect.name == "sqlite"
    table, key = ("document_fts", "rowid") if sqlite else ("document_search", "document_id")
    session.execute(text(f"DELETE FROM {table} WHERE {key} = :id"), {"id": document_id})
    session.execute(
        text(f"INSERT INTO {table} ({key}, {_COLUMNS}) VALUES (:id, {_VALUES})"),
        {"id": document_id, **row},
    )
