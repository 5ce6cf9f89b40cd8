"""Finnish-aware search: the query language compiled onto the lemma/part index.

A query (storage.query) is analysed word by word with the same analyser that built the
index (storage.index), so a query word matches any inflected form or any compound that
contains it: ``perhekeskus`` finds "perhekeskusten" and "Perhekeskustoimintamalli",
``lautakunta`` finds "Perusturva- ja terveyslautakunta".

Compilation: each query word becomes its lemmas (plus the written form when Voikko does
not know it), each lemma its index tokens, each token a double-quoted FTS5 string or a
quoted tsquery lexeme. Tokens are letters and digits only, so nothing the user typed is
ever FTS5 or tsquery syntax. The same boolean structure goes to both databases, so they
return the same items; only the scores differ (bm25 vs ts_rank), ties go to the newest.

Phrases are checked in Python on the candidates the index returns (all words present):
the lemma columns hold several lemmas per word, so index positions cannot express
adjacency. Snippets are made in Python too, from the same analyses, so inflected and
compound matches are highlighted (FTS5's snippet() cannot see lemma-column hits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    column,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from linking.finnish import FinnishAnalyzer, WordAnalysis, get_analyzer, terms_match

from . import models
from .filters import ItemFilters, filter_clauses, meeting_date_column, section_kind
from .index import SECTION_SLOTS, index_tokens, section_code
from .query import Atom, ParsedQuery, SearchQueryError, parse_query

__all__ = ["SearchHit", "SearchQueryError", "highlight", "search_items"]

SNIPPET_WIDTH = 200
SNIPPET_LEAD = 60  # characters of context shown before the first match
VERIFY_BATCH = 200  # candidates fetched at a time when phrases are checked in Python
_WORD = re.compile(r"[^\W_]+")
_ELIDED = re.compile(r"[^\W_]-(?=\s)")  # "Perusturva- ja …": a compound whose head follows
_CLEAN = str.maketrans({"\u2010": "-", "\u2011": "-", "\u00ad": None})


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


# --- compilation ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Alt:
    """One alternative of a query word: index tokens AND-ed; prefix applies to the last."""

    tokens: tuple[str, ...]
    prefix: bool = False


_Group = tuple[_Alt, ...]  # alternatives of one word piece, OR-ed
_Compiled = tuple[_Group, ...]  # the pieces of one atom, AND-ed


def _word_terms(token: str, analysis: WordAnalysis) -> tuple[str, ...]:
    """What a query word piece may match: its lemmas, plus the written form if unknown."""
    if analysis.known:
        return analysis.lemmas
    return tuple(dict.fromkeys([*analysis.lemmas, token.lower()]))


def _compile_atom(analyzer: FinnishAnalyzer, atom: Atom) -> _Compiled:
    pieces = list(analyzer.iter_token_analyses(unicodedata.normalize("NFC", atom.text)))
    groups: list[_Group] = []
    for n, (token, analysis) in enumerate(pieces):
        if atom.prefix and n == len(pieces) - 1:
            tokens = tuple(index_tokens(token))
            alts: list[_Alt] = [_Alt(tokens, prefix=True)] if tokens else []
        else:
            alts = list(
                dict.fromkeys(
                    _Alt(tuple(index_tokens(term)))
                    for term in _word_terms(token, analysis)
                    if index_tokens(term)
                )
            )
        if alts:
            groups.append(tuple(alts))
    return tuple(groups)


@dataclass(frozen=True)
class _Plan:
    clauses: tuple[tuple[tuple[Atom, _Compiled], ...], ...]  # AND of OR of atoms
    excluded: tuple[tuple[Atom, _Compiled], ...]  # words (not phrases) excluded in the index
    excluded_phrases: tuple[tuple[Atom, _Compiled], ...]  # checked in Python
    diary_number: str | None

    @property
    def needs_check(self) -> bool:
        return bool(self.excluded_phrases) or any(
            atom.phrase for clause in self.clauses for atom, _ in clause
        )

    def highlight_terms(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(whole terms, prefixes) of every positive word, for snippets."""
        terms: list[str] = []
        prefixes: list[str] = []
        for clause in self.clauses:
            for _atom, compiled in clause:
                for group in compiled:
                    for alt in group:
                        (prefixes if alt.prefix else terms).append("".join(alt.tokens))
        return tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(prefixes))


