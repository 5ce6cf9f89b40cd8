"""Issue 4 acceptance: one harvest of the whole fixture site (every platform) brings all five
seeds into the archive with the right fields; bad input is a line, not a crash; a second
harvest changes nothing. Over SQLite and PostgreSQL (the ``archive`` fixture).

Seeds: 000 Kuopio Dynasty item, 002 Mikkeli CloudNC item, 001/004 programme web pages and
003 a slide-deck PDF (documents, not minutes). The site also serves Mikkeli's OpenNC API,
Oulu's and Vantaa's Tweb (POSTed meeting lists, item PDFs, a Word .doc) and PDF minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pykala.harvester.fixturesite import Fault, FixtureSite, serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.report import RunReport
from pykala.harvester.run import harvest
from pykala.harvester.sources import SourceConfig, load_sources
from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.search import search_items
from pykala.storage.search.documents import search_documents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MIKKELI_MEETING = (
    "https://mikkeli.cloudnc.fi/fi-FI/Toimielimet/Kasvatus_ja_opetuslautakunta/Kokous_22112018"
)
SEED_001 = (
    "https://www.innokyla.fi/fi/toimintamalli/posote20-pohjois-savon-perhekeskustoimintasuunnitelma"
)
MINUTES_PDF = "https://www.esimerkkila.fi/poytakirjat/sivistyslautakunta_2021-03-16.pdf"


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve_fixture_site() as running:
        yield running


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(Politeness(min_interval=0, tries=2, backoff=0.01)) as c:
        yield c


@pytest.fixture
def sources(site: FixtureSite, tmp_path: Path) -> list[SourceConfig]:
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(groups=None), encoding="utf-8")
    return load_sources(path)


def run(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> RunReport:
    return harvest(archive, sources, client, scope=site.covers)


def item(archive: Archive, source: str, external_id: str) -> dict[str, Any]:
    with archive.session() as session:
        row = session.scalars(
            select(models.Item)
            .join(models.Source, models.Source.id == models.Item.source_id)
            .where(models.Source.name == source, models.Item.external_id == external_id)
        ).one()
        body = session.get(models.Body, row.body_id) if row.body_id else None
        meeting = session.get(models.Meeting, row.meeting_id) if row.meeting_id else None
        sections = session.scalars(
            select(models.Section)
            .where(models.Section.item_id == row.id)
            .order_by(models.Section.ordinal)
        ).all()
        return {
            "title": row.title,
            "paragraph": row.paragraph,
            "diary_number": row.diary_number,
            "body": body.name if body else None,
            "meeting": meeting.external_id if meeting else None,
            "date": row.meeting_date,
            "kind": row.meeting_kind,
            "sections": {s.kind: (s.text, s.presenter) for s in sections},
        }


def documents(archive: Archive) -> dict[str, dict[str, Any]]:
    with archive.session() as session:
        return {
            d.external_id: {
                "title": d.title,
                "dates": d.dates,
                "region": d.region,
                "organisation": d.organisation,
                "municipality": d.municipality_code,
                "text": d.text,
            }
            for d in session.scalars(select(models.Document))
        }


def snapshot(archive: Archive) -> list[Any]:
    with archive.session() as session:
        items = session.execute(
            select(
                models.Item.external_id, models.Item.content_hash, models.Item.meeting_id
            ).order_by(models.Item.id)
        ).all()
        docs = session.execute(
            select(models.Document.external_id, models.Document.content_hash).order_by(
                models.Document.id
            )
        ).all()
        versions = session.scalar(select(func.count()).select_from(models.ItemVersion))
    return [list(items), list(docs), versions]


def test_one_harvest_brings_every_seed(
    archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    report = run(archive, sources, client, site)
    assert report.error_lines() == [] and report.exit_status == 0

    seed_000 = item(archive, "kuopio", "2020362412-5")
    assert seed_000["paragraph"] == "48" and seed_000["diary_number"] == "2361/06.00.00/2020"
    assert seed_000["title"].startswith("Kuopion Perhekeskustoimintamalli - projektityöskentely")
    assert (seed_000["body"], seed_000["date"], seed_000["kind"]) == (
        "Perusturva- ja terveyslautakunta",
        date(2020, 5, 19),
        "poytakirja",
    )
    assert seed_000["sections"]["paatosehdotus"][1] == "Apulaiskaupunginjohtaja Jari Saarinen"
    assert seed_000["sections"]["paatos"][0].startswith(
        "Perusturva- ja terveyslautakunta hyväksyi yksimielisesti"
    )

    seed_002 = item(archive, "mikkeli", "14112")
    assert (seed_002["paragraph"], seed_002["diary_number"]) == ("118", "MliDno-2018-2371")
    assert (
        seed_002["title"] == "Mikkelin kaupungin osallistuminen Etelä-Savon perhekeskustoimintaan"
    )
    assert (seed_002["body"], seed_002["date"], seed_002["kind"]) == (
        "Kasvatus- ja opetuslautakunta",
        date(2018, 11, 22),
        "poytakirja",
    )
    assert seed_002["meeting"] == "Kasvatus_ja_opetuslautakunta/Kokous_22112018"
    assert seed_002["sections"]["paatos"][0] == (
        "Hyväksyttiin.\n\nMerkitään, että Eero Aho poistui kokouksesta tämän pykälän "
        "käsittelyn jälkeen."
    )

    docs = {site.original_for(key): doc for key, doc in documents(archive).items()}
    seed_001 = docs[SEED_001]
    assert seed_001["title"] == "POSOTE20: Pohjois-Savon perhekeskustoimintasuunnitelma"
    assert (seed_001["region"], seed_001["organisation"]) == (
        "Pohjois-Savo",
        "Pohjois-Savon hyvinvointialue",
    )
    assert seed_001["dates"] == ["2022-08-24", "2023-12-18", "2022-12-31"]
    assert "Pohjois-Savon perhekeskustoimintamalli" in seed_001["text"]
    seed_004 = docs["https://www.pohjois-savonlape.fi/"]
    assert seed_004["title"] == "Uudistuvat lasten, nuorten ja perheiden palvelut"
    assert (seed_004["region"], seed_004["dates"]) == ("Pohjois-Savo", ["2018-12-04", "2018-11-02"])
    assert "Hyvä arki kuuluu kaikille Pohjois-Savossa!" in seed_004["text"]
    seed_003 = docs["https://www.sotekeskisuomi.fi/materiaalit/LAPE_tyoryhma_19.4.2016.pdf"]
    assert (seed_003["title"], seed_003["region"]) == (
        "Keski-Suomen SOTE2020 - hanke",
        "Keski-Suomi",
    )
    assert seed_003["dates"][0] == "2016-04-19" and seed_003["municipality"] is None
    assert "lasten, nuorten ja perheiden työryhmä" in seed_003["text"]

    # Tweb: the list row and the PDF make one item (meeting, § and date from the row, text
    # from the PDF); the Word .doc is a warning and its row's item keeps the row's fields.
    oulu_72 = item(archive, "oulu", "632581")
    assert (oulu_72["meeting"], oulu_72["paragraph"], oulu_72["date"]) == (
        "12867",
        "72",
        date(2017, 3, 27),
    )
    assert oulu_72["diary_number"] == "OUKA/899/02.06.01.04/2017" and oulu_72["sections"]
    vantaa_10 = item(archive, "vantaa", "1135625")
    assert (vantaa_10["meeting"], vantaa_10["paragraph"]) == ("130013", "10") and vantaa_10[
        "sections"
    ]
    doc_row = item(archive, "oulu", "632585")
    assert (doc_row["paragraph"], doc_row["sections"]) == ("74", {})
    assert any(
        "docid=632585: Word .doc where a PDF was expected" in w
        for s in report.sources
        for w in s.warnings
    )
    # OpenNC: every item of the meeting, linked to it; PDF minutes: one item per §.
    with archive.session() as session:
        opennc = session.execute(
            select(func.count(), func.count(models.Item.meeting_id))
            .join(models.Source, models.Source.id == models.Item.source_id)
            .where(models.Source.name == "mikkeli-opennc")
        ).one()
        assert tuple(opennc) == (46, 46)
        search = search_documents(session, "perhekeskus")
        assert site.url_for(SEED_001) in {h.document_id for h in search}
        assert {h.item_id for h in search_items(session, "perhekeskustoiminta")} >= {
            "mikkeli:14112"
        }
    assert {s.name: s.inserted for s in report.sources}["esimerkkila"] == 3

    before = snapshot(archive)
    second = run(archive, sources, client, site)
    assert second.totals()["inserted"] == second.totals()["updated"] == 0
    assert second.exit_status == 0, second.error_lines()
    assert snapshot(archive) == before


def test_bad_input_is_a_line_and_nothing_stored_is_lost(
    sqlite_archive: Archive, sources: list[SourceConfig], client: PoliteClient, site: FixtureSite
) -> None:
    archive = sqlite_archive
    run(archive, sources, client, site)
    before = snapshot(archive)
    # The PDF minutes replaced by an HTML error page, the CloudNC meeting page without
    # its date line, one OpenNC item answering 404.
    site.set_content(
        MINUTES_PDF, b"<html><body>Palvelu ei ole saatavilla</body></html>", "application/pdf"
    )
    meeting = (FIXTURES / "cloudnc/mikkeli/meeting_Kokous_22112018.html").read_bytes()
    site.set_content(MIKKELI_MEETING, meeting.replace(b"kokous 22.11.2018", b"kokous"))
    site.faults.add(Fault("*Contents(4030)/ExtendedProperties*", status=404))
    report = harvest(archive, sources, client, scope=site.covers, full=True)
    lines = report.error_lines()
    assert any(line.startswith("esimerkkila: cannot parse") for line in lines), lines
    assert any("HTTP 404" in line and "Contents(4030)" in line for line in lines), lines
    mikkeli = next(s for s in report.sources if s.name == "mikkeli")
    assert any("no meeting date found" in w for w in mikkeli.warnings), mikkeli.warnings
    assert snapshot(archive)[0] == before[0] and snapshot(archive)[1] == before[1]
