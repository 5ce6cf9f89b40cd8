"""Counts, facets and errors instead of silence (issue 14, items 3 and 4): `search` says
how many items match in all and counts them per facet; an unknown filter value, a typo'd
archive path and a query with nothing to include are one-line errors. On SQLite and
PostgreSQL, through the command line as a user runs it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pykala.cli import app
from pykala.storage.db import Archive
from pykala.storage.filters import FilterError, ItemFilters, check_filters
from pykala.storage.search import SearchQueryError, parse_query, search_items
from pykala.storage.search.counts import FACETS, search_summary
from tests.storagekit import item, item_page, setup_sources, store

PERHE = "Perhekeskuksen"  # every item titled with it matches "perhekeskus"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def filled(archive: Archive) -> Archive:
    """7 items with "perhekeskus" (Kuopio 4, Espoo 2, Äänekoski 1; years 2022-2024; one
    without a body) and 2 without it."""
    setup_sources(archive)
    kuopio = [
        item("2024101-1", f"{PERHE} avaaminen", meeting_date=date(2024, 2, 1)),
        item("2024101-2", f"{PERHE} tilat", meeting_date=date(2024, 2, 1)),
        item(
            "2023101-1",
            f"{PERHE} toiminta",
            meeting_date=date(2023, 3, 1),
            body_name="Perusturvalautakunta",
            selostus="Perhekeskuksen toiminta alkaa syksyllä.",
            paatos="Asia jätettiin pöydälle.",
        ),
        item("2022101-1", f"{PERHE} suunnitelma", meeting_date=date(2022, 4, 1)),
        item("2022101-2", "Talousarvio", meeting_date=date(2022, 4, 1), diary_number="KUO/1/2022"),
    ]
    store(archive, item_page(*kuopio))
    espoo = [
        item("2024201-1", f"{PERHE} hanke", meeting_date=date(2024, 5, 1)),
        item("2023202-1", f"{PERHE} raportti", meeting_date=date(2023, 5, 1), body_name=None),
        item("2023201-2", "Katujen kunnossapito", meeting_date=date(2023, 5, 1)),
    ]
    store(archive, item_page(*espoo), source="espoo", url="https://espoo.example/1")
    aanekoski = [item("2024301-1", f"{PERHE} verkosto", meeting_date=date(2024, 6, 1))]
    store(archive, item_page(*aanekoski), source="aanekoski", url="https://aanekoski.example/1")
    return archive


def _all(archive: Archive, query: str, filters: ItemFilters | None = None) -> list[str]:
    with archive.session() as session:
        return [h.item_id for h in search_items(session, query, filters, limit=1000)]


# --- item 3: the total and the facets --------------------------------------------------


def test_search_table_says_how_many_match_in_all(filled: Archive) -> None:
    result = run("search", "perhekeskus", "--db", filled.url, "--limit", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("2 of 7 results"), result.stdout
    narrowed = run("search", "perhekeskus", "--db", filled.url, "--limit", "1", "--kind", "item")
    assert narrowed.stdout.rstrip().endswith("1 of 7 results")
    everything = run("search", "perhekeskus", "--db", filled.url, "--limit", "7")
    assert everything.stdout.rstrip().endswith("\n7 results")


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("perhekeskus", ItemFilters()),
        ("perhekeskus", ItemFilters(municipality="Kuopio")),
        ("perhekeskus", ItemFilters(body="lautakunta")),
        ("perhekeskus", ItemFilters(since=date(2023, 1, 1), region="Pohjois")),
        ("perhekeskus -tilat", ItemFilters()),
        ('"perhekeskuksen toiminta"', ItemFilters()),  # a phrase: checked in Python
        ("perhekeskus", ItemFilters(section="selostus")),
        ("KUO/1/2022", ItemFilters()),  # a diary number: its item first, then the words
        ("hyväksyy", ItemFilters(section="paatosehdotus")),
    ],
)
def test_the_total_is_what_an_unlimited_search_lists(
    filled: Archive, query: str, filters: ItemFilters
) -> None:
    listed = _all(filled, query, filters)
    with filled.session() as session:
        summary = search_summary(session, query, filters, list(FACETS))
    assert summary.total == len(listed)
    municipalities = {c.value: c.count for c in summary.facets["municipality"]}
    assert sum(municipalities.values()) == len(listed)


def test_facets_count_the_matches_per_value_in_table_and_json(filled: Archive) -> None:
    updated = run("topics", "update", "--db", filled.url)
    assert updated.exit_code == 0, updated.output
    args = ("search", "perhekeskus", "--db", filled.url, "--limit", "1")
    result = run(*args, "--facets", "municipality,year,body,topic,outcome", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["kind"] for line in lines[:2]] == ["item", "total"]
    assert lines[1]["items"] == 7
    facets: dict[str, list[tuple[str | None, int]]] = {}
    for line in lines[2:]:
        assert line["kind"] == "facet"
        facets.setdefault(line["facet"], []).append((line["value"], line["count"]))
    assert facets["municipality"] == [("Kuopio", 4), ("Espoo", 2), ("Äänekoski", 1)]
    assert facets["year"] == [("2022", 1), ("2023", 2), ("2024", 4)]  # years in order
    assert facets["body"] == [("Kaupunginhallitus", 5), ("Perusturvalautakunta", 1), (None, 1)]
    # Every match is titled with the topic's term: all 7 are members.
    assert facets["topic"] == [("perhekeskus", 7)]
    # The päätös "Hyväksyttiin." reads as accepted, "Asia jätettiin pöydälle." as tabled.
    assert facets["outcome"] == [("accepted", 6), ("tabled", 1)]

    document = json.loads(run(*args, "--facets", "year,outcome", "--format", "json").stdout)
    assert [hit["kind"] for hit in document["hits"]] == ["item"] and document["total"] == 7
    assert document["facets"] == {
        "year": [{"value": v, "count": c} for v, c in facets["year"]],
        "outcome": [{"value": v, "count": c} for v, c in facets["outcome"]],
    }
    plain = json.loads(run(*args, "--format", "json").stdout)
    assert isinstance(plain, list) and len(plain) == 1  # without --facets: the list of rows

    table = run(*args, "--facets", "year, body")
    assert table.exit_code == 0, table.output
    tail = table.stdout[table.stdout.index("1 of 7 results") :]
    assert tail.index("year") < tail.index("2022") < tail.index("body") < tail.index("(none)")
    assert "Perusturvalautakunta" in tail and "municipality" not in tail


def test_facets_follow_the_filters(filled: Archive) -> None:
    with filled.session() as session:
        summary = search_summary(
            session, "perhekeskus", ItemFilters(since=date(2024, 1, 1)), ["municipality"]
        )
    counts = Counter({c.value: c.count for c in summary.facets["municipality"]})
    assert counts == Counter({"Kuopio": 2, "Espoo": 1, "Äänekoski": 1})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--facets", "kunta"), "--facets: unknown facet 'kunta'"),
        (("--facets", "municipalty"), "(closest: municipality)"),
        (("--facets", "year", "--format", "csv"), "not csv"),
        (("--facets", "year", "--kind", "document"), "counts items"),
    ],
)
def test_bad_facets_are_one_line_errors(
    filled: Archive, args: tuple[str, ...], message: str
) -> None:
    result = run("search", "perhekeskus", "--db", filled.url, *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_topics_show_says_members_shown_of_total(filled: Archive) -> None:
    result = run("topics", "show", "perhekeskus", "--db", filled.url, "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "Members (2 of 7)" in result.stdout
    as_json = run(
        "topics", "show", "perhekeskus", "--db", filled.url, "--limit", "2", "--format", "json"
    )
    data = json.loads(as_json.stdout)
    assert len(data["members"]) == 2 and data["members_total"] == 7
    everything = run("topics", "show", "perhekeskus", "--db", filled.url)
    assert "Members (7)" in everything.stdout


# --- item 4: unknown values are errors -------------------------------------------------

UNKNOWN = [
    (("--municipality", "Kuopo"), "unknown municipality 'Kuopo' (closest: Kuopio"),
    (("--region", "Pohjois-Savu"), "unknown region 'Pohjois-Savu' (closest: Pohjois-Savo"),
    (("--county", "Keski-Suomen hyvinvontialue"), "closest: Keski-Suomen hyvinvointialue"),
    (("--body", "Kaupunginhalitus"), "unknown body 'Kaupunginhalitus' (closest: Kaupunginhall"),
    (("--topic", "perhekeskuss"), "unknown topic 'perhekeskuss' (closest: perhekeskus)"),
    (("--section", "paatoss"), "unknown section kind 'paatoss' (closest: paatos"),
]


@pytest.mark.parametrize(("args", "message"), UNKNOWN)
def test_unknown_filter_values_name_the_closest_in_search_and_export(
    filled: Archive, args: tuple[str, ...], message: str
) -> None:
    assert run("topics", "update", "--db", filled.url).exit_code == 0
    commands: list[tuple[str, ...]] = [("search", "perhekeskus")]
    if args[0] in ("--municipality", "--body", "--topic"):  # export's filters today
        commands.append(("export",))
    for command in commands:
        result = run(*command, "--db", filled.url, *args)
        assert result.exit_code == 2, (command, result.output)
        assert message in result.stderr, (command, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stdout == ""  # not even a CSV header


def test_a_topic_filter_before_any_topic_is_stored_says_how_to_store_them(
    filled: Archive,
) -> None:
    result = run("search", "perhekeskus", "--db", filled.url, "--topic", "perhekeskus")
    assert result.exit_code == 2
    assert "no topics stored yet (pykala topics update stores them)" in result.stderr


def test_topics_commands_name_the_closest_topic(filled: Archive) -> None:
    for command in (("topics", "show"), ("topics", "timeline")):
        result = run(*command, "perhekeskuss", "--db", filled.url)
        assert result.exit_code == 2, result.output
        assert "unknown topic 'perhekeskuss' (closest: perhekeskus)" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--municipality", "297"),
        ("--municipality", "kuopio"),  # the source's name
        ("--municipality", "Esbo"),  # the Swedish name
        ("--municipality", "Äänekoski"),
        ("--region", "pohjois"),  # a beginning is enough
        ("--county", "Pohjois-Savon"),
        ("--body", "lautakunta"),  # a part of a body's name
        ("--section", "Päätös"),
    ],
)
def test_known_values_still_filter(filled: Archive, args: tuple[str, ...]) -> None:
    result = run("search", "perhekeskus", "--db", filled.url, *args)
    assert result.exit_code == 0, result.output


def test_a_municipality_without_items_is_known_not_an_error(filled: Archive) -> None:
    """A real municipality of the reference table with no source here finds nothing."""
    with filled.session() as session:
        check_filters(session, ItemFilters(municipality="Espoo"))
        with pytest.raises(FilterError, match="unknown municipality 'Helsinkki'"):
            check_filters(session, ItemFilters(municipality="Helsinkki"))


# --- a typo'd archive path creates nothing ---------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("status",),
        ("search", "perhekeskus"),
        ("export",),
        ("show", "kuopio:1-1"),
        ("topics", "list"),
        ("topics", "show", "perhekeskus"),
        ("links", "kuopio:1-1"),
        ("reparse",),
    ],
)
def test_read_only_commands_on_a_missing_sqlite_file_create_nothing(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    typo = tmp_path / "demo_typo.db"
    result = run(*command, "--db", f"sqlite:///{typo}")
    assert result.exit_code == 3, result.output
    assert f"no archive at {typo}: the file does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no archive, no lock file


def test_harvest_still_creates_a_new_archive(tmp_path: Path) -> None:
    sources = tmp_path / "none.toml"
    sources.write_text("", encoding="utf-8")
    db = tmp_path / "new.db"
    result = run("harvest", "--db", f"sqlite:///{db}", "--sources", str(sources), "--quiet")
    assert result.exit_code == 0, result.output
    assert db.exists()
    assert run("status", "--db", f"sqlite:///{db}").exit_code == 0


# --- queries: nothing to include, -word outside quotes, unbalanced quotes --------------


def test_exclusions_alone_say_a_search_needs_a_word_to_include(filled: Archive) -> None:
    for query in ("-budjetti", "NOT budjetti", '-"kaupungin budjetti"'):
        result = run("search", "--db", filled.url, "--", query)
        assert result.exit_code == 2, result.output
        assert "a search needs at least one word to include" in result.stderr, query


@pytest.mark.parametrize("command", ["search", "export"])
def test_a_dash_word_outside_quotes_explains_itself(filled: Archive, command: str) -> None:
    for args in (("-budjetti",), ("perhekeskus", "-budjetti")):
        result = run(command, *args, "--db", filled.url)
        assert result.exit_code == 2
        text = " ".join(result.output.split()).replace("│", "")
        assert "'-budjetti' reads as an option" in text, result.output
        assert "No such option" not in text
    typo = run("search", "perhekeskus", "--municiplity", "Kuopio", "--db", filled.url)
    assert typo.exit_code == 2 and "No such option: --municiplity" in typo.output


def test_an_unbalanced_quote_is_an_error_that_says_so(filled: Archive) -> None:
    result = run("search", '"perhekeskuksen toiminta', "--db", filled.url)
    assert result.exit_code == 2
    assert "unbalanced quote in '\"perhekeskuksen toiminta'" in result.stderr
    assert run("search", '"perhekeskuksen toiminta"', "--db", filled.url).exit_code == 0


def test_query_errors_in_the_library() -> None:
    with pytest.raises(SearchQueryError, match="at least one word to include"):
        parse_query("-budjetti NOT vero")
    with pytest.raises(SearchQueryError, match="unbalanced quote"):
        parse_query('perhekeskus "lape')
    with pytest.raises(SearchQueryError, match="nothing to search for"):
        parse_query('"(')  # nothing to search for comes first