def _plan(analyzer: FinnishAnalyzer, parsed: ParsedQuery, query: str) -> _Plan:
    clauses = []
    for clause in parsed.clauses:
        compiled = tuple((a, c) for a in clause if (c := _compile_atom(analyzer, a)))
        if compiled:
            clauses.append(compiled)
    if not clauses:
        raise SearchQueryError(
            f"nothing to search for in {query!r}: use words made of letters or digits"
        )
    excluded = [(a, c) for a in parsed.excluded if (c := _compile_atom(analyzer, a))]
    return _Plan(
        clauses=tuple(clauses),
        excluded=tuple((a, c) for a, c in excluded if not a.phrase),
        excluded_phrases=tuple((a, c) for a, c in excluded if a.phrase),
        diary_number=parsed.diary_number,
    )


# Rank tiers, best first: every positive word matches (1) in the title as a whole lemma,
# (2) in the title, lemma or compound part, (3) anywhere. Within a tier the newest meeting
# comes first. Ranking by tiers instead of bm25/ts_rank is a measured choice: FTS5's bm25
# costs ~0.1 ms per matching row (seconds for a word in half of 100,000 items) and
# ts_rank must detoast every matching tsvector; a tier is one indexed match. It also
# makes the order the same on SQLite and PostgreSQL.
# (FTS5 column set, tsquery weight labels) per tier; None = any column.
ITEM_TIERS: tuple[tuple[str | None, str | None], ...] = (
    ("{title_lemmas}", "A"),
    ("{title_lemmas title_parts}", "AB"),
    (None, None),
)
SECTION_TIERS: tuple[tuple[str | None, str | None], ...] = (("{lemmas}", "A"), (None, None))


def _render(
    atoms: Sequence[Sequence[_Compiled]],
    token: Callable[[str, bool], str],
    and_: str,
    or_: str,
) -> str:
    """AND over ``atoms`` (each a list of OR-ed compiled atoms)."""

    def alt(a: _Alt) -> str:
        last = len(a.tokens) - 1
        body = and_.join(token(t, a.prefix and n == last) for n, t in enumerate(a.tokens))
        return f"({body})" if len(a.tokens) > 1 else body

    def atom(compiled: _Compiled) -> str:
        return "(" + and_.join("(" + or_.join(alt(a) for a in g) + ")" for g in compiled) + ")"

    return and_.join("(" + or_.join(atom(c) for c in clause) + ")" for clause in atoms)


def _positive(plan: _Plan) -> list[list[_Compiled]]:
    return [[c for _a, c in clause] for clause in plan.clauses]


def _excluded(plan: _Plan) -> list[list[_Compiled]]:
    return [[c for _a, c in plan.excluded]] if plan.excluded else []


def fts5_query(
    plan: _Plan, tier: int = -1, tiers: Sequence[tuple[str | None, str | None]] = ITEM_TIERS
) -> str:
    """The FTS5 MATCH text of ``tier`` (minus the tiers before it); -1 = all matches."""

    def token(t: str, prefix: bool) -> str:
        return f'"{t}"*' if prefix else f'"{t}"'

    positive = _render(_positive(plan), token, " AND ", " OR ")

    def in_tier(n: int) -> str:
        cols = tiers[n][0] if n >= 0 else None
        return f"{cols} : ({positive})" if cols else f"({positive})"

    out = in_tier(tier)
    if tier > 0:
        out = f"({out} NOT {in_tier(tier - 1)})"
    excluded = _excluded(plan)
    if excluded:
        out = f"{out} NOT ({_render(excluded, token, ' AND ', ' OR ')})"
    return out


def _lexeme(t: str, prefix: bool) -> str:
    return f"'{t}':*" if prefix else f"'{t}'"


