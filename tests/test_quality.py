"""Quality flags: every parsed item says what it lacks; a run names a source whose new
items lost a field they used to have, and a source whose new items are mostly doubtful."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pykala.cli import app
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.harvester.synthsite import serve_synthetic_sites
from pykala.parsers import quality
from pykala.parsers.records import ItemRecord, MeetingKind, Section, SectionKind
from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.quality import FieldShares, collapses, shares_of

K = SectionKind
FULL = ItemRecord(
    external_id="1-1",
    meeting_external_id="1",
    url="https://x.example/cgi/DREQUEST.PHP?page=meetingitem&id=1-1",
    title="Perhekeskuksen toimintamalli",
    body_name="Sosiaali- ja terveyslautakunta",
    meeting_date=date(2024, 3, 12),
    meeting_kind=MeetingKind.POYTAKIRJA,
    paragraph="40",
    diary_number="1234/00.01.02/2023",
    sections=(
        Section(K.PAATOSEHDOTUS, "Päätösehdotus", "Hyväksytään."),
        Section(K.PAATOS, "Päätös", "Hyväksyttiin."),
    ),
)


def test_a_complete_item_has_no_flags() -> None:
    assert quality.item_flags(FULL) == ()


@pytest.mark.parametrize(
    ("change", "flags"),
    [
        ({"title": " "}, {quality.NO_TITLE}),
        ({"title": "Sosiaali- ja terveyslautakunta"}, {quality.TITLE_IS_BODY}),
        ({"title": "Kaupunginhallitus 12.3.2024 § 40"}, {quality.TITLE_IS_HISTORY}),
        ({"title": "Pöytäkirja 12.03.2024/Pykälä 40"}, {quality.TITLE_IS_HISTORY}),
        ({"body_name": None}, {quality.NO_BODY}),
        ({"meeting_date": None}, {quality.NO_DATE}),
        ({"paragraph": None}, {quality.NO_PARAGRAPH}),
        ({"diary_number": None}, {quality.NO_DIARY}),
        ({"sections": (Section(K.PAATOS, "Päätös", "x"),)}, {quality.NO_PROPOSAL}),
        ({"sections": (Section(K.PAATOSEHDOTUS, "", "x"),)}, {quality.NO_DECISION}),
        (
            {"sections": (Section(K.SELOSTUS, "", "x"),)},
            {quality.NO_PROPOSAL, quality.NO_DECISION, quality.NO_PROPOSAL_OR_DECISION},
        ),
        (
            # A list row whose text is not read yet (Tweb, before its PDF) is not doubtful.
            {"sections": ()},
            {quality.NO_PROPOSAL, quality.NO_DECISION, quality.NO_TEXT},
        ),
    ],
)
def test_each_missing_field_is_one_flag(change: dict[str, object], flags: set[str]) -> None:
    assert set(quality.item_flags(replace(FULL, **change))) == flags  # type: ignore[arg-type]


def test_an_agenda_needs_no_decision_and_no_paragraph() -> None:
    agenda = replace(
        FULL,
        meeting_kind=MeetingKind.ESITYSLISTA,
        paragraph=None,
        sections=(Section(K.PAATOSEHDOTUS, "Päätösehdotus", "x"),),
    )
    assert quality.item_flags(agenda) == ()


def test_doubtful_flags_are_the_source_independent_ones() -> None:
    flags = quality.item_flags(replace(FULL, title=FULL.body_name or "", diary_number=None))
    assert quality.doubtful(flags) == [quality.TITLE_IS_BODY]


def test_shares_count_items_with_each_field() -> None:
    shares = shares_of(["", "no_diary_number", "no_diary_number no_paragraph", "no_title"])
    assert shares.items == 4
    assert shares.shares["diary_number"] == 0.5
    assert shares.shares["paragraph"] == 0.75
    assert shares.shares["title"] == 0.75
    assert shares.doubtful == 1


def _shares(items: int, diary: float, doubtful: int = 0) -> FieldShares:
    rows = ["no_diary_number" if i >= items * diary else "" for i in range(items)]
    return replace(shares_of(rows), doubtful=doubtful)


@pytest.mark.parametrize(
    ("new", "earlier", "lost"),
    [
        (_shares(5, 0.0), _shares(10, 1.0), True),  # the smallest evidence on both sides
        (_shares(4, 0.0), _shares(10, 1.0), False),  # too few new items to tell
        (_shares(5, 0.0), _shares(9, 1.0), False),  # too little history to tell
        (_shares(10, 0.5), _shares(10, 0.8), True),  # the thresholds themselves
        (_shares(10, 0.6), _shares(10, 1.0), False),  # most new items still have it
        (_shares(10, 0.0), _shares(10, 0.7), False),  # it was never usual for the source
    ],
)
def test_a_field_collapses_only_on_enough_evidence(
    new: FieldShares, earlier: FieldShares, lost: bool
) -> None:
    lines = collapses(new, earlier)
    assert any(line.startswith("diary_number in ") for line in lines) is lost


def test_mostly_doubtful_new_items_are_flagged_even_without_history() -> None:
    assert collapses(_shares(3, 1.0, doubtful=2), _shares(0, 1.0)) != []
    assert collapses(_shares(4, 1.0, doubtful=2), _shares(0, 1.0)) == []  # half is not most
    assert collapses(_shares(2, 1.0, doubtful=2), _shares(0, 1.0)) == []  # too few


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(Politeness(min_interval=0, tries=2, backoff=0.01)) as c:
        yield c


def test_a_harvest_names_the_source_and_field_its_new_items_lost(
    archive: Archive, archive_url: str, client: PoliteClient, tmp_path: Path
) -> None:
    """The site's template changes and drops the diary numbers: the next run
    exits 1 naming source and field, and the items keep their flags in the archive."""
    with serve_synthetic_sites(1, meetings_per_body=4, items_per_meeting=4) as (site,):
        path = tmp_path / "sources.toml"
        path.write_text(site.source_toml(), encoding="utf-8")
        sources = load_sources(path)
        first = harvest(archive, sources, client)
        assert first.exit_status == 0 and first.sources[0].collapsed == []
        assert first.sources[0].fields is not None
        assert first.sources[0].fields["new"]["fields"]["diary_number"] == 1.0

        site.diary_numbers = False
        site.publish(3, minutes=True)
        second = harvest(archive, sources, client)

    report = second.sources[0]
    assert second.exit_status == 1
    assert "fields lost" in report.flags
    assert report.collapsed == ["diary_number in 0% of 12 new items (was 100% of 48 earlier)"]
    assert any(
        line.startswith(f"{site.name}: could not read pages well: diary_number")
        for line in second.error_lines()
    )
    with archive.session() as session:
        flags = session.scalars(select(models.Item.quality_flags)).all()
    # Every page fetched again lacked it: the stored numbers stay, the flags say so.
    assert sum("no_diary_number" in f.split() for f in flags) == 60
    status = CliRunner().invoke(app, ["status", "--db", archive_url], env={"COLUMNS": "200"})
    assert status.exit_code == 0, status.output
    assert "Fields read (latest items)" in status.output
    assert "fields lost" in status.output  # the last run's flag for the source
    newest = f"{site.name}:{site.item_ids()[0]}"
    shown = CliRunner().invoke(app, ["show", newest, "--explain", "--db", archive_url])
    assert shown.exit_code == 0, shown.output
    assert "quality flags: no_diary_number" in shown.output
    roles = [line.split("  ")[0] for line in shown.output.splitlines()]
    assert {"title block", "§", "title"} <= set(roles) and "diary number" not in roles


def test_the_baseline_is_the_previous_run_when_this_run_changed_every_item(
    archive: Archive, client: PoliteClient, tmp_path: Path
) -> None:
    """A template change that touches every page fetched again: the items are judged
    against what the previous run read from them, not against the archive's flags."""
    with serve_synthetic_sites(1, meetings_per_body=2, items_per_meeting=5) as (site,):
        path = tmp_path / "sources.toml"
        path.write_text(site.source_toml(), encoding="utf-8")
        sources = load_sources(path)
        assert harvest(archive, sources, client).exit_status == 0
        for item_id in site.item_ids():
            site.edit(item_id)  # every stored item changes on its next fetch
        site.diary_numbers = False
        second = harvest(archive, sources, client, full=True)
    assert second.sources[0].collapsed == [
        "diary_number in 0% of 30 new items (was 100% of 30 earlier)"
    ]


