"""Pure parsers: raw bytes of a fetched page → records, links and warnings.

``PARSERS`` and ``CLASSIFIERS`` map a platform name (``SourceConfig.platform``) to its
parse and classify functions; adding a platform is one module plus one line in each.

Both are guarded at this boundary: a parser raises only ParseError, whatever the bytes
(anything else it raises is a bug, turned into ``ParserCrash`` so the page fails and the
run goes on), and a classifier answers UNKNOWN for a URL that cannot be normalised.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from parsers import ahjo, cloudnc, dynasty, minutes_pdf, opennc, tweb, webpage
from parsers.records import PageKind, ParseError, ParserCrash, ParseResult, one_line
from parsers.urls import BadUrl

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


PARSERS: dict[str, Parser] = {
    name: guard_parser(parse)
    for name, parse in {
        "dynasty": dynasty.parse,
        "tweb": tweb.parse,
        "cloudnc": cloudnc.parse,  # also routes /api/opennc/ URLs to opennc.parse
        "opennc": opennc.parse,
        "ahjo": ahjo.parse,
        "pdf": minutes_pdf.parse,  # a PDF on its own: minutes, one item or a document
        "webpage": webpage.parse,  # a web page that is not minutes → DocumentRecord
    }.items()
}
CLASSIFIERS: dict[str, Classifier] = {
    name: guard_classifier(classify)
    for name, classify in {
        "dynasty": dynasty.classify,
        "tweb": tweb.classify,
        "cloudnc": cloudnc.classify,
        "opennc": opennc.classify,
        "ahjo": ahjo.classify,
        "pdf": minutes_pdf.classify,
        "webpage": webpage.classify,
    }.items()
}

__all__ = ["CLASSIFIERS", "PARSERS", "Classifier", "Parser", "guard_classifier", "guard_parser"]
