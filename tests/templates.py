"""Page templates for markup-invariance tests: one item's content, rendered as municipalities'
Dynasty templates differ (title block in a label, headings, divs, a table cell or paragraphs;
sections as Word paragraphs with tab or ``&nbsp;`` gaps, two-column tables or HTML headings;
entities or raw UTF-8; ISO-8859-1 or UTF-8 declared in a ``<meta>`` or the HTTP header).

A parser that reads one template only gives a different record for the others; the tests
assert it gives the same one.
"""

from __future__ import annotations

import html as htmllib
from collections.abc import Callable
from dataclasses import dataclass

from pykala.parsers.records import ItemRecord, MeetingKind, Section, SectionKind

K = SectionKind
_NBSP_GAP = "&nbsp; &nbsp; &nbsp; &nbsp; &nbsp; "


def esc(text: str) -> str:
    return htmllib.escape(text, quote=True)


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p] if text else []


def _entities(markup: str) -> str:
    """Every non-ASCII letter as a character reference, as Dynasty 10 writes them."""
    return markup.encode("ascii", "xmlcharrefreplace").decode("ascii")


@dataclass(frozen=True)
class Template:
    """How one template prints the parts of an item page."""

    name: str
    title_block: Callable[[str | None, str], str]  # (body, "Pöytäkirja …") → markup
    section: Callable[[str, str, list[str]], str]  # (heading, first line, more) → markup
    charset: str  # the bytes' encoding
    declare: str  # "meta" or "header"
    entities: bool  # non-ASCII as character references
    paragraph_style: str = "§ {n}"  # how the § line is printed in the body
    diary_label: str = "Asianro "
    title_outside_region: bool = False  # the old static export's layout


def _word_section(heading: str, first: str, more: list[str]) -> str:
    gap = f"<span style='mso-tab-count:1'>{_NBSP_GAP}</span>"
    out = [f"<p class=MsoNormal style='margin-left:130.4pt;text-indent:-130.4pt'>"
           f"<b>{esc(heading)}</b>{gap}{esc(first)}</p>"]  # fmt: skip
    out += [f"<p class=Sisennetty>{esc(p)}</p>" for p in more]
    return "\n".join(out)


def _tab_section(heading: str, first: str, more: list[str]) -> str:
    out = [f"<div><span>{esc(heading)}</span> \t {esc(first)}</div>"]
    out += [f"<div>{esc(p)}</div>" for p in more]
    return "\n".join(out)


def _table_section(heading: str, first: str, more: list[str]) -> str:
    rows = [f"<tr><td width='25%'>{esc(heading)}</td><td>{esc(first)}</td></tr>"]
    rows += [f"<tr><td></td><td>{esc(p)}</td></tr>" for p in more]
    return "<table class='sections'>" + "".join(rows) + "</table>"


def _heading_section(heading: str, first: str, more: list[str]) -> str:
    lines = [first, *more] if first else more
    return f"<h4>{esc(heading)}</h4>" + "".join(f"<p>{esc(p)}</p>" for p in lines)


TEMPLATES: tuple[Template, ...] = (
    Template(
        "label",
        lambda body, line: f"<label class='h3'>{esc(body or '')}<br>{esc(line)}</label>",
        _word_section, "utf-8", "meta", True,
    ),
    Template(
        "h1-h2",
        lambda body, line: f"<h1>{esc(body or '')}</h1>\n<h2>{esc(line)}</h2>",
        _heading_section, "utf-8", "header", False,
        paragraph_style="{n} §", diary_label="Dnro ",
    ),
    Template(
        "div",
        lambda body, line: (
            f"<div class='otsikko'><div>{esc(body or '')}</div><div>{esc(line)}</div></div>"
        ),
        _table_section, "iso-8859-1", "meta", False,
        diary_label="", title_outside_region=True,
    ),
    Template(
        "table-cell",
        lambda body, line: (
            f"<table><tr><td class='title'>{esc(body or '')}<br>\n{esc(line)}</td></tr></table>"
        ),
        _tab_section, "iso-8859-1", "header", True,
        paragraph_style="{n} §", diary_label="Diaarinumero: ",
    ),
    Template(
        "paragraphs",
        lambda body, line: f"<p>{esc(body or '')}</p>\n<p>{esc(line)}</p>",
        _word_section, "utf-8", "header", False,
        diary_label="Dno ",
    ),
    Template(
        "one-span",
        lambda body, line: f"<span class='otsikko'>{esc(body or '')} {esc(line)}</span>",
        _table_section, "utf-8", "meta", True,
    ),
)  # fmt: skip


