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
from datetime import date, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    cast,
    column,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

# The analyser's own tokenizer and look-ahead, so that snippets find elided compounds
# exactly where the analyser does (see _elided_match).
from analysis.finnish import (
    ELISION_LOOKAHEAD,
    HYPHENS,
    FinnishAnalyzer,
    WordAnalysis,
    get_analyzer,
    terms_match,
)
from analysis.finnish import TOKEN_RE as _ANALYSER_TOKEN

from . import models
from .filters import ItemFilters, filter_clauses, meeting_date_column, section_kind
from .index import ID_MASK, SECTION_SHIFT, SECTION_SLOTS, index_tokens, section_code
from .query import Atom, ParsedQuery, SearchQueryError, parse_query, shown

__all__ = [
    "QueryPlan",
    "SearchHit",
    "SearchQueryError",
    "fts5_query",
    "highlight",
    "phrases_verified",
    "plan_query",
    "search_items",
    "tsquery_text",
]

SNIPPET_WIDTH = 200
SNIPPET_LEAD = 60  # characters of context shown before the first match
VERIFY_BATCH = 200  # candidates fetched at a time when phrases are checked in Python
_WORD = re.compile(r"[^\W_]+")
_COLON = re.compile(r"[^\W_]:[^\W_]")  # "EU:n": one token to the analyser
_ELIDED = re.compile(r"[^\W_]-(?=\s)")  # "Perusturva- ja …": a compound whose head follows
# Where the analyser's tokens differ from plain words: an elided compound's trailing
# hyphen ("Perusturva- ja …", which borrows its head) and "EU:n"-style tokens.
_NEEDS_ANALYSER = re.compile(r"[^\W_]-(?![^\W_])|[^\W_]:[^\W_]")


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
class QueryPlan:
    """A query compiled to index terms (storage.docsearch runs it on the document index)."""

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


