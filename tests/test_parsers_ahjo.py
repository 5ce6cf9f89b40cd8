"""Field-by-field checks of the Helsinki Ahjo parser on the City of Helsinki's test fixtures."""

from __future__ import annotations

from inspect import unwrap
from pathlib import Path

import pytest

from pykala.harvester.platforms import PLATFORMS
from pykala.parsers import ahjo
from pykala.parsers.records import ItemRecord, MeetingKind, PageKind, ParseError, SectionKind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ahjo"
RECORDS = "https://ahjo.hel.fi:9802/ahjorest/v1/records/"
DECISION = RECORDS + "%7B33A2EF19-29C7-C236-9C78-94B7AC300001%7D/content"


def item(name: str, url: str = DECISION) -> tuple[ItemRecord, tuple[str, ...]]:
    result = ahjo.parse((FIXTURES / name).read_bytes(), url)
    assert result.page_kind is PageKind.ITEM
    (record,) = result.items
    return record, result.warnings


def test_registry() -> None:
    assert unwrap(PLATFORMS["ahjo"].parse) is ahjo.parse
    assert unwrap(PLATFORMS["ahjo"].classify) is ahjo.classify


def test_decision_with_esitys_and_kasittely() -> None:
    record, warnings = item("fixture_meeting.html")
    assert warnings == ()
    assert record.external_id == "{66A185CD-0A2D-C12E-8698-88B441900000}"  # <META name=DhId>
    assert record.paragraph == "441"
    assert record.title.startswith("Kaupunkiympäristölautakunnan esitys kaupunginhallitukselle")
    assert record.diary_number == "HEL 2020-008126"  # without the class "T 00 01 06"
    assert record.meeting_kind is MeetingKind.POYTAKIRJA
    assert [(s.kind, s.heading) for s in record.sections] == [
        (SectionKind.PAATOSEHDOTUS, "Esitys"),
        (SectionKind.KASITTELY, "Käsittely"),
        (SectionKind.ESITTELIJA, "Esittelijä"),
        (SectionKind.TIEDOKSI, "Otteet"),
    ]
    esitys = record.sections[0]
    assert esitys.presenter == "kaupunkiympäristön toimialajohtaja yy"
    assert esitys.text.startswith("Kaupunkiympäristölautakunta esitti kaupunginhallitukselle, että")
    assert "\n\nkaupunginhallitus hyväksyy osaltaan Elielin- ja Asema-aukion" in esitys.text


@pytest.mark.parametrize(
    "name", ["fixture_decision-content.html", "fixture_decision-content-new.html"]
)
def test_decision_old_and_new_layout_agree(name: str) -> None:
    record, _ = item(name)
    assert (record.paragraph, record.diary_number) == ("62", "HEL 2024-009117")
    paatos = record.section(SectionKind.PAATOS)
    assert paatos is not None and paatos.text == "Kaupunginhallitus päätti panna asian pöydälle."
    kinds = [s.kind for s in record.sections]
    assert kinds[:2] == [SectionKind.PAATOS, SectionKind.KASITTELY]
    assert SectionKind.MUUTOKSENHAKU in kinds and SectionKind.VALMISTELIJA in kinds
    signature = "sähköisesti allekirjoitettu"
    assert all(signature not in s.text for s in record.sections)


def test_motion_is_the_agenda_version_of_the_same_item() -> None:
    motion, _ = item("fixture_decision-motion.html", DECISION.replace("/content", "/motion"))
    decision, _ = item("fixture_decision-content.html")
    assert motion.external_id == decision.external_id
    assert motion.meeting_kind is MeetingKind.ESITYSLISTA
    assert (
        motion.title == "Valtuutetun aloite syrjinnän vastaisen verkoston perustamisesta Helsinkiin"
    )
    ehdotus = motion.section(SectionKind.PAATOSEHDOTUS)
    assert ehdotus is not None and ehdotus.presenter == "kansliapäällikkö John Doe"
    assert [s.heading for s in motion.sections if s.kind is SectionKind.SELOSTUS] == [
        "Tiivistelmä", "Esittelijän perustelut",
    ]  # fmt: skip


def test_confidential_placeholder_is_an_item_with_a_warning() -> None:
    url = RECORDS + "%7B00000000-0000-0000-0000-000000000001%7D/content"
    record, warnings = item("fixture_confidential-decision-content.html", url)
    assert record.external_id == "{00000000-0000-0000-0000-000000000001}"  # from the URL
    assert (record.paragraph, record.title) == ("1", "JulkinenOtsikko")
    assert any("confidential" in w for w in warnings)


def test_record_json_gives_identity_meeting_and_pdf() -> None:
    url = RECORDS + "%7BAABBCC44-XX69-YYF6-ZZ69-FF61D9EFDDDB%7D"
    record, warnings = item("fixture_decision-record.json", url)
    assert record.meeting_external_id == "0040020254"
    assert record.position == 13 and record.paragraph is None
    assert record.pdf_url == "https://example.com/test-file.pdf"
    assert record.sections == () and warnings


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<html><body><h1>404 Not Found</h1></body></html>", "no Ahjo decision document"),
        (b'{"records": [', "not valid JSON"),
        (b'{"Title": "x"}', "without an Ahjo record"),
    ],
)
def test_bad_input_is_a_parse_error(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        ahjo.parse(body, DECISION)
