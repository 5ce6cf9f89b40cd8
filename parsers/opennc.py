"""The CaseM OpenNC OData v1 JSON API (``<kunta>.cloudnc.fi/api/opennc/v1/…``, 2015–2017).

See docs/platforms.md#opennc-api. The tree is walked from the URL:

* ``Nodes`` → the "Toimielimet" node → ``Nodes(t)/SubNodes()`` (bodies) →
  ``…/SubNodes(body)/SubNodes()`` ("Kokoukset") → ``…/SubNodes(k)/SubNodes()`` (meetings
  "Kokous 7.9.2015") → ``Contents()?$filter=Classifications/any(f:f/NodeId eq <m>)``
  (the meeting's contents) → ``Contents(<id>)/ExtendedProperties`` (one item).

Context the responses do not repeat travels in the URLs this module builds, as OData
custom query options (names without ``$``, which OData services ignore):
``pykala_body`` (the body's name, from the body list), ``pykala_meeting`` (the meeting
node id) and ``pykala_date`` (ISO meeting date). An ExtendedProperties response names
neither its meeting nor its body, so an item fetched without these hints has
``meeting_external_id``, ``body_name`` and ``meeting_date`` None and a warning.
The meeting's external id is its node id; the item's is the content id (the same id the
CloudNC HTML item URLs end in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from pykala.parsers import casem, html
from pykala.parsers.diary import normalise_diary_number
from pykala.parsers.feeds import parse_date
from pykala.parsers.records import (
    Attachment,
    ItemRecord,
    Link,
    MeetingKind,
    MeetingRecord,
    PageKind,
    ParseError,
    ParseResult,
    Section,
    SectionKind,
)
from pykala.parsers.urls import link_url, normalise_url

K = SectionKind
HINT_BODY = "pykala_body"
HINT_MEETING = "pykala_meeting"
HINT_DATE = "pykala_date"
_API_RE = re.compile(r"^(?P<base>.*?/api/opennc/v\d+)/(?P<rest>.*)$", re.I)
_NODES_RE = re.compile(
    r"Nodes(?:\(\))?|Nodes\((?P<root>\d+)\)(?P<subs>(?:/SubNodes\(\d+\))*)/SubNodes\(\)"
)
_CONTENTS_RE = re.compile(r"Contents\(\)")
_PROPS_RE = re.compile(r"Contents\((?P<id>\d+)\)/ExtendedProperties")
_FILTER_NODE_RE = re.compile(r"NodeId\s+eq\s+(?P<id>\d+)")
_MEETING_NAME_RE = re.compile(r"(?:Kokous|Möte|Meeting)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})", re.I)
_MS_DATE_RE = re.compile(r"/Date\((?P<ms>-?\d+)")
_HELSINKI = ZoneInfo("Europe/Helsinki")

# ExtendedProperties name → (section kind, heading CloudNC prints for it), in print order.
_SECTIONS: tuple[tuple[str, SectionKind, str], ...] = (
    ("Draftsmans", K.VALMISTELIJA, "Valmistelija"),
    ("Description", K.SELOSTUS, "Kuvaus"),
    ("Decisionproposal", K.PAATOSEHDOTUS, "Päätösehdotus"),
    ("Eventhandling", K.KASITTELY, "Käsittely"),
    ("Disqualification", K.ESTEELLISYYS, "Esteellisyys"),
    ("Decision", K.PAATOS, "Päätös"),
    ("DissentingOpinion", K.OTHER, "Eriävä mielipide"),
    ("Opinions", K.OTHER, "Lausunnot"),
    ("Inform", K.TIEDOKSI, "Tiedoksi"),
    ("Correctioninstructions", K.MUUTOKSENHAKU, "Muutoksenhaku"),
)
# Appended to another section: contact lines of the preparer and of the decision's secretary.
_APPENDED = {"DraftingNotes": "Draftsmans", "DecisionNotes": "Decision"}
_KNOWN = {
    "Name", "Article", "CaseNativeId", "IsAdditionalTopic", "Presenters", "Attachments",
    "HistoryTopics", "PersonalData", "AgendaAttachment", "Participant_councilman",
    *(name for name, _, _ in _SECTIONS), *_APPENDED,
}  # fmt: skip


# --- URLs -----------------------------------------------------------------------------


def _split(url: str) -> tuple[str, str, dict[str, str]] | None:
    """(API base URL, path below it, query options unquoted) of an OpenNC URL."""
    parts = urlsplit(normalise_url(url))
    m = _API_RE.match(unquote(parts.path))
    if m is None:
        return None
    base = f"{parts.scheme}://{parts.netloc}{m.group('base')}"
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return base, m.group("rest").rstrip("/"), query


def _nodes_depth(rest: str) -> int | None:
    """0 for the root ``Nodes``, 1 for ``Nodes(t)/SubNodes()``, +1 per ``SubNodes(n)``."""
    m = _NODES_RE.fullmatch(rest)
    if m is None:
        return None
    if m.group("root") is None:
        return 0
    return 1 + (m.group("subs") or "").count("SubNodes(")


def classify(url: str) -> PageKind:
    """The kind of an OpenNC API response, from its URL alone."""
    split = _split(url)
    if split is None:
        return PageKind.UNKNOWN
    _, rest, query = split
    if rest.lower().startswith("download"):
        return PageKind.DOCUMENT
    depth = _nodes_depth(rest)
    if depth is not None:
        return PageKind.BODY_LIST if depth <= 1 else PageKind.MEETING_LIST
    if _CONTENTS_RE.fullmatch(rest) and _FILTER_NODE_RE.search(query.get("$filter", "")):
        return PageKind.MEETING
    if _PROPS_RE.fullmatch(rest):
        return PageKind.ITEM
    return PageKind.UNKNOWN


def _url(base: str, path: str, options: Iterable[tuple[str, str | None]]) -> str:
    query = "&".join(
        f"{k}={quote(v, safe='/():,')}" for k, v in (("$format", "json"), *options) if v
    )
    return normalise_url(f"{base}/{path}?{query}")


def meeting_contents_url(base: str, node_id: str, body: str | None) -> str:
    """The URL of a meeting's contents list, with the body hint."""
    flt = f"Classifications/any(f:f/NodeId eq {node_id})"
    return _url(base, "Contents()", (("$filter", flt), (HINT_BODY, body)))


