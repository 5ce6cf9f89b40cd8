"""Query planning: a parsed query (storage.search.query) compiled onto the index.

Each query word becomes its lemmas (plus the written form when Voikko does not know it),
each lemma its index tokens, each token a double-quoted FTS5 string or a quoted tsquery
lexeme. Tokens are letters and digits only, so nothing the user typed is ever FTS5 or
tsquery syntax. The same boolean structure goes to both databases, so they return the
same items. The rank tiers each database matches one at a time are defined here too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pykala.analysis.finnish import FinnishAnalyzer, WordAnalysis
from pykala.storage.index import index_tokens
from pykala.storage.search.query import Atom, ParsedQuery, SearchQueryError, shown


@dataclass(frozen=True, slots=True)
class Alt:
    """One alternative of a query word: index tokens AND-ed; prefix applies to the last."""

    tokens: tuple[str, ...]
    prefix: bool = False


Group = tuple[Alt, ...]  # alternatives of one word piece, OR-ed
Compiled = tuple[Group, ...]  # the pieces of one atom, AND-ed


def _word_terms(token: str, analysis: WordAnalysis) -> tuple[str, ...]:
    """What a query word piece may match: its lemmas, plus the written form if unknown."""
    if analysis.known:
        return analysis.lemmas
    return tuple(dict.fromkeys([*analysis.lemmas, token.lower()]))


def _compile_atom(analyzer: FinnishAnalyzer, atom: Atom) -> Compiled:
    pieces = list(analyzer.iter_token_analyses(unicodedata.normalize("NFC", atom.text)))
    groups: list[Group] = []
    for n, (token, analysis) in enumerate(pieces):
        if atom.prefix and n == len(pieces) - 1:
            tokens = tuple(index_tokens(token))
            alts: list[Alt] = [Alt(tokens, prefix=True)] if tokens else []
        else:
            alts = list(
                dict.fromkeys(
                    Alt(tuple(index_tokens(term)))
                    for term in _word_terms(token, analysis)
                    if index_tokens(term)
                )
            )
        if alts:
            groups.append(tuple(alts))
    return tuple(groups)


@dataclass(frozen=True)
class QueryPlan:
    """A query compiled to index terms (storage.search.documents runs it on the document index)."""

    clauses: tuple[tuple[tuple[Atom, Compiled], ...], ...]  # AND of OR of atoms
    excluded: tuple[tuple[Atom, Compiled], ...]  # words (not phrases) excluded in the index
    excluded_phrases: tuple[tuple[Atom, Compiled], ...]  # checked in Python
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
class Tier:
    fts_columns: str | None  # FTS5 column filter; None = any column
    fts_table: str  # the SQLite table item-level queries of this tier read
    vector: str  # the PostgreSQL tsvector column
    label: str | None  # tsquery weight label in that vector; None = any


# SQLite matches the title tiers on item_fts_title, titles only: on item_fts a word
# common in texts but never in titles made FTS5 read its whole doclist to find no title
# hit (~60 ms on 1,000,000 items).
ITEM_TIERS: tuple[Tier, ...] = (
    Tier("{title_lemmas}", "item_fts_title", "title_document", "A"),
    Tier("{title_lemmas title_parts}", "item_fts_title", "title_document", None),
    Tier(None, "item_fts", "document", None),
)
SECTION_TIERS: tuple[Tier, ...] = (
    Tier("{lemmas}", "item_fts_section", "document", "A"),
    Tier(None, "item_fts_section", "document", None),
)


def tiers_for(kind: str | None) -> tuple[Tier, ...]:
    """The rank tiers of a search over whole items (``kind`` None) or sections of a kind."""
    return ITEM_TIERS if kind is None else SECTION_TIERS


def _render(
    atoms: Sequence[Sequence[Compiled]],
    token: Callable[[str, bool], str],
    and_: str,
    or_: str,
) -> str:
    """AND over ``atoms`` (each a list of OR-ed compiled atoms)."""

    def alt(a: Alt) -> str:
        last = len(a.tokens) - 1
        body = and_.join(token(t, a.prefix and n == last) for n, t in enumerate(a.tokens))
        return f"({body})" if len(a.tokens) > 1 else body

    def atom(compiled: Compiled) -> str:
        return "(" + and_.join("(" + or_.join(alt(a) for a in g) + ")" for g in compiled) + ")"

    return and_.join("(" + or_.join(atom(c) for c in clause) + ")" for clause in atoms)


def _positive(plan: QueryPlan) -> list[list[Compiled]]:
    return [[c for _a, c in clause] for clause in plan.clauses]


def _excluded(plan: QueryPlan) -> list[list[Compiled]]:
    return [[c for _a, c in plan.excluded]] if plan.excluded else []


def fts5_query(plan: QueryPlan, tier: int = -1, tiers: Sequence[Tier] = ITEM_TIERS) -> str:
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


def positive_tsquery(plan: QueryPlan, label: str | None) -> str:
    def token(t: str, prefix: bool) -> str:
        return f"'{t}':{'*' if prefix else ''}{label}" if label else _lexeme(t, prefix)

    return "(" + _render(_positive(plan), token, " & ", " | ") + ")"


def excluded_tsquery(plan: QueryPlan) -> str | None:
    excluded = _excluded(plan)
    return _render(excluded, _lexeme, " & ", " | ") if excluded else None


def tsquery_text(plan: QueryPlan) -> str:
    """The tsquery of all matches of ``plan`` on a whole-item tsvector."""
    out = positive_tsquery(plan, None)
    excluded = excluded_tsquery(plan)
    return f"{out} & !({excluded})" if excluded else out
