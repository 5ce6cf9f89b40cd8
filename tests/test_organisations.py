"""Organisations in the archive (issue 16): the migration, exports and filters through an
organisation's members, and an item stored once when two sources of one organisation
show it. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import inspect, select, text

from pykala.harvester.sources import load_municipalities, load_sources
from pykala.storage import models
from pykala.storage.db import Archive, migrate
from pykala.storage.export import iter_export_rows
from pykala.storage.filters import ItemFilters
from pykala.storage.sources import sync_sources
from tests.storagekit import item, item_page, store

# A joint authority with members in two regions (Espoo: Uusimaa, Hämeenlinna: Kanta-Häme),
# a wellbeing county with two sources (an old and a new platform) and a municipality.
SOURCES = """
[[organisation]]
code = "1234567-1"
type = "joint_authority"
name_fi = "Testin kuntayhtymä"
name_sv = "Testets samkommun"
members = ["049", "109"]

[[source]]
name = "testin-ky"
platform = "dynasty"
base_url = "https://testinky.oncloudos.com/cgi/DREQUEST.PHP"
organisation = "1234567-1"

[[source]]
name = "kuopio"
platform = "dynasty"
base_url = "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP"
municipality = "297"

[[source]]
name = "pshva-old"
platform = "tweb"
base_url = "https://pshva.tweb.fi/ktwebscr/"
organisation = "13"

