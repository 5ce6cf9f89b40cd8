"""Documents that are not minutes (seeds 001, 003, 004), Finnish dates, and PDF minutes
split into items at § headings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pykala.parsers import minutes_pdf, webpage
from pykala.parsers.dates import find_dates
from pykala.parsers.records import MeetingKind, PageKind, SectionKind

DOCS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
MINUTES = Path(__file__).resolve().parent.parent / "fixtures" / "pdf"


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("alkaen 1.10.2020", (date(2020, 10, 1),)),
        ("kokeilu 13.1.–30.9.2020", (date(2020, 1, 13), date(2020, 9, 30))),
        ("seuranta 1.1.-28.2.2017", (date(2017, 1, 1), date(2017, 2, 28))),
        ("1.–3.6.2020", (date(2020, 6, 1), date(2020, 6, 3))),
        ("syksyllä 2020, vuosina 2016–2018, 4/2016", ()),
        ("12.30-13.00 Kahvia, 6/21/2016, 7.4. Oikaisuvaatimus", ()),
        ("31.2.2020", ()),
        ("24.08.2022 ja taas 24.8.2022", (date(2022, 8, 24),)),
    ],
)
def test_find_dates(text: str, dates: tuple[date, ...]) -> None:
    assert find_dates(text) == dates


def test_innokyla_programme_page() -> None:
    url = "https://www.innokyla.fi/fi/toimintamalli/posote20-pohjois-savon-perhekeskustoimintasuunnitelma"
    body = (DOCS / "webpage/innokyla_posote20_perhekeskustoimintasuunnitelma.html").read_bytes()
    (doc,) = webpage.parse(body, url).documents
    assert doc.title == "POSOTE20: Pohjois-Savon perhekeskustoimintasuunnitelma"
    assert doc.region == "Pohjois-Savo"  # the labelled field
    assert doc.organisation == "Pohjois-Savon hyvinvointialue"  # "Toteutuspaikka"
    assert doc.municipality_code is None  # not stated: the caller may pass it
    assert doc.dates[:2] == (date(2022, 8, 24), date(2023, 12, 18))
    assert "Perhekeskus on yhteensovitettu monialainen palveluverkosto" in doc.text
    assert "Toimintasuunnitelma on laadittu vuosille 2023-2025." in doc.text
    assert "Created with Sketch" not in doc.text and "Päävalikko" not in doc.text


def test_lape_front_page() -> None:
    body = (DOCS / "webpage/pohjois-savon_lape_etusivu.html").read_bytes()
    (doc,) = webpage.parse(body, "https://www.pohjois-savonlape.fi/").documents
    assert doc.title == "Uudistuvat lasten, nuorten ja perheiden palvelut"
    assert doc.region == "Pohjois-Savo"  # "Hyvä arki kuuluu kaikille Pohjois-Savossa!"
    assert doc.organisation is None
    assert doc.dates == (date(2018, 12, 4), date(2018, 11, 2))
    assert "Perhekeskuksella tarkoitetaan alueellista lähipalvelujen verkostoa." in doc.text
    assert "Perheille" not in doc.text  # navigation is not text


def test_slide_deck_pdf() -> None:
    url = "https://www.sotekeskisuomi.fi/materiaalit/LAPE_tyoryhma_19.4.2016.pdf"
    body = (DOCS / "pdf/ks_sote2020_lape_tyoryhma_2016-04-19.pdf").read_bytes()
    result = minutes_pdf.parse(body, url)
    assert result.page_kind is PageKind.DOCUMENT and not result.items
    (doc,) = result.documents
    assert doc.title == "Keski-Suomen SOTE2020 - hanke"  # the first slide's heading
    assert doc.region == "Keski-Suomi"
    assert doc.dates[:3] == (date(2016, 4, 19), date(2016, 6, 21), date(2016, 4, 4))
    assert "Perhekeskusmallin käyttöönottaminen Keski-Suomessa" in doc.text
    assert "Hankesuunnitelma on virallistettu 4.4.2016" in doc.text


def test_minutes_pdf_split_at_paragraphs() -> None:
    url = "https://www.esimerkkila.fi/poytakirjat/sivistyslautakunta_2021-03-16.pdf"
    result = minutes_pdf.parse((MINUTES / "sivistyslautakunta_2021-03-16.pdf").read_bytes(), url)
    (meeting,) = result.meetings
    assert (meeting.body_name, meeting.date, meeting.kind) == (
        "Sivistyslautakunta", date(2021, 3, 16), MeetingKind.POYTAKIRJA,
    )  # fmt: skip
    assert [i.paragraph for i in result.items] == ["12", "13", "14"]  # "§ 12" and "13 §"
    first, second, third = result.items
    assert first.title == "Perhekeskuksen toimintasuunnitelma 2021–2022"
    assert first.diary_number == "SIV/45/05.00.00/2021"
    assert [s.kind for s in first.sections] == [
        SectionKind.VALMISTELIJA, SectionKind.SELOSTUS, SectionKind.ESITTELIJA,
        SectionKind.PAATOSEHDOTUS, SectionKind.PAATOS,
    ]  # fmt: skip
    kasittely = second.section(SectionKind.KASITTELY)
    assert kasittely is not None and "Jörn Åkerlund" in kasittely.text
    assert third.external_id == f"{url}#§14" and third.meeting_external_id == url
    assert all("sivu" not in s.text for i in result.items for s in i.sections)  # footer