def tsquery_text(
    plan: _Plan, tier: int = -1, tiers: Sequence[tuple[str | None, str | None]] = ITEM_TIERS
) -> str:
    """The tsquery of ``tier`` (minus the tiers before it), weight labels for columns."""

    def in_tier(n: int) -> str:
        label = tiers[n][1] if n >= 0 else None

        def token(t: str, prefix: bool) -> str:
            return f"'{t}':{'*' if prefix else ''}{label}" if label else _lexeme(t, prefix)

        return "(" + _render(_positive(plan), token, " & ", " | ") + ")"

    out = in_tier(tier)
    if tier > 0:
        out = f"({out} & !{in_tier(tier - 1)})"
    excluded = _excluded(plan)
    if excluded:
        out = f"{out} & !({_render(excluded, _lexeme, ' & ', ' | ')})"
    return out


# --- execution ------------------------------------------------------------------------


def _index_source(
    dialect: str, plan: _Plan, kind: str | None, tier: int
) -> tuple[Any, ColumnElement[int], ColumnElement[bool]]:
    """(index table, its item id, the match condition of ``tier``)."""
    tiers = ITEM_TIERS if kind is None else SECTION_TIERS
    if dialect == "sqlite":
        name = "item_fts" if kind is None else "item_fts_section"
        fts = table(name, column("rowid", Integer))
        this: ColumnElement[Any] = literal_column(name)
        condition: ColumnElement[bool] = this.op("MATCH")(
            literal(fts5_query(plan, tier, tiers))
        )
        if kind is None:
            return fts, fts.c.rowid, condition
        item_id: ColumnElement[int] = fts.c.rowid.op("/")(SECTION_SLOTS)
        same_kind = fts.c.rowid.op("%")(SECTION_SLOTS) == section_code(kind)
        return fts, item_id, and_(condition, same_kind)
    name = "item_search" if kind is None else "item_search_section"
    index = table(name, column("item_id", Integer), column("document", TSVECTOR), column("kind"))
    tsquery = cast(literal(tsquery_text(plan, tier, tiers)), TSQUERY)
    condition = index.c.document.op("@@")(tsquery)
    if kind is not None:
        condition = and_(condition, index.c.kind == kind)
    return index, index.c.item_id, condition


def _hit_columns() -> tuple[Any, ...]:
    return (
        models.Item.id,
        models.Item.external_id,
        models.Item.title,
        models.Item.url,
        models.Item.paragraph,
        models.Source.name,
        models.Municipality.name_fi,
        models.Body.name,
        meeting_date_column(),
    )


def _joined(stmt: Select[Any]) -> Select[Any]:
    return (
        stmt.join(models.Source, models.Source.id == models.Item.source_id)
        .outerjoin(models.Municipality, models.Municipality.code == models.Source.municipality_code)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .outerjoin(models.Body, models.Body.id == models.Item.body_id)
    )


def _texts(session: Session, item_ids: Sequence[int], kind: str | None) -> dict[int, list[str]]:
    """Section texts per item in printed order (only ``kind``'s when given)."""
    if not item_ids:
        return {}
    stmt = select(models.Section.item_id, models.Section.text).where(
        models.Section.item_id.in_(item_ids)
    )
    if kind is not None:
        stmt = stmt.where(models.Section.kind == kind)
    out: dict[int, list[str]] = {}
    for item_id, section_text in session.execute(
        stmt.order_by(models.Section.item_id, models.Section.ordinal)
    ):
        out.setdefault(item_id, []).append(section_text)
    return out


def _tokens(analyzer: FinnishAnalyzer, text_: str) -> list[WordAnalysis]:
    return [a for _t, a in analyzer.iter_token_analyses(unicodedata.normalize("NFC", text_))]


def _alt_matches(alt: _Alt, analysis: WordAnalysis) -> bool:
    term = "".join(alt.tokens)
    if alt.prefix:
        return any(w.startswith(term) for w in (*analysis.lemmas, *analysis.parts))
    return terms_match((term,), analysis)


def _occurs(compiled: _Compiled, phrase: bool, tokens: Sequence[WordAnalysis]) -> bool:
    """A word: every piece matches some token. A phrase: the pieces match in a row."""
    if not phrase:
        return all(any(_alt_matches(a, t) for a in g for t in tokens) for g in compiled)
    width = len(compiled)
    return any(
        all(any(_alt_matches(a, tokens[i + j]) for a in g) for j, g in enumerate(compiled))
        for i in range(len(tokens) - width + 1)
    )


