"""Field-by-field checks of the CloudNC HTML and OpenNC API parsers (seed 002, real API JSON)."""

from __future__ import annotations

from datetime import date
from inspect import unwrap
from pathlib import Path

import pytest

from pykala.harvester.platforms import PLATFORMS
from pykala.parsers import casem, cloudnc, opennc
from pykala.parsers.diary import find_diary_number
from pykala.parsers.records import ItemRecord, MeetingKind, PageKind, ParseError, SectionKind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cloudnc"
HOST = "https://mikkeli.cloudnc.fi"
MEETING_URL = f"{HOST}/fi-FI/Toimielimet/Kasvatus_ja_opetuslautakunta/Kokous_22112018"
ITEM_URL = f"{MEETING_URL}/Mikkelin_kaupungin_osallistuminen_Etela_(14112)"
API = "http://mikkeli.cloudnc.fi/api/opennc/v1"
CT = "text/html; charset=utf-8"


def read(rel: str) -> bytes:
    return (FIXTURES / rel).read_bytes()


@pytest.fixture(scope="module")
def seed() -> ItemRecord:
    result = cloudnc.parse(read("mikkeli/item_14112.html"), ITEM_URL, CT)
    assert result.page_kind is PageKind.ITEM and result.warnings == ()
    (item,) = result.items
    return item


def test_registry() -> None:
    assert unwrap(PLATFORMS["cloudnc"].parse) is cloudnc.parse
    assert unwrap(PLATFORMS["cloudnc"].classify) is cloudnc.classify
    assert unwrap(PLATFORMS["opennc"].parse) is opennc.parse
    assert unwrap(PLATFORMS["opennc"].classify) is opennc.classify


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"{HOST}/fi-FI/Toimielimet", PageKind.BODY_LIST),
        (f"{HOST}/fi-FI/Toimielimet/Kaupunginhallitus", PageKind.MEETING_LIST),
        (f"{HOST}/fi-FI/Toimielimet/Kaupunginhallitus/Kokous_3182020", PageKind.MEETING),
        (
            f"{HOST}/fi-FI/Toimielimet/Kaupunginhallitus/Kokous_3182020/"
            "Kaupunginhallituksen_lausunto_aluehallin(33184)",
            PageKind.ITEM,
        ),
        ("https://tampere.cloudnc.fi/fi-FI/content/236397/23597", PageKind.ITEM),
        (f"{HOST}/download/noname/{{5d0c7f3e}}/61402", PageKind.DOCUMENT),
        (f"{HOST}/fi-FI/Kuulutukset", PageKind.UNKNOWN),
        (f"{API}/Nodes?$format=json", PageKind.BODY_LIST),
        (f"{API}/Nodes(10717)/SubNodes()?$format=json", PageKind.BODY_LIST),
        (f"{API}/Nodes(10717)/SubNodes(11217)/SubNodes()?$format=json", PageKind.MEETING_LIST),
        (
            f"{API}/Contents()?$format=json&$filter=Classifications/any(f:f/NodeId eq 12381)",
            PageKind.MEETING,
        ),
        (f"{API}/Contents(4020)/ExtendedProperties?$format=json", PageKind.ITEM),
    ],
)
def test_classify(url: str, kind: PageKind) -> None:
    assert cloudnc.classify(url) is kind


# --- seed 002 ---------------------------------------------------------------------------


def test_seed_identity_and_header(seed: ItemRecord) -> None:
    assert seed.external_id == "14112"  # the contentId in the URL
    assert seed.meeting_external_id == "Kasvatus_ja_opetuslautakunta/Kokous_22112018"
    assert seed.paragraph == "118"
    assert seed.title == "Mikkelin kaupungin osallistuminen Etelä-Savon perhekeskustoimintaan"
    assert seed.body_name == "Kasvatus- ja opetuslautakunta"
    assert seed.meeting_date == date(2018, 11, 22)
    assert seed.meeting_kind is MeetingKind.POYTAKIRJA  # "Pöytäkirja on tarkastettu"
    assert seed.diary_number == "MliDno-2018-2371"
    assert seed.diary_number_normalised == "MLIDNO-2018-2371"
    assert seed.language == "fi"


def test_seed_sections_in_order(seed: ItemRecord) -> None:
    assert [(s.kind, s.heading) for s in seed.sections] == [
        (SectionKind.VALMISTELIJA, "Valmistelija"),
        (SectionKind.SELOSTUS, "Kuvaus"),
        (SectionKind.PAATOSEHDOTUS, "Päätösehdotus"),  # Esittelijä folded into it
        (SectionKind.PAATOS, "Päätös"),
        (SectionKind.TIEDOKSI, "Tiedoksi"),
        (SectionKind.MUUTOKSENHAKU, "Muutoksenhaku"),
    ]  # "Käsitellyt asiat" (navigation) is not a section


