"""The Finnish search index: lemmas and compound parts per item and per section kind.

Every word of a title or section is analysed by ``linking.finnish`` into its lemmas
(all Voikko analyses) and compound parts; what is indexed is those terms, never the
raw words. A query word matches when one of its lemmas equals an indexed lemma or part
(DESIGN.md §4), so no stemming, prefix or trigram rule is needed on the database side.

Two indexes, both kept in sync by ``index_item`` (called by storage.upsert):

- item level: title lemmas, title parts, body lemmas, body parts (all sections). Weighted
  so a title hit beats a body hit and a whole-lemma hit beats a compound-part hit
  (``kunta`` ranks "Kunta…" above "Seurakunta…").
- section level: one row per (item, section kind), lemmas and parts of that kind's text.
  ``--section paatos`` runs the query against these rows, so every word must occur in
  the päätös itself. A section-level index (rather than per-kind columns in the item
  row) keeps all 13 kinds searchable without 26 columns and without PostgreSQL's four
  tsvector weights running out; the price is that the body text is indexed twice.

SQLite: FTS5 tables ``item_fts`` (rowid = item.id) and ``item_fts_section`` (rowid =
item.id * 16 + kind code, so an item's rows are one rowid range: deleting them is an
index lookup, not a scan), ``unicode61 remove_diacritics 0`` (ä is not a), prefix
indexes for ``perhek*`` queries, ``detail=column`` (positions are never used: phrases
are checked in Python, see storage.search). PostgreSQL: ``item_search`` and
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

from sqlalchemy import text
from sqlalchemy.orm import Session

# The analyser's tokenizer, hyphen folding and look-ahead (see _analyse).
from linking.finnish import (
    ELISION_LOOKAHEAD,
    HYPHENS,
    FinnishAnalyzer,
    WordAnalysis,
    get_analyzer,
)
from linking.finnish import TOKEN_RE as _ANALYSER_TOKEN
from parsers.records import SectionKind

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
SECTION_SLOTS = 16  # rowid = item_id * SECTION_SLOTS + code


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


_SQLITE_ITEM = (
    "INSERT INTO item_fts (rowid, title_lemmas, title_parts, body_lemmas, body_parts) "
    "VALUES (:id, :title_lemmas, :title_parts, :body_lemmas, :body_parts)"
)
_SQLITE_SECTION = (
    "INSERT INTO item_fts_section (rowid, lemmas, parts) VALUES (:id, :lemmas, :parts)"
)
_PG_ITEM = (
    "INSERT INTO item_search (item_id, title_lemmas, title_parts, body_lemmas, body_parts) "
    "VALUES (:id, :title_lemmas, :title_parts, :body_lemmas, :body_parts)"
)
_PG_SECTION = (
    "INSERT INTO item_search_section (item_id, kind, lemmas, parts) "
    "VALUES (:id, :kind, :lemmas, :parts)"
)


def delete_item_index(session: Session, item_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM item_fts WHERE rowid = :id"), {"id": item_id})
        session.execute(
            text("DELETE FROM item_fts_section WHERE rowid >= :lo AND rowid < :hi"),
            {"lo": item_id * SECTION_SLOTS, "hi": (item_id + 1) * SECTION_SLOTS},
        )
    else:
        session.execute(text("DELETE FROM item_search WHERE item_id = :id"), {"id": item_id})
        session.execute(
            text("DELETE FROM item_search_section WHERE item_id = :id"), {"id": item_id}
        )


def insert_index_rows(
    session: Session,
    rows: Sequence[tuple[int, dict[str, str], dict[str, dict[str, str]]]],
) -> None:
    """Insert (item id, item row, section rows) for items that have no index rows yet."""
    if not rows:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    items = [{"id": item_id, **item_row} for item_id, item_row, _ in rows]
    sections = [
        {
            "id": item_id * SECTION_SLOTS + section_code(kind) if sqlite else item_id,
            "kind": kind,
            **row,
        }
        for item_id, _, section_rows in rows
        for kind, row in section_rows.items()
    ]
    session.execute(text(_SQLITE_ITEM if sqlite else _PG_ITEM), items)
    if sections:
        session.execute(text(_SQLITE_SECTION if sqlite else _PG_SECTION), sections)


def index_item(
    session: Session, item_id: int, title: str, sections: Sequence[tuple[str, str]]
) -> None:
    """(Re)index one item from its title and (section kind, text) pairs."""
    item_row, section_rows = item_rows(get_analyzer(), title, sections)
    delete_item_index(session, item_id)
    insert_index_rows(session, [(item_id, item_row, section_rows)])


def rebuild_index(session: Session, batch: int = 500) -> int:
    """Index every stored item again (the migration that introduced this index runs it).

    Returns the number of items indexed. Works in id batches so memory stays flat.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    tables = ("item_fts", "item_fts_section") if sqlite else ("item_search", "item_search_section")
    for table in tables:
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
        )
        done += len(ids)
        last = ids[-1]
