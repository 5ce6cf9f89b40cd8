"""The search query language, parsed without touching a database or an analyser.

    perhekeskus neuvola          every word must match (AND)
    "perhekeskuksen toiminta"    a phrase: the words next to each other, in this order
    -koulu  NOT koulu            exclusion (of a word or a "phrase")
    neuvola OR koulu             either; OR binds tighter than the implicit AND:
                                 ``perhekeskus neuvola OR koulu`` means
                                 perhekeskus AND (neuvola OR koulu)
    perhek*                      an explicit prefix of a lemma or compound part
    MliDno-2018-2371             a diary number alone: the item with it comes first

Only upper-case OR, AND and NOT are operators (AND is what words do anyway); any other
character is text. Nothing here is ever handed to FTS5 or tsquery as syntax: the parse
is compiled into quoted terms by ``storage.search.plan``. An unbalanced quote is an error
that says so (a phrase left open would silently change what is searched); a lone ``-`` or
``*`` is ignored. A query of exclusions only is an error too: there is nothing to exclude
from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pykala.parsers.diary import find_diary_number, normalise_diary_number
from pykala.storage.db import ArchiveError

MAX_ATOMS = 32  # words + phrases; more is not a search, and would make a huge FTS query
# Bounds checked before any database sees the query, so both answer alike. The longest
# Finnish words and diary numbers are well under 100 characters; PostgreSQL refuses a
# tsquery word of 2,048 bytes, and a 100 kB query is not a search.
MAX_QUERY_CHARS = 1000
MAX_WORD_CHARS = 100
_SHOWN = 40  # characters of a query quoted back in an error
# Helsinki (Ahjo) case ids: "HEL 2020-008126"; the shared diary pattern does not cover them.
_HEL_RE = re.compile(r"HEL\s?\d{4}-\d{6}", re.I)
_TOKEN_RE = re.compile(r'-*"[^"]*(?:"|$)|[^\s"]+')
_HAS_TEXT = re.compile(r"[^\W_]")
_WORD_RE = re.compile(r'[^\s"]+')


class SearchQueryError(ArchiveError):
    """The query contains nothing searchable, or too much."""


@dataclass(frozen=True, slots=True)
class Atom:
    """One word (as typed, may contain hyphens) or one quoted phrase."""

    text: str
    phrase: bool = False
    prefix: bool = False  # the word ended in '*'


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Clauses are AND-ed, the atoms of a clause OR-ed; excluded atoms must not match."""

    clauses: tuple[tuple[Atom, ...], ...]
    excluded: tuple[Atom, ...]
    diary_number: str | None  # normalised, when the whole query is one


def diary_number_query(query: str) -> str | None:
    """The normalised diary number when the query is nothing but one."""
    stripped = query.strip().strip('"').strip()
    if _HEL_RE.fullmatch(stripped):
        return normalise_diary_number(stripped)
    found = find_diary_number(stripped)
    return normalise_diary_number(found) if found else None


def shown(query: str) -> str:
    """The query quoted for an error message: its beginning only, on one line."""
    line = " ".join(query.split())
    return repr(line if len(line) <= _SHOWN else line[:_SHOWN] + "…")


def _nothing(query: str) -> SearchQueryError:
    return SearchQueryError(
        f"nothing to search for in {shown(query)}: use words made of letters or digits"
    )


def check_length(query: str) -> None:
    """SearchQueryError (one short line) for a query or a word past the bounds."""
    longest = max(_WORD_RE.findall(query), key=len, default="")
    if len(longest) > MAX_WORD_CHARS:
        raise SearchQueryError(
            f"word too long in the query: {len(longest):,} characters (at most "
            f"{MAX_WORD_CHARS}): {shown(longest)}"
        )
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            f"query too long: {len(query):,} characters (at most {MAX_QUERY_CHARS:,})"
        )


def parse_query(query: str) -> ParsedQuery:
    """Parse ``query``; SearchQueryError (one line) when it has no word to look for, or
    is too long."""
    check_length(query)
    clauses: list[list[Atom]] = []
    excluded: list[Atom] = []
    join_next = False  # the previous tokens were a positive atom and OR
    after_positive = False  # the previous token was a positive atom
    negate_next = False  # the previous token was NOT
    count = 0
    for raw in _TOKEN_RE.findall(query):
        if raw in ("OR", "AND", "NOT"):
            join_next = raw == "OR" and after_positive
            after_positive = False
            negate_next = raw == "NOT"
            continue
        negative = negate_next or raw.startswith("-")
        body = raw.lstrip("-")
        if body.startswith('"'):
            atom = Atom(" ".join(body.strip('"').split()), phrase=True)
        else:
            atom = Atom(body.rstrip("*"), prefix=body.endswith("*"))
        negate_next = False
        if not _HAS_TEXT.search(atom.text):
            continue
        count += 1
        if count > MAX_ATOMS:
            raise SearchQueryError(f"too many words in the query (at most {MAX_ATOMS})")
        if negative:
            excluded.append(atom)
        elif join_next:
            clauses[-1].append(atom)
        else:
            clauses.append([atom])
        join_next = False
        after_positive = not negative
    diary = diary_number_query(query)
    if not clauses and excluded:
        raise SearchQueryError(
            f"a search needs at least one word to include: {shown(query)} only excludes "
            '(-word, NOT word); e.g. "perhekeskus -budjetti"'
        )
    if not clauses:
        raise _nothing(query)
    if query.count('"') % 2:
        raise SearchQueryError(
            f'unbalanced quote in {shown(query)}: close the phrase with a second " '
            '(e.g. "perhekeskuksen toiminta")'
        )
    return ParsedQuery(
        clauses=tuple(tuple(c) for c in clauses), excluded=tuple(excluded), diary_number=diary
    )
