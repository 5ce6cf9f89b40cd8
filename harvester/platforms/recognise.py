"""Which platform a fetched page belongs to, and the base URL its source would use.

Pure functions, one per platform: ``(url, content_type, body) → Recognised | None``. Each
asks two things, so a page that merely mentions a platform is not taken for it: does the
address have the platform's shape (``…/cgi/DREQUEST.PHP``, ``…/kokous/TELIMET.HTM``,
``…/fi-FI/Toimielimet``, ``…/api/opennc/v1``, ``…/ktwebscr/``, ``…/ahjorest/v1``), and
does the platform's own parser read the body as one of its pages (meetings, items, or links
to them)? A PDF is minutes when the PDF parser finds a meeting and § items in it.
``platform_links`` names the links of a page that look like a platform's entry page, for a
second fetch (harvester.probe) or a hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from pykala.harvester.platforms import PLATFORMS
from pykala.parsers.records import PageKind, ParseError, ParseResult

_PLATFORM_KINDS = frozenset(
    {
        PageKind.FEED_ITEMS,
        PageKind.FEED_MEETINGS,
        PageKind.BODY_LIST,
        PageKind.MEETING_LIST,
        PageKind.MEETING,
        PageKind.ITEM,
    }
)


@dataclass(frozen=True)
class Recognised:
    """A page recognised as ``platform`` (a source's platform name, or "ahjo")."""

    platform: str
    variant: str  # what a person calls it: "Dynasty 10 (DREQUEST.PHP)", "OpenNC API", …
    base_url: str
    start_urls: tuple[str, ...] = ()
    evidence: str = ""
    harvested: bool = True  # False: pykala parses it but cannot harvest it as a source


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _cut(url: str, end: int) -> str:
    """``url``'s scheme and host with its path up to ``end`` (no query, no fragment)."""
    scheme, netloc = _origin(url)
    return urlunsplit((scheme, netloc, urlsplit(url).path[:end], "", ""))


def _reads_as_platform(name: str, body: bytes, url: str, content_type: str | None) -> bool:
    """True when the platform's parser reads the page as one of the platform's pages."""
    try:
        result = PLATFORMS[name].parse(body, url, content_type)
    except ParseError:
        return False
    return _has_platform_content(result)


def _has_platform_content(result: ParseResult) -> bool:
    if result.items or result.meetings:
        return True
    return any(link.kind in _PLATFORM_KINDS for link in result.links)


def _is_pdf(body: bytes) -> bool:
    return body.lstrip()[:5] == b"%PDF-"


# -- one function per platform ----------------------------------------------------------

_DREQUEST = re.compile(r"/DREQUEST\.PHP$", re.IGNORECASE)


def dynasty(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """Dynasty 10: a page of the CGI ``…/cgi/DREQUEST.PHP`` (feeds, meetings, items)."""
    path = urlsplit(url).path
    m = _DREQUEST.search(path)
    if m is None or _is_pdf(body):
        return None
    if not _reads_as_platform("dynasty", body, url, content_type):
        return None
    return Recognised(
        "dynasty", "Dynasty 10 (DREQUEST.PHP)", _cut(url, m.end()), evidence=f"page {path}"
    )


_STATIC = re.compile(r"/kokous/(?:TELIMET|TELIN-\d+|\d{6,}(?:-\d+)*)\.HTML?$", re.IGNORECASE)


def dynasty_static(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """The old static Dynasty export: ``…/kokous/TELIMET.HTM`` and the pages it links."""
    path = urlsplit(url).path
    m = _STATIC.search(path)
    if m is None or _is_pdf(body):
        return None
    if not _reads_as_platform("dynasty", body, url, content_type):
        return None
    prefix = _cut(url, m.start())
    return Recognised(
        "dynasty",
        "old static Dynasty export (/kokous/)",
        f"{prefix}/cgi/DREQUEST.PHP",
        start_urls=(f"{prefix}/kokous/TELIMET.HTM",),
        evidence=f"static export page {path}",
    )


_CLOUDNC = re.compile(r"/(?:fi|sv|en)-FI/Toimielimet(?:/|$)", re.IGNORECASE)
# CaseM is CloudNC's public UI (its scripts and styles); a meeting link has its date.
_CLOUDNC_MARK = re.compile(rb"casem|/Kokous_\d{5,8}\b", re.IGNORECASE)


def cloudnc(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """CloudNC web pages: ``<site root>/fi-FI/Toimielimet/…`` with CaseM's scripts or
    meeting links (other sites have a /fi-FI/Toimielimet page too)."""
    path = urlsplit(url).path
    m = _CLOUDNC.search(path)
    if m is None or _is_pdf(body) or _CLOUDNC_MARK.search(body) is None:
        return None
    if not _reads_as_platform("cloudnc", body, url, content_type):
        return None
    return Recognised("cloudnc", "CloudNC pages", _cut(url, m.start()), evidence=f"page {path}")


_OPENNC = re.compile(r"/api/opennc/v1(?=/|$)", re.IGNORECASE)


def opennc(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """The OpenNC API of a CloudNC site: JSON under ``…/api/opennc/v1``."""
    path = urlsplit(url).path
    m = _OPENNC.search(path)
    if m is None or body.lstrip()[:1] not in (b"{", b"["):
        return None
    # The API root itself lists its entity sets; any other answer must parse.
    root = path[m.end() :].strip("/") == "" and b'"Nodes"' in body
    if not root and not _reads_as_platform("cloudnc", body, url, content_type):
        return None
    return Recognised("cloudnc", "OpenNC API", _cut(url, m.end()), evidence=f"API answer {path}")


# The script folder: ``…/ktwebbin/dbisa.dll/ktwebscr`` on a city's own server, ``/ktwebscr``
# on a hosted one (``x.tweb.fi``); item documents come from ``…/ktwebbin/ktproxy2.dll``.
_TWEB = re.compile(r"/ktwebscr(?=/|$)", re.IGNORECASE)
_TWEB_DOC = re.compile(r"/ktwebbin/ktproxy2\.dll$", re.IGNORECASE)
_AGENDA_FORM = re.compile(r"/epj_tek_tweb\.htm$", re.IGNORECASE)


def tweb(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """Triplan KTweb: ``…/ktwebscr/*.htm`` (forms, lists) and its ``ktproxy2.dll``
    documents (a PDF)."""
    path = urlsplit(url).path
    m = _TWEB.search(path)
    doc = _TWEB_DOC.search(path) if m is None else None
    if doc is not None:
        if not _is_pdf(body):
            return None
        base = _cut(url, doc.start()) + "/ktwebbin/dbisa.dll/ktwebscr"
    elif m is None or not _reads_as_platform("tweb", body, url, content_type):
        return None
    else:
        base = _cut(url, m.end())
    start = (_cut(url, len(path)),) if _AGENDA_FORM.search(path) else ()
    evidence = f"page {path}" + (" (agendas only)" if start else "")
    return Recognised("tweb", "Tweb (ktwebscr)", base, start_urls=start, evidence=evidence)


def pdf_minutes(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """A PDF of minutes (a meeting and its § items), not a slide deck or a report."""
    if not _is_pdf(body):
        return None
    try:
        result = PLATFORMS["pdf"].parse(body, url, content_type)
    except ParseError:
        return None
    if not (result.items and result.meetings):
        return None
    return Recognised(
        "pdf",
        "PDF minutes",
        url,
        evidence=f"a PDF of minutes with {len(result.items)} items",
    )


_AHJO = re.compile(r"/ahjorest/v1(?=/|$)", re.IGNORECASE)
_AHJO_HTML = re.compile(
    rb"""<meta\s+name=["']DhId["'].*?class=["'](?:paatos|esitys|viranhaltijapaatos)["']""",
    re.IGNORECASE | re.DOTALL,
)


def ahjo(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """Helsinki's Ahjo: records under ``…/ahjorest/v1`` or its decision HTML."""
    path = urlsplit(url).path
    m = _AHJO.search(path)
    if m is None and _AHJO_HTML.search(body[:20000]) is None:
        return None
    if m is not None and not _reads_as_platform("ahjo", body, url, content_type):
        return None
    base = _cut(url, m.end()) if m is not None else _cut(url, 0)
    return Recognised(
        "ahjo",
        "Ahjo",
        base,
        evidence="Ahjo decision document",
        harvested=False,
    )


RECOGNISERS: tuple[Callable[[str, str | None, bytes], Recognised | None], ...] = (
    dynasty,
    dynasty_static,
    opennc,
    cloudnc,
    tweb,
    ahjo,
    pdf_minutes,
)


def recognise(url: str, content_type: str | None, body: bytes) -> Recognised | None:
    """The first platform that recognises the page, or None."""
    for recogniser in RECOGNISERS:
        found = recogniser(url, content_type, body)
        if found is not None:
            return found
    return None


# -- links worth a second look ----------------------------------------------------------

_ENTRY_LINK = re.compile(
    r"/cgi/DREQUEST\.PHP|/kokous/TELIMET\.HTM|/(?:fi|sv)-FI/Toimielimet|/api/opennc/v1"
    r"|/ktwebscr/|/ahjorest/v1",
    re.IGNORECASE,
)
_MINUTES_PDF_NAME = re.compile(
    r"p(?:ö|o|%C3%B6)ytakirja|esityslista|\bptk|_pk_|/pk[_-]", re.IGNORECASE
)


def platform_links(urls: list[str]) -> list[str]:
    """The links (absolute URLs) that look like a platform's page, in page order."""
    return [u for u in dict.fromkeys(urls) if _ENTRY_LINK.search(urlsplit(u).path)]


def minutes_pdf_links(links: list[tuple[str, str]]) -> list[str]:
    """PDF links ((url, link text)) whose name or text says minutes or agenda."""
    found: list[str] = []
    for url, text in links:
        if not urlsplit(url).path.lower().endswith(".pdf"):
            continue
        if _MINUTES_PDF_NAME.search(url) or _MINUTES_PDF_NAME.search(text):
            found.append(url)
    return list(dict.fromkeys(found))