def test_seed_valmistelija_and_kuvaus(seed: ItemRecord) -> None:
    valmistelija = seed.section(SectionKind.VALMISTELIJA)
    assert valmistelija is not None
    assert valmistelija.text == (
        "Seija Manninen, kasvatus- ja opetusjohtaja, Seija.Manninen@mikkeli.fi"
    )
    kuvaus = seed.section(SectionKind.SELOSTUS)
    assert kuvaus is not None
    paragraphs = kuvaus.text.split("\n\n")
    assert paragraphs[0].startswith("Etelä-Savon alueella valmistellaan")
    # A hard-wrapped bullet is one line again; the next bullet is its own paragraph.
    assert paragraphs[3] == (
        "- verkostoidaan perheiden tarpeita vastaava avoin toiminta, varhainen tuki ja"
        " palvelut yhteen sovitetuksi toimivaksi kokonaisuudeksi"
    )
    assert paragraphs[4].startswith("- perustetaan yhteisöllisiä kohtaamispaikkoja")
    assert paragraphs[-1] == (
        "Liitteenä on maakunnallinen perhekeskustoiminnan rakenne - Etelä-Savo."
    )


def test_seed_paatosehdotus(seed: ItemRecord) -> None:
    ehdotus = seed.section(SectionKind.PAATOSEHDOTUS)
    assert ehdotus is not None
    assert ehdotus.presenter == "Virpi Siekkinen, sivistysjohtaja, Virpi.siekkinen@mikkeli.fi"
    assert ehdotus.text.split("\n\n") == [
        "Kasvatus- ja opetuslautakunta päättää",
        "1) että Mikkelin kaupunki osallistuu Etelä-Savossa käynnistettävään maakunnalliseen"
        " perhekeskustoimintaan",
        "2) nimeää kasvatus- ja opetusjohtaja Seija Mannisen Mikkelin kaupungin osalta"
        " perhekeskustoiminnan vastuuhenkilöksi sekä lasten, nuorten ja perheiden palveluiden"
        " sekä seurakunta- ja järjestöyhteistyön palvelukokonaisuudesta vastaavaksi johtajaksi",
        "3) nimeää Mikkelin kaupungin perhekeskustoiminnan vastuuhenkilöiksi (2 henkilöä)"
        " Nina Jussi-Pekan ja Anu Kokkosen operatiiviseen yhteistyöhön maakunnalliseen"
        " verkostoon.",
    ]
    assert seed.section(SectionKind.ESITTELIJA) is None


def test_seed_paatos_keeps_the_note(seed: ItemRecord) -> None:
    paatos = seed.section(SectionKind.PAATOS)
    assert paatos is not None
    assert paatos.text == (
        "Hyväksyttiin.\n\n"
        "Merkitään, että Eero Aho poistui kokouksesta tämän pykälän käsittelyn jälkeen."
    )


def test_seed_tiedoksi_and_muutoksenhaku(seed: ItemRecord) -> None:
    tiedoksi = seed.section(SectionKind.TIEDOKSI)
    muutoksenhaku = seed.section(SectionKind.MUUTOKSENHAKU)
    assert tiedoksi is not None and muutoksenhaku is not None
    assert tiedoksi.text == "Katja Saukkonen (Lape Essote), Nina Jussi-Pekka ja Anu Kokkonen"
    assert muutoksenhaku.text == (
        "Valmistelua tai täytäntöönpanoa koskevaan päätökseen ei saa hakea muutosta."
        " Sovellettava lainkohta: Kuntalaki 136 §."
    )


def test_seed_attachment_and_links(seed: ItemRecord) -> None:
    (attachment,) = seed.attachments
    assert attachment.url.endswith("/download/noname/{5d0c7f3e-2a41-4a8e-9b1c-6f2e8d4a9b17}/61402")
    result = cloudnc.parse(read("mikkeli/item_14112.html"), ITEM_URL, CT)
    kinds = [link.kind for link in result.links]
    assert kinds.count(PageKind.ITEM) == 6  # the other items of the meeting, not itself
    assert PageKind.MEETING in kinds


def test_meeting_page() -> None:
    result = cloudnc.parse(read("mikkeli/meeting_Kokous_22112018.html"), MEETING_URL, CT)
    (meeting,) = result.meetings
    assert meeting.date == date(2018, 11, 22)
    assert meeting.body_name == "Kasvatus- ja opetuslautakunta"
    assert meeting.status == "Pöytäkirja on tarkastettu"
    assert meeting.kind is MeetingKind.POYTAKIRJA
    assert meeting.pdf_url is not None and meeting.pdf_url.endswith("/61455")  # not Esityslista
    assert len(result.links) == 7
    assert ITEM_URL in {link.url for link in result.links}


