"""Shared helpers for documents that are not minutes (web pages, slide decks, reports).

Region rule (decision): a region (maakunta) is only set when the document states it —
a labelled field ("Paikkakunta, maakunta tai hyvinvointialue: Pohjois-Savo") or the
document's title / lead line naming exactly one region in any case form ("Keski-Suomen
SOTE2020 - hanke", "Hyvä arki kuuluu kaikille Pohjois-Savossa!"). A region named only
somewhere in the body is not the document's region. The municipality code is never
guessed here: the harvester / ``pykala add --municipality`` supplies it.
"""

from __future__ import annotations

import re

from pykala.parsers.dates import find_dates
from pykala.parsers.records import DocumentRecord

# Maakunnat (Statistics Finland names) and the stem their case forms share.
_REGIONS: tuple[tuple[str, str], ...] = (
    ("Uusimaa", r"Uu(?:simaa|dellamaa|denmaa)\w*"),
    ("Varsinais-Suomi", r"Varsinais-Suom\w*"),
    ("Satakunta", r"Sataku(?:nta|nna)\w*"),
    ("Kanta-Häme", r"Kanta-Häme\w*"),
    ("Pirkanmaa", r"Pirkanma\w*"),
    ("Päijät-Häme", r"Päijät-Häme\w*"),
    ("Kymenlaakso", r"Kymenlaakso\w*"),
    ("Etelä-Karjala", r"Etelä-Karjal\w*"),
    ("Etelä-Savo", r"Etelä-Savo\w*"),
    ("Pohjois-Savo", r"Pohjois-Savo\w*"),
    ("Pohjois-Karjala", r"Pohjois-Karjal\w*"),
    ("Keski-Suomi", r"Keski-Suom\w*"),
    ("Etelä-Pohjanmaa", r"Etelä-Pohjanma\w*"),
    ("Pohjanmaa", r"(?<![-\w])Pohjanma\w*"),
    ("Keski-Pohjanmaa", r"Keski-Pohjanma\w*"),
    ("Pohjois-Pohjanmaa", r"Pohjois-Pohjanma\w*"),
    ("Kainuu", r"Kainuu\w*"),
    ("Lappi", r"Lap(?:pi|in|issa|ista|piin|ille)\b"),
    ("Ahvenanmaa", r"Ahvenanma\w*"),
)
_REGION_RES = tuple((name, re.compile(rf"(?<![\w-]){stem}")) for name, stem in _REGIONS)
REGION_LABELS = ("paikkakunta, maakunta tai hyvinvointialue", "maakunta", "alue", "region")


def regions_in(text: str) -> list[str]:
    """Region names a short text mentions, in table order."""
    return [name for name, pattern in _REGION_RES if pattern.search(text)]


def region_of(labelled: str | None, *headline: str | None) -> str | None:
    """The document's region by the rule in the module docstring, else None."""
    if labelled:
        found = regions_in(labelled)
        if len(found) == 1:
            return found[0]
    for text in headline:
        found = regions_in(text or "")
        if len(found) == 1:
            return found[0]
    return None


def document(
    *,
    external_id: str,
    url: str | None,
    title: str,
    paragraphs: list[str],
    organisation: str | None = None,
    region: str | None = None,
    language: str = "fi",
) -> DocumentRecord:
    text = "\n\n".join(p for p in paragraphs if p)
    return DocumentRecord(
        external_id=external_id,
        url=url,
        title=title,
        text=text,
        organisation=organisation,
        dates=find_dates(text),
        region=region,
        language=language,
    )
