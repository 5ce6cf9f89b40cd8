"""Pure parsers: raw bytes of a fetched page → records, links and warnings.

A platform's parse and classify functions are registered, with its crawl rules, in
harvester.platforms (one ``Platform`` record per platform), which guards them at this
boundary (parsers.guard): a parser raises only ParseError, whatever the bytes, and a
classifier answers UNKNOWN for a URL that cannot be normalised.
"""

from __future__ import annotations

from parsers import ahjo, cloudnc, dynasty, minutes_pdf, opennc, tweb, webpage
from parsers.guard import Classifier, Parser, guard_classifier, guard_parser

# PARSERS and CLASSIFIERS: goes when cli.py uses the registry (harvester.platforms.PLATFORMS);
# nothing else may use them.
PARSERS: dict[str, Parser] = {
    name: guard_parser(parse)
    for name, parse in {
        "dynasty": dynasty.parse,
        "tweb": tweb.parse,
        "cloudnc": cloudnc.parse,
        "opennc": opennc.parse,
        "ahjo": ahjo.parse,
        "pdf": minutes_pdf.parse,
        "webpage": webpage.parse,
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

__all__ = ["CLASSIFIERS", "PARSERS"]
