"""Helsinki Ahjo: the decision HTML documents and the record JSON of the Ahjo REST API.

See docs/platforms.md#ahjo. The live API needs a key; this module only
parses what was fetched. A decision document is ``div.paatos`` (minutes: the decision),
``div.esitys`` (the motion as on the agenda) or ``div.viranhaltijapaatos`` (an officer's
decision): ``div.Asiapykala`` "§ 441", ``h1.AsiaOtsikko``, ``div.DnroTmuoto``
"HEL 2020-008126 T 00 01 06", then ``div.SisaltoSektio > h3.SisaltoOtsikko`` sections and
further ``h3`` headings (Esittelijä, Lisätiedot, Liitteet, Muutoksenhaku, Otteet).

Addressing (Ahjo serves the HTML inside JSON fields, so these URLs are pykala's names for
the stored documents): ``…/ahjorest/v1/records/{GUID}`` (record JSON),
``…/records/{GUID}/content`` (decision HTML), ``…/records/{GUID}/motion`` (motion HTML).
The item's external id is the document's ``DhId`` (the record GUID), else the GUID in the
URL: the motion and the decision are the agenda and minutes versions of one item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from pykala.parsers import headings, html
from pykala.parsers.diary import normalise_diary_number
from pykala.parsers.records import (
    ItemRecord,
    MeetingKind,
    PageKind,
    ParseError,
    ParseResult,
    Section,
    SectionKind,
)
from pykala.parsers.urls import link_url, normalise_url

K = SectionKind
_GUID_RE = re.compile(r"\{[0-9A-Za-z-]{8,}\}")
_CASE_RE = re.compile(r"HEL\s?\d{4}-\d{6}")
_PARAGRAPH_RE = re.compile(r"§\s*(\d{1,4}(?:\s?[a-z])?)|(\d{1,4})\s*§")
_ROOTS = {"paatos": MeetingKind.POYTAKIRJA, "esitys": MeetingKind.ESITYSLISTA}
_ROOT_CLASSES = ("paatos", "esitys", "viranhaltijapaatos")
_HEAD_CLASSES = frozenset(
    {"Otsikonviite", "Asiapykala", "AsiaOtsikko", "JulkinenOtsikko", "DnroTmuoto", "Viite"}
)
_SKIP_CLASSES = frozenset({"SahkoinenAllekirjoitusSektio"})  # the signature box
_FLATTEN_CLASSES = frozenset({"OtsikkoSektio", "SisaltoSektioToisto"})


def classify(url: str) -> PageKind:
    """The kind of an Ahjo document, from its URL alone."""
    path = unquote(urlsplit(normalise_url(url)).path).lower()
    if path.endswith(".pdf"):
        return PageKind.DOCUMENT
    if re.search(r"/(?:records|decisions)(?:/|$)", path):
        return PageKind.ITEM
    return PageKind.UNKNOWN


def parse(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
    """Parse one Ahjo decision document (HTML) or record (JSON)."""
    kind = classify(url)
    if kind is PageKind.DOCUMENT:
        return ParseResult(kind)
    if kind is PageKind.UNKNOWN:
        return ParseResult(kind, warnings=(f"not a known Ahjo document: {url}",))
    if not body.strip():
        raise ParseError(url, "empty body")
    if body.lstrip()[:1] in (b"{", b"["):
        return _parse_records(body, normalise_url(url))
    return _parse_html(body, normalise_url(url), content_type)


# --- HTML -------------------------------------------------------------------------------


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split()) if isinstance(el.tag, str) else set()


def _text(el: etree._Element) -> str:
    return html.plain(html.clean_text(el.text_content()))


def _units(el: etree._Element) -> Iterator[etree._Element]:
    """The document's content elements in order, with wrapper <section>s opened up."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        cls = _classes(child)
        if cls & _FLATTEN_CLASSES or (child.tag == "section" and not cls & _SKIP_CLASSES):
            yield from _units(child)
        else:
            yield child


def _block_text(els: list[etree._Element]) -> str:
    lines: list[str] = []
    for el in els:
        lines.extend(html.plain(b.text) for b in html.blocks(el, exclude_navigation=False))
    return "\n\n".join(line for line in lines if line)


