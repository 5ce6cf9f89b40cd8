"""Frozen dataclasses: the only contract between parsing and storage.

Parsers build these from raw bytes; storage maps them to rows. Nothing here does I/O.
Every record carries an ``external_id`` that is stable across harvests (the natural key
within its source); storage never invents identity from anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum


class SectionKind(StrEnum):
    """What a section of a decision item is, whatever heading the municipality printed."""

    VALMISTELIJA = "valmistelija"  # preparer(s) and contact details
    ESITTELIJA = "esittelija"  # presenter
    SELOSTUS = "selostus"  # background: Selostus / Asia / Kuvaus / Perustelut / Tiivistelmä
    PAATOSEHDOTUS = "paatosehdotus"  # presenter's proposal
    PAATOS = "paatos"  # the decision itself
    KASITTELY = "kasittely"  # how the item was handled in the meeting
    AANESTYS = "aanestys"  # votes
    ESTEELLISYYS = "esteellisyys"  # disqualifications
    TIEDOKSI = "tiedoksi"  # who is informed
    MUUTOKSENHAKU = "muutoksenhaku"  # appeal instructions
    LIITTEET = "liitteet"  # attachments / oheismateriaali listed in the text
    PAATOSHISTORIA = "paatoshistoria"  # earlier handlings of the same case
    OTHER = "other"


class MeetingKind(StrEnum):
    """Whether a page is the agenda published before the meeting or the minutes after it."""

    ESITYSLISTA = "esityslista"  # agenda
    POYTAKIRJA = "poytakirja"  # minutes


class PageKind(StrEnum):
    """The kinds of page a platform serves; a harvester decides what to fetch by these."""

    FEED_ITEMS = "feed_items"  # Dynasty rss/meetingitems
    FEED_MEETINGS = "feed_meetings"  # Dynasty rss/meetings
    BODY_LIST = "body_list"  # all bodies (toimielimet) of a source
    MEETING_LIST = "meeting_list"  # the meetings of one body
    MEETING = "meeting"  # one meeting with its item list
    ITEM = "item"  # one decision item (asia, §)
    DOCUMENT = "document"  # a PDF or other binary we store but do not parse here
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Section:
    """One section of an item, in the order printed."""

    kind: SectionKind
    heading: str  # as printed, e.g. "Päätösehdotus", "Valmistelijat / lisätiedot:"
    text: str  # plain text, paragraphs separated by "\n\n"
    presenter: str | None = None  # for päätösehdotus: "Apulaiskaupunginjohtaja Jari Saarinen"


@dataclass(frozen=True, slots=True)
class Attachment:
    url: str  # absolute and normalised
    title: str


@dataclass(frozen=True, slots=True)
class Link:
    """A URL a parser found that the harvester may follow, with what it expects there."""

    url: str  # absolute and normalised
    kind: PageKind
    # Hints the page itself does not repeat (e.g. a feed entry knows the body and date).
    body_name: str | None = None
    meeting_date: date | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    external_id: str  # Dynasty: "<meetingId>-<position>"; text, never a number
    meeting_external_id: str | None
    url: str
    title: str
    body_name: str | None = None  # toimielin
    meeting_date: date | None = None
    meeting_kind: MeetingKind | None = None
    position: int | None = None  # 1-based position in the meeting's list (not the §)
    paragraph: str | None = None  # the § number as printed without "§": "48", "48 a"
    diary_number: str | None = None  # asianro / Dno as printed: "2361/06.00.00/2020"
    diary_number_normalised: str | None = None  # see parsers.diary.normalise_diary_number
    pdf_url: str | None = None
    language: str = "fi"
    sections: tuple[Section, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    def section(self, kind: SectionKind) -> Section | None:
        """The first section of ``kind``, or None."""
        return next((s for s in self.sections if s.kind == kind), None)


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    external_id: str  # Dynasty meeting id, e.g. "2017406946", "202041"
    url: str
    body_name: str | None = None
    body_external_id: str | None = None  # Dynasty org id (TELIN-<id>), when known
    date: date | None = None
    kind: MeetingKind | None = None
    status: str | None = None  # as printed, e.g. "Tarkastettu"
    pdf_url: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document that is not minutes (a programme web page, a slide deck), kept for search
    and topic linking beside the items."""

    external_id: str  # the normalised URL, or "sha256:<hex>" for a file added by hand
    url: str | None
    title: str
    text: str  # plain text, paragraphs separated by "\n\n"
    organisation: str | None = None  # who published it, as printed
    dates: tuple[date, ...] = ()  # dates found in the text, in order of appearance
    municipality_code: str | None = None  # Statistics Finland code when known
    region: str | None = None  # maakunta name when the document is regional
    language: str = "fi"


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What one page yields: records, links to follow and warnings about oddities."""

    page_kind: PageKind
    items: tuple[ItemRecord, ...] = ()
    meetings: tuple[MeetingRecord, ...] = ()
    links: tuple[Link, ...] = ()
    documents: tuple[DocumentRecord, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def with_warnings(result: ParseResult, extra: list[str] | tuple[str, ...]) -> ParseResult:
    """``result`` with ``extra`` warnings appended (each once)."""
    if not extra:
        return result
    return replace(result, warnings=tuple(dict.fromkeys((*result.warnings, *extra))))


MAX_REASON = 300  # characters of a ParseError reason; a page's own text may be in it


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """``text`` on one line (whitespace collapsed), cut to ``limit`` characters with "…".

    Reasons quote what a page sent (an OData message, a bad link); a page must not be
    able to put a megabyte or a line break into a run's report.
    """
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class ParseError(Exception):
    """A page that cannot be parsed at all. Carries the URL and a one-line reason."""

    def __init__(self, url: str, reason: str) -> None:
        reason = one_line(reason)
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ParserCrash(ParseError):
    """An exception a parser did not expect, turned into a ParseError at the dispatch
    boundary (parsers.guard, applied by harvester.platforms): the page fails, the run goes
    on. A parser bug; the fuzz test (tests/test_parsers_fuzz.py) asserts none is raised."""
