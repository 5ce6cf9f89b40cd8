"""A web page that is not minutes (a programme page, a project site) → DocumentRecord.

* Text: the page's <main> (else <article>, else <body>) without navigation, header,
  footer, scripts and inline SVG icons ("icon/chevron-down Created with Sketch."), as
  blocks joined by blank lines.
* Title: the first <h1>, else <title>.
* Labelled fields: <dt>/<dd> pairs and two-cell table rows. ``organisation`` is the
  value of a "Julkaisija" / "Organisaatio" / "Toteutuspaikka" field, else None (the
  site's name is not printed as a publisher on the page). Region: parsers.documents.
* Dates: parsers.dates (days only; years, months and seasons are not dates).
"""

from __future__ import annotations

from lxml import etree

from pykala.parsers import html
from pykala.parsers.documents import REGION_LABELS, document, region_of
from pykala.parsers.records import PageKind, ParseError, ParseResult
from pykala.parsers.urls import normalise_url

_DROP = ("nav", "header", "footer", "script", "style", "noscript", "svg", "form")
_ORGANISATION_LABELS = ("julkaisija", "organisaatio", "toteutuspaikka", "julkaisijaorganisaatio")


def classify(url: str) -> PageKind:
    return PageKind.DOCUMENT


def _label(text: str) -> str:
    return " ".join(text.split()).rstrip(":").lower()


def labelled_fields(root: etree._Element) -> dict[str, str]:
    """{label (lower case, no colon): value} from <dl> lists and two-cell table rows."""
    fields: dict[str, str] = {}
    for dt in root.iter("dt"):
        dd = dt.getnext()
        if dd is not None and dd.tag == "dd":
            fields.setdefault(_label(dt.text_content()), html.plain(dd.text_content()))
    for tr in root.iter("tr"):
        cells = [c for c in tr if c.tag in ("td", "th")]
        if len(cells) == 2:
            key = _label(cells[0].text_content())
            fields.setdefault(key, html.plain(cells[1].text_content()))
    return fields


def _content_root(root: etree._Element) -> etree._Element:
    for tag in ("main", "article"):
        found = next(root.iter(tag), None)
        if found is not None:
            return found
    return next(root.iter("body"), root)


def parse(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
    url = normalise_url(url)
    if not body.strip():
        raise ParseError(url, "empty body")
    text = html.decode(body, content_type)
    root = html.build_tree(text)
    if root is None:
        raise ParseError(url, "no HTML content")
    page_title = next((html.plain(t.text_content()) for t in root.iter("title")), "")
    for el in [e for e in root.iter(*_DROP)]:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the element's tail text
    content = _content_root(root)
    h1 = next((html.plain(h.text_content()) for h in content.iter("h1")), None)
    title = h1 or page_title
    paragraphs = [html.plain(b.text) for b in html.blocks(content)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise ParseError(url, "web page with no text")
    if not title:
        title = paragraphs[0]
    fields = labelled_fields(content)
    organisation = next((fields[k] for k in _ORGANISATION_LABELS if fields.get(k)), None)
    labelled_region = next((fields[k] for k in REGION_LABELS if fields.get(k)), None)
    lead = next((p for p in paragraphs if p != title), None)
    record = document(
        external_id=url,
        url=url,
        title=title,
        paragraphs=paragraphs,
        organisation=organisation,
        region=region_of(labelled_region, title, lead),
        language=(root.get("lang") or "fi").split("-")[0].lower() or "fi",
    )
    warnings = () if h1 else ("no <h1>: title from <title>",)
    return ParseResult(PageKind.DOCUMENT, documents=(record,), warnings=warnings)