def test_short_content_url_takes_meeting_from_breadcrumb() -> None:
    url = f"{HOST}/fi-FI/content/54141/14112"
    (item,) = cloudnc.parse(read("mikkeli/item_14112.html"), url, CT).items
    assert item.external_id == "14112"
    assert item.meeting_external_id == "Kasvatus_ja_opetuslautakunta/Kokous_22112018"


# --- bad CloudNC input -------------------------------------------------------------------


def test_page_without_a_readable_date_warns() -> None:
    page = read("mikkeli/item_14112.html").replace(b", kokous 22.11.2018", b", kokous")
    result = cloudnc.parse(page, ITEM_URL, CT)
    (item,) = result.items
    assert item.meeting_date is None and item.body_name is None
    assert "no meeting date found" in result.warnings
    assert item.paragraph == "118"  # the rest still parses
    meeting = read("mikkeli/meeting_Kokous_22112018.html").replace(b"kokous 22.11.2018", b"")
    result = cloudnc.parse(meeting, MEETING_URL, CT)
    assert result.meetings[0].date is None
    assert "no meeting date found" in result.warnings


@pytest.mark.parametrize("body", [b"", b" \n"])
def test_empty_cloudnc_page_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match="empty"):
        cloudnc.parse(body, ITEM_URL)


def test_item_page_without_title_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no title"):
        cloudnc.parse(b"<html><body><p>Palvelussa on huoltokatko.</p></body></html>", ITEM_URL)


# --- OpenNC ---------------------------------------------------------------------------------


def props(town: str, cid: int, url: str | None = None) -> ItemRecord:
    rel = f"opennc_{town}/contents_{cid}_extended_properties.json"
    url = url or f"http://{town}.cloudnc.fi/api/opennc/v1/Contents({cid})/ExtendedProperties"
    (item,) = cloudnc.parse(read(rel), url).items  # routed through cloudnc by /api/opennc/
    return item


def test_opennc_chain_carries_meeting_and_body_to_the_item() -> None:
    root = f"{API}/Nodes(10717)/SubNodes()"
    bodies = opennc.parse(read("opennc_mikkeli/10717_subnodes.json"), root)
    khall = next(link for link in bodies.links if link.body_name == "Kaupunginhallitus")
    folder = opennc.parse(read("opennc_mikkeli/10717_11217_subnodes.json"), khall.url)
    (kokoukset,) = folder.links
    meetings = opennc.parse(read("opennc_mikkeli/10717_11217_11218_subnodes.json"), kokoukset.url)
    june = next(link for link in meetings.links if link.meeting_date == date(2017, 6, 5))
    assert june.kind is PageKind.MEETING and june.body_name == "Kaupunginhallitus"
    contents = opennc.parse(read("opennc_mikkeli/node_12381_contents.json"), june.url)
    (meeting,) = contents.meetings
    assert (meeting.external_id, meeting.date, meeting.body_name) == (
        "12381", date(2017, 6, 5), "Kaupunginhallitus",
    )  # fmt: skip
    link = next(x for x in contents.links if "Contents(4020)" in x.url)
    item = props("mikkeli", 4020, link.url)
    assert (item.meeting_external_id, item.body_name, item.meeting_date) == (
        "12381", "Kaupunginhallitus", date(2017, 6, 5),
    )  # fmt: skip


def test_opennc_mikkeli_4020() -> None:
    item = props("mikkeli", 4020)
    assert item.external_id == "4020"
    assert item.paragraph == "233"
    assert item.diary_number == "MliDno-2017-206"
    assert item.title.startswith("Mikkelin kaupungin luovuttamien tonttien hinnoittelu")
    assert item.meeting_kind is MeetingKind.ESITYSLISTA  # Decision is empty: the agenda
    assert item.meeting_external_id is None  # no hints in this URL
    kinds = [s.kind for s in item.sections]
    assert kinds == [
        SectionKind.PAATOSHISTORIA, SectionKind.VALMISTELIJA, SectionKind.SELOSTUS,
        SectionKind.PAATOSEHDOTUS,
    ]  # fmt: skip
    history = item.sections[0].text
    assert history.startswith("Tekninen lautakunta 25.4.2017\n\nTällä hetkellä voimassa")
    assert "\n\nPäätös\n\nAsiasta käydyn keskustelun aikana Jaana Strandman" in history
    ehdotus = item.section(SectionKind.PAATOSEHDOTUS)
    assert ehdotus is not None
    assert ehdotus.presenter == "Timo Halonen, kaupunginjohtaja, timo.halonen@mikkeli.fi"
    assert "sovellettaviksi vuosina 2018-2020" in ehdotus.text  # &auml; and &nbsp; decoded
    assert "&" not in ehdotus.text and "<" not in ehdotus.text
    assert [a.url.rsplit("/", 1)[1] for a in item.attachments] == ["57432", "57433", "57434"]
    assert item.attachments[0].url == (
        "http://mikkeli.cloudnc.fi/download/noname/{bdc88fb4-6f79-4b11-a237-4c390d493568}/57432"
    )
    assert item.attachments[0].title == "Liite kh Hinnoittelualuekartat 2018.pdf"


