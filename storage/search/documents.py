"""Searching documents (programme pages, slide decks) with the same query language and
the same Finnish analysis as items (storage.search.items): a query finds a document
exactly when it would find an item with the document's title and text.

Shared with the item search: the parse and plan, the FTS5 and tsvector match
(storage.search.sqlite.fts5_match, storage.search.postgresql.matches), the phrase check
the snippets and the topic filter (storage.filters.topic_clause). What differs between
the two kinds (tables, ranking by bm25/ts_rank instead of rank tiers, and why) is stated
in storage.kinds. Search-specific: a document hit has no body, meeting or §; of the item
search's filters only municipality, region and topic apply to documents (a document's
dates are dates its text mentions, not meeting dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, column, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from pykala.analysis.finnish import get_analyzer
from pykala.storage import models
from pykala.storage.filters import fold_name, topic_clause
from pykala.storage.kinds import DOCUMENT
from pykala.storage.search.phrases import phrases_verified
from pykala.storage.search.plan import fts5_query, plan_query, tsquery_text
from pykala.storage.search.postgresql import matches, tsquery
from pykala.storage.search.query import parse_query
from pykala.storage.search.snippets import Matcher, text_snippet
from pykala.storage.search.sqlite import fts5_match

DOCUMENT_WEIGHTS = (10.0, 4.0, 1.0, 0.4)  # as ITEM_WEIGHTS: title beats text


@dataclass(frozen=True)
class DocumentHit:
    document_id: str  # the external id: normalised URL or "sha256:<hex>"
    title: str
    url: str | None
    organisation: str | None
    municipality_code: str | None
    region: str | None
    dates: tuple[date, ...]
    snippet: str
    municipality: str | None = None  # the Finnish name of municipality_code

    @property
    def first_date(self) -> date | None:
        """The first date found in the text (often when it was published)."""
        return self.dates[0] if self.dates else None


def _municipality_codes(session: Session, wanted: str) -> list[str]:
    """Codes of the municipality given as a code or a Finnish or Swedish name."""
    key = fold_name(wanted)
    rows = session.execute(
        select(models.Municipality.code, models.Municipality.name_fi, models.Municipality.name_sv)
    ).all()
    return [code for code, *names in rows if any(n and fold_name(n) == key for n in (code, *names))]


def _regions(session: Session, wanted: str) -> list[str]:
    """Stored document regions that are ``wanted`` or begin with it (folded in Python, as
    storage.filters does: SQLite's lower() folds ASCII only)."""
    key = fold_name(wanted)
    stored = session.scalars(select(models.Document.region).distinct())
    return [r for r in stored if r is not None and fold_name(r).startswith(key)]


def search_documents(
    session: Session,
    query: str,
    limit: int = 20,
    *,
    region: str | None = None,
    municipality: str | None = None,
    topic: str | None = None,
    mark_start: str = "«",
    mark_end: str = "»",
) -> list[DocumentHit]:
    """Documents matching ``query``, best first. ``region`` (maakunta, or its beginning),
    ``municipality`` (code or name) and ``topic`` (members of that topic, by name or
    title) narrow them. SearchQueryError for a query with nothing to find."""
    analyzer = get_analyzer()
    plan = plan_query(analyzer, parse_query(query), query)
    kind = DOCUMENT  # ranked by bm25 / ts_rank, not tiers: storage.kinds says why
    doc = models.Document
    if session.get_bind().dialect.name == "sqlite":
        fts = table(kind.fts_table, column("rowid", Integer))
        stmt = (
            select(doc)
            .select_from(fts)
            .join(doc, doc.id == fts.c.rowid)
            .where(fts5_match(kind.fts_table, fts5_query(plan)))
            .order_by(func.bm25(literal_column(kind.fts_table), *DOCUMENT_WEIGHTS), doc.id)
        )
    else:
        index = table(kind.pg_table, column(kind.owner, Integer), column("document", TSVECTOR))
        to_match = tsquery(tsquery_text(plan))
        stmt = (
            select(doc)
            .select_from(index)
            .join(doc, doc.id == index.c[kind.owner])
            .where(matches(index.c.document, to_match))
            .order_by(-func.ts_rank(index.c.document, to_match), doc.id)
        )
    if region is not None:
        stmt = stmt.where(doc.region.in_(_regions(session, region)))
    if municipality is not None:
        stmt = stmt.where(doc.municipality_code.in_(_municipality_codes(session, municipality)))
    if topic is not None:
        stmt = stmt.where(topic_clause(session, DOCUMENT, topic))
    if not plan.needs_check:  # phrases are checked in Python on every candidate
        stmt = stmt.limit(limit)
    rows: Sequence[models.Document] = session.scalars(stmt).all()
    names = {
        code: name
        for code, name in session.execute(
            select(models.Municipality.code, models.Municipality.name_fi).where(
                models.Municipality.code.in_({r.municipality_code for r in rows})
            )
        )
    }
    matcher = Matcher(analyzer, *plan.highlight_terms())
    hits: list[DocumentHit] = []
    for row in rows:
        if len(hits) >= limit:
            break
        if plan.needs_check and not phrases_verified(plan, analyzer, [row.title, row.text]):
            continue
        hits.append(
            DocumentHit(
                document_id=row.external_id,
                title=row.title,
                url=row.url,
                organisation=row.organisation,
                municipality_code=row.municipality_code,
                region=row.region,
                dates=tuple(date.fromisoformat(d) for d in row.dates),
                snippet=text_snippet(row.text or row.title, matcher, mark_start, mark_end),
                municipality=names.get(row.municipality_code or ""),
            )
        )
    return hits
