"""Broken, odd and hostile inputs: warnings for odd pages, ParseError for hopeless ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pykala.parsers import dynasty
from pykala.parsers.records import PageKind, ParseError, SectionKind

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

    from pykala.parsers import dynasty

    url = "http://espoo04.hosting.documenta.fi/kokous/2017406946-3.HTM"
    body = (Path(__file__).parents[1] / "fixtures/dynasty/espoo/2017406946-3.HTM").read_bytes()
    right = dynasty.parse(body, url, "text/html; charset=windows-1252").items[0]
    lied_to = dynasty.parse(body, url, "text/html; charset=utf-8").items[0]
    assert lied_to.paragraph == right.paragraph == "127"
    assert lied_to.title == right.title
    assert "hallintosäännön" in lied_to.title


def test_utf8_page_served_as_latin1_still_decodes() -> None:
    """The reverse mislabel: UTF-8 bytes under a latin-1 header must not become "JÃ¤te"."""
    from pykala.parsers import html

    body = "<p>Jätehuolto ja ympäristö</p>".encode()
    assert html.decode(body, "text/html; charset=iso-8859-1") == "<p>Jätehuolto ja ympäristö</p>"
    cp1252 = "<p>Jätehuolto</p>".encode("cp1252")
    assert html.decode(cp1252, "text/html; charset=iso-8859-1") == "<p>Jätehuolto</p>"


# --- issue 12: only ParseError (or warnings), whatever the bytes ----------------------

MEETING_URL = "https://x.oncloudos.com/cgi/DREQUEST.PHP?page=meeting&id=2024221"
AHJO_URL = "https://ahjo.example.fi/ahjorest/v1/records/{0A1B2C3D-0000-1111-2222-333344445555}"
OPENNC_URL = "http://mikkeli.cloudnc.fi/api/opennc/v1/Nodes?$format=json"
NESTED_JSON = b"[" * 100_000 + b"]" * 100_000


def test_undefined_charset_in_content_type_falls_back() -> None:
    """`charset=undefined` names a codec that raises UnicodeError on every decode."""
    html = page("<p>§ 3</p><p>Kävelytie</p><p><b>Päätös</b>&nbsp;&nbsp;Hyväksyttiin.</p>")
    for ctype in ("text/html; charset=undefined", "text/html; charset=hex", "text/html; charset=x"):
        (item,) = dynasty.parse(html.encode(), ITEM_URL, ctype).items
        assert item.title == "Kävelytie"  # the item is kept, decoded as UTF-8


def test_link_with_non_numeric_port_is_a_warning_not_a_failed_page() -> None:
    body = page(
        "<a href='http://x.oncloudos.com:notaport/cgi/DREQUEST.PHP?page=meetingitem&id=2024221-1'>"
        "bad</a><a href='http://[::1/cgi/DREQUEST.PHP?page=meetingitem&id=2024221-2'>bad</a>"
        "<a href='/cgi/DREQUEST.PHP?page=meetingitem&id=2024221-3'>Kolmas asia</a>"
    )
    result = dynasty.parse(body.encode(), MEETING_URL)
    assert [link.title for link in result.links] == ["Kolmas asia"]
    bad = [w for w in result.warnings if w.startswith("bad link skipped")]
    assert len(bad) == 2 and "notaport" in bad[0]


def test_feed_whose_xml_declaration_names_a_bogus_encoding_is_read() -> None:
    for name in (b"undefined", b"hex", b"no-such-charset"):
        body = KOKKOLA_FEED.replace(b"iso-8859-1", name, 1)
        assert name in body
        result = dynasty.parse(body, FEED_URL)
        assert len(result.links) == 2


def test_feed_containing_nul_is_read() -> None:
    at = KOKKOLA_FEED.index(b"8859")  # inside the encoding name: feedparser's ValueError
    for body in (
        KOKKOLA_FEED[:at] + b"\x00" + KOKKOLA_FEED[at:],
        KOKKOLA_FEED.replace(b"<item>", b"<item>\x00"),
    ):
        result = dynasty.parse(body, FEED_URL)
        assert len(result.links) == 2 and all("\x00" not in (x.title or "") for x in result.links)


def test_control_character_in_a_web_page_is_dropped() -> None:
    """lxml keeps a control byte in the tree but raises ValueError when it is set back
    (webpage.parse drops <nav> and its tail is rejoined)."""
    from pykala.parsers import webpage

    body = b"<html><body><h1>Otsikko\x01</h1><p>x<nav>n</nav>loppu\x01 \x0bteksti\x1b[2J</p></body>"
    (doc,) = webpage.parse(body, "https://www.example.fi/lape/").documents
    assert doc.title == "Otsikko"
    assert "loppu teksti[2J" in doc.text and "\x1b" not in doc.text


def test_ahjo_record_with_a_list_where_an_object_is_expected() -> None:
    from pykala.parsers import ahjo

    record = {
        "NativeId": "{0A1B2C3D-0000-1111-2222-333344445555}",
        "links": [["self", "https://x/"], {"rel": "self", "href": ["not", "a", "string"]}],
        "MeetingID": ["a list"],
        "Title": {"an": "object"},
        "AgendaPoint": "²",  # str.isdigit() is true, int() raises
        "FileURI": "http://h.fi:notaport/x.pdf",
    }
    result = ahjo.parse(json.dumps(record).encode(), AHJO_URL)
    (item,) = result.items
    assert item.meeting_external_id is None and item.title == "" and item.position is None
    assert item.pdf_url is None and any("notaport" in w for w in result.warnings)
    with pytest.raises(ParseError, match="JSON without an Ahjo record"):
        ahjo.parse(b'[["NativeId"]]', AHJO_URL)


@pytest.mark.parametrize("body", [NESTED_JSON, b'{"value": [' + b"9" * 5000 + b"]}"])
def test_deeply_nested_or_huge_json_is_a_parse_error(body: bytes) -> None:
    from pykala.parsers import ahjo, opennc

    for parse, url in ((ahjo.parse, AHJO_URL), (opennc.parse, OPENNC_URL)):
        with pytest.raises(ParseError, match="not valid JSON"):
            parse(body, url)


def test_opennc_odata_error_of_the_wrong_type_is_a_parse_error() -> None:
    from pykala.parsers import opennc

    with pytest.raises(ParseError, match="OData error"):
        opennc.parse(b'{"odata.error": ["boom"]}', OPENNC_URL)


def test_pdf_nested_too_deeply_is_a_parse_error() -> None:
    from pykala.parsers import minutes_pdf

    pdf = (Path(__file__).resolve().parent.parent / "fixtures/pdf").glob("*.pdf")
    body = next(iter(pdf)).read_bytes()
    at = body.index(b"obj") + 3
    with pytest.raises(ParseError, match="damaged PDF"):
        minutes_pdf.parse(body[:at] + b"[" * 100_000 + body[at:], "https://x.fi/a.pdf")


def test_parse_error_reason_is_one_short_line() -> None:
    error = ParseError("https://x/", "first\nsecond " + "x" * 5000)
    assert "\n" not in error.reason and len(error.reason) <= 300


def test_dispatch_guard_turns_any_other_exception_into_a_parse_error() -> None:
    from pykala.harvester.platforms import PLATFORMS
    from pykala.parsers.guard import guard_parser
    from pykala.parsers.records import ParserCrash, ParseResult

    def buggy(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
        raise ValueError("line one\nline two")

    with pytest.raises(ParserCrash) as info:
        guard_parser(buggy)(b"x", ITEM_URL, None)
    assert info.value.reason == "parser crashed: ValueError: line one"
    assert isinstance(info.value, ParseError) and info.value.url == ITEM_URL
    with pytest.raises(ParseError) as plain:  # a ParseError passes through unchanged
        PLATFORMS["dynasty"].parse(b"", ITEM_URL, None)
    assert not isinstance(plain.value, ParserCrash)


def test_classifiers_answer_unknown_for_a_bad_url() -> None:
    from pykala.harvester.platforms import PLATFORMS

    for platform in PLATFORMS.values():
        assert isinstance(platform.classify("http://h.fi:notaport/kokous/1-2.HTM"), PageKind)
    assert (
        PLATFORMS["dynasty"].classify("http://[::1/cgi/DREQUEST.PHP?page=meeting")
        is PageKind.UNKNOWN
    )


def test_pdf_oddities_are_not_logged_raw_to_stderr(tmp_path: Path) -> None:
    """pypdf logged a font encoding's name, ESC included, to stderr (outside the CLI)."""
    body = next((Path(__file__).resolve().parent.parent / "fixtures/pdf").glob("*.pdf"))
    pdf = tmp_path / "odd.pdf"
    pdf.write_bytes(body.read_bytes().replace(b"/WinAnsiEncoding", b"/Win#1b]0;pwned#07"))
    code = (
        "import sys; from parsers import minutes_pdf; "
        "assert minutes_pdf.parse(open(sys.argv[1], 'rb').read(), 'https://x.fi/a.pdf').items"
    )
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-c", code, str(pdf)], capture_output=True, cwd=root, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""


def test_pdf_that_trips_a_pypdf_assertion_is_a_parse_error() -> None:
    """Two bytes inserted into a real Oulu item PDF (a fuzz finding): pypdf's own
    ``assert pdf is not None, "mypy"`` fails while reading a content stream."""
    from pykala.parsers import tweb

    path = Path(__file__).resolve().parent.parent / "fixtures/tweb/oulu/oulu_ktproxy2_35090068.pdf"
    a = path.read_bytes()
    body = a[:1742] + b"\x0b" + a[1742:22520] + b"\x01" + a[22520:]
    url = "http://asiakirjat.ouka.fi/ktwebbin/ktproxy2.dll?doctype=3&docid=35090068"
    with pytest.raises(ParseError, match="damaged PDF: AssertionError"):
        tweb.parse(body, url)
