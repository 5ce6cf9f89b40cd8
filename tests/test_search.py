"""Full-text search: same hits on SQLite and PostgreSQL, prefix + AND, filters, safety."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pykala.parsers.records import Section, SectionKind
from pykala.storage.db import Archive
from pykala.storage.filters import ItemFilters
from pykala.storage.search import SearchQueryError, highlight, search_items
from tests.storagekit import T1, item, item_page, setup_sources, store


@pytest.fixture
def filled(archive: Archive) -> Archive:
    setup_sources(archive)
    store(
        archive,
        item_page(
            item("2024101-3", "Perhekeskustoimintamallin käyttöönotto"),
            item(
                "2024101-4",
                "Sivistyslautakunnan talousarvio",
                extra_sections=(
                    Section(SectionKind.OTHER, "Lisätiedot", "Perhekeskustoiminta ja neuvolat."),
                ),
            ),
            item(
                "2023900-1",
                "Äänestysalueiden muutos",
                meeting_date=date(2023, 5, 2),
                body_name="Keskusvaalilautakunta",
                paatos="Asia MliDno-2018-2371 jätettiin pöydälle. § 48 kumottiin.",
            ),
        ),
    )
    store(
        archive,
        item_page(item("2024555-1", "Aanestys ilman ääkkösiä", body_name="Kaupunginvaltuusto")),
        source="espoo",
        url="https://espoo.example/1",
    )
    store(
        archive,
        item_page(item("2024777-2", "Perhekeskus Äänekoskella", meeting_date=date(2024, 6, 1))),
        source="aanekoski",
        url="https://aanekoski.example/1",
    )
    return archive


def _ids(archive: Archive, query: str, filters: ItemFilters | None = None) -> list[str]:
    with archive.session() as session:
        return [h.item_id for h in search_items(session, query, filters, limit=50)]


def test_prefix_matches_compounds_and_inflections(filled: Archive) -> None:
    found = _ids(filled, "perhekeskus")
    assert set(found) == {"kuopio:2024101-3", "kuopio:2024101-4", "aanekoski:2024777-2"}
    # A title hit ranks above a hit deep in the text.
    assert found.index("kuopio:2024101-3") < found.index("kuopio:2024101-4")


def test_words_are_anded(filled: Archive) -> None:
    assert _ids(filled, "perhekeskus neuvola") == ["kuopio:2024101-4"]
    assert _ids(filled, "perhekeskus kirjasto") == []


def test_diacritics_are_significant(filled: Archive) -> None:
    assert _ids(filled, "äänestys") == ["kuopio:2023900-1"]
    assert _ids(filled, "aanestys") == ["espoo:2024555-1"]
    assert _ids(filled, "ÄÄNESTYS") == ["kuopio:2023900-1"]  # case folds, ä stays ä


def test_filters(filled: Archive) -> None:
    assert _ids(filled, "perhekeskus", ItemFilters(municipality="297")) == [
        "kuopio:2024101-3",
        "kuopio:2024101-4",
    ]
    # Names match case-insensitively beyond ASCII, in Finnish or Swedish.
    assert _ids(filled, "perhekeskus", ItemFilters(municipality="ÄÄNEKOSKI")) == [
        "aanekoski:2024777-2"
    ]
    assert _ids(filled, "hyväksyttiin", ItemFilters(municipality="Esbo")) == ["espoo:2024555-1"]
    assert _ids(filled, "hyväksyttiin", ItemFilters(body="VALTUUSTO")) == ["espoo:2024555-1"]
    assert _ids(filled, "hyväksyttiin", ItemFilters(municipality="Nowhere")) == []
    assert _ids(filled, "hyväksyttiin", ItemFilters(since=date(2024, 3, 1))) == [
        "aanekoski:2024777-2"
    ]
    assert _ids(filled, "asia", ItemFilters(until=date(2023, 12, 31))) == ["kuopio:2023900-1"]


def test_results_with_equal_rank_are_newest_first(archive: Archive) -> None:
    setup_sources(archive)
    days = [date(2022, 1, 10), date(2024, 1, 10), date(2023, 1, 10)]
    records = [
        item(f"{n}00-1", "Sama otsikko", meeting_date=day) for n, day in enumerate(days, start=1)
    ]
    store(archive, item_page(*records))
    assert _ids(archive, "sama otsikko") == ["kuopio:200-1", "kuopio:300-1", "kuopio:100-1"]


@pytest.mark.parametrize(
    "query",
    [
        "NEAR",
        "NEAR(a b)",
        "§ 48",
        "MliDno-2018-2371",
        "a OR b",
        "'; DROP TABLE item;--",
        "perhe:*",
        "title:perhe",
        "^perhe",
        "a AND NOT b",
        "x & y | !z",
        'perhe" OR "*',
    ],
)
def test_hostile_queries_never_reach_the_engine_raw(filled: Archive, query: str) -> None:
    with filled.session() as session:
        hits = search_items(session, query, None, limit=5)
    assert isinstance(hits, list)


def test_hostile_queries_still_find_their_words(filled: Archive) -> None:
    assert _ids(filled, "MliDno-2018-2371") == ["kuopio:2023900-1"]
    assert _ids(filled, "§ 48 kumottiin") == ["kuopio:2023900-1"]
    assert _ids(filled, "NEAR") == []
    assert _ids(filled, "title:perhekeskus") == []  # "title" is a word here, not a column


@pytest.mark.parametrize("query", ["", "   ", "*", '"(', "§ -- !", "\\"])
def test_a_query_without_words_is_a_clear_error(query: str, filled: Archive) -> None:
    with pytest.raises(SearchQueryError, match="nothing to search for"), filled.session() as s:
        search_items(s, query, None, limit=5)


def test_hits_carry_context_and_a_marked_snippet(filled: Archive) -> None:
    with filled.session() as session:
        (hit,) = search_items(
            session, "neuvola", ItemFilters(), limit=5, mark_start="[", mark_end="]"
        )
    assert hit.item_id == "kuopio:2024101-4"
    assert (hit.source, hit.municipality, hit.body) == ("kuopio", "Kuopio", "Kaupunginhallitus")
    assert hit.meeting_date == date(2024, 2, 26) and hit.paragraph == "48"
    assert "[neuvolat]" in hit.snippet
    assert hit.url.endswith("id=2024101-4")


def test_reindexed_after_update(filled: Archive) -> None:
    changed = replace(item("2024101-3"), title="Kirjastoverkko")
    store(filled, item_page(changed), at=T1)
    assert "kuopio:2024101-3" in _ids(filled, "kirjastoverkko")
    assert "kuopio:2024101-3" not in _ids(filled, "perhekeskustoimintamallin")


def test_highlight_windows_long_text() -> None:
    text = ("alku " * 60) + "Perhekeskustoimintamalli otetaan käyttöön. " + ("loppu " * 60)
    snippet = highlight(text, ["perhekeskus"], start="«", end="»", width=120)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "«Perhekeskustoimintamalli»" in snippet
    assert len(snippet) <= 125
    assert highlight("lyhyt teksti", ["puuttuu"]) == "lyhyt teksti"