def _parse_html(body: bytes, url: str, content_type: str | None) -> ParseResult:
    text = html.decode(body, content_type)
    root = html.build_tree(text)
    if root is None:
        raise ParseError(url, "no HTML content")
    doc = next((el for el in root.iter("div") if _classes(el) & set(_ROOT_CLASSES)), None)
    if doc is None:
        raise ParseError(url, "no Ahjo decision document (div.paatos / div.esitys)")
    kind = next((_ROOTS[c] for c in _ROOT_CLASSES if c in _classes(doc) and c in _ROOTS), None)
    warnings: list[str] = []

    head: dict[str, str] = {}
    for el in doc.iter():
        for c in _classes(el) & _HEAD_CLASSES:
            head.setdefault(c, _text(el))
    # A motion document has no head of its own; its <title> is the item's title.
    page_title = next(root.iter("title"), None)
    title = (
        head.get("AsiaOtsikko")
        or head.get("JulkinenOtsikko")
        or (_text(page_title) if page_title is not None else "")
    )
    m = _PARAGRAPH_RE.search(head.get("Asiapykala", ""))
    paragraph = (m.group(1) or m.group(2)) if m else None
    d = _CASE_RE.search(head.get("DnroTmuoto", ""))
    diary = d.group(0) if d else None

    # Sections: each SisaltoSektio, then each further h3 with what follows it.
    found: list[tuple[str, list[etree._Element]]] = []
    for el in _units(doc):
        cls = _classes(el)
        if cls & (_HEAD_CLASSES | _SKIP_CLASSES):
            continue
        if "SisaltoSektio" in cls:
            h3 = next(el.iter("h3"), None)
            rest = [c for c in el if c is not h3 and isinstance(c.tag, str)]
            found.append((_text(h3) if h3 is not None else "", rest))
        elif el.tag == "h3":
            found.append((_text(el), []))
        elif found:
            found[-1][1].append(el)
        else:
            found.append(("", [el]))
    item_sections: list[Section] = []
    for heading, els in found:
        kind_ = headings.heading_kind(heading) or (K.SELOSTUS if not heading else K.OTHER)
        item_sections.append(Section(kind_, heading, _block_text(els)))
    # "Esittelijä" prints the office and the name on two lines: that is the presenter.
    esittelija = next((s for s in item_sections if s.kind is K.ESITTELIJA), None)
    if esittelija is not None and esittelija.text:
        presenter = " ".join(esittelija.text.split("\n\n"))
        item_sections = [
            Section(s.kind, s.heading, s.text, presenter)
            if s.kind is K.PAATOSEHDOTUS and s.presenter is None
            else s
            for s in item_sections
        ]
    if "viranhaltijapaatos" in _classes(doc) and any(
        "Julkisuus" in _classes(el) for el in doc.iter()
    ):
        warnings.append("confidential decision: only a public placeholder is published")
    if not title:
        warnings.append("no title found")
    if not any(s.text for s in item_sections):
        warnings.append("no sections found")

    meta = next((el for el in root.iter("meta") if (el.get("name") or "") == "DhId"), None)
    guid = (meta.get("content") if meta is not None else None) or _url_guid(url)
    item = ItemRecord(
        external_id=guid or url,
        meeting_external_id=None,  # not in the document; the record JSON has MeetingID
        url=url,
        title=title,
        meeting_kind=kind,
        paragraph=paragraph,
        diary_number=diary,
        diary_number_normalised=normalise_diary_number(diary) if diary else None,
        language=(root.get("lang") or "fi")[:2],
        sections=tuple(item_sections),
    )
    return ParseResult(PageKind.ITEM, items=(item,), warnings=tuple(warnings))


def _url_guid(url: str) -> str | None:
    m = _GUID_RE.search(unquote(url))
    return m.group(0).upper() if m else None


# --- record JSON --------------------------------------------------------------------------


def _day(value: Any) -> date | None:
    try:
        return datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        return None


def _parse_records(body: bytes, url: str) -> ParseResult:
    """A record (or ``{"records": [...]}``): identity, meeting and PDF; the text is elsewhere."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(url, f"not valid JSON ({type(e).__name__})") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ParseError(url, "not valid JSON (a number too long)") from None
    except RecursionError:  # json recurses per nesting level: [[[[… 100,000 deep
        raise ParseError(url, "not valid JSON (nested too deeply)") from None
    records = data.get("records") if isinstance(data, dict) and "records" in data else [data]
    items: list[ItemRecord] = []
    warnings = ["record only: the decision text is in its HTML document"]
    for r in records if isinstance(records, list) else []:
        if not isinstance(r, dict) or not _str(r.get("NativeId")):
            continue
        items.append(_record(r, url, warnings))
    if not items:
        raise ParseError(url, "JSON without an Ahjo record (NativeId)")
    return ParseResult(PageKind.ITEM, items=tuple(items), warnings=tuple(warnings))


def _str(value: Any) -> str | None:
    """A JSON scalar as text; None for null, "", a list or an object (a field of the
    wrong type is a field the record does not have)."""
    if isinstance(value, dict | list) or value is None or value == "":
        return None
    return str(value)


def _record(r: dict[str, Any], url: str, warnings: list[str]) -> ItemRecord:
    """One Ahjo record; fields of the wrong JSON type are left out."""
    links = r.get("links")
    self_link = next(
        (
            _str(x.get("href"))
            for x in (links if isinstance(links, list) else [])
            if isinstance(x, dict) and x.get("rel") == "self"
        ),
        None,
    )
    file_uri = _str(r.get("FileURI"))
    point = _str(r.get("AgendaPoint")) or ""
    kind = {"päätös": MeetingKind.POYTAKIRJA, "esitys": MeetingKind.ESITYSLISTA}
    return ItemRecord(
        external_id=str(r["NativeId"]).upper(),
        meeting_external_id=_str(r.get("MeetingID")),
        url=(link_url(self_link, url, warnings) if self_link else None) or url,
        title=" ".join((_str(r.get("Title")) or "").split()),
        meeting_date=_day(r.get("DateMeeting")),
        meeting_kind=kind.get((_str(r.get("Type")) or "").lower()),
        position=int(point) if point.isdecimal() and len(point) < 10 else None,
        pdf_url=link_url(file_uri, url, warnings) if file_uri else None,
        language=_str(r.get("Language")) or "fi",
    )