def test_opennc_tampere_61_minutes() -> None:
    item = props("tampere", 61)
    assert item.paragraph == "15"
    assert item.diary_number == "TRE:1863/10.03.02/2016"
    assert item.meeting_kind is MeetingKind.POYTAKIRJA
    valmistelija = item.section(SectionKind.VALMISTELIJA)
    paatos = item.section(SectionKind.PAATOS)
    assert valmistelija is not None and paatos is not None
    assert valmistelija.text == (
        "Petri Kantola, Rakennuttamispäällikkö, Petri.Kantola@tampere.fi\n\n"
        "Vs. rakennuttamispäällikkö Petri Kantola, puh. 050 364 6095,"
        " etunimi.sukunimi@tampere.fi"
    )  # Draftsmans + DraftingNotes
    assert paatos.text.split("\n\n") == [
        "Asia palautettiin uudelleen valmisteltavaksi.",
        "Päätösvalmistelusihteeri Anneli Harjuntausta, puh. 040 806 3149,"
        " etunimi.sukunimi@tampere.fi",
    ]  # Decision + DecisionNotes
    kuvaus = item.section(SectionKind.SELOSTUS)
    assert kuvaus is not None
    assert "Jäsen Hannele Strömberg esitti, että asia jätetään pöydälle." in kuvaus.text


def test_opennc_tampere_68_muutoksenhaku_and_tiedoksi() -> None:
    item = props("tampere", 68)
    muutoksenhaku = item.section(SectionKind.MUUTOKSENHAKU)
    assert muutoksenhaku is not None
    assert muutoksenhaku.text.startswith("Valitusosoitus: Rakennus- ja toimenpidelupa\n\n")
    tiedoksi = props("tampere", 60).section(SectionKind.TIEDOKSI)
    assert tiedoksi is not None
    assert tiedoksi.text == (
        "Lars Granroth, Pasi Palmu/kake, Mikko Vainiomäki/kake, Kristiina Lindberg/kake"
    )


def test_opennc_cover_page_is_the_meeting() -> None:
    url = f"{API}/Contents(4019)/ExtendedProperties?$format=json&pykala_meeting=12381"
    result = opennc.parse(read("opennc_mikkeli/contents_4019_extended_properties.json"), url)
    assert result.page_kind is PageKind.MEETING and result.items == ()
    (meeting,) = result.meetings
    assert meeting.external_id == "12381"
    assert meeting.pdf_url is not None and meeting.pdf_url.endswith("/57431")


def test_every_opennc_item_parses() -> None:
    files = sorted(FIXTURES.glob("opennc_*/contents_*_extended_properties.json"))
    assert len(files) == 47 + 13
    items = 0
    for path in files:
        cid = path.name.split("_")[1]
        result = opennc.parse(path.read_bytes(), f"{API}/Contents({cid})/ExtendedProperties")
        items += len(result.items)
        for item in result.items:
            assert item.title and item.paragraph and item.sections
    assert items == 58  # 60 files minus the two cover pages


def test_person_values() -> None:
    assert casem.person("Timo Halonen;#kaupunginjohtaja;#;#timo.halonen@mikkeli.fi;#") == (
        "Timo Halonen, kaupunginjohtaja, timo.halonen@mikkeli.fi"
    )
    assert casem.person("A B;#pj;#;#;#!#C D;#;#;#;#") == "A B, pj\nC D"
    assert find_diary_number("ROIDno-2020-12") == "ROIDno-2020-12"


# --- bad OpenNC input --------------------------------------------------------------------------

ITEM_API = f"{API}/Contents(4020)/ExtendedProperties?$format=json"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<html><head><title>404 - File or directory not found.</title></head></html>",
         "HTML instead of JSON: 404 - File or directory not found."),
        (b"not json at all", "not valid JSON"),
        (read("opennc_mikkeli/contents_4020_extended_properties.json")[:500], "not valid JSON"),
        (b'{"odata.error":{"code":"","message":{"lang":"en-US","value":"No such node"}}}',
         "OData error: No such node"),
        (b'{"value": 3}', "without an OData 'value' array"),
        (b"\xff\xfe{", "not UTF-8"),
    ],
)  # fmt: skip
def test_bad_api_responses_are_parse_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        cloudnc.parse(body, ITEM_API)
    assert reason in info.value.reason
    assert "\n" not in info.value.reason
