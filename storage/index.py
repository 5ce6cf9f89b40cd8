"""The Finnish search index: lemmas and compound parts per item and per section kind.

Every word of a title or section is analysed by ``analysis.finnish`` into its lemmas
(all Voikko analyses) and compound parts; what is indexed is those terms, never the
raw words. A query word matches when one of its lemmas equals an indexed lemma or part
(DESIGN.md §4), so no stemming, prefix or trigram rule is needed on the database side.

Items and documents are indexed by one path, ``index_record`` (called by storage.items
and storage.documents), given their ``Kind`` (storage.kinds: the tables, and whether
rowids are rank keys). A document is indexed like an item whose one section is its whole
text, so a query finds a document exactly when it would find such an item; documents
have the record-level table only (``document_fts``, rowid = document id;
``document_search``). For items, two indexes:

- item level: title lemmas, title parts, body lemmas, body parts (all sections). Weighted
  so a title hit beats a body hit and a whole-lemma hit beats a compound-part hit
  (``kunta`` ranks "Kunta…" above "Seurakunta…").
- section level: one row per (item, section kind), lemmas and parts of that kind's text.
  ``--section paatos`` runs the query against these rows, so every word must occur in
  the päätös itself. A section-level index (rather than per-kind columns in the item
  row) keeps all 13 kinds searchable without 26 columns and without PostgreSQL's four
  tsvector weights running out; the price is that the body text is indexed twice.

SQLite: FTS5 tables ``item_fts`` (rowid = the item's rank key, see ``rank_key``), its
titles alone in ``item_fts_title`` (same rowid; search's title tiers read it) and
``item_fts_section`` (rowid = rank key * 16 + kind code, so an item's rows are one rowid
range: deleting them is an index lookup, not a scan), ``unicode61 remove_diacritics 0``
(ä is not a), prefix indexes for ``perhek*`` queries, ``detail=column`` (positions are
never used: phrases are checked in Python, see storage.search). PostgreSQL: ``item_search`` and
``item_search_section`` with the same text columns and a stored tsvector ('simple',
weights A–D) over them, GIN-indexed.

Terms are normalised here to runs of letters/digits so that FTS5's unicode61 and
PostgreSQL's 'simple' parser see exactly the same tokens: the same query finds the same
items on both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

# The analyser's tokenizer, hyphen folding and look-ahead (see _analyse).
from pykala.analysis.finnish import (
    ELISION_LOOKAHEAD,
    HYPHENS,
    FinnishAnalyzer,
    WordAnalysis,
    get_analyzer,
)
from pykala.analysis.finnish import TOKEN_RE as _ANALYSER_TOKEN
from pykala.parsers.records import SectionKind
from pykala.storage.kinds import ITEM, Kind

TOKEN = re.compile(r"[^\W_]+")
# The rowid code of each section kind in item_fts_section. Append only: the codes are
# stored in existing archives.
SECTION_CODES: dict[str, int] = {
    kind.value: code
    for code, kind in enumerate(
        (
            SectionKind.OTHER,
            SectionKind.VALMISTELIJA,
            SectionKind.ESITTELIJA,
            SectionKind.SELOSTUS,
            SectionKind.PAATOSEHDOTUS,
            SectionKind.PAATOS,
            SectionKind.KASITTELY,
            SectionKind.AANESTYS,
            SectionKind.ESTEELLISYYS,
            SectionKind.TIEDOKSI,
            SectionKind.MUUTOKSENHAKU,
            SectionKind.LIITTEET,
            SectionKind.PAATOSHISTORIA,
        )
    )
}
SECTION_SHIFT = 4
SECTION_SLOTS = 1 << SECTION_SHIFT  # item_fts_section rowid = rank key * 16 + code

# SQLite rank keys. FTS5 returns matches in rowid order and stops at a LIMIT, so a rowid
# that sorts like the search ranking (newest date first, undated last, then item id)
# answers "the newest 20 matches" without reading the rest: days before DAY_LIMIT in the
# high bits (undated: DAY_LIMIT), the item id in the low 32. Ascending, so the items of
# one meeting, written in id order, get ascending rowids: FTS5 flushes its pending terms
# whenever a rowid goes down (measured: 2.3x slower inserts). Kept equal to
# item_order.sort_date by a trigger (migration 0009).
ID_BITS = 32
ID_MASK = (1 << ID_BITS) - 1
DAY_LIMIT = date.max.toordinal() + 1


def rank_key(item_id: int, sort_date: date | None) -> int:
    """The item_fts rowid of an item: ascending rowid order is ranking order."""
    days_before = DAY_LIMIT - sort_date.toordinal() if sort_date else DAY_LIMIT
    return (days_before << ID_BITS) | item_id


def index_tokens(term: str) -> list[str]:
    """The tokens both databases see for one term (NFC, lower case, letters/digits)."""
    return TOKEN.findall(unicodedata.normalize("NFC", term).lower())


def _flat(terms: str) -> str:
    return " ".join(index_tokens(terms))


def section_code(kind: str) -> int:
    return SECTION_CODES.get(kind, SECTION_CODES[SectionKind.OTHER.value])


_Flat = tuple[tuple[str, ...], tuple[str, ...]]  # index tokens of a word's lemmas, parts
_MEMO_SIZE = 200_000
_memo: dict[str, _Flat] = {}  # word piece -> its index tokens (cleared when full)


def _flat_analysis(analysis: WordAnalysis) -> _Flat:
    return tuple(index_tokens(" ".join(analysis.lemmas))), tuple(
        index_tokens(" ".join(analysis.parts))
    )


def _analyse(analyzer: FinnishAnalyzer, text_: str) -> tuple[list[str], list[str]]:
    """The index tokens of ``text_``'s lemmas and parts, exactly as flattening
    ``analyzer.analyze_text(text_)`` gives them, token for token, but with one lookup
    per word piece instead of analyser calls and regexes per token (the indexing rate
    was mostly this). Elided compounds go through the analyser itself."""
    lemmas: list[str] = []
    parts: list[str] = []
    clean = text_.translate(HYPHENS)
    tokens = list(_ANALYSER_TOKEN.finditer(clean))
    for n, token in enumerate(tokens):
        raw = token.group()
        word = raw.rstrip("-")
        if raw.endswith("-") and "-" not in word:
            last = tokens[min(n + 1 + ELISION_LOOKAHEAD, len(tokens) - 1)]
            window = clean[token.start() : last.end()]
            _token, analysis = next(iter(analyzer.iter_token_analyses(window)))
            flat = _flat_analysis(analysis)
            lemmas.extend(flat[0])
            parts.extend(flat[1])
            continue
        for piece in word.split("-"):
            if not piece:
                continue
            found = _memo.get(piece)
            if found is None:
                if len(_memo) >= _MEMO_SIZE:
                    _memo.clear()
                found = _memo[piece] = _flat_analysis(analyzer.analyze_word(piece))
            lemmas.extend(found[0])
            parts.extend(found[1])
    return lemmas, parts


def item_rows(
    analyzer: FinnishAnalyzer, title: str, sections: Sequence[tuple[str, str]]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The item-level row and the per-kind section rows for one item."""
    title_lemmas, title_parts = _analyse(analyzer, unicodedata.normalize("NFC", title))
    by_kind: dict[str, list[tuple[list[str], list[str]]]] = {}
    for kind, section_text in sections:
        analysed = _analyse(analyzer, unicodedata.normalize("NFC", section_text))
        by_kind.setdefault(kind if kind in SECTION_CODES else "other", []).append(analysed)
    groups = [a for group in by_kind.values() for a in group]
    item_row = {
        "title_lemmas": " ".join(title_lemmas),
        "title_parts": " ".join(title_parts),
        "body_lemmas": " ".join(t for lemmas, _parts in groups for t in lemmas),
        "body_parts": " ".join(t for _lemmas, parts in groups for t in parts),
    }
    section_rows = {
        kind: {
            "lemmas": " ".join(t for lemmas, _parts in group for t in lemmas),
            "parts": " ".join(t for _lemmas, parts in group for t in parts),
        }
        for kind, group in by_kind.items()
    }
    return item_row, section_rows


