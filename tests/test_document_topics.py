"""Documents (programme pages, slide decks) are topic-linked like items and found by search:
membership with score and evidence, kept current by the update step, listed by `pykala
topics show`, searched beside items by `pykala search`, printed by `pykala show`.
SQLite and PostgreSQL (the ``archive`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pykala.cli import app
from pykala.harvester.fixturesite import FixtureSite, serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.linking.documents import topic_documents
from pykala.linking.membership import refresh
from pykala.linking.topics import load_topics
from pykala.linking.topicview import list_topics
from pykala.linking.update import update_archive
from pykala.parsers.records import DocumentRecord
from pykala.storage.db import Archive
from pykala.storage.documents import save_document
from pykala.storage.search.documents import search_documents
from tests.storagekit import T0, T1, setup_sources

PLAN = DocumentRecord(
    external_id="https://www.kuopio.fi/perhekeskus",
    url="https://www.kuopio.fi/perhekeskus",
    title="Kuopion perhekeskustoimintasuunnitelma",
    text="Perhekeskus kokoaa lasten ja perheiden palvelut. Perhekeskusten verkosto "
    "ja kohtaamispaikat avataan vuonna 2021.",
    dates=(date(2020, 9, 1),),
    municipality_code="297",
    region="Pohjois-Savo",
)
FOSTER_CARE = DocumentRecord(
    external_id="https://www.kuopio.fi/perhehoito",
    url="https://www.kuopio.fi/perhehoito",
    title="Perhehoidon opas",
    text="Perhehoito on lapsen hoitoa perhekodissa. Kysy lisää perhekeskuksesta.",
    municipality_code="297",
    region="Pohjois-Savo",
)
MALL = DocumentRecord(
    external_id="https://www.aanekoski.fi/kauppakeskus",
    url="https://www.aanekoski.fi/kauppakeskus",
    title="Kauppakeskuksen asemakaava",
    text="Kauppakeskuksen laajennus ja pysäköinti. Perheiden palvelut keskustassa.",
    region="Keski-Suomi",
)
SEED_001 = (
    "https://www.innokyla.fi/fi/toimintamalli/posote20-pohjois-savon-perhekeskustoimintasuunnitelma"
)
SEED_003 = "https://www.sotekeskisuomi.fi/materiaalit/LAPE_tyoryhma_19.4.2016.pdf"
SEED_004 = "https://www.pohjois-savonlape.fi/"


def _store(archive: Archive, *records: DocumentRecord) -> None:
    setup_sources(archive)  # the municipality table: Kuopio is 297
    with archive.session() as session:
        for record in records:
            save_document(session, record, seen_at=T0)


def _members(archive: Archive) -> dict[str, float]:
    with archive.session() as session:
        return {m.document_id: m.score for m in topic_documents(session, "perhekeskus")}


def test_family_centre_documents_are_members_and_others_are_not(archive: Archive) -> None:
    _store(archive, PLAN, FOSTER_CARE, MALL)
    with archive.session() as session:
        report = refresh(session, load_topics())
    assert report.documents_analysed == 3
    members = _members(archive)
    assert list(members) == [PLAN.external_id]
    with archive.session() as session:
        member = topic_documents(session, "perhekeskus")[0]
        assert (member.municipality, member.region, member.first_date) == (
            "Kuopio",
            "Pohjois-Savo",
            date(2020, 9, 1),
        )
        # Title and text are weighed as sections of their own kinds.
        assert {e["section"] for e in member.evidence} == {"title", "document"}
        assert ("perhekeskus", "document") in {(e["term"], e["section"]) for e in member.evidence}
        summary = next(s for s in list_topics(session) if s.name == "perhekeskus")
        assert summary.documents == 1
        # Search: topic, municipality name and region beginning narrow documents.
        found = search_documents(session, "perhe*", topic="perhekeskus")
        assert [h.document_id for h in found] == [PLAN.external_id]
        assert [h.document_id for h in search_documents(session, "perhe*", municipality="kuopio")]
        assert {h.document_id for h in search_documents(session, "perhe*", region="keski")} == {
            MALL.external_id
        }
        assert found[0].municipality == "Kuopio" and found[0].first_date == date(2020, 9, 1)


def test_changed_documents_and_changed_topics_are_scored_again(
    archive: Archive, tmp_path: Path
) -> None:
    _store(archive, PLAN, MALL)
    with archive.session() as session:
        refresh(session, load_topics())
    with archive.session() as session:
        again = refresh(session, load_topics())
        assert (again.documents_analysed, again.documents_rescored) == (0, 0)
        changed = replace(PLAN, title="Kuopion palveluverkko", text="Koulujen verkko.")
        assert save_document(session, changed, seen_at=T1) == "updated"
    with archive.session() as session:
        assert refresh(session, load_topics()).documents_analysed == 1
    assert _members(archive) == {}
    # A user topic that replaces the shipped one: every document is scored again.
    user = tmp_path / "topics.toml"
    user.write_text(
        '[[topic]]\nname = "perhekeskus"\nterms = ["verkko"]\nthreshold = 1.0\n',
        encoding="utf-8",
    )
    with archive.session() as session:
        report = refresh(session, load_topics(user))
        assert (report.documents_analysed, report.documents_rescored) == (0, 2)
    assert list(_members(archive)) == [PLAN.external_id]


# --- the fixture site: seeds 001, 003, 004 and the commands ----------------------------


@pytest.fixture
def harvested(archive: Archive, tmp_path: Path) -> Iterator[tuple[Archive, FixtureSite]]:
    with (
        serve_fixture_site() as site,
        PoliteClient(Politeness(min_interval=0, tries=2, backoff=0.01)) as client,
    ):
        path = tmp_path / "sources.toml"
        path.write_text(site.sources_toml(groups=None), encoding="utf-8")
        report = harvest(archive, load_sources(path), client, scope=site.covers)
        assert report.exit_status == 0, report.error_lines()
        yield archive, site


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_seed_documents_are_family_centre_members_and_the_commands_show_them(
    harvested: tuple[Archive, FixtureSite],
) -> None:
    archive, site = harvested
    report = update_archive(archive)
    assert report.topics.documents_analysed == 3
    members = {site.original_for(key): score for key, score in _members(archive).items()}
    # All three seed documents talk about perhekeskus (001: the family-centre plan; 004:
    # the LAPE programme page; 003: a slide deck on the perhekeskusmalli).
    assert set(members) == {SEED_001, SEED_003, SEED_004}
    assert all(score >= 3.0 for score in members.values())
    seed_001 = site.url_for(SEED_001)

    code, out, err = cli("topics", "show", "perhekeskus", "--db", archive.url, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert {d["document_id"] for d in shown["documents"]} == {site.url_for(u) for u in members}
    assert shown["members"]  # the seed items are still there, beside the documents
    code, out, err = cli("topics", "show", "perhekeskus", "--db", archive.url)
    assert code == 0 and "Documents, not minutes (3)" in out, err

    # search: items first, then a section of documents, in every format.
    code, out, err = cli("search", "perhekeskus", "--db", archive.url)
    assert code == 0, err
    assert out.index("mikkeli:14112") < out.index("Documents (not minutes)") < out.index(seed_001)
    assert "POSOTE20: Pohjois-Savon perhekeskustoimintasuunnitelma" in out
    code, out, err = cli("search", "perhekeskus", "--db", archive.url, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    docs = [r for r in rows if r["kind"] == "document"]
    assert {r["kind"] for r in rows} == {"item", "document"} and len(docs) == 3
    posote = next(r for r in docs if r["document_id"] == seed_001)
    assert (posote["document_date"], posote["document_region"], posote["item_id"]) == (
        "2022-08-24",
        "Pohjois-Savo",
        "",
    )
    assert "«" in posote["snippet"] and posote["url"] == seed_001
    code, out, _ = cli("search", "perhekeskus", "--db", archive.url, "--kind", "item")
    assert code == 0 and "Documents" not in out
    code, out, _ = cli("search", "perhekeskus", "--db", archive.url, "--body", "lautakunta")
    assert code == 0 and "Documents" not in out  # documents have no body
    code, _, err = cli(
        "search", "perhekeskus", "--db", archive.url, "--kind", "document", "--since", "2020-01-01"
    )
    assert code == 2 and "--since" in err
    code, out, _ = cli(
        "search",
        "perhekeskus",
        "--db",
        archive.url,
        "--kind",
        "document",
        "--region",
        "Keski",
        "--format",
        "csv",
    )
    assert code == 0 and site.url_for(SEED_003) in out and seed_001 not in out

    # show: a document by its id, with its topics and text.
    code, out, err = cli("show", seed_001, "--db", archive.url)
    assert code == 0, err
    assert "(document, not minutes)" in out and "perhekeskus (" in out
    assert "Pohjois-Savon perhekeskustoimintamalli" in out
    code, out, _ = cli("show", seed_001, "--db", archive.url, "--json")
    shown = json.loads(out)
    assert shown["dates"][0] == "2022-08-24" and shown["topics"][0]["topic"] == "perhekeskus"
    code, _, err = cli("show", "https://nowhere.example/", "--db", archive.url)
    assert code == 2 and "no item or document" in err