def item_url(
    base: str, content_id: str, meeting: str | None, body: str | None, day: date | None
) -> str:
    """The URL of an item's ExtendedProperties, with meeting, body and date hints."""
    iso = day.isoformat() if day else None
    hints = ((HINT_MEETING, meeting), (HINT_BODY, body), (HINT_DATE, iso))
    return _url(base, f"Contents({content_id})/ExtendedProperties", hints)


# --- JSON -----------------------------------------------------------------------------


def _load(body: bytes, url: str) -> list[dict[str, Any]]:
    """The OData ``value`` array; ParseError with a one-line reason for anything else."""
    if not body.strip():
        raise ParseError(url, "empty body")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(url, f"not UTF-8 JSON (byte {e.start})") from None
    if text.lstrip().startswith("<"):
        root = html.build_tree(text)
        title = next(root.iter("title"), None) if root is not None else None
        label = html.plain(title.text_content()) if title is not None else ""
        raise ParseError(url, f"HTML instead of JSON{': ' + label if label else ''}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(url, f"not valid JSON ({e.msg} at char {e.pos})") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ParseError(url, "not valid JSON (a number too long)") from None
    except RecursionError:  # json recurses per nesting level: [[[[… 100,000 deep
        raise ParseError(url, "not valid JSON (nested too deeply)") from None
    if isinstance(data, dict) and "odata.error" in data:
        error = data["odata.error"]
        message = error.get("message", {}) if isinstance(error, dict) else error
        reason = message.get("value") if isinstance(message, dict) else message
        raise ParseError(url, f"OData error: {reason}")
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        raise ParseError(url, "JSON without an OData 'value' array")
    return [v for v in data["value"] if isinstance(v, dict)]


def _name(node: Mapping[str, Any]) -> str:
    """A node's Finnish name (LanguageId 1), else its first name."""
    names = [n for n in _list(node.get("Names")) if isinstance(n, dict)]
    fi = next((n for n in names if n.get("LanguageId") == 1), names[0] if names else {})
    return " ".join(str(fi.get("Name") or "").split())


def _list(value: Any) -> list[Any]:
    """A JSON array, else empty: a field of the wrong type is a field not there."""
    return value if isinstance(value, list) else []


def _meeting_date(name: str) -> date | None:
    m = _MEETING_NAME_RE.search(name)
    return parse_date(m.group("date")) if m else None


def _ms_date(value: str) -> date | None:
    """'/Date(1493127000000)/' → the date in Finland."""
    m = _MS_DATE_RE.search(value)
    if m is None:
        return None
    try:
        moment = datetime.fromtimestamp(int(m.group("ms")) / 1000, UTC)
        return moment.astimezone(_HELSINKI).date()
    except (OverflowError, OSError, ValueError):  # a year past 9999 or before 1
        return None


def _html_text(markup: str) -> str:
    """CKEditor HTML (entities and all) → paragraphs separated by blank lines."""
    root = html.build_tree(markup)
    if root is None:
        return ""
    casem.join_wrapped_lines(root)
    return "\n\n".join(html.plain(b.text) for b in html.blocks(root, exclude_navigation=False))


# --- parse ----------------------------------------------------------------------------


def parse(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
    """Parse one OpenNC API response; dispatches on classify(url)."""
    kind = classify(url)
    split = _split(url)
    if split is None or kind is PageKind.UNKNOWN:
        return ParseResult(PageKind.UNKNOWN, warnings=(f"not a known OpenNC URL: {url}",))
    if kind is PageKind.DOCUMENT:
        return ParseResult(kind)
    base, rest, query = split
    values = _load(body, url)
    if kind is PageKind.ITEM:
        return _parse_properties(values, normalise_url(url), rest, query, base)
    if kind is PageKind.MEETING:
        return _parse_contents(values, normalise_url(url), query, base)
    return _parse_nodes(values, rest, query, base)


def _parse_nodes(
    values: list[dict[str, Any]], rest: str, query: dict[str, str], base: str
) -> ParseResult:
    depth = _nodes_depth(rest) or 0
    page_kind = PageKind.BODY_LIST if depth <= 1 else PageKind.MEETING_LIST
    body = query.get(HINT_BODY) or None
    prefix = "" if depth == 0 else rest[: -len("/SubNodes()")]
    links: list[Link] = []
    for node in values:
        node_id, name = node.get("NodeId"), _name(node)
        if not isinstance(node_id, int):
            continue
        if depth == 0:
            # Only the body tree; Viranhaltijat (officer decisions) and menus are not minutes.
            if name.lower().startswith("toimielim"):
                url = _url(base, f"Nodes({node_id})/SubNodes()", ())
                links.append(Link(url, PageKind.BODY_LIST, None, None, name))
            continue
        child = f"{prefix}/SubNodes({node_id})/SubNodes()"
        if depth == 1:  # bodies
            url = _url(base, child, ((HINT_BODY, name),))
            links.append(Link(url, PageKind.MEETING_LIST, name, None, name))
        elif (day := _meeting_date(name)) is not None:
            url = meeting_contents_url(base, str(node_id), body)
            links.append(Link(url, PageKind.MEETING, body, day, name))
        else:  # "Kokoukset" and other folders on the way to the meetings
            url = _url(base, child, ((HINT_BODY, body),))
            links.append(Link(url, PageKind.MEETING_LIST, body, None, name))
    warnings = () if links else ("no links found",)
    return ParseResult(page_kind, links=tuple(links), warnings=warnings)


def _parse_contents(
    values: list[dict[str, Any]], url: str, query: dict[str, str], base: str
) -> ParseResult:
    m = _FILTER_NODE_RE.search(query.get("$filter", ""))
    node_id = m.group("id") if m else ""
    body = query.get(HINT_BODY) or None
    day: date | None = None
    for content in values:
        for c in _list(content.get("Classifications")):
            if isinstance(c, dict) and str(c.get("NodeId")) == node_id:
                day = day or _meeting_date(str(c.get("NodeName") or ""))
    links: list[Link] = []
    for content in values:
        cid = content.get("ContentId")
        if not isinstance(cid, int):
            continue
        subject = " ".join(str(content.get("Subject") or "").split())
        link = item_url(base, str(cid), node_id, body, day)
        links.append(Link(link, PageKind.ITEM, body, day, subject or None))
    warnings = [] if links else ["meeting lists no contents"]
    if day is None:
        warnings.append("no meeting date found")
    if body is None:
        warnings.append(f"no {HINT_BODY} hint in URL: body unknown")
    meeting = MeetingRecord(external_id=node_id, url=url, body_name=body, date=day)
    return ParseResult(
        PageKind.MEETING, meetings=(meeting,), links=tuple(links), warnings=tuple(warnings)
    )


def _attachment(markup: str, base: str, warnings: list[str]) -> Attachment | None:
    """``<a href='download.aspx?ID=57432&GUID={…}'>x.pdf</a>`` → /download/noname/{GUID}/ID.

    None (and a warning) for a link that is not a URL: one bad link is not a bad item.
    """
    root = html.build_tree(markup)
    if root is None:
        return None
    for href, text in html.iter_links(root):
        q = parse_qs(href.partition("?")[2].partition("#")[0])
        file_id, guid = (q.get("ID") or [""])[0], (q.get("GUID") or [""])[0]
        host = base.split("/api/", 1)[0]
        url = f"{host}/download/noname/{guid}/{file_id}" if file_id and guid else href
        absolute = link_url(url, base + "/", warnings)
        return Attachment(absolute, text) if absolute is not None else None
    return None


def _history(value: str) -> str:
    """HistoryTopics (a JSON string of earlier handlings) → readable text."""
    try:
        entries = json.loads(value)
    except json.JSONDecodeError:
        return _html_text(value)
    except (ValueError, RecursionError):  # a 5,000-digit number; [[[… nested too deeply
        return ""
    parts: list[str] = []
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, dict):
            continue
        day = _ms_date(str(e.get("MeetingDate") or ""))
        article = str(e.get("Article") or "").strip()
        head = " ".join(
            x for x in (
                str(e.get("Party") or "").strip(),
                f"{day.day}.{day.month}.{day.year}" if day else "",
                f"§ {article}" if article not in ("", "0") else "",
            ) if x
        )  # fmt: skip
        parts.append(head)
        for key, label in (
            ("Description", None),
            ("DescisionProposal", "Päätösehdotus"),
            ("Descision", "Päätös"),
        ):
            text = _html_text(str(e.get(key) or ""))
            if text:
                parts.append(f"{label}\n\n{text}" if label else text)
    return "\n\n".join(p for p in parts if p)


def _parse_properties(
    values: list[dict[str, Any]], url: str, rest: str, query: dict[str, str], base: str
) -> ParseResult:
    props: dict[str, list[str]] = {}
    for v in values:
        name, text = v.get("Name"), v.get("Text")
        if isinstance(name, str):
            props.setdefault(name, []).append(text if isinstance(text, str) else "")

    def one(name: str) -> str:
        return " ".join("".join(props.get(name, [""])[:1]).split())

    m = _PROPS_RE.fullmatch(rest)
    cid = m.group("id") if m else url
    meeting = query.get(HINT_MEETING) or None
    body = query.get(HINT_BODY) or None
    day = _iso_date(query.get(HINT_DATE, ""))
    warnings: list[str] = []
    if meeting is None:
        warnings.append(f"no {HINT_MEETING} hint in URL: meeting, body and date unknown")

    if "Name" not in props and "Article" not in props:
        # The meeting's cover page: participants and the agenda PDF, no decision text.
        agenda = [
            a for t in props.get("AgendaAttachment", []) if (a := _attachment(t, base, warnings))
        ]
        if meeting is None:
            return ParseResult(PageKind.MEETING, warnings=tuple(warnings))
        record = MeetingRecord(  # keyed and addressed like the meeting's contents list
            external_id=meeting, url=meeting_contents_url(base, meeting, body),
            body_name=body, date=day,
            pdf_url=agenda[0].url if agenda else None,
        )  # fmt: skip
        return ParseResult(PageKind.MEETING, meetings=(record,), warnings=tuple(warnings))

    texts = {name: _html_text(" ".join(props.get(name, []))) for name, _, _ in _SECTIONS}
    for name in ("Draftsmans",):
        texts[name] = "\n\n".join(casem.person(t) for t in props.get(name, []) if t.strip())
    decided = bool(texts["Decision"])
    for extra, target in _APPENDED.items():
        note = _html_text(" ".join(props.get(extra, [])))
        if note:
            texts[target] = "\n\n".join(x for x in (texts[target], note) if x)
    presenter = "; ".join(casem.person(t) for t in props.get("Presenters", []) if t.strip())

    item_sections: list[Section] = []
    history = "\n\n".join(_history(t) for t in props.get("HistoryTopics", []) if t.strip())
    if history:
        item_sections.append(Section(K.PAATOSHISTORIA, "Aikaisempi käsittely", history))
    for name, kind, heading in _SECTIONS:
        text = texts[name]
        if kind is K.PAATOSEHDOTUS and (text or presenter):
            item_sections.append(Section(kind, heading, text, presenter or None))
        elif text:
            item_sections.append(Section(kind, heading, text))
    for name in sorted(set(props) - _KNOWN):
        if any(t.strip() for t in props[name]):
            warnings.append(f"unknown OpenNC property {name!r} ignored")

    attachments = [a for t in props.get("Attachments", []) if (a := _attachment(t, base, warnings))]
    diary = one("CaseNativeId") or None
    article = one("Article")
    title = one("Name")
    if not title:
        warnings.append("no title found")
    item = ItemRecord(
        external_id=cid,
        meeting_external_id=meeting,
        url=url,
        title=title,
        body_name=body,
        meeting_date=day,
        # The API serves the text as it stands: a decision means the minutes are out.
        meeting_kind=MeetingKind.POYTAKIRJA if decided else MeetingKind.ESITYSLISTA,
        paragraph=article if article not in ("", "0") else None,
        diary_number=diary,
        diary_number_normalised=normalise_diary_number(diary) if diary else None,
        sections=tuple(item_sections),
        attachments=tuple(attachments),
    )
    links = tuple(Link(a.url, PageKind.DOCUMENT, body, day, a.title) for a in attachments)
    return ParseResult(PageKind.ITEM, items=(item,), links=links, warnings=tuple(warnings))


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