def _verified(plan: _Plan, analyzer: FinnishAnalyzer, texts: Sequence[str]) -> bool:
    token_lists = [_tokens(analyzer, t) for t in texts]

    def anywhere(atom: Atom, compiled: _Compiled) -> bool:
        return any(_occurs(compiled, atom.phrase, tokens) for tokens in token_lists)

    if any(anywhere(a, c) for a, c in plan.excluded_phrases):
        return False
    return all(any(anywhere(a, c) for a, c in clause) for clause in plan.clauses)


def search_items(
    session: Session,
    query: str,
    filters: ItemFilters | None = None,
    limit: int = 20,
    *,
    mark_start: str = "«",
    mark_end: str = "»",
) -> list[SearchHit]:
    """Items matching ``query`` (see storage.query), best first.

    A query that is a diary number lists the items with that number first. With
    ``filters.section`` every word must match inside sections of that kind. Ties in
    rank go to the newest meeting. SearchQueryError for a query with nothing to find.
    """
    filters = filters or ItemFilters()
    kind = section_kind(filters.section) if filters.section else None
    analyzer = get_analyzer()
    plan = _plan(analyzer, parse_query(query), query)
    dialect = session.get_bind().dialect.name
    clauses = filter_clauses(session, filters)
    rows: list[Any] = []
    if plan.diary_number:
        rows.extend(
            session.execute(
                _joined(select(*_hit_columns()).select_from(models.Item))
                .where(models.Item.diary_number_normalised == plan.diary_number, *clauses)
                .order_by(meeting_date_column().desc().nulls_last(), models.Item.id)
                .limit(limit)
            ).all()
        )
    seen = {r[0] for r in rows}
    texts: dict[int, list[str]] = {}
    tiers = ITEM_TIERS if kind is None else SECTION_TIERS
    try:
        for tier in range(len(tiers)):
            if len(rows) >= limit:
                break
            index, index_id, condition = _index_source(dialect, plan, kind, tier)
            stmt = (
                _joined(
                    select(*_hit_columns())
                    .select_from(index)
                    .join(models.Item, models.Item.id == index_id)
                )
                .where(condition, *clauses)
                .order_by(meeting_date_column().desc().nulls_last(), models.Item.id)
            )
            for batch in _candidates(session, stmt, limit - len(rows), plan.needs_check):
                ids = [r[0] for r in batch if r[0] not in seen]
                batch_texts = _texts(session, ids, kind) if plan.needs_check else {}
                for r in batch:
                    if len(rows) >= limit:
                        break
                    if r[0] in seen:
                        continue
                    item_texts = ([] if kind else [r[2]]) + batch_texts.get(r[0], [])
                    if plan.needs_check and not _verified(plan, analyzer, item_texts):
                        continue
                    seen.add(r[0])
                    rows.append(r)
                    if plan.needs_check:
                        texts[r[0]] = batch_texts.get(r[0], [])
                if len(rows) >= limit:
                    break
    except OperationalError as exc:  # defensive: the compiler should never allow this
        raise SearchQueryError(f"the search index rejected {query!r}: {exc.orig}") from exc
    missing = [r[0] for r in rows if r[0] not in texts]
    texts.update(_texts(session, missing, kind))
    terms, prefixes = plan.highlight_terms()
    memo: dict[str, bool] = {}
    return [
        SearchHit(
            item_id=f"{r[5]}:{r[1]}",
            source=r[5],
            municipality=r[6],
            body=r[7],
            meeting_date=r[8],
            paragraph=r[4],
            title=r[2],
            snippet=_snippet(
                analyzer, texts.get(r[0], []), r[2], terms, prefixes, mark_start, mark_end, memo
            ),
            url=r[3],
        )
        for r in rows
    ]


def _candidates(
    session: Session, stmt: Select[Any], limit: int, check: bool
) -> Iterator[Sequence[Any]]:
    """The ranked rows: one query of ``limit`` rows, or batches while phrases are checked."""
    if not check:
        yield session.execute(stmt.limit(limit)).all()
        return
    offset = 0
    while True:
        batch = session.execute(stmt.limit(VERIFY_BATCH).offset(offset)).all()
        if not batch:
            return
        yield batch
        offset += VERIFY_BATCH


# --- snippets -------------------------------------------------------------------------


