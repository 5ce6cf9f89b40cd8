"""The title block of a minutes page: which body met, when, and which § or item this is.

Dynasty prints it above every item and meeting page as two lines, the body's name and
``Pöytäkirja 19.05.2020/Pykälä 48``; municipalities' page templates put those lines in a
label, a heading, a table cell, paragraphs or one span. So the block is found by what its
lines say, never by which tag holds them:

* ``<Pöytäkirja|Esityslista|Protokoll|Föredragningslista> DD.MM.YYYY`` starts the second
  line, followed by ``/Pykälä N``, `` / Pykälä N``, ``Paragraf N``, ``Asianro N`` (an
  agenda's ordinal), or ``klo HH:MM / Tarkastettu`` (a meeting's status).
* The body's name is the line before it, or stands before the kind word on the same line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pykala.parsers.feeds import parse_date
from pykala.parsers.html import Block, plain
from pykala.parsers.records import MeetingKind

_KINDS = {
    "pöytäkirja": MeetingKind.POYTAKIRJA,
    "protokoll": MeetingKind.POYTAKIRJA,
    "esityslista": MeetingKind.ESITYSLISTA,
    "föredragningslista": MeetingKind.ESITYSLISTA,
}
_SWEDISH = frozenset({"protokoll", "föredragningslista"})
# The kind word is capitalised in every template seen; a sentence that mentions "pöytäkirja
# 12.3.2024" in lower case is body text. What follows the date is short.
_LINE_RE = re.compile(
    r"(?:(?P<body>[^\t]{2,120}?)[\s,:]+)?"
    r"(?P<kind>Pöytäkirja|Esityslista|Protokoll|Föredragningslista|PÖYTÄKIRJA|ESITYSLISTA)"
    r"\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})(?P<rest>(?:\s*[/|,]?\s*\S.{0,60})?)"
)
_PARAGRAPH_RE = re.compile(r"(?:Pykälä|Paragraf|§)\s*(\d{1,4}(?:\s?[a-z])?)\b", re.I)
_ORDINAL_RE = re.compile(r"(?:Asianro|Asia\s*nro|Ärende(?:nr)?)\s*(\d{1,4})\b", re.I)
_TIME_RE = re.compile(r"^(?:klo|kl\.?)\s*\d{1,2}[.:]\d{2}", re.I)
# How far into a page the block may stand (lines), so body text never passes for it.
_SEARCH_LINES = 80
_MAX_BODY_WORDS = 12


@dataclass(frozen=True, slots=True)
class TitleBlock:
    """What the title block says; ``index`` is the line holding the kind and date."""

    index: int
    body_name: str | None
    date: date | None
    kind: MeetingKind
    swedish: bool
    paragraph: str | None = None  # "48", "48 a"
    ordinal: str | None = None  # an agenda's "Asianro 26"
    status: str | None = None  # a meeting page's "Tarkastettu"
    body_index: int | None = None  # the line holding the body name, when apart


def _body_line(lines: Sequence[Block], i: int) -> str | None:
    """The body's name on the line before ``i``: short, no sentence, not a link."""
    if i < 0:
        return None
    block = lines[i]
    text = plain(block.text)
    if (block.link and not block.chrome) or not text or text.endswith((".", ":", ";")):
        return None
    if len(text.split()) > _MAX_BODY_WORDS or "|" in text or text[0].isdigit():
        return None
    return text


def _body_prefix(prefix: str | None) -> str | None:
    if prefix is None:
        return None
    prefix = prefix.strip(" ,:/-")
    if not prefix or len(prefix.split()) > _MAX_BODY_WORDS or prefix.endswith("."):
        return None
    return prefix


def read_line(text: str) -> re.Match[str] | None:
    """The title-block line's match when ``text`` is one, else None."""
    if "|" in text:
        return None  # a breadcrumb: "Toimielimet | Kaupunginhallitus | Pöytäkirja 08.05.2017"
    m = _LINE_RE.fullmatch(text)
    if m is None or (m.group("body") and _body_prefix(m.group("body")) is None):
        return None
    return m


def find(lines: Sequence[Block], start: int = 0, end: int | None = None) -> TitleBlock | None:
    """The first title block among ``lines[start:end]``, or None."""
    stop = min(len(lines) if end is None else end, start + _SEARCH_LINES)
    for i in range(start, stop):
        text = plain(lines[i].text)
        m = read_line(text)
        if m is None:
            continue
        body = _body_prefix(m.group("body"))
        body_index: int | None = None
        if body is None and (body := _body_line(lines, i - 1)) is not None:
            body_index = i - 1
        word = m.group("kind").lower()
        rest = m.group("rest").strip()
        paragraph = ordinal = status = None
        if p := _PARAGRAPH_RE.search(rest):
            paragraph = " ".join(p.group(1).split())
        elif o := _ORDINAL_RE.search(rest):
            ordinal = o.group(1)
        elif "/" in rest or _TIME_RE.match(rest):
            status = rest.rsplit("/", 1)[1].strip() if "/" in rest else None
        return TitleBlock(
            index=i,
            body_name=body,
            date=parse_date(m.group("date")),
            kind=_KINDS[word],
            swedish=word in _SWEDISH,
            paragraph=paragraph,
            ordinal=ordinal,
            status=status or None,
            body_index=body_index,
        )
    return None