_ORDER_DATES = text("SELECT item_id, sort_date FROM item_order WHERE item_id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def _rank_keys(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    """SQLite: the rank key of each item, from item_order (filled by a trigger when the
    item row is written)."""
    dates: dict[int, str | None] = {}
    for n in range(0, len(item_ids), 500):  # within SQLite's bound-parameter limit
        rows = session.execute(_ORDER_DATES, {"ids": list(item_ids[n : n + 500])})
        dates.update((item_id, sort_date) for item_id, sort_date in rows)
    return {
        i: rank_key(i, date.fromisoformat(d) if (d := dates.get(i)) else None) for i in item_ids
    }


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _row_ids(session: Session, kind: Kind, ids: Sequence[int], rank_keys: bool) -> dict[int, int]:
    """The index row id of each record: an item's rank key on SQLite (unless
    ``rank_keys`` is False: the layout before migration 0009), else the record's id."""
    if rank_keys and kind.rank_keys and _is_sqlite(session):
        return _rank_keys(session, ids)
    return {i: i for i in ids}


def _delete_rows(session: Session, kind: Kind, row_id: int) -> None:
    """Delete the index rows of the record whose row id (see _row_ids) is ``row_id``."""
    if _is_sqlite(session):
        for table in filter(None, (kind.fts_table, kind.fts_title_table)):
            session.execute(text(f"DELETE FROM {table} WHERE rowid = :key"), {"key": row_id})
        if kind.fts_section_table:  # the record's rows are one rowid range
            session.execute(
                text(f"DELETE FROM {kind.fts_section_table} WHERE rowid >= :lo AND rowid < :hi"),
                {"lo": row_id * SECTION_SLOTS, "hi": (row_id + 1) * SECTION_SLOTS},
            )
        return
    for table in filter(None, (kind.pg_table, kind.pg_section_table)):
        session.execute(text(f"DELETE FROM {table} WHERE {kind.owner} = :id"), {"id": row_id})


