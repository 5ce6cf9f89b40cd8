"""Outcomes in the archive (issue 15): stored with each item on SQLite and PostgreSQL,
recomputed for unchanged items, migrated, filtered, shown, counted and exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from pykala.cli import app
from pykala.harvester.fixturesite import FixtureSite, serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.reparse import reparse
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.parsers.records import MeetingKind, Section, SectionKind
from pykala.storage import models
from pykala.storage.db import Archive, migrate
from pykala.storage.export import iter_export_rows
from pykala.storage.filters import FilterError, ItemFilters
from tests.storagekit import T1, item, item_page, setup_sources, store

VOTED = item(
    "2024101-3",
    paatos="Asia pantiin pöydälle äänin 6-5.",
    extra_sections=(
        Section(
            SectionKind.ESTEELLISYYS,
            "Esteellisyys",
            "Jäsen Mattila ilmoitti olevansa esteellinen ja poistui kokouksesta asian "
            "käsittelyn ajaksi.",
        ),
        Section(
            SectionKind.KASITTELY,
            "Käsittely",
            "Jäsen Laitinen jätti päätöksestä eriävän mielipiteen.",
        ),
    ),
)
ACCEPTED = item("2024101-4", title="Talousarvion toteutuminen", paatos="Hyväksyttiin.")
AGENDA = item("2024102-1", title="Kaavoituskatsaus", kind=MeetingKind.ESITYSLISTA)
UNREAD = item("2024101-5", title="Jäsenten valinta", paatos="Valittiin Matti Aalto.")


def _stored(archive: Archive) -> dict[str, tuple[object, ...]]:
    with archive.session() as session:
        rows = session.execute(
            select(
                models.Item.external_id,
                models.Item.outcome,
                models.Item.voted,
                models.Item.vote_counts,
                models.Item.disqualified,
                models.Item.dissent,
            )
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _archive_with_items(archive: Archive) -> None:
    setup_sources(archive)
    for record in (VOTED, ACCEPTED, AGENDA, UNREAD):
        store(archive, item_page(record))


def test_outcome_is_stored_with_each_item(archive: Archive) -> None:
    _archive_with_items(archive)
    assert _stored(archive) == {
        "2024101-3": ("tabled", True, "6-5", "Mattila", "Laitinen"),
        "2024101-4": ("accepted", False, "", "", ""),
        "2024102-1": (None, False, "", "", ""),  # an agenda: nothing decided yet
        "2024101-5": (None, False, "", "", ""),  # no rule fits: no guess
    }


def test_unchanged_item_gets_outcome_recomputed(archive: Archive) -> None:
    """A reparse stores the same content again: the outcome is read anew (rows from
    before migration 0012 have none)."""
    _archive_with_items(archive)
    with archive.session() as session:
        session.execute(update(models.Item).values(outcome=None, voted=False, vote_counts=""))
    counts = store(archive, item_page(VOTED), at=T1)
    assert counts.unchanged == 1
    assert _stored(archive)["2024101-3"][:3] == ("tabled", True, "6-5")


def test_changed_decision_changes_outcome(archive: Archive) -> None:
    _archive_with_items(archive)
    changed = item("2024101-4", title=ACCEPTED.title, paatos="Asia palautettiin valmisteluun.")
    assert store(archive, item_page(changed), at=T1).updated == 1
    assert _stored(archive)["2024101-4"][0] == "returned"


def test_filters_select_by_outcome_and_vote(archive: Archive) -> None:
    _archive_with_items(archive)

    def ids(filters: ItemFilters) -> list[str]:
        with archive.session() as session:
            return sorted(str(r["item_id"]) for r in iter_export_rows(session, filters))

    assert ids(ItemFilters(outcome="tabled")) == ["kuopio:2024101-3"]
    assert ids(ItemFilters(outcome="Accepted")) == ["kuopio:2024101-4"]
    assert ids(ItemFilters(outcome="none")) == ["kuopio:2024101-5"]  # not the agenda
    assert ids(ItemFilters(voted=True)) == ["kuopio:2024101-3"]
    assert len(ids(ItemFilters(voted=False))) == 3
    try:
        ids(ItemFilters(outcome="postponed"))
    except FilterError as exc:
        assert "unknown outcome 'postponed'" in str(exc)
    else:
        raise AssertionError("an unknown outcome must be refused")


def test_export_columns_carry_the_outcome(archive: Archive, archive_url: str) -> None:
    _archive_with_items(archive)
    result = CliRunner().invoke(app, ["export", "--db", archive_url])
    assert result.exit_code == 0, result.output
    rows = {r["item_id"]: r for r in csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")))}
    voted = rows["kuopio:2024101-3"]
    assert list(voted)[-5:] == ["outcome", "voted", "vote_counts", "disqualified", "dissent"]
    assert (voted["outcome"], voted["voted"], voted["vote_counts"]) == ("tabled", "true", "6-5")
    assert (voted["disqualified"], voted["dissent"]) == ("Mattila", "Laitinen")
    assert (rows["kuopio:2024102-1"]["outcome"], rows["kuopio:2024102-1"]["voted"]) == (
        "",
        "false",
    )


def test_cli_search_show_and_status(archive: Archive, archive_url: str) -> None:
    _archive_with_items(archive)
    runner = CliRunner()
    base = ["--db", archive_url, "--kind", "item", "--format", "csv"]
    tabled = runner.invoke(app, ["search", "kaupunginhallitus", *base, "--outcome", "tabled"])
    assert tabled.exit_code == 0, tabled.output
    assert "kuopio:2024101-3" in tabled.output and "2024101-4" not in tabled.output
    voted = runner.invoke(app, ["search", "kaupunginhallitus", *base, "--not-voted"])
    assert voted.exit_code == 0, voted.output
    assert "2024101-4" in voted.output and "2024101-3" not in voted.output
    bad = runner.invoke(app, ["search", "x", "--db", archive_url, "--outcome", "maybe"])
    assert bad.exit_code == 2 and "unknown outcome 'maybe'" in bad.output
    assert "Traceback" not in bad.output
    shown = runner.invoke(app, ["show", "kuopio:2024101-3", "--db", archive_url])
    assert shown.exit_code == 0, shown.output
    assert "tabled" in shown.output and "6-5" in shown.output and "Mattila" in shown.output
    status = runner.invoke(app, ["status", "--db", archive_url], env={"COLUMNS": "200"})
    assert status.exit_code == 0, status.output
    line = next(x for x in status.output.splitlines() if x.startswith("│ kuopio") and "│ 3 " in x)
    cells = [c.strip() for c in line.strip("│ ").split("│")]
    # minutes items, 7 outcomes, voted, no outcome
    assert cells[1] == "3" and cells[-2:] == ["1", "1"]


def test_migration_adds_empty_outcome_columns(archive: Archive) -> None:
    """An item stored before revision 0012 reads as no outcome, not voted, until the
    next harvest or reparse reads it."""
    setup_sources(archive)
    migrate(archive.engine, "0011", down=True)
    with archive.engine.begin() as conn:
        source_id = conn.execute(text("SELECT id FROM source WHERE name = 'kuopio'")).scalar()
        conn.execute(
            text(
                "INSERT INTO item (source_id, external_id, title, url, language, first_seen, "
                "last_changed, content_hash) VALUES (:s, 'old-1', 'Vanha', 'https://x.invalid/1', "
                "'fi', :t, :t, 'h')"
            ),
            {"s": source_id, "t": T1},
        )
    migrate(archive.engine)
    assert _stored(archive)["old-1"] == (None, False, "", "", "")
    store(archive, item_page(replace(ACCEPTED, title="Uusi")))
    assert _stored(archive)["2024101-4"] == ("accepted", False, "", "", "")


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve_fixture_site() as running:
        yield running


def test_harvest_stores_outcomes_and_reparse_reads_them_again(
    archive: Archive, site: FixtureSite, tmp_path: Path
) -> None:
    """Real minutes served on 127.0.0.1: Espoo's § 127 (counter-proposals adopted, five
    votes) and Kuopio's item where a counter-proposal was not seconded (no vote)."""
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(), encoding="utf-8")
    fast = Politeness(min_interval=0, tries=2, backoff=0.01, retry_after_cap=0.05)
    with PoliteClient(fast) as client:
        harvest(archive, load_sources(path), client, scope=site.covers)
    expected = {
        "2017406946-3": ("amended", True, "9-6; 11-3-1; 8-7; 10-5; 10-1", "", ""),
        "2020362412-4": ("accepted", False, "", "", ""),
    }
    assert {k: v for k, v in _stored(archive).items() if k in expected} == expected
    with archive.session() as session:  # as an archive from before migration 0012 reads
        session.execute(update(models.Item).values(outcome=None, voted=False, vote_counts=""))
    assert reparse(archive).error_lines() == []
    assert {k: v for k, v in _stored(archive).items() if k in expected} == expected
