"""Broken, odd and hostile inputs: warnings for odd pages, ParseError for hopeless ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import dynasty
from parsers.records import PageKind, ParseError, SectionKind

ITEM_URL = "https://x.oncloudos.com/cgi/DREQUEST.PHP?page=meetingitem&id=2024221-3"
FEED_URL = "https://x.oncloudos.com/cgi/DREQUEST.PHP?page=rss/meetingitems&show=30"
KOKKOLA_FEED = (
    Path(__file__).resolve().parent.parent / "fixtures/dynasty/kokkola/rss_meetingitems_TRIMMED.xml"
).read_bytes()


def page(body_html: str) -> str:
    return (
        "<html><head><title>Dynasty</title></head><body><!--DATABEGIN-->"
        + body_html
        + "<!--DATAEND--><div class='footer'>&copy;</div></body></html>"
    )


@pytest.mark.parametrize("body", [b"", b"   \n  "])
def test_empty_body_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError) as info:
        dynasty.parse(body, ITEM_URL)
    assert info.value.url == ITEM_URL
    assert "empty" in info.value.reason


def test_item_with_no_title_and_no_text_is_a_parse_error() -> None:
    html = page("<table class='tbl navigation'><tr><td>Edellinen asia</td></tr></table>")
    with pytest.raises(ParseError, match="no title and no text"):
        dynasty.parse(html.encode(), ITEM_URL)


def test_broken_html_still_parses() -> None:
    html = (
        "<html><body><!--DATABEGIN--><div><p><b>§ 12</b><p>Otsikko ilman loppua"
        "<p><b>Päätös</b>&nbsp;&nbsp;&nbsp;Hyväksyttiin.<table><tr><td>kesken"
    )  # no DATAEND, unclosed tags
    (item,) = dynasty.parse(html.encode(), ITEM_URL).items
    assert item.paragraph == "12"
    assert item.title == "Otsikko ilman loppua"
    paatos = item.section(SectionKind.PAATOS)
    assert paatos is not None and paatos.text.startswith("Hyväksyttiin.")


def test_page_without_paragraph_or_sections_gives_warnings() -> None:
    html = page("<p>Pelkkä otsikko</p>")
    result = dynasty.parse(html.encode(), ITEM_URL)
    (item,) = result.items
    assert item.title == "Pelkkä otsikko"
    assert item.sections == ()
    assert "no sections found" in result.warnings
    assert "no § number found" in result.warnings


def test_undeclared_windows_1252_decodes_umlauts() -> None:
    html = page(
        "<p>§ 3</p><p>Päätös kävelytiestä</p>"
        "<p><b>Päätös</b>&nbsp;&nbsp;Hyväksyttiin ”sellaisenaan”.</p>"
    )
    body = html.encode("cp1252")  # no charset anywhere, not valid UTF-8
    (item,) = dynasty.parse(body, ITEM_URL).items
    assert item.title == "Päätös kävelytiestä"
    paatos = item.section(SectionKind.PAATOS)
    assert paatos is not None and paatos.text == "Hyväksyttiin ”sellaisenaan”."


def test_http_header_charset_wins_over_meta() -> None:
    html = page("<p>§ 3</p><p>Kävelytie</p><p><b>Päätös</b>&nbsp;&nbsp;Ok.</p>")
    html = html.replace("<head>", "<head><meta charset='windows-1252'>")
    (item,) = dynasty.parse(html.encode("utf-8"), ITEM_URL, "text/html; charset=UTF-8").items
    assert item.title == "Kävelytie"


def test_truncated_feed_keeps_complete_entries_with_a_warning() -> None:
    cut = KOKKOLA_FEED.index(b"<item>", KOKKOLA_FEED.index(b"<item>") + 1) + 40
    result = dynasty.parse(KOKKOLA_FEED[:cut], FEED_URL)
    assert len(result.links) == 1
    assert result.links[0].url.endswith("id=20261273-7")
    assert any("malformed feed" in w for w in result.warnings)


def test_feed_cut_before_any_entry_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        dynasty.parse(KOKKOLA_FEED[:300], FEED_URL)


@pytest.mark.parametrize(
    "body", [b"<html><body><h1>Error 500</h1></body></html>", b"\x00\xffgarbage", b"{}"]
)
def test_feed_that_is_not_xml_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        dynasty.parse(body, FEED_URL)


def test_unknown_page_kind_is_a_warning_not_a_crash() -> None:
    result = dynasty.parse(b"<html></html>", "https://x.oncloudos.com/cgi/DREQUEST.PHP?page=search")
    assert result.page_kind is PageKind.UNKNOWN
    assert result.warnings


def test_windows_1252_page_served_as_utf8_still_decodes() -> None:
    """A server that labels a windows-1252 page UTF-8 must not cost us the § or the ä."""
    from pathlib import Path

    from parsers import dynasty

    url = "http://espoo04.hosting.documenta.fi/kokous/2017406946-3.HTM"
    body = (Path(__file__).parents[1] / "fixtures/dynasty/espoo/2017406946-3.HTM").read_bytes()
    right = dynasty.parse(body, url, "text/html; charset=windows-1252").items[0]
    lied_to = dynasty.parse(body, url, "text/html; charset=utf-8").items[0]
    assert lied_to.paragraph == right.paragraph == "127"
    assert lied_to.title == right.title
    assert "hallintosäännön" in lied_to.title


def test_utf8_page_served_as_latin1_still_decodes() -> None:
    """The reverse mislabel: UTF-8 bytes under a latin-1 header must not become "JÃ¤te"."""
    from parsers import html

    body = "<p>Jätehuolto ja ympäristö</p>".encode()
    assert html.decode(body, "text/html; charset=iso-8859-1") == "<p>Jätehuolto ja ympäristö</p>"
    cp1252 = "<p>Jätehuolto</p>".encode("cp1252")
    assert html.decode(cp1252, "text/html; charset=iso-8859-1") == "<p>Jätehuolto</p>"