def _kind_line(item: ItemRecord) -> str | None:
    if item.meeting_kind is None or item.meeting_date is None:
        return None
    sv = item.language == "sv"
    day = item.meeting_date.strftime("%d.%m.%Y")
    if item.meeting_kind is MeetingKind.POYTAKIRJA:
        word = "Protokoll" if sv else "Pöytäkirja"
        return f"{word} {day}/{'Paragraf' if sv else 'Pykälä'} {item.paragraph}"
    word = "Föredragningslista" if sv else "Esityslista"
    if item.paragraph:
        return f"{word} {day}/{'Paragraf' if sv else 'Pykälä'} {item.paragraph}"
    return f"{word} {day}/Asianro {item.position}"


def _section_markup(t: Template, section: Section) -> str:
    paras = _paragraphs(section.text)
    heading = section.heading
    if section.presenter and section.kind is K.PAATOSEHDOTUS:
        if not heading:  # the presenter stands in the heading column
            return t.section(section.presenter, paras[0] if paras else "", paras[1:])
        return t.section(heading, section.presenter, paras)
    if not heading:
        return "".join(f"<p>{esc(p)}</p>" for p in paras)
    if section.kind in (K.VALMISTELIJA, K.ESITTELIJA) and len(paras) > 1:
        return t.section(heading, "", paras)  # names on lines of their own
    return t.section(heading, paras[0] if paras else "", paras[1:])


def render(item: ItemRecord, t: Template) -> tuple[bytes, str | None]:
    """(page bytes, Content-Type header or None) of ``item`` in template ``t``."""
    sections = list(item.sections)
    history: list[str] = []
    if sections and sections[0].kind is K.PAATOSHISTORIA and not sections[0].heading:
        history = _paragraphs(sections.pop(0).text)
    kind_line = _kind_line(item)
    head: list[str] = [f"<p>{esc(line)}</p>" for line in history]
    if item.diary_number:
        head.append(f"<p>{esc(t.diary_label + item.diary_number)}</p>")
    if item.paragraph:
        head.append(f"<p><b>{esc(t.paragraph_style.format(n=item.paragraph))}</b></p>")
    head.append(f"<p><b>{esc(item.title)}</b></p>")
    if kind_line is None and item.body_name and item.meeting_date:
        # No title block: the meeting line stands under the title (Dynasty 10, Kokkola).
        head.append(f"<p>{esc(item.body_name)} {item.meeting_date:%d.%m.%Y}</p>")
    body = "\n".join(head + [_section_markup(t, s) for s in sections])
    item_id = item.external_id
    nav = (
        "<table class='tbl navigation'><tr><td class='tcDat'>"
        f"<a href='DREQUEST.PHP?page=meetingitem&amp;id={item_id}'>Edellinen asia</a> | "
        f"<a href='DREQUEST.PHP?page=meetingitem&amp;id={item_id}'>Seuraava asia</a></td>"
        f"<td class='tcDat'><a href='{esc(item.pdf_url or '')}'>Kokousasia PDF-muodossa</a>"
        "</td></tr></table>"
    )
    attachments = "".join(
        f"<li><a href='{esc(a.url)}'>{esc(a.title)}</a></li>" for a in item.attachments
    )
    if attachments:
        nav += f"<div class='attachments'><ul>{attachments}</ul></div>"
    title_block = t.title_block(item.body_name, kind_line) if kind_line else ""
    region = f"<!--DATABEGIN-->\n{'' if t.title_outside_region else title_block}\n{nav}\n"
    region += f"<div class='data-part meetingitem'><div class='data-part-block-htm'>{body}"
    region += "</div></div>\n<!--DATAEND-->"
    meta = f"<meta http-equiv='Content-Type' content='text/html; charset={t.charset}'>"
    page = (
        f"<!DOCTYPE html><html><head>{meta if t.declare == 'meta' else ''}"
        "<title>Dynasty tietopalvelu</title></head><body>"
        "<div class='header'>Dynasty tietopalvelu</div>"
        f"{title_block if t.title_outside_region else ''}\n{region}\n"
        "<div class='footer'><p>&copy; Innofactor Oyj</p></div></body></html>"
    )
    if t.entities:
        page = _entities(page)
    data = page.encode(t.charset, "xmlcharrefreplace")
    header = f"text/html; charset={t.charset}" if t.declare == "header" else None
    return data, header


# -- CloudNC ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloudTemplate:
    """How one CloudNC page layout prints the parts of an item."""

    name: str
    header: Callable[[str, str], str]  # ("Body, kokous 1.2.2024", status) → markup
    title: Callable[[str], str]  # "§ 118 Title" → markup
    heading: Callable[[str, int], str]  # (heading, level 3 or 4) → markup
    paragraph: Callable[[str], str]
    person: Callable[[str], str]  # a bullet of people
    charset: str
    declare: str
    entities: bool


