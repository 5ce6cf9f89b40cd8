"""Pure parsers: raw bytes of a fetched page → records, links and warnings.

``PARSERS`` and ``CLASSIFIERS`` map a platform name (``SourceConfig.platform``) to its
parse and classify functions; adding a platform is one module plus one line in each.
"""

from __future__ import annotations

from collections.abc import Callable

from parsers import ahjo, cloudnc, dynasty, minutes_pdf, opennc, tweb, webpage
from parsers.records import PageKind, ParseResult

Parser = Callable[[bytes, str, "str | None"], ParseResult]
Classifier = Callable[[str], PageKind]

PARSERS: dict[str, Parser] = {
    "dynasty": dynasty.parse,
    "tweb": tweb.parse,
    "cloudnc": cloudnc.parse,  # also routes /api/opennc/ URLs to opennc.parse
    "opennc": opennc.parse,
    "ahjo": ahjo.parse,
    "pdf": minutes_pdf.parse,  # a PDF on its own: minutes, one item or a document
    "webpage": webpage.parse,  # a web page that is not minutes → DocumentRecord
}
CLASSIFIERS: dict[str, Classifier] = {
    "dynasty": dynasty.classify,
    "tweb": tweb.classify,
    "cloudnc": cloudnc.classify,
    "opennc": opennc.classify,
    "ahjo": ahjo.classify,
    "pdf": minutes_pdf.classify,
    "webpage": webpage.classify,
}

__all__ = ["CLASSIFIERS", "PARSERS", "Classifier", "Parser"]