def _snippet(
    analyzer: FinnishAnalyzer,
    texts: Sequence[str],
    title: str,
    terms: Sequence[str],
    prefixes: Sequence[str],
    start: str,
    end: str,
    memo: dict[str, bool],
) -> str:
    """The first section text with a match, highlighted; else the beginning of the text
    (the match was in the title), or the title highlighted when there is no text."""
    for candidate in texts:
        snippet = _highlight(
            candidate, terms, start, end, SNIPPET_WIDTH, prefixes, analyzer, memo
        )
        if snippet is not None:
            return snippet
    if texts:
        return _window(_flatten(texts[0]), 0, SNIPPET_WIDTH, [], start, end)
    return highlight(title, terms, start=start, end=end, prefixes=prefixes, analyzer=analyzer)


def _is_match(analysis: WordAnalysis, terms: Sequence[str], prefixes: Sequence[str]) -> bool:
    return terms_match(terms, analysis) or any(
        w.startswith(p) for p in prefixes for w in (*analysis.lemmas, *analysis.parts)
    )


def _match_spans(
    analyzer: FinnishAnalyzer, flat: str, terms: Sequence[str], prefixes: Sequence[str]
) -> Iterator[tuple[int, int]]:
    """(start, end) in ``flat`` of each token matching a term or prefix (with elided
    compounds expanded: "Perusturva- ja terveyslautakunta" matches lautakunta twice)."""
    pos = 0
    for token, analysis in analyzer.iter_token_analyses(flat):
        found = flat.find(token, pos)
        if found < 0:
            continue
        pos = found + len(token)
        if _is_match(analysis, terms, prefixes):
            yield found, pos


def _flatten(text_: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text_).translate(_CLEAN).split())


def highlight(
    text_: str,
    terms: Sequence[str],
    *,
    start: str = "«",
    end: str = "»",
    width: int = SNIPPET_WIDTH,
    prefixes: Sequence[str] = (),
    analyzer: FinnishAnalyzer | None = None,
) -> str:
    """About ``width`` characters around the first word whose lemma or compound part is
    one of ``terms`` (or starts with one of ``prefixes``), every such word marked."""
    analyzer = analyzer or get_analyzer()
    snippet = _highlight(text_, terms, start, end, width, prefixes, analyzer, {})
    return snippet if snippet is not None else _window(_flatten(text_), 0, width, [], start, end)


def _highlight(
    text_: str,
    terms: Sequence[str],
    start: str,
    end: str,
    width: int,
    prefixes: Sequence[str],
    analyzer: FinnishAnalyzer,
    memo: dict[str, bool],
) -> str | None:
    flat = _flatten(text_)
    # Fast scan for the first match: one cached analysis per distinct word. Only the
    # window is then analysed token by token (which also expands elided compounds).
    first: int | None = None
    for m in _WORD.finditer(flat):
        key = m.group().lower()
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = _is_match(analyzer.analyze_word(key), terms, prefixes)
        if hit:
            first = m.start()
            break
    if first is None:
        if not _ELIDED.search(flat):
            return None
        elided = next(_match_spans(analyzer, flat, terms, prefixes), None)
        if elided is None:
            return None
        first = elided[0]
    begin = 0
    if first > SNIPPET_LEAD:
        begin = flat.rfind(" ", 0, first - SNIPPET_LEAD) + 1
    # A little beyond the window, so an elided prefix near its end finds its compound.
    window = flat[begin : begin + width + 120]
    found = [
        (s + begin, e + begin)
        for s, e in _match_spans(analyzer, window, terms, prefixes)
        if s <= width
    ]
    return _window(flat, begin, width, found, start, end)


def _window(
    flat: str, begin: int, width: int, found: Sequence[tuple[int, int]], start: str, end: str
) -> str:
    stop = min(len(flat), begin + width)
    if stop < len(flat):
        space = flat.rfind(" ", begin, stop)
        stop = space if space > begin else stop
    out: list[str] = ["…"] if begin > 0 else []
    pos = begin
    for s, e in found:
        if s < begin or e > stop:
            continue
        out += [flat[pos:s], start, flat[s:e], end]
        pos = e
    out.append(flat[pos:stop])
    if stop < len(flat):
        out.append("…")
    return "".join(out)
