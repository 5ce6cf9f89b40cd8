"""The crash guard at the parsers' boundary (used by harvester.platforms' registry).

A parser raises only ParseError, whatever the bytes: anything else it raises is a bug,
turned into ``ParserCrash`` so the page fails and the run goes on. A classifier answers
UNKNOWN for a URL that cannot be normalised.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pykala.parsers.records import PageKind, ParseError, ParserCrash, ParseResult, one_line
from pykala.parsers.urls import BadUrl

Parser = Callable[[bytes, str, "str | None"], ParseResult]
Classifier = Callable[[str], PageKind]


def crash_reason(exc: BaseException) -> str:
    """'parser crashed: ValueError: <first line>' — what a failed page records."""
    lines = str(exc).strip().splitlines()
    return f"parser crashed: {type(exc).__name__}: {one_line(lines[0] if lines else '')}"


def guard_parser(parse: Parser) -> Parser:
    """``parse`` raising only ParseError: any other exception becomes ParserCrash."""

    @functools.wraps(parse)
    def guarded(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
        try:
            return parse(body, url, content_type)
        except ParseError:
            raise
        except Exception as exc:  # a bug must fail one page, not the run
            raise ParserCrash(url, crash_reason(exc)) from exc

    return guarded


def guard_classifier(classify: Classifier) -> Classifier:
    """``classify`` answering UNKNOWN for a URL that cannot be normalised."""

    @functools.wraps(classify)
    def guarded(url: str) -> PageKind:
        try:
            return classify(url)
        except BadUrl:
            return PageKind.UNKNOWN

    return guarded


__all__ = ["Classifier", "Parser", "crash_reason", "guard_classifier", "guard_parser"]
