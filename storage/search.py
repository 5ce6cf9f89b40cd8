"""Plain full-text search over item titles and section text.

One tokeniser (``words``) serves both databases: the text is split into runs of letters
and digits in Python, lower-cased, and only those words reach the index and the query.
So SQLite FTS5 and PostgreSQL ('simple' tsvector) see the same tokens and return the
same items; ranking differs (bm25 vs ts_rank) but not the hit set. User input never
reaches FTS5 or tsquery syntax: each word becomes a quoted prefix term, words are AND-ed.

A later issue replaces this with Finnish lemma search behind the same search_items().
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from . import models
from .db import ArchiveError
from .filters import ItemFilters, filter_clauses, meeting_date_column

WORD = re.compile(r"[^\W_]+")
SNIPPET_WIDTH = 200
SNIPPET_LEAD = 60  # characters of context shown before the first match
TITLE_WEIGHT = 10.0  # a word in the title counts for more than one deep in the text


class SearchQueryError(ArchiveError):
    """The query contains nothing searchable."""


@dataclass(frozen=True)
class SearchHit:
    item_id: str  # stable "<source>:<external id>"
    source: str
    municipality: str | None
    body: str | None
    meeting_date: date | None
    paragraph: str | None
    title: str
    snippet: str
    url: str


def words(text: str) -> list[str]:
    """Lower-cased runs of letters/digits (NFC, so a decomposed ä equals a composed one)."""
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def _index_text(text: str) -> str:
    return " ".join(words(text))


def index_item(session: Session, item_id: int, title: str, texts: Sequence[str]) -> None:
    """(Re)index one item; called by storage.upsert whenever an item is written."""
    params = {"id": item_id, "title": _index_text(title), "body": _index_text(" ".join(texts))}
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM item_fts WHERE rowid = :id"), {"id": item_id})
        session.execute(
            text("INSERT INTO item_fts (rowid, title, body) VALUES (:id, :title, :body)"), params
        )
    else:
        session.execute(
            text(
                "INSERT INTO item_search (item_id, document) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || "
                "setweight(to_tsvector('simple', :body), 'B')) "
                "ON CONFLICT (item_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            params,
        )


def query_words(query: str) -> list[str]:
    """The words of a user query, or SearchQueryError if there are none."""
    found = list(dict.fromkeys(words(query)))
    if not found:
        raise SearchQueryError(
            f"nothing to search for in {query!r}: use words made of letters or digits"
        )
    return found


def _match(
    dialect: str, terms: list[str]
) -> tuple[Any, ColumnElement[Any], ColumnElement[bool], ColumnElement[Any]]:
    """The index table, its item id column, the match condition and a score (lower = better)."""
    if dialect == "sqlite":
        fts = table("item_fts", column("rowid", Integer))
        # Every term quoted: FTS5 operators (NEAR, AND, *, ", parentheses) stay text.
        match = " ".join(f'"{t}"*' for t in terms)
        this: ColumnElement[Any] = literal_column("item_fts")
        bm25: ColumnElement[Any] = func.bm25(this, TITLE_WEIGHT, 1.0)
        return fts, fts.c.rowid, this.op("MATCH")(literal(match)), bm25
    index = table("item_search", column("item_id", Integer), column("document", TSVECTOR))
    # Terms are letters/digits only, so the tsquery text cannot contain operators.
    tsquery = cast(literal(" & ".join(f"'{t}':*" for t in terms)), TSQUERY)
    rank: ColumnElement[Any] = -func.ts_rank(index.c.document, tsquery)
    return index, index.c.item_id, index.c.document.op("@@")(tsquery), rank


def _matches(word: str, terms: Sequence[str]) -> bool:
    lowered = unicodedata.normalize("NFC", word).lower()
    return any(lowered.startswith(t) for t in terms)


def highlight(
    text_: str,
    terms: Sequence[str],
    *,
    start: str = "«",
    end: str = "»",
    width: int = SNIPPET_WIDTH,
) -> str:
    """About ``width`` characters around the first word matching a term, matches marked."""
    flat = " ".join(unicodedata.normalize("NFC", text_).split())
    found = [m for m in WORD.finditer(flat) if _matches(m.group(), terms)]
    begin = 0
    if found and found[0].start() > SNIPPET_LEAD:
        begin = flat.rfind(" ", 0, found[0].start() - SNIPPET_LEAD) + 1
    stop = min(len(flat), begin + width)
    if stop < len(flat):
        space = flat.rfind(" ", begin, stop)
        stop = space if space > begin else stop
    out: list[str] = ["…"] if begin > 0 else []
    pos = begin
    for m in found:
        if m.start() < begin or m.end() > stop:
            continue
        out += [flat[pos : m.start()], start, m.group(), end]
        pos = m.end()
    out.append(flat[pos:stop])
    if stop < len(flat):
        out.append("…")
    return "".join(out)


def search_items(
    session: Session,
    query: str,
    filters: ItemFilters | None = None,
    limit: int = 20,
    *,
    mark_start: str = "«",
    mark_end: str = "»",
) -> list[SearchHit]:
    """Items containing every word of ``query`` (as a word prefix), best first.

    Ordered by rank, then meeting date (newest first). Raises SearchQueryError when the
    query has no letters or digits.
    """
    terms = query_words(query)
    index, index_id, condition, score = _match(session.get_bind().dialect.name, terms)
    date_col = meeting_date_column()
    stmt = (
        select(
            models.Item.id,
            models.Item.external_id,
            models.Item.title,
            models.Item.url,
            models.Item.paragraph,
            models.Source.name,
            models.Municipality.name_fi,
            models.Body.name,
            date_col,
        )
        .select_from(index)
        .join(models.Item, models.Item.id == index_id)
        .join(models.Source, models.Source.id == models.Item.source_id)
        .outerjoin(models.Municipality, models.Municipality.code == models.Source.municipality_code)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .outerjoin(models.Body, models.Body.id == models.Item.body_id)
        .where(condition, *filter_clauses(session, filters or ItemFilters()))
        .order_by(score, date_col.desc().nulls_last(), models.Item.id)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    texts = _section_texts(session, [r[0] for r in rows])
    return [
        SearchHit(
            item_id=f"{r[5]}:{r[1]}",
            source=r[5],
            municipality=r[6],
            body=r[7],
            meeting_date=r[8],
            paragraph=r[4],
            title=r[2],
            snippet=highlight(texts.get(r[0], "") or r[2], terms, start=mark_start, end=mark_end),
            url=r[3],
        )
        for r in rows
    ]


def _section_texts(session: Session, item_ids: list[int]) -> dict[int, str]:
    if not item_ids:
        return {}
    out: dict[int, list[str]] = {}
    rows: Any = session.execute(
        select(models.Section.item_id, models.Section.text)
        .where(models.Section.item_id.in_(item_ids))
        .order_by(models.Section.item_id, models.Section.ordinal)
    )
    for item_id, section_text in rows:
        out.setdefault(item_id, []).append(section_text)
    return {item_id: "\n\n".join(parts) for item_id, parts in out.items()}
