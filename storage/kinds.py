"""Items and documents: what differs between the two kinds of record, stated once.

An item is a § of minutes (title + sections of a kind: päätös, selostus, …); a document
is a programme page or a slide deck (title + one text). Versions (storage.versions), the
search index (storage.index), search (storage.search) and topic membership
(linking.membership) are each one path, given a ``Kind``: the tables it reads and writes
and the few choices below. Nothing else about the two kinds differs on those paths.

What differs, and why:

* sections: an item's come from the ``section`` table; a document's whole text is one
  section of kind ``document`` (topic weights name it; the index files it as ``other``).
* SQLite index rowids: an item's is its rank key (storage.index.rank_key, ranking order,
  so FTS5 stops at a search's limit), with its titles alone in a second table and one row
  per section kind in a third (``--section``). A document's rowid is its id, one table:
  documents have no meeting date to rank by and no section kinds to search in.
* ranking: items by rank tier and meeting date (storage.search.plan); documents by
  bm25/ts_rank, best match first. Tiers exist because bm25 costs ~0.1 ms per matching row
  over 100,000s of items; documents number in the hundreds, and with no date the tiers
  would leave ties in id order.
* analysis kept: an item's TF-IDF terms (``item_terms.terms``, read by linking.links);
  for a document only the content hash it was scored at (documents are not linked).
* batch: documents per scoring query are fewer (a slide deck's text is long).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.storage import models

DOCUMENT_SECTION = "document"  # the section kind of a document's text


@dataclass(frozen=True)
class Kind:
    """One kind of record (item or document) on the shared paths."""

    name: str  # "item" or "document"
    table: Any  # models.Item / models.Document
    owner: str  # the column naming the record in its version, topic and analysis tables
    version_table: Any  # models.ItemVersion / models.DocumentVersion
    topic_table: Any  # models.ItemTopic / models.DocumentTopic
    analysis_table: Any  # models.ItemTerms / models.DocumentAnalysis
    text_section: str | None  # None: sections from ``section``; else the text as one section
    stores_terms: bool  # the analysis row keeps TF-IDF terms (items: for links)
    batch: int  # records scored per query by linking.membership
    fts_table: str  # SQLite FTS5, whole record
    fts_title_table: str | None  # SQLite FTS5, titles alone (item search's title tiers)
    fts_section_table: str | None  # SQLite FTS5, one row per section kind
    pg_table: str  # PostgreSQL, whole record (tsvector ``document``)
    pg_section_table: str | None  # PostgreSQL, one row per section kind
    rank_keys: bool  # SQLite rowid = rank key, the tiers' order (else the record's id)


ITEM = Kind(
    name="item",
    table=models.Item,
    owner="item_id",
    version_table=models.ItemVersion,
    topic_table=models.ItemTopic,
    analysis_table=models.ItemTerms,
    text_section=None,
    stores_terms=True,
    batch=200,
    fts_table="item_fts",
    fts_title_table="item_fts_title",
    fts_section_table="item_fts_section",
    pg_table="item_search",
    pg_section_table="item_search_section",
    rank_keys=True,
)
DOCUMENT = Kind(
    name="document",
    table=models.Document,
    owner="document_id",
    version_table=models.DocumentVersion,
    topic_table=models.DocumentTopic,
    analysis_table=models.DocumentAnalysis,
    text_section=DOCUMENT_SECTION,
    stores_terms=False,
    batch=50,
    fts_table="document_fts",
    fts_title_table=None,
    fts_section_table=None,
    pg_table="document_search",
    pg_section_table=None,
    rank_keys=False,
)
KINDS = (ITEM, DOCUMENT)

Sections = list[tuple[str, str]]  # (section kind, text), in printed order


def record_texts(
    session: Session, kind: Kind, ids: Sequence[int]
) -> Iterator[tuple[int, str, str, Sections]]:
    """(id, content hash, title, sections) of each of ``ids`` that exists, in that order."""
    table = kind.table
    text_column = [table.text] if kind.text_section else []
    heads = {
        row[0]: row[1:]
        for row in session.execute(
            select(table.id, table.content_hash, table.title, *text_column).where(table.id.in_(ids))
        )
    }
    sections: dict[int, Sections] = {}
    if kind.text_section is None:
        for item_id, section_kind, text_ in session.execute(
            select(models.Section.item_id, models.Section.kind, models.Section.text)
            .where(models.Section.item_id.in_(ids))
            .order_by(models.Section.item_id, models.Section.ordinal)
        ):
            sections.setdefault(item_id, []).append((section_kind, text_))
    for record_id in ids:
        if record_id in heads:
            content_hash, title, *body = heads[record_id]
            if kind.text_section is not None:
                sections[record_id] = [(kind.text_section, body[0])]
            yield record_id, content_hash, title, sections.get(record_id, [])