_IndexRows = Sequence[tuple[int, dict[str, str], dict[str, dict[str, str]]]]
_COLUMNS = ("title_lemmas", "title_parts", "body_lemmas", "body_parts")


def _insert(table: str, key: str, columns: Sequence[str]) -> Any:
    values = ", ".join(f":{c}" for c in columns)
    return text(f"INSERT INTO {table} ({key}, {', '.join(columns)}) VALUES (:id, {values})")


def insert_index_rows(
    session: Session, rows: _IndexRows, *, rank_keys: bool = True, kind: Kind = ITEM
) -> None:
    """Insert (id, record row, section rows) for records that have no index rows yet.
    ``rank_keys=False`` writes SQLite's layout before migration 0009 (rowid = item id, no
    item_fts_title)."""
    if rows:
        keys = _row_ids(session, kind, [r[0] for r in rows], rank_keys)
        _insert_rows(session, kind, rows, keys, titles=rank_keys)


def _insert_rows(
    session: Session, kind: Kind, rows: _IndexRows, keys: dict[int, int], titles: bool = True
) -> None:
    """Write the index rows under ``keys``; ``titles``: also the titles-only table (SQLite,
    from migration 0009 on)."""
    sqlite = _is_sqlite(session)
    records: list[dict[str, Any]] = [{"id": keys[rid], **row} for rid, row, _ in rows]
    section_table = kind.fts_section_table if sqlite else kind.pg_section_table
    sections: list[dict[str, Any]] = [
        {
            "id": keys[rid] * SECTION_SLOTS + section_code(section) if sqlite else rid,
            "kind": section,
            **row,
        }
        for rid, _, section_rows in (rows if section_table else ())
        for section, row in section_rows.items()
    ]
    # In row id order: FTS5 flushes its pending terms whenever a rowid goes down.
    records.sort(key=lambda r: r["id"])
    sections.sort(key=lambda r: r["id"])
    if sqlite:
        session.execute(_insert(kind.fts_table, "rowid", _COLUMNS), records)
        if titles and kind.fts_title_table:
            session.execute(_insert(kind.fts_title_table, "rowid", _COLUMNS[:2]), records)
        if section_table and sections:
            session.execute(_insert(section_table, "rowid", ("lemmas", "parts")), sections)
        return
    session.execute(_insert(kind.pg_table, kind.owner, _COLUMNS), records)
    if section_table and sections:
        session.execute(_insert(section_table, kind.owner, ("kind", "lemmas", "parts")), sections)


def index_record(
    session: Session, kind: Kind, record_id: int, title: str, sections: Sequence[tuple[str, str]]
) -> None:
    """(Re)index one item or document from its title and (section kind, text) pairs."""
    row, section_rows = item_rows(get_analyzer(), title, sections)
    keys = _row_ids(session, kind, [record_id], rank_keys=True)  # one lookup for both
    _delete_rows(session, kind, keys[record_id])
    _insert_rows(session, kind, [(record_id, row, section_rows)], keys)


def rebuild_index(session: Session, batch: int = 500, *, rank_keys: bool = True) -> int:
    """Index every stored item again (the migration that introduced this index runs it,
    with ``rank_keys=False``: see insert_index_rows).

    Returns the number of items indexed. Works in id batches so memory stays flat.
    """
    kind = ITEM
    tables: tuple[str | None, ...] = (kind.pg_table, kind.pg_section_table)
    if _is_sqlite(session):
        titles = kind.fts_title_table if rank_keys else None
        tables = (kind.fts_table, kind.fts_section_table, titles)
    for table in filter(None, tables):
        session.execute(text(f"DELETE FROM {table}"))
    analyzer: FinnishAnalyzer | None = None
    done = 0
    last = 0
    while True:
        ids_titles = session.execute(
            text("SELECT id, title FROM item WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": batch},
        ).all()
        if not ids_titles:
            return done
        analyzer = analyzer or get_analyzer()
        ids = [row[0] for row in ids_titles]
        sections: dict[int, list[tuple[str, str]]] = {}
        for item_id, kind, section_text in session.execute(
            text(
                "SELECT item_id, kind, text FROM section WHERE item_id >= :lo AND item_id <= :hi "
                "ORDER BY item_id, ordinal"
            ),
            {"lo": ids[0], "hi": ids[-1]},
        ):
            sections.setdefault(item_id, []).append((kind, section_text))
        insert_index_rows(
            session,
            [
                (item_id, *item_rows(analyzer, title, sections.get(item_id, [])))
                for item_id, title in ids_titles
            ],
            rank_keys=rank_keys,
        )
        done += len(ids)
        last = ids[-1]