def test_search_and_export_can_leave_out_or_show_doubtful_items(
    archive: Archive, archive_url: str, tmp_path: Path
) -> None:
    from tests.storagekit import item, item_page, setup_sources, store

    setup_sources(archive)
    good = item("2024101-3", "Perhekeskuksen toimintamalli")
    bad = item("2024101-4", "Kaupunginhallitus", paatos="Perhekeskus hyväksyttiin.")
    store(archive, item_page(good))
    store(archive, item_page(bad))

    def export(*args: str) -> list[str]:
        out = tmp_path / "out.csv"
        result = CliRunner().invoke(
            app, ["export", "--db", archive_url, "--output", str(out), *args]
        )
        assert result.exit_code == 0, result.output
        rows = out.read_text(encoding="utf-8-sig").splitlines()[1:]
        return sorted(r.split(",", 1)[0] for r in rows)

    assert export() == ["kuopio:2024101-3", "kuopio:2024101-4"]
    assert export("--quality", "ok") == ["kuopio:2024101-3"]
    assert export("--quality", "doubtful") == ["kuopio:2024101-4"]
    header = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert ",quality_flags," in header  # issue 15 appends the outcome columns

    def search(*args: str) -> str:
        result = CliRunner().invoke(
            app, ["search", "perhekeskus", "--db", archive_url, "--format", "csv", *args]
        )
        assert result.exit_code == 0, result.output
        return result.output

    assert "2024101-4" in search() and "2024101-3" in search()
    assert "2024101-4" not in search("--quality", "ok")
    assert "2024101-3" not in search("--quality", "doubtful")
    wrong = CliRunner().invoke(app, ["search", "x", "--db", archive_url, "--quality", "bad"])
    assert wrong.exit_code == 2 and "--quality must be ok or doubtful" in wrong.output
