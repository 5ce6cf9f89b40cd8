"""Field-by-field checks of the Dynasty parser against the seed and the real Espoo pages."""

from __future__ import annotations

from datetime import date
from inspect import unwrap
from pathlib import Path

import pytest

from pykala.harvester.platforms import PLATFORMS
from pykala.parsers import dynasty
from pykala.parsers.records import (
    ItemRecord,
    MeetingKind,
    PageKind,
    ParseResult,
    SectionKind,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dynasty"
KUOPIO_ITEM_URL = "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2020362412-5"
ESPOO = "http://espoo04.hosting.documenta.fi/kokous/"


def parse_fixture(relpath: str, url: str, content_type: str | None = None) -> ParseResult:
    return dynasty.parse((FIXTURES / relpath).read_bytes(), url, content_type)


def only_item(result: ParseResult) -> ItemRecord:
    assert result.page_kind is PageKind.ITEM
    assert len(result.items) == 1
    return result.items[0]


@pytest.fixture(scope="module")
def seed() -> ItemRecord:
    return only_item(parse_fixture("kuopio/meetingitem_2020362412-5.html", KUOPIO_ITEM_URL))


def test_registry_points_at_dynasty() -> None:
    # The registry holds the guarded functions (parsers.guard); unwrap to compare.
    assert unwrap(PLATFORMS["dynasty"].parse) is dynasty.parse
    assert unwrap(PLATFORMS["dynasty"].classify) is dynasty.classify


def test_seed_identity(seed: ItemRecord) -> None:
    assert seed.external_id == "2020362412-5"
    assert seed.meeting_external_id == "2020362412"
    assert seed.position == 5  # from the URL; not the §
    assert seed.paragraph == "48"
    assert seed.url == KUOPIO_ITEM_URL


def test_seed_header_fields(seed: ItemRecord) -> None:
    assert seed.body_name == "Perusturva- ja terveyslautakunta"
    assert seed.meeting_kind is MeetingKind.POYTAKIRJA
    assert seed.meeting_date == date(2020, 5, 19)
    assert seed.diary_number == "2361/06.00.00/2020"
    assert seed.diary_number_normalised == "2361/06.00.00/2020"
    assert seed.title == (
        "Kuopion Perhekeskustoimintamalli - projektityöskentely ajalla 13.1. - 30.9.2020"
        " - väliraportointi"
    )
    assert seed.pdf_url == "http://publish.kuopio.fi/kokous/2020362412-5.PDF"
    assert seed.language == "fi"


def test_seed_section_order(seed: ItemRecord) -> None:
    assert [(s.kind, s.heading) for s in seed.sections] == [
        (SectionKind.SELOSTUS, ""),
        (SectionKind.OTHER, "Vaikutusten arviointi"),
        (SectionKind.VALMISTELIJA, "Valmistelija"),
        (SectionKind.PAATOSEHDOTUS, "Päätösehdotus"),
        (SectionKind.PAATOS, "Päätös"),
    ]


def test_seed_unheaded_selostus(seed: ItemRecord) -> None:
    selostus = seed.section(SectionKind.SELOSTUS)
    assert selostus is not None
    paragraphs = selostus.text.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Kuopion kaupungin toiminnassa on todettu selkeä tarve")
    assert "vuosina 2016 – 2018" in paragraphs[1]  # &ndash; decoded
    assert paragraphs[2].endswith("jota hyödynnetään myös maakunnallisessa Lape-kehittämistyössä.")
    assert "\xa0" not in selostus.text and "  " not in selostus.text


def test_seed_empty_heading_is_kept(seed: ItemRecord) -> None:
    other = seed.section(SectionKind.OTHER)
    assert other is not None and other.text == ""


def test_seed_valmistelija(seed: ItemRecord) -> None:
    section = seed.section(SectionKind.VALMISTELIJA)
    assert section is not None
    for name in ("Pertti Lipponen", "Miia Uotinen", "Hanna-Mari Tanninen"):
        assert name in section.text
    assert section.text.split("\n\n")[:2] == ["Pertti Lipponen", "puh. +358 44 718 6271"]


def test_seed_paatosehdotus_presenter_not_in_text(seed: ItemRecord) -> None:
    section = seed.section(SectionKind.PAATOSEHDOTUS)
    assert section is not None
    assert section.presenter == "Apulaiskaupunginjohtaja Jari Saarinen"
    assert section.text == (
        "Perusturva- ja terveyslautakunta merkitsee tiedoksi Kuopion"
        " Perhekeskustoimintamallin väliraportoinnin."
    )


def test_seed_paatos_keeps_following_paragraph(seed: ItemRecord) -> None:
    section = seed.section(SectionKind.PAATOS)
    assert section is not None
    assert section.presenter is None
    assert section.text.startswith(
        "Perusturva- ja terveyslautakunta hyväksyi yksimielisesti apulaiskaupunginjohtajan"
        " ehdotuksen."
    )
    assert (
        "\n\nProjektipäälliköt Hanna-Mari Tanninen ja Miia Uotinen poistuivat kokouksesta"
        " klo 16.22 tämän asian käsittelyn ja päätöksen teon jälkeen." in section.text
    )


def test_seed_links_are_normalised_neighbours(seed: ItemRecord) -> None:
    result = parse_fixture("kuopio/meetingitem_2020362412-5.html", KUOPIO_ITEM_URL)
    urls = {link.url: link.kind for link in result.links}
    base = "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2020362412-"
    assert urls[base + "4"] is PageKind.ITEM
    assert urls[base + "6"] is PageKind.ITEM
    assert urls["http://publish.kuopio.fi/kokous/2020362412-5.PDF"] is PageKind.DOCUMENT
    assert not any(":80" in u for u in urls)
    assert result.warnings == ()


# --- real Espoo static pages -----------------------------------------------------------


def test_espoo_minutes_item_with_votes() -> None:
    item = only_item(parse_fixture("espoo/2017406946-3.HTM", ESPOO + "2017406946-3.HTM"))
    assert item.external_id == "2017406946-3" and item.position == 3
    assert item.paragraph == "127"
    assert item.meeting_kind is MeetingKind.POYTAKIRJA
    assert item.meeting_date == date(2017, 5, 8)
    assert item.body_name == "Kaupunginhallitus"
    assert item.diary_number == "730/2017"
    assert item.title.startswith("Espoon kaupungin hallintosäännön hyväksyminen (Kv-asia)")
    kasittely = item.section(SectionKind.KASITTELY)
    assert kasittely is not None and kasittely.heading == "Käsittely"
    assert kasittely.text.startswith("Asia käsiteltiin pykälän 146 jälkeen.")
    assert "9 äänellä 6 ääntä vastaan hylänneen Elon muutosehdotuksen nro 2" in kasittely.text
    ehdotus = item.section(SectionKind.PAATOSEHDOTUS)
    assert ehdotus is not None and ehdotus.presenter == "Kaupunginjohtaja Jukka Mäkelä"
    # the earlier handling (Kh 10.4.2017 § 105) is kept, before § 127's own sections
    assert item.sections[0].kind is SectionKind.PAATOSHISTORIA
    assert item.sections[0].text == "Kaupunginhallitus 105 § 10.4.2017"
    assert [a.title for a in item.attachments] == [
        "Espoon kaupungin hallintosääntö - Kokouksessa korjattu",
        "Äänestyslistat § 127",
    ]
    assert item.pdf_url == ESPOO + "2017406946-3.PDF"


def test_espoo_agenda_item_diary_number_and_attachment() -> None:
    item = only_item(parse_fixture("espoo/2017409886-4.HTM", ESPOO + "2017409886-4.HTM"))
    assert item.meeting_kind is MeetingKind.ESITYSLISTA
    assert item.meeting_date == date(2017, 5, 29)
    assert item.paragraph is None  # agenda: no § yet
    assert item.diary_number == "5316/2016"  # Tos class 00.01.01 is not part of it
    assert item.title == "Valtuustoaloite konserniohjeen päivittämisestä (Kv-asia)"
    assert item.attachments[0].url == ESPOO + "2017409886-4-1.PDF"
    assert item.attachments[0].title == "Valtuustoaloite 12.12.2016"


def test_espoo_agenda_asianro_is_an_ordinal_not_a_diary_number() -> None:
    result = parse_fixture("espoo/2017409886-26.HTM", ESPOO + "2017409886-26.HTM")
    item = only_item(result)
    assert item.position == 26
    assert item.paragraph is None
    assert item.diary_number == "2751/10.02.03/2015"  # from the body, not "Asianro 26"
    assert item.diary_number != "26"
    assert item.title.startswith("Laurinlahti, asemakaavamuutoksen hyväksyminen")
    assert "no § number found" not in result.warnings


def test_earlier_handlings_stay_inside_paatoshistoria() -> None:
    """§ 127's own decision is the one exported; the 10.4.2017 tabling is history."""
    item = only_item(parse_fixture("espoo/2017406946-3.HTM", ESPOO + "2017406946-3.HTM"))
    decisions = [s for s in item.sections if s.kind is SectionKind.PAATOS]
    assert len(decisions) == 1
    assert "jätti asian yksimielisesti pöydälle" not in decisions[0].text
    history = [s for s in item.sections if s.heading == "Päätöshistoria"]
    assert len(history) == 1
    assert history[0].text.startswith("Kaupunginhallitus 10.4.2017 § 105")
    assert "Kaupunginhallitus jätti asian yksimielisesti pöydälle." in history[0].text
    assert item.sections[-1].kind is SectionKind.TIEDOKSI  # history ends at Tiedoksi


def test_agenda_has_no_decision_from_earlier_handlings() -> None:
    item = only_item(parse_fixture("espoo/2017409886-26.HTM", ESPOO + "2017409886-26.HTM"))
    assert item.meeting_kind is MeetingKind.ESITYSLISTA
    assert item.section(SectionKind.PAATOS) is None
    assert item.section(SectionKind.KASITTELY) is None
    proposal = item.section(SectionKind.PAATOSEHDOTUS)
    assert proposal is not None and proposal.presenter == "Teknisen toimen johtaja Olli Isotalo"


def test_espoo_2013_ymparistolautakunta() -> None:
    item = only_item(parse_fixture("espoo/2013262303-5.HTM", ESPOO + "2013262303-5.HTM"))
    assert item.body_name == "Ympäristölautakunta"
    assert item.paragraph == "5"
    assert item.meeting_date == date(2013, 1, 17)
    assert item.diary_number == "3700/11.01.00/2011"
    paatos = item.section(SectionKind.PAATOS)
    assert paatos is not None
    assert paatos.text == "Ympäristölautakunta:\n\nEsittelijän ehdotus hyväksyttiin yksimielisesti."
    ehdotus = item.section(SectionKind.PAATOSEHDOTUS)
    assert ehdotus is not None
    assert ehdotus.presenter == "Ympäristönsuojelupäällikkö Tuula Hämäläinen-Tyynilä"


def test_espoo_meeting_page() -> None:
    result = parse_fixture("espoo/2017406946.HTM", ESPOO + "2017406946.HTM")
    assert result.page_kind is PageKind.MEETING
    (meeting,) = result.meetings
    assert meeting.external_id == "2017406946"
    assert meeting.body_name == "Kaupunginhallitus"
    assert meeting.date == date(2017, 5, 8)
    assert meeting.kind is MeetingKind.POYTAKIRJA
    assert meeting.status == "Tarkastettu"
    assert meeting.pdf_url == ESPOO + "2017406946.PDF"
    assert all(link.kind is PageKind.ITEM for link in result.links)
    assert result.links[2].url == ESPOO + "2017406946-3.HTM"
    assert result.links[2].title is not None
    assert result.links[2].title.startswith("Espoon kaupungin hallintosäännön hyväksyminen")


def test_espoo_body_list() -> None:
    result = parse_fixture("espoo/TELIMET.HTM", ESPOO + "TELIMET.HTM")
    assert result.page_kind is PageKind.BODY_LIST
    lists = [lk for lk in result.links if lk.kind is PageKind.MEETING_LIST]
    meetings = [lk for lk in result.links if lk.kind is PageKind.MEETING]
    assert lists[0].url == ESPOO + "TELIN-200219.HTM"
    assert lists[0].body_name == "Kaupunginhallituksen elinkeino- ja kilpailukykyjaosto"
    first = meetings[0]
    assert first.url == ESPOO + "2013263718.HTM"
    assert first.meeting_date == date(2013, 1, 14)
    assert first.body_name == "Kaupunginhallituksen elinkeino- ja kilpailukykyjaosto"


def test_espoo_meeting_list() -> None:
    result = parse_fixture("espoo/TELIN-200120.HTM", ESPOO + "TELIN-200120.HTM")
    assert result.page_kind is PageKind.MEETING_LIST
    assert [(lk.url, lk.meeting_date, lk.body_name) for lk in result.links] == [
        (ESPOO + "2013264550.HTM", date(2013, 1, 21), "Kaupunginhallitus"),
        (ESPOO + "2013264549.HTM", date(2013, 1, 7), "Kaupunginhallitus"),
    ]


# --- Kokkola (real, trimmed) and the reconstructed Kuopio feeds -------------------------


def test_kokkola_feed() -> None:
    result = parse_fixture(
        "kokkola/rss_meetingitems_TRIMMED.xml",
        "https://kokkola10.oncloudos.com:443/cgi/DREQUEST.PHP?page=rss/meetingitems&show=10",
    )
    assert result.page_kind is PageKind.FEED_ITEMS
    assert len(result.links) == 2
    second = result.links[1]
    assert second.title == "Työjärjestyksen hyväksyminen"  # ISO-8859-1 decoded
    assert second.url == (
        "https://kokkola10.oncloudos.com/cgi/DREQUEST.PHP?page=meetingitem&id=20261273-3"
    )
    assert second.kind is PageKind.ITEM
    assert second.body_name == "Konserni- ja kaupunkikehitysjaosto"
    assert second.meeting_date == date(2026, 8, 27)


def test_kokkola_item_presenter_span() -> None:
    item = only_item(
        parse_fixture(
            "kokkola/meetingitem_20261273-7_TRIMMED.html",
            "https://kokkola10.oncloudos.com/cgi/DREQUEST.PHP?page=meetingitem&id=20261273-7",
            "text/html; charset=UTF-8",
        )
    )
    assert item.title == "Asuntotuotannon edistäminen kunnassa"
    assert item.body_name == "Konserni- ja kaupunkikehitysjaosto"
    assert item.meeting_date == date(2026, 8, 27)
    ehdotus = item.section(SectionKind.PAATOSEHDOTUS)
    assert ehdotus is not None and ehdotus.presenter == "Kaupunginjohtaja"
    assert ehdotus.text.startswith("Konserni- ja kaupunkikehitysjaosto päättää")
    assert item.pdf_url == "https://kokkola10.oncloudos.com/kokous/20261273-7.PDF"


def test_kuopio_feed_title_split_on_first_separator_and_entities() -> None:
    result = parse_fixture(
        "kuopio/rss_meetingitems.xml",
        "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=rss/meetingitems&show=30",
    )
    titles = {link.url.rsplit("-", 1)[1]: link.title for link in result.links}
    assert titles["3"] == (
        "Perhehoidon palkkiot ja kulukorvaukset 1.6.2020 alkaen / toimeksiantosopimussuhteinen"
        " perhehoito"
    )
    assert titles["4"] == "Kallaveden terveysaseman peruskorjaus – hankesuunnitelman hyväksyminen"
    assert all(":80" not in link.url for link in result.links)


def test_kuopio_meeting_feed_titles_without_separator() -> None:
    result = parse_fixture(
        "kuopio/rss_meetings.xml",
        "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=rss/meetings&show=30",
    )
    assert result.page_kind is PageKind.FEED_MEETINGS
    first = result.links[0]
    assert first.kind is PageKind.MEETING
    assert (first.body_name, first.meeting_date, first.title) == (
        "Perusturva- ja terveyslautakunta",
        date(2020, 5, 19),
        None,
    )


def test_kuopio_meeting_page_links_items_and_minutes_pdf() -> None:
    result = parse_fixture(
        "kuopio/meeting_2020362412.html",
        "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meeting&id=2020362412",
    )
    (meeting,) = result.meetings
    assert meeting.pdf_url == "http://publish.kuopio.fi/kokous/2020362412.PDF"
    assert len(result.links) == 6
    assert result.links[4].url.endswith("page=meetingitem&id=2020362412-5")
    assert result.links[4].title == (
        "Kuopion Perhekeskustoimintamalli - projektityöskentely ajalla 13.1. - 30.9.2020"
        " - väliraportointi"
    )


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://publish.kuopio.fi:80/cgi/DREQUEST.PHP?page=rss/meetingitems&show=30",
         PageKind.FEED_ITEMS),
        ("https://x.oncloudos.com/cgi/DREQUEST.PHP?page=rss/meetings&show=30",
         PageKind.FEED_MEETINGS),
        ("https://x.oncloudos.com/cgi/DREQUEST.PHP?page=meetings&id=101", PageKind.MEETING_LIST),
        ("https://x.oncloudos.com/cgi/DREQUEST.PHP?page=meeting&amp;id=202041", PageKind.MEETING),
        ("https://x.oncloudos.com/cgi/DREQUEST.PHP?page=meetingitem&id=202041-2", PageKind.ITEM),
        (ESPOO + "TELIMET.HTM", PageKind.BODY_LIST),
        (ESPOO + "TELIN-217668.HTM", PageKind.MEETING_LIST),
        (ESPOO + "2017406946.HTM", PageKind.MEETING),
        (ESPOO + "2017406946-3.HTM", PageKind.ITEM),
        (ESPOO + "2017406946-3-1.PDF", PageKind.DOCUMENT),
        ("https://x.oncloudos.com/kokous/20261273-7.PDF", PageKind.DOCUMENT),
        ("https://x.oncloudos.com/cgi/DREQUEST.PHP?page=search", PageKind.UNKNOWN),
    ],
)  # fmt: skip
def test_classify(url: str, kind: PageKind) -> None:
    assert dynasty.classify(url) is kind


def test_pdf_is_a_document_with_empty_result() -> None:
    result = parse_fixture(
        "kuopio/2020362412-5.PDF", "http://publish.kuopio.fi/kokous/2020362412-5.PDF"
    )
    assert result == ParseResult(PageKind.DOCUMENT)
