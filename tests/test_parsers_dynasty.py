"""Field-by-field checks of the Dynasty parser against the seed and the real Espoo pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parsers import CLASSIFIERS, PARSERS, dynasty
from parsers.records import (
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
    assert PARSERS["dynasty"] is dynasty.parse
    assert CLASSIFIERS["dynasty"] is dynasty.classify


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