def plan_query(analyzer: FinnishAnalyzer, parsed: ParsedQuery, query: str) -> QueryPlan:
    """Compile a parsed query: each word to its lemmas' index tokens."""
    clauses = []
    for clause in parsed.clauses:
        compiled = tuple((a, c) for a in clause if (c := _compile_atom(analyzer, a)))
        if compiled:
            clauses.append(compiled)
    if not clauses:
        raise SearchQueryError(
            f"nothing to search for in {shown(query)}: use words made of letters or digits"
        )
    excluded = [(a, c) for a in parsed.excluded if (c := _compile_atom(analyzer, a))]
    return QueryPlan(
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
# The tiers are nested (1 ⊂ 2 ⊂ 3) and a tier is only read once the tiers before it are
# used up, so each tier is matched on its own and the items already seen are skipped in
# Python: no "NOT the tier before" in the index query (a second FTS5 match, or on
# PostgreSQL a weight-label recheck of every whole-item tsvector). PostgreSQL matches the
# title tiers on item_search.title_document, a small tsvector with its own GIN index.


@dataclass(frozen=True, slots=True)
class _Tier:
    fts_columns: str | None  # FTS5 column filter; None = any column
    fts_table: str  # the SQLite table item-level queries of this tier read
    vector: str  # the PostgreSQL tsvector column
    label: str | None  # tsquery weight label in that vector; None = any


# SQLite matches the title tiers on item_fts_title, titles only: on item_fts a word
# common in texts but never in titles made FTS5 read its whole doclist to find no title
# hit (~60 ms on 1,000,000 items).
ITEM_TIERS: tuple[_Tier, ...] = (
    _Tier("{title_lemmas}", "item_fts_title", "title_document", "A"),
    _Tier("{title_lemmas title_parts}", "item_fts_title", "title_document", None),
    _Tier(None, "item_fts", "document", None),
)
SECTION_TIERS: tuple[_Tier, ...] = (
    _Tier("{lemmas}", "item_fts_section", "document", "A"),
    _Tier(None, "item_fts_section", "document", None),
)
# SQLite reads a tier's matches straight from FTS5 in rowid order, which is ranking order
# (storage.index.rank_key), and stops at the limit. PostgreSQL's GIN index has no order:
# there the newest items are walked (each probed in the index) before a tier falls back
# to sorting its matches by date; a walk that finds too few is cut short.
WALK_BUDGET = 500  # items; a probe may detoast a tsvector
# PostgreSQL's fallback looks at the matches of these many days before the walk's cutoff
# first, then at all (see _windowed). Prototype on 1,000,000 items: a title word with
# 12,400 matches, 616 ms sorting them all, 19-35 ms within two years.
WINDOW_DAYS = (365, 4 * 365)
# PostgreSQL memory for one search's bitmaps and sorts. With the default 4 MB, the bitmap
# of a date window (the GIN matches AND ~100,000 dates) goes lossy, and the recheck then
# detoasts the tsvector of every row on those pages: on 1,000,000 items one window read
# 53,500 buffers (284 ms warm) with 4 MB and 2,700 with 64 MB (bench/RESULTS.md).
SEARCH_WORK_MEM = "64MB"


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


def _positive(plan: QueryPlan) -> list[list[_Compiled]]:
    return [[c for _a, c in clause] for clause in plan.clauses]


def _excluded(plan: QueryPlan) -> list[list[_Compiled]]:
    return [[c for _a, c in plan.excluded]] if plan.excluded else []


def fts5_query(plan: QueryPlan, tier: int = -1, tiers: Sequence[_Tier] = ITEM_TIERS) -> str:
    """The FTS5 MATCH text of ``tier`` (its columns only); -1 = all matches."""

    def token(t: str, prefix: bool) -> str:
        return f'"{t}"*' if prefix else f'"{t}"'

    positive = _render(_positive(plan), token, " AND ", " OR ")
    cols = tiers[tier].fts_columns if tier >= 0 else None
    out = f"{cols} : ({positive})" if cols else f"({positive})"
    excluded = _excluded(plan)
    if excluded:
        out = f"{out} NOT ({_render(excluded, token, ' AND ', ' OR ')})"
    return out


def _lexeme(t: str, prefix: bool) -> str:
    return f"'{t}':*" if prefix else f"'{t}'"


def _positive_tsquery(plan: QueryPlan, label: str | None) -> str:
    def token(t: str, prefix: bool) -> str:
        return f"'{t}':{'*' if prefix else ''}{label}" if label else _lexeme(t, prefix)

    return "(" + _render(_positive(plan), token, " & ", " | ") + ")"


def _excluded_tsquery(plan: QueryPlan) -> str | None:
    excluded = _excluded(plan)
    return _render(excluded, _lexeme, " & ", " | ") if excluded else None


def tsquery_text(plan: QueryPlan) -> str:
    """The tsquery of all matches of ``plan`` on a whole-item tsvector."""
    out = _positive_tsquery(plan, None)
    excluded = _excluded_tsquery(plan)
    return f"{out} & !({excluded})" if excluded else out


# --- execution ------------------------------------------------------------------------


def _order_table() -> Any:
    return table("item_order", column("item_id", Integer), column("sort_date", Date))


def _rank(order: Any) -> list[ColumnElement[Any]]:
    """PostgreSQL ranking order (the index of migration 0007): newest first, undated last,
    then item id, for a table with ``sort_date`` and ``item_id`` columns."""
    return [order.c.sort_date.desc().nulls_last(), order.c.item_id]


def _tier_condition(
    dialect: str, plan: QueryPlan, kind: str | None, tier: int
) -> tuple[Any, ColumnElement[int], ColumnElement[bool]]:
    """(index table, its item id, the match condition of ``tier`` on its rows)."""
    tiers = ITEM_TIERS if kind is None else SECTION_TIERS
    if dialect == "sqlite":
        name = tiers[tier].fts_table
        fts = table(name, column("rowid", Integer))
        match: ColumnElement[bool] = literal_column(name).op("MATCH")(
            literal(fts5_query(plan, tier, tiers))
        )
        if kind is None:
            return fts, _item_id_of_key(fts.c.rowid), match
        key = fts.c.rowid.op(">>")(SECTION_SHIFT)
        of_kind = fts.c.rowid.op("&")(SECTION_SLOTS - 1) == section_code(kind)
        return fts, _item_id_of_key(key), and_(match, of_kind)
    spec = tiers[tier]
    name = "item_search" if kind is None else "item_search_section"
    vectors = dict.fromkeys([spec.vector, "document"])
    index = table(
        name,
        column("item_id", Integer),
        column("kind"),
        column("sort_date", Date),  # item_search only (migration 0008)
        *(column(v, TSVECTOR) for v in vectors),
    )
    conditions: list[ColumnElement[bool]] = [
        index.c[spec.vector].op("@@", is_comparison=True)(
            _tsquery(_positive_tsquery(plan, spec.label))
        )
    ]
    excluded = _excluded_tsquery(plan)
    if excluded:
        conditions.append(~index.c.document.op("@@", is_comparison=True)(_tsquery(excluded)))
    if kind is not None:
        conditions.append(index.c.kind == kind)
    return index, index.c.item_id, and_(*conditions)


def _item_id_of_key(key: ColumnElement[int]) -> ColumnElement[int]:
    """The item id in a rank key (storage.index.rank_key): its low ID_BITS."""
    return key.op("&")(ID_MASK)


def _tsquery(text_: str) -> ColumnElement[Any]:
    return cast(literal(text_), TSQUERY)


def _probe(
    plan: QueryPlan, kind: str | None, tier: int, item_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """PostgreSQL: does item ``item_id`` match ``tier``: one lookup by primary key."""
    index, index_id, condition = _tier_condition("postgresql", plan, kind, tier)
    # A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a semi-join and, with
    # no statistics for weight-labelled tsqueries, picks a bitmap scan of every match.
    probe = select(literal(1)).select_from(index).where(condition, index_id == item_id)
    return probe.limit(1).scalar_subquery().is_not(None)


def _walk_cutoff(session: Session) -> tuple[bool, date | None]:
    """PostgreSQL: (may walk, the date the walk stops at; None = the archive is within
    the budget)."""
    order = _order_table()
    row = session.execute(
        select(order.c.sort_date).order_by(*_rank(order)).offset(WALK_BUDGET).limit(1)
    ).first()
    if row is None:
        return True, None
    return row[0] is not None, row[0]


def _filtered(
    item_id: ColumnElement[int], clauses: Sequence[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    if not clauses:
        return []
    return [
        select(literal(1))
        .select_from(models.Item)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .where(models.Item.id == item_id, *clauses)
        .exists()
    ]


def _keyed_ids(
    session: Session,
    plan: QueryPlan,
    kind: str | None,
    tier: int,
    clauses: Sequence[ColumnElement[bool]],
    count: int,
    offset: int,
) -> list[int]:
    """SQLite: item ids ``offset`` … ``offset + count`` of ``tier`` in rank order, read
    from FTS5 in rowid (rank key) order: no sort, and FTS5 stops at the limit."""
    index, item_id, condition = _tier_condition("sqlite", plan, kind, tier)
    stmt = (
        select(item_id)
        .select_from(index)
        .where(condition, *_filtered(item_id, clauses))
        .order_by(index.c.rowid)
    )
    return list(session.scalars(stmt.offset(offset).limit(count)))


def _ranked_ids(
    session: Session,
    plan: QueryPlan,
    kind: str | None,
    tier: int,
    clauses: Sequence[ColumnElement[bool]],
    walk: tuple[bool, date | None],
    count: int,
    offset: int,
) -> list[int]:
    """PostgreSQL: item ids ``offset`` … ``offset + count`` of ``tier`` in rank order.

    Common words (most searches: a word in a large share of the items) are answered by
    walking item_order newest-first and probing each item in the index, stopping at
    ``count``; the walk is bounded by the date WALK_BUDGET items back, and what it
    finds there is exactly the head of the ranking. Rarer words fall back to all
    matches from the index, sorted by date (in date windows when the walk found some).
    """
    order = _order_table()
    rank = _rank(order)
    conditions = _filtered(order.c.item_id, clauses)
    may_walk, cutoff = walk
    walked: list[int] = []
    if may_walk:
        stmt = select(order.c.item_id).where(_probe(plan, kind, tier, order.c.item_id), *conditions)
        if cutoff is not None:
            stmt = stmt.where(order.c.sort_date >= cutoff)
        walked = list(session.scalars(stmt.order_by(*rank).offset(offset).limit(count)))
        if len(walked) == count or cutoff is None:
            return walked
    index, index_id, condition = _tier_condition("postgresql", plan, kind, tier)
    # Date windows pay when the word is common enough to fill one: the walk found some
    # among the newest items. A rarer word has few matches, and one sort of all is cheaper.
    if kind is None and cutoff is not None and walked:
        return _windowed(session, index, condition, clauses, cutoff, count, offset)
    matches = select(index_id.label("item_id")).select_from(index).where(condition)
    # All matches first (a GIN bitmap scan), never a walk of the whole date index probing
    # each item, which the planner picks for a word it misjudges.
    found = matches.cte("m").prefix_with("MATERIALIZED")
    stmt = (
        select(order.c.item_id)
        .select_from(found)
        .join(order, order.c.item_id == found.c.item_id)
        .where(*conditions)
    )
    return list(session.scalars(stmt.order_by(*rank).offset(offset).limit(count)))


def _windowed(
    session: Session,
    index: Any,
    condition: ColumnElement[bool],
    clauses: Sequence[ColumnElement[bool]],
    cutoff: date,
    count: int,
    offset: int,
) -> list[int]:
    """The PostgreSQL fallback: matches of the newest dates first.

    Each window is the GIN bitmap of the words ANDed with a date range on
    item_search.sort_date, so only the heap pages of recent matches are read (sorting all
    matches of a word in 1-5 % of the items reads most of the table). A window that holds
    ``offset + count`` matches holds exactly the head of the ranking: every match outside
    it is older or undated.
    """
    sort_date = index.c.sort_date
    rank = _rank(index)  # item_search.sort_date equals item_order's
    matches = (
        select(index.c.item_id)
        .select_from(index)
        .where(condition, *_filtered(index.c.item_id, clauses))
    )
    wanted = offset + count
    for days in WINDOW_DAYS:
        window = matches.where(sort_date >= cutoff - timedelta(days=days))
        ids = list(session.scalars(window.order_by(*rank).limit(wanted)))
        if len(ids) == wanted:
            return ids[offset:]
    return list(session.scalars(matches.order_by(*rank).offset(offset).limit(count)))


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


def _hit_rows(session: Session, ids: Sequence[int]) -> list[Any]:
    """The hit columns of ``ids``, in that order."""
    if not ids:
        return []
    found = {
        r[0]: r
        for r in session.execute(
            _joined(select(*_hit_columns()).select_from(models.Item)).where(models.Item.id.in_(ids))
        )
    }
    return [found[i] for i in ids if i in found]


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


def phrases_verified(plan: QueryPlan, analyzer: FinnishAnalyzer, texts: Sequence[str]) -> bool:
    """Do ``texts`` hold the plan's phrases (words adjacent, in order) and none of its
    excluded phrases: what the index cannot check."""
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
    plan = plan_query(analyzer, parse_query(query), query)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # for this transaction only
        session.execute(text(f"SET LOCAL work_mem = '{SEARCH_WORK_MEM}'"))
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
    done = {r[0] for r in rows}  # returned, or (phrases) checked and rejected
    texts: dict[int, list[str]] = {}
    tiers = ITEM_TIERS if kind is None else SECTION_TIERS
    try:
        walk = _walk_cutoff(session) if dialect != "sqlite" else (False, None)
        for tier in range(len(tiers)):
            if len(rows) >= limit:
                break

            def ranked(count: int, offset: int, tier: int = tier) -> list[int]:
                if dialect == "sqlite":
                    return _keyed_ids(session, plan, kind, tier, clauses, count, offset)
                return _ranked_ids(session, plan, kind, tier, clauses, walk, count, offset)

            # Without phrases every fetched row is returned unless done before (at
            # most len(done) of them), so one query of that many more rows suffices.
            wanted = limit - len(rows) + len(done)
            for ids in _candidates(ranked, wanted, plan.needs_check):
                fresh = [i for i in ids if i not in done]
                batch_texts = _texts(session, fresh, kind) if plan.needs_check else {}
                for r in _hit_rows(session, fresh):
                    if len(rows) >= limit:
                        break
                    done.add(r[0])
                    item_texts = ([] if kind else [r[2]]) + batch_texts.get(r[0], [])
                    if plan.needs_check and not phrases_verified(plan, analyzer, item_texts):
                        continue
                    rows.append(r)
                    if plan.needs_check:
                        texts[r[0]] = batch_texts.get(r[0], [])
                if len(rows) >= limit:
                    break
    except OperationalError as exc:  # defensive: the compiler should never allow this
        reason = " ".join(str(exc.orig).split())[:200]
        raise SearchQueryError(f"the search index rejected {shown(query)}: {reason}") from exc
    missing = [r[0] for r in rows if r[0] not in texts]
    texts.update(_texts(session, missing, kind))
    matcher = _Matcher(analyzer, *plan.highlight_terms())
    return [
        SearchHit(
            item_id=f"{r[5]}:{r[1]}",
            source=r[5],
            municipality=r[6],
            body=r[7],
            meeting_date=r[8],
            paragraph=r[4],
            title=r[2],
            snippet=_snippet(texts.get(r[0], []), r[2], matcher, mark_start, mark_end),
            url=r[3],
        )
        for r in rows
    ]


def _candidates(
    ranked: Callable[[int, int], list[int]], limit: int, check: bool
) -> Iterator[list[int]]:
    """The ranked ids: one query of ``limit`` ids, or batches while phrases are checked."""
    if not check:
        yield ranked(limit, 0)
        return
    offset = 0
    while True:
        batch = ranked(VERIFY_BATCH, offset)
        if not batch:
            return
        yield batch
        offset += VERIFY_BATCH


# --- snippets -------------------------------------------------------------------------


class _Matcher:
    """Which words match a query's terms or prefixes, remembered for one search: the
    hits of a search share most of their vocabulary."""

    def __init__(
        self, analyzer: FinnishAnalyzer, terms: Sequence[str], prefixes: Sequence[str]
    ) -> None:
        self.analyzer = analyzer
        self.terms = frozenset(terms)
        self.prefixes = tuple(prefixes)
        self.checked: set[str] = set()  # words as written
        self.matched: set[str] = set()
        self.local: dict[str, bool] = {}  # elided-compound contexts (_elided_match)

    def is_match(self, analysis: WordAnalysis) -> bool:
        if not self.terms.isdisjoint(analysis.lemmas) or not self.terms.isdisjoint(analysis.parts):
            return True
        return any(
            w.startswith(p) for p in self.prefixes for w in (*analysis.lemmas, *analysis.parts)
        )

    def matched_words(self, flat: str) -> set[str]:
        """The words of ``flat`` (as written) that match. Set operations, so a text whose
        words were all seen before in this search costs no analysis at all."""
        words = set(_WORD.findall(flat))
        for word in words - self.checked:
            if self._word_matches(word):
                self.matched.add(word)
        self.checked |= words
        return words & self.matched

    def _word_matches(self, word: str) -> bool:
        if not self.terms.isdisjoint(self.analyzer.word_terms(word)):
            return True
        return bool(self.prefixes) and self.is_match(self.analyzer.analyze_word(word))

    def spans(self, flat: str) -> Iterator[tuple[int, int]]:
        """(start, end) in ``flat`` of each token matching a term or prefix (with elided
        compounds expanded: "Perusturva- ja terveyslautakunta" matches lautakunta twice)."""
        if not _NEEDS_ANALYSER.search(flat):
            # Then the analyser's tokens are exactly the plain words: no need to run it.
            for m in _WORD.finditer(flat):
                word = m.group()
                if word in self.matched or (word not in self.checked and self._word_matches(word)):
                    yield m.span()
            return
        pos = 0
        for token, analysis in self.analyzer.iter_token_analyses(flat):
            found = flat.find(token, pos)
            if found < 0:
                continue
            pos = found + len(token)
            if self.is_match(analysis):
                yield found, pos


def _snippet(texts: Sequence[str], title: str, matcher: _Matcher, start: str, end: str) -> str:
    """The first section text with a match, highlighted; else the beginning of the text
    (the match was in the title), or the title highlighted when there is no text."""
    for candidate in texts:
        snippet = _highlight(candidate, matcher, start, end, SNIPPET_WIDTH)
        if snippet is not None:
            return snippet
    if texts:
        return _window(_flatten(texts[0]), 0, SNIPPET_WIDTH, [], start, end)
    title_snippet = _highlight(title, matcher, start, end, SNIPPET_WIDTH)
    return (
        title_snippet
        if title_snippet is not None
        else _window(_flatten(title), 0, SNIPPET_WIDTH, [], start, end)
    )


def _flatten(text_: str) -> str:
    text_ = unicodedata.normalize("NFC", text_)
    if "\u2010" in text_ or "\u2011" in text_ or "\u00ad" in text_:  # translate is slow
        text_ = text_.translate(HYPHENS)
    return " ".join(text_.split())


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
    matcher = _Matcher(analyzer or get_analyzer(), terms, prefixes)
    snippet = _highlight(text_, matcher, start, end, width)
    return snippet if snippet is not None else _window(_flatten(text_), 0, width, [], start, end)


def _highlight(text_: str, matcher: _Matcher, start: str, end: str, width: int) -> str | None:
    flat = _flatten(text_)
    # Fast scan for the first match: one cached analysis per distinct word. Only the
    # window is then analysed token by token (which also expands elided compounds).
    # The distinct words are checked first, so a text without a match (common: the
    # match was in the title or another section) is not walked.
    hits = matcher.matched_words(flat)
    first: int | None = None
    if hits:
        first = next(m.start() for m in _WORD.finditer(flat) if m.group() in hits)
    if first is None:
        first = _elided_match(matcher, flat)
        if first is None:
            return None
    begin = 0
    if first > SNIPPET_LEAD:
        begin = flat.rfind(" ", 0, first - SNIPPET_LEAD) + 1
    # A little beyond the window, so an elided prefix near its end finds its compound.
    window = flat[begin : begin + width + 120]
    found = [(s + begin, e + begin) for s, e in matcher.spans(window) if s <= width]
    return _window(flat, begin, width, found, start, end)


def _elided_match(matcher: _Matcher, flat: str) -> int | None:
    """Where the first token matches when no plain word does: an elided compound
    ("Perusturva- ja terveyslautakunta") or a "EU:n"-style token. Only those can then
    match (what _Matcher.spans over the whole text would find first), so only the
    space-separated chunks holding one are tokenized, each candidate analysed with just
    the tokens it looks ahead to."""
    if not _ELIDED.search(flat):
        return None
    marks = [m.start() for m in _ELIDED.finditer(flat)]
    marks += [m.start() for m in _COLON.finditer(flat)]
    for chunk in sorted({flat.rfind(" ", 0, mark) + 1 for mark in marks}):
        chunk_end = flat.find(" ", chunk)
        chunk_end = len(flat) if chunk_end < 0 else chunk_end
        tokens = list(islice(_ANALYSER_TOKEN.finditer(flat, chunk), 64))
        for n, token in enumerate(tokens):
            if token.start() >= chunk_end:
                break
            raw = token.group()
            elided = raw.endswith("-") and "-" not in raw[:-1]
            if not elided and ":" not in raw:
                continue  # its pieces are plain words, which the fast scan has seen
            following = tokens[n + 1 : n + 2 + ELISION_LOOKAHEAD] if elided else []
            stop = following[-1].end() if following else token.end()
            local = flat[token.start() : stop]
            hit = matcher.local.get(local)
            if hit is None:
                hit = matcher.local[local] = any(s == 0 for s, _e in matcher.spans(local))
            if hit:
                return token.start()
    return None


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