CLOUD_TEMPLATES: tuple[CloudTemplate, ...] = (
    CloudTemplate(
        "casem",
        lambda line, status: f"<div class='kokous-otsikko'><h2>{esc(line)}</h2>"
        f"<p class='kokous-tila'>{esc(status)}</p></div>",
        lambda title: f"<h1 class='asia-otsikko'>{esc(title)}</h1>",
        lambda heading, level: f"<h{level} class='asia-osio'>{esc(heading)}</h{level}>",
        lambda text: f"<p>{esc(text)}</p>",
        lambda text: f"<ul class='henkilot'><li>{esc(text)}</li></ul>",
        "utf-8", "meta", True,
    ),
    CloudTemplate(
        "bold-paragraphs",
        lambda line, status: f"<p><b>{esc(line)}</b></p><p>{esc(status)}</p>",
        lambda title: f"<h2>{esc(title)}</h2>",
        lambda heading, level: f"<p><strong>{esc(heading)}</strong></p>",
        lambda text: f"<p>{esc(text)}</p>",
        lambda text: f"<p>{esc(text)}</p>",
        "iso-8859-1", "header", False,
    ),
    CloudTemplate(
        "table",
        lambda line, status: f"<table><tr><td>{esc(line)}<br>{esc(status)}</td></tr></table>",
        lambda title: f"<div class='otsikko'><span>{esc(title)}</span></div>",
        lambda heading, level: f"<h{level + 1}>{esc(heading)}</h{level + 1}>",
        lambda text: f"<div>{esc(text)}</div>",
        lambda text: f"<ol><li>{esc(text)}</li></ol>",
        "utf-8", "header", False,
    ),
    CloudTemplate(
        "spans",
        lambda line, status: f"<div><span>{esc(line)}</span><br><span>{esc(status)}</span></div>",
        lambda title: f"<p class='asia-otsikko'><strong>{esc(title)}</strong></p>",
        lambda heading, level: f"<div class='osio'><b>{esc(heading)}</b></div>",
        lambda text: f"<p>{esc(text)}&nbsp;</p>",
        lambda text: f"<div>{esc(text)}</div>",
        "windows-1252", "meta", True,
    ),
    CloudTemplate(
        "headings",
        lambda line, status: f"<h3>{esc(line)}</h3><h4>{esc(status)}</h4>",
        lambda title: f"<h1>{esc(title)}</h1>",
        lambda heading, level: f"<h5>{esc(heading)}</h5>",
        lambda text: f"<p>{esc(text)}</p>",
        lambda text: f"<ul><li>{esc(text)}</li></ul>",
        "utf-8", "meta", False,
    ),
)  # fmt: skip


def _cloud_section(t: CloudTemplate, section: Section) -> str:
    paras = _paragraphs(section.text)
    out = [t.heading(section.heading, 3)]
    if section.kind is K.PAATOSEHDOTUS and section.presenter:
        out += [t.heading("Esittelijä", 4), t.person(section.presenter)]
    if section.kind in (K.VALMISTELIJA, K.ESITTELIJA):
        out += [t.person(p) for p in paras]
    else:
        out += [t.paragraph(p) for p in paras]
    return "\n".join(out)


def render_cloudnc(item: ItemRecord, t: CloudTemplate) -> tuple[bytes, str | None]:
    """(page bytes, Content-Type header or None) of a CloudNC ``item`` in template ``t``."""
    assert item.meeting_date is not None and item.body_name is not None
    day = item.meeting_date
    line = f"{item.body_name}, kokous {day.day}.{day.month}.{day.year}"
    minutes = item.meeting_kind is MeetingKind.POYTAKIRJA
    status = "Pöytäkirja on tarkastettu" if minutes else "Esityslista"
    title = f"§ {item.paragraph} {item.title}" if item.paragraph else item.title
    parts = [t.header(line, status), t.title(title)]
    if item.diary_number:
        parts.append(t.paragraph(item.diary_number))
    parts += [_cloud_section(t, s) for s in item.sections]
    attachments = "".join(
        f"<li><a href='{esc(a.url)}'>{esc(a.title)}</a></li>" for a in item.attachments
    )
    if attachments:
        parts.append(f"<div class='liitteet'><ul>{attachments}</ul></div>")
    parts.append("<h3>Käsitellyt asiat</h3><ul><li><a href='#'>Muu asia</a></li></ul>")
    meta = f"<meta charset='{t.charset}'>"
    page = (
        f"<!DOCTYPE html><html><head>{meta if t.declare == 'meta' else ''}"
        f"<title>{esc(item.title)}</title></head><body><header><nav><a href='/fi-FI/Toimielimet'>"
        "Toimielimet</a></nav></header><main>" + "\n".join(parts) + "</main>"
        "<footer>CaseM</footer></body></html>"
    )
    if t.entities:
        page = _entities(page)
    data = page.encode(t.charset, "xmlcharrefreplace")
    return data, (f"text/html; charset={t.charset}" if t.declare == "header" else None)