[[source]]
name = "pshva"
platform = "dynasty"
base_url = "https://pshva.oncloudos.com/cgi/DREQUEST.PHP"
organisation = "13"
enabled = false
disabled_reason = "not confirmed"
"""


def _sync(archive: Archive, tmp_path: Path, text_: str = SOURCES) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(text_, encoding="utf-8")
    with archive.session() as session:
        sync_sources(session, load_sources(path), load_municipalities())


def _ids(archive: Archive, filters: ItemFilters | None = None) -> list[str]:
    with archive.session() as session:
        return sorted(str(r["item_id"]) for r in iter_export_rows(session, filters))


def _filled(archive: Archive, tmp_path: Path) -> Archive:
    _sync(archive, tmp_path)
    store(archive, item_page(item("100-1")), source="testin-ky")
    store(archive, item_page(item("200-1")), source="kuopio")
    store(archive, item_page(item("300-1", paragraph="7")), source="pshva-old")
    return archive


def test_organisations_and_members_are_stored(archive: Archive, tmp_path: Path) -> None:
    _sync(archive, tmp_path)
    with archive.session() as session:
        orgs = {o.code: o for o in session.scalars(select(models.Organisation))}
        assert len(orgs) == 308 + 1 + 1  # every municipality, the joint authority, a county
        ky = orgs["1234567-1"]
        assert (ky.type, ky.name_fi, ky.name_sv) == (
            "joint_authority",
            "Testin kuntayhtymä",
            "Testets samkommun",
        )
        members = session.scalars(
            select(models.OrganisationMember.municipality_code).where(
                models.OrganisationMember.organisation_id == ky.id
            )
        ).all()
        assert sorted(members) == ["049", "109"]
        assert orgs["13"].type == "wellbeing_county"
        sources = {s.name: s for s in session.scalars(select(models.Source))}
        assert sources["testin-ky"].organisation_id == ky.id
        assert sources["testin-ky"].municipality_code is None
        assert sources["kuopio"].organisation_id == orgs["297"].id
        assert (sources["pshva"].enabled, sources["pshva"].disabled_reason) == (
            False,
            "not confirmed",
        )
    # A member leaves the joint authority: the next sync drops it.
    _sync(archive, tmp_path, SOURCES.replace('["049", "109"]', '["049"]'))
    with archive.session() as session:
        ky_id = session.scalar(
            select(models.Organisation.id).where(models.Organisation.code == "1234567-1")
        )
        members = session.scalars(
            select(models.OrganisationMember.municipality_code).where(
                models.OrganisationMember.organisation_id == ky_id
            )
        ).all()
        assert list(members) == ["049"]


def test_export_rows_carry_the_organisation_and_its_members_places(
    archive: Archive, tmp_path: Path
) -> None:
    _filled(archive, tmp_path)
    with archive.session() as session:
        rows = {r["source"]: r for r in iter_export_rows(session)}
    ky, kuopio, county = rows["testin-ky"], rows["kuopio"], rows["pshva-old"]
    assert (ky["organisation_code"], ky["organisation"], ky["organisation_type"]) == (
        "1234567-1",
        "Testin kuntayhtymä",
        "joint_authority",
    )
    assert (ky["municipality_code"], ky["municipality"]) == (None, None)
    assert ky["region"] == "Kanta-Häme; Uusimaa"
    assert ky["wellbeing_county"] == (
        "Kanta-Hämeen hyvinvointialue; Länsi-Uudenmaan hyvinvointialue"
    )
    assert (kuopio["municipality_code"], kuopio["municipality"], kuopio["region"]) == (
        "297",
        "Kuopio",
        "Pohjois-Savo",
    )
    assert (kuopio["organisation_code"], kuopio["organisation_type"]) == ("297", "municipality")
    assert county["organisation_type"] == "wellbeing_county"
    assert county["municipality_code"] is None
    assert county["wellbeing_county"] == "Pohjois-Savon hyvinvointialue"
    assert county["region"] == "Pohjois-Savo"


def test_filters_match_through_the_members(archive: Archive, tmp_path: Path) -> None:
    _filled(archive, tmp_path)
    ky, kuopio, county = "testin-ky:100-1", "kuopio:200-1", "pshva-old:300-1"
    assert _ids(archive, ItemFilters(region="Kanta-Häme")) == [ky]
    assert _ids(archive, ItemFilters(region="uusimaa")) == [ky]
    assert _ids(archive, ItemFilters(region="Pohjois-Savo")) == [kuopio, county]
    assert _ids(archive, ItemFilters(county="Länsi-Uudenmaan")) == [ky]
    assert _ids(archive, ItemFilters(county="Pohjois-Savon")) == [kuopio, county]
    # By the organisation's code or name (Finnish or Swedish), or the source's name.
    assert _ids(archive, ItemFilters(municipality="1234567-1")) == [ky]
    assert _ids(archive, ItemFilters(municipality="TESTETS SAMKOMMUN")) == [ky]
    assert _ids(archive, ItemFilters(municipality="Pohjois-Savon hyvinvointialue")) == [county]
    assert _ids(archive, ItemFilters(municipality="297")) == [kuopio]
    # A member municipality is not the joint authority.
    assert _ids(archive, ItemFilters(municipality="Espoo")) == []


def test_an_item_two_sources_of_one_organisation_show_is_stored_once(
    archive: Archive, tmp_path: Path
) -> None:
    _filled(archive, tmp_path)
    # The new platform gives the old one's § 7 another external id: not stored again.
    twin = replace(item("9-77", paragraph="7"), url="https://pshva.oncloudos.com/x")
    counts = store(archive, item_page(twin), source="pshva", url=twin.url)
    assert (counts.inserted, counts.unchanged) == (0, 1)
    # Another § of the same meeting is new; so is § 7 of another organisation.
    assert store(archive, item_page(item("9-78", paragraph="8")), source="pshva").inserted == 1
    assert store(archive, item_page(item("200-2", paragraph="7")), source="kuopio").inserted == 1
    # Without a paragraph there is no identity to match: stored.
    no_para = item("9-79", paragraph=None)
    assert store(archive, item_page(no_para), source="pshva").inserted == 1
    ids = _ids(archive, ItemFilters(municipality="13"))
    assert ids == ["pshva-old:300-1", "pshva:9-78", "pshva:9-79"]


def test_migration_0013_up_and_down_keeps_the_sources(archive: Archive, tmp_path: Path) -> None:
    _filled(archive, tmp_path)
    migrate(archive.engine, "0011", down=True)
    columns = {c["name"] for c in inspect(archive.engine).get_columns("source")}
    assert "organisation_id" not in columns and "disabled_reason" not in columns
    assert "organisation" not in inspect(archive.engine).get_table_names()
    # A source of before organisations: a municipality code only.
    with archive.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source (name, platform, base_url, municipality_code, enabled) "
                "VALUES ('espoo', 'dynasty', 'https://e.oncloudos.com/cgi/DREQUEST.PHP', "
                "'049', true)"
            )
        )
    migrate(archive.engine)
    with archive.session() as session:
        org = session.scalar(select(models.Organisation).where(models.Organisation.code == "049"))
        assert org is not None and (org.type, org.name_fi) == ("municipality", "Espoo")
        espoo = session.scalar(select(models.Source).where(models.Source.name == "espoo"))
        assert espoo is not None and espoo.organisation_id == org.id
        members = session.scalars(
            select(models.OrganisationMember.municipality_code).where(
                models.OrganisationMember.organisation_id == org.id
            )
        ).all()
        assert list(members) == ["049"]
    # Items of the municipality sources export as before; a sync restores the rest.
    assert _ids(archive, ItemFilters(region="Pohjois-Savo")) == ["kuopio:200-1"]
    _sync(archive, tmp_path)
    assert _ids(archive, ItemFilters(region="Kanta-Häme")) == ["testin-ky:100-1"]


def test_show_search_status_and_timelines_go_through_the_organisation(
    archive: Archive, tmp_path: Path
) -> None:
    from pykala.linking.membership import refresh
    from pykala.linking.topics import load_topics
    from pykala.linking.topicview import timeline
    from pykala.storage.search import search_items
    from pykala.storage.views import archive_stats, get_item

    _filled(archive, tmp_path)
    with archive.session() as session:
        view = get_item(session, "testin-ky:100-1")
        assert view is not None
        assert (view.municipality, view.region) == ("Testin kuntayhtymä", "Kanta-Häme; Uusimaa")
        hits = {h.item_id: h for h in search_items(session, "perhekeskustoimintamalli")}
        assert hits["pshva-old:300-1"].municipality == "Pohjois-Savon hyvinvointialue"
        assert hits["kuopio:200-1"].municipality == "Kuopio"
        stats = {s.source: s for s in archive_stats(session).sources}
        assert stats["testin-ky"].municipality == "Testin kuntayhtymä"
        refresh(session, load_topics())
        by_org = timeline(session, "perhekeskus", "municipality")
        by_county = timeline(session, "perhekeskus", "county")
    assert set(by_org.rows) == {"Kuopio", "Pohjois-Savon hyvinvointialue", "Testin kuntayhtymä"}
    assert by_county.rows["Pohjois-Savon hyvinvointialue"] == {"2024": 2}


def test_a_document_of_a_county_takes_its_members_region(archive: Archive, tmp_path: Path) -> None:
    from datetime import date

    from pykala.parsers.records import DocumentRecord, PageKind, ParseResult

    _sync(archive, tmp_path)
    deck = DocumentRecord(
        external_id="https://example.fi/lape.pdf",
        url="https://example.fi/lape.pdf",
        title="LAPE",
        text="Perhekeskukset",
        dates=(date(2016, 4, 19),),
    )
    other = replace(deck, external_id="https://example.fi/b.pdf", url="https://example.fi/b.pdf")
    store(archive, ParseResult(PageKind.DOCUMENT, documents=(deck,)), source="pshva-old")
    # Members in two regions: no single region to give.
    store(archive, ParseResult(PageKind.DOCUMENT, documents=(other,)), source="testin-ky")
    with archive.session() as session:
        rows = {d.url: d for d in session.scalars(select(models.Document))}
    assert (rows[deck.url].municipality_code, rows[deck.url].region) == (None, "Pohjois-Savo")
    assert (rows[other.url].municipality_code, rows[other.url].region) == (None, None)
