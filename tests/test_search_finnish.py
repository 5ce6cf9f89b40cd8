"""Finnish-aware search (issue 3) on SQLite and PostgreSQL: the same query, the same items."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.filters import FilterError, ItemFilters
from pykala.storage.index import rebuild_index
from pykala.storage.search import SearchQueryError, parse_query, search_items
from tests.storagekit import item, item_page, setup_sources, store

TEXTS = {
    "1-1": ("Perhekeskustoimintamalli otetaan käyttöön", "Asia valmisteltiin."),
    "1-2": ("Talousarvio", "Siirrytään perhekeskustoimintaan vuonna 2021."),
    "1-3": ("Neuvolapalvelut", "Perhekeskusten ja neuvoloiden yhteistyö."),
    "1-4": ("Verkostot", "Perhekeskusverkoston kokous pidettiin."),
    "1-5": ("Perhehoidon palkkiot", "Perhehoidon palkkiot nousevat."),
    "1-6": ("Kauppakeskuksen kaava", "Kauppakeskuksen asemakaava hyväksytään."),
    "1-7": ("Lastensuojelulain muutos", "Muutos koskee sijaishuoltoa."),
    "1-8": ("Lausunto", "Perusturva- ja terveyslautakunta antoi lausunnon."),
}


@pytest.fixture
def finnish(archive: Archive) -> Archive:
    setup_sources(archive)
    records = [
        item(key, title, selostus=body, paatos="Hyväksyttiin.", diary_number=None)
        for key, (title, body) in TEXTS.items()
    ]
    store(archive, item_page(*records))
    return archive


def _ids(
    archive: Archive, query: str, filters: ItemFilters | None = None, limit: int = 50
) -> list[str]:
    with archive.session() as session:
        return [h.item_id for h in search_items(session, query, filters, limit=limit)]


def _set(archive: Archive, query: str, filters: ItemFilters | None = None) -> set[str]:
    return {i.split(":")[1] for i in _ids(archive, query, filters)}


def test_issue_examples(finnish: Archive) -> None:
    # Compounds and inflections of perhekeskus; not family care nor a shopping centre.
    assert _set(finnish, "perhekeskus") == {"1-1", "1-2", "1-3", "1-4"}
    assert _set(finnish, "lastensuojelu") == {"1-7"}
    # The elided compound "Perusturva- ja terveyslautakunta" contains lautakunta twice.
    assert _set(finnish, "lautakunta") == {"1-8"}
    assert _set(finnish, "perusturvalautakunta") == {"1-8"}
    # An inflected query word finds the other forms too.
    assert _set(finnish, "perhekeskuksen") == {"1-1", "1-2", "1-3", "1-4"}


def test_whole_lemma_title_ranks_above_a_compound_part(archive: Archive) -> None:
    setup_sources(archive)
    store(
        archive,
        item_page(
            item("2-1", "Seurakunnan kiinteistöt"),
            item("2-2", "Kunnan kiinteistöt"),
            item("2-3", "Kiinteistöt", selostus="Kunta omistaa kiinteistöt."),
        ),
    )
    assert _ids(archive, "kunta") == ["kuopio:2-2", "kuopio:2-1", "kuopio:2-3"]


def test_phrase_exclusion_or_and_prefix(finnish: Archive) -> None:
    assert _set(finnish, "perhekeskus neuvola") == {"1-3"}
    # A phrase needs its words next to each other, in order, in any inflection.
    assert _set(finnish, '"perhekeskus ja neuvola"') == {"1-3"}
    assert _set(finnish, '"neuvola perhekeskus"') == set()
    assert _set(finnish, '"kokous pitää"') == {"1-4"}
    assert _set(finnish, "perhekeskus -neuvola") == {"1-1", "1-2", "1-4"}
    assert _set(finnish, "perhekeskus NOT verkosto") == {"1-1", "1-2", "1-3"}
    assert _set(finnish, 'perhekeskus -"vuonna 2021"') == {"1-1", "1-3", "1-4"}
    assert _set(finnish, "lastensuojelu OR kauppakeskus") == {"1-6", "1-7"}
    assert _set(finnish, "hyväksyä lastensuojelu OR kauppakeskus") == {"1-6", "1-7"}
    assert _set(finnish, "perhek*") == {"1-1", "1-2", "1-3", "1-4"}


@pytest.mark.parametrize(
    "query", ['"(', "*", "NEAR", "NEAR(perhekeskus)", "§ 48", "x AND", "OR OR", "- -- ---"]
)
def test_hostile_queries_are_results_or_one_line_errors(finnish: Archive, query: str) -> None:
    try:
        hits = _ids(finnish, query)
    except SearchQueryError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(hits, list)


def test_query_parse() -> None:
    parsed = parse_query('a "b c" -d OR e NOT f g OR h* "closed"')
    # OR joins two positive atoms; after an exclusion it has nothing to join.
    assert [[a.text for a in c] for c in parsed.clauses] == [
        ["a"],
        ["b c"],
        ["e"],
        ["g", "h"],
        ["closed"],
    ]
    with pytest.raises(SearchQueryError, match="unbalanced quote"):
        parse_query('a "b c" "unclosed')  # an error, not a phrase to the end
    assert [a.text for a in parsed.excluded] == ["d", "f"]
    assert parsed.clauses[3][1].prefix and parsed.clauses[1][0].phrase
    assert [len(c) for c in parse_query("a OR b OR c d").clauses] == [3, 1]
    assert parse_query("MliDno-2018-2371").diary_number == "MLIDNO-2018-2371"
    assert parse_query("HEL 2020-008126").diary_number == "HEL 2020-008126"
    assert parse_query("Dno 2361 / 06.00.00 / 2020").diary_number == "2361/06.00.00/2020"
    with pytest.raises(SearchQueryError, match="too many words"):
        parse_query("sana " * 40)


def test_diary_number_finds_its_item_first(archive: Archive) -> None:
    setup_sources(archive)
    store(
        archive,
        item_page(
            item(
                "3-1",
                "Viittaa asiaan",
                selostus="Katso 2361/06.00.00/2020 ja muut.",
                diary_number=None,
            ),
            item("3-2", "Kaavoitus", diary_number="2361/06.00.00/2020"),
            item("3-3", "Muu asia", diary_number="HEL 2020-008126"),
        ),
    )
    assert _ids(archive, "2361/06.00.00/2020") == ["kuopio:3-2", "kuopio:3-1"]
    assert _ids(archive, "Dno 2361/06.00.00/2020")[0] == "kuopio:3-2"
    assert _ids(archive, "HEL 2020-008126") == ["kuopio:3-3"]


def test_section_filter_matches_inside_that_section(archive: Archive) -> None:
    setup_sources(archive)
    store(
        archive,
        item_page(
            item("4-1", "Yksi", selostus="Kirjastoverkko kasvaa.", paatos="Hyväksyttiin."),
            item("4-2", "Kaksi", selostus="Ei mitään.", paatos="Kirjastoverkkoa laajennetaan."),
            item("4-3", "Kolme", selostus="Kirjastot", paatos="Verkko uusitaan."),
        ),
    )
    assert _set(archive, "kirjastoverkko") == {"4-1", "4-2"}
    assert _set(archive, "kirjastoverkko", ItemFilters(section="päätös")) == {"4-2"}
    assert _set(archive, "kirjastoverkko", ItemFilters(section="selostus")) == {"4-1"}
    # Every word inside the section: "kirjasto" is in 4-3's selostus, "verkko" in its päätös.
    assert _set(archive, "kirjasto verkko") == {"4-1", "4-2", "4-3"}
    assert _set(archive, "kirjasto verkko", ItemFilters(section="paatos")) == {"4-2"}
    with archive.session() as session:
        (hit,) = search_items(session, "kirjastoverkko", ItemFilters(section="paatos"))
    assert hit.snippet == "«Kirjastoverkkoa» laajennetaan."
    with pytest.raises(FilterError, match="unknown section"):
        _ids(archive, "kirjasto", ItemFilters(section="loppu"))


def test_region_county_and_topic_filters(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, item_page(item("5-1", "Perhekeskus Kuopioon")))
    store(
        archive,
        item_page(item("5-2", "Perhekeskus Espooseen")),
        source="espoo",
        url="https://espoo.example/1",
    )
    assert _set(archive, "perhekeskus", ItemFilters(region="pohjois-savo")) == {"5-1"}
    assert _set(archive, "perhekeskus", ItemFilters(region="Uusimaa")) == {"5-2"}
    assert _set(archive, "perhekeskus", ItemFilters(county="Länsi-Uudenmaan")) == {"5-2"}
    assert _set(archive, "perhekeskus", ItemFilters(county="Lappi")) == set()
    with archive.session() as session:
        topic = models.Topic(
            name="perhekeskus",
            title="Perhekeskukset",
            definition={},
            definition_hash="x",
            updated_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
        session.add(topic)
        session.flush()
        item_id = session.execute(
            text("SELECT id FROM item WHERE external_id = '5-2'")
        ).scalar_one()
        session.add(models.ItemTopic(topic_id=topic.id, item_id=item_id, score=1.0, evidence=[]))
    assert _set(archive, "perhekeskus", ItemFilters(topic="Perhekeskus")) == {"5-2"}
    assert _set(archive, "perhekeskus", ItemFilters(topic="nosuch")) == set()


def test_snippets_mark_inflected_and_compound_matches(finnish: Archive) -> None:
    with finnish.session() as session:
        hits = {h.item_id: h for h in search_items(session, "perhekeskus neuvola", limit=5)}
        (lauta,) = search_items(session, "lautakunta", limit=5)
    assert hits["kuopio:1-3"].snippet == "«Perhekeskusten» ja «neuvoloiden» yhteistyö."
    assert lauta.snippet == "«Perusturva»- ja «terveyslautakunta» antoi lausunnon."


def test_rebuilt_index_finds_the_same(finnish: Archive) -> None:
    before = _ids(finnish, "perhekeskus")
    with finnish.session() as session:
        for table in (
            "item_fts",
            "item_fts_title",
            "item_fts_section",
            "item_search",
            "item_search_section",
        ):
            if finnish.engine.dialect.has_table(session.connection(), table):
                session.execute(text(f"DELETE FROM {table}"))
    assert _ids(finnish, "perhekeskus") == []
    with finnish.session() as session:
        assert rebuild_index(session) == len(TEXTS)
    assert _ids(finnish, "perhekeskus") == before
    # 1-1 has perhekeskus in its title only.
    assert _set(finnish, "perhekeskus", ItemFilters(section="selostus")) == {"1-2", "1-3", "1-4"}


def test_dates_still_break_ties(archive: Archive) -> None:
    setup_sources(archive)
    days = [date(2022, 1, 10), date(2024, 1, 10)]
    store(
        archive, item_page(*(item(f"{n}9-1", "Kunta", meeting_date=d) for n, d in enumerate(days)))
    )
    assert _ids(archive, "kunnan") == ["kuopio:19-1", "kuopio:09-1"]


def _walk_date(n: int) -> date:
    return date(2022 + n % 3, 1 + n % 12, 1 + n % 27)


def _walk_archive(archive: Archive) -> None:
    """36 items over three years: titles and texts mention perhekeskus and lautakunta in
    different tiers (whole lemma in the title, compound part in the title, text only)."""
    setup_sources(archive)
    titles = ["Perhekeskus", "Perhekeskustoimintamalli", "Talousarvio", "Lautakunnan kokous"]
    texts = [
        "Perhekeskusten verkosto ja lautakunta.",
        "Kaupunginhallitus päätti.",
        "Perusturva- ja terveyslautakunta merkitsi tiedoksi perhekeskuksen.",
    ]
    records = [
        item(
            f"{2000 + n}-1",
            titles[n % len(titles)],
            selostus=texts[n % len(texts)],
            meeting_date=_walk_date(n),
        )
        for n in range(36)
    ]
    store(archive, item_page(*records))


WALK_QUERIES = [
    "perhekeskus",
    "lautakunta",
    "perhekeskus lautakunta",
    "kokous -talousarvio",
    '"verkosto ja lautakunta"',  # a phrase: checked in Python, read in batches
]


def _expected_walk_ranking() -> dict[str, list[str]]:
    """The ranking of WALK_QUERIES worked out from _walk_archive's texts: tier (whole
    lemma in the title, compound part in the title, anywhere), then newest first."""

    def newest_first(ns: list[int]) -> list[str]:
        return [f"kuopio:{2000 + n}-1" for n in sorted(ns, key=_walk_date, reverse=True)]

    every = range(36)
    in_text = [n for n in every if n % 3 in (0, 2)]  # both words are in texts 0 and 2
    return {
        "perhekeskus": newest_first([n for n in every if n % 4 == 0])
        + newest_first([n for n in every if n % 4 == 1])
        + newest_first([n for n in in_text if n % 4 in (2, 3)]),
        "lautakunta": newest_first([n for n in every if n % 4 == 3])
        + newest_first([n for n in in_text if n % 4 != 3]),
        "perhekeskus lautakunta": newest_first(in_text),
        "kokous -talousarvio": newest_first([n for n in every if n % 4 == 3]),
        '"verkosto ja lautakunta"': newest_first([n for n in every if n % 3 == 0]),
    }


def test_every_ranking_path_ranks_tier_then_newest_first(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite reads FTS5 in rank-key order. PostgreSQL walks item_order newest-first
    # probing the index, or sorts all matches (of date windows, or all). Whichever path a
    # tier takes (and a walk cut short by its budget), the ranking must be the same:
    # tier, then newest meeting first.
    from pykala.storage.search import items, postgresql

    _walk_archive(archive)
    expected = _expected_walk_ranking()

    def ranked(limit: int = 50) -> dict[str, list[str]]:
        return {q: _ids(archive, q, limit=limit) for q in WALK_QUERIES}

    assert ranked() == expected
    assert ranked(limit=4) == {q: ids[:4] for q, ids in expected.items()}
    with monkeypatch.context() as m:
        m.setattr(postgresql, "walk_cutoff", lambda _session: (False, None))
        assert ranked() == expected  # PostgreSQL: every match sorted
    with monkeypatch.context() as m:
        m.setattr(postgresql, "WALK_BUDGET", 5)
        assert ranked() == expected  # PostgreSQL: walked, then sorted
        # Date windows before the walk's cutoff (20 days: too few hits, it widens; 700
        # days: enough for a limit of 4, answered from the window).
        m.setattr(postgresql, "WINDOW_DAYS", (20, 700))
        assert ranked() == expected
        assert ranked(limit=4) == {q: ids[:4] for q, ids in expected.items()}
    with monkeypatch.context() as m:
        m.setattr(items, "VERIFY_BATCH", 5)  # phrase candidates read at growing offsets
        assert ranked() == expected


def test_same_day_ranks_by_item_id_and_undated_last(archive: Archive) -> None:
    setup_sources(archive)
    day = date(2024, 5, 6)
    records = [
        item("31-1", "Kunta", meeting_date=None),
        item("32-1", "Kunta", meeting_date=day),
        item("33-1", "Kunta", meeting_date=date(2023, 1, 1)),
        item("34-1", "Kunta", meeting_date=day),
        item("35-1", "Kunta", meeting_date=None),
    ]
    store(archive, item_page(*records))
    assert _ids(archive, "kunta") == [
        "kuopio:32-1",
        "kuopio:34-1",
        "kuopio:33-1",
        "kuopio:31-1",
        "kuopio:35-1",
    ]


def test_postgresql_keeps_each_items_sort_date_beside_its_index(pg_schema_url: str) -> None:
    # The date windows of the PostgreSQL fallback read item_search.sort_date (migration
    # 0008): set when the index row is written, moved when the item's date moves.
    from pykala.storage.db import open_archive

    with open_archive(pg_schema_url) as archive:
        setup_sources(archive)
        store(archive, item_page(item("2024101-3", meeting_date=date(2024, 2, 26))))

        def stored() -> list[object]:
            with archive.session() as session:
                return list(session.scalars(text("SELECT sort_date FROM item_search")))

        assert stored() == [date(2024, 2, 26)]
        with archive.session() as session:
            session.execute(text("UPDATE item SET meeting_date = '2025-01-07'"))
        assert stored() == [date(2025, 1, 7)]


def _index_rowids(archive: Archive) -> tuple[list[int], list[int]]:
    with archive.session() as session:
        items = sorted(session.scalars(text("SELECT rowid FROM item_fts")))
        sections = sorted(session.scalars(text("SELECT rowid FROM item_fts_section")))
        if archive.engine.dialect.has_table(session.connection(), "item_fts_title"):
            assert sorted(session.scalars(text("SELECT rowid FROM item_fts_title"))) == items
    return items, sections


def _expected_rowids(archive: Archive) -> tuple[list[int], list[int]]:
    """Each item's rank key (storage.index.rank_key of its id and date) and its section
    rows' keys, worked out in Python from the item rows."""
    from pykala.storage.index import SECTION_SLOTS, rank_key, section_code

    with archive.session() as session:
        rows = session.execute(
            text(
                "SELECT item.id, coalesce(item.meeting_date, meeting.date), section.kind "
                "FROM item LEFT JOIN meeting ON meeting.id = item.meeting_id "
                "JOIN section ON section.item_id = item.id"
            )
        ).all()
    keys = {i: rank_key(i, date.fromisoformat(d) if d else None) for i, d, _kind in rows}
    sections = {keys[i] * SECTION_SLOTS + section_code(kind) for i, _d, kind in rows}
    return sorted(keys.values()), sorted(sections)


def test_sqlite_index_rows_move_with_the_items_date(sqlite_archive: Archive) -> None:
    # FTS5 rowids are rank keys (migration 0009): a trigger moves an item's rows when its
    # date changes, whichever way it changes.
    setup_sources(sqlite_archive)
    store(
        sqlite_archive,
        item_page(
            item("41-1", "Kunta", meeting_date=date(2024, 1, 1)),
            item("42-1", "Kunta", meeting_date=None),
        ),
    )
    assert _index_rowids(sqlite_archive) == _expected_rowids(sqlite_archive)
    assert _ids(sqlite_archive, "kunta") == ["kuopio:41-1", "kuopio:42-1"]
    with sqlite_archive.session() as session:
        session.execute(text("UPDATE meeting SET date = '2025-03-04' WHERE external_id = '42'"))
    assert _index_rowids(sqlite_archive) == _expected_rowids(sqlite_archive)
    assert _ids(sqlite_archive, "kunta") == ["kuopio:42-1", "kuopio:41-1"]
    with sqlite_archive.session() as session:
        session.execute(text("UPDATE item SET meeting_date = '2026-01-01' WHERE id = 1"))
    assert _index_rowids(sqlite_archive) == _expected_rowids(sqlite_archive)
    assert _ids(sqlite_archive, "kunta") == ["kuopio:41-1", "kuopio:42-1"]
    assert _ids(sqlite_archive, "kunta", ItemFilters(section="paatos")) == []
    paatos = ItemFilters(section="päätös")
    assert _ids(sqlite_archive, "hyväksyä", paatos) == ["kuopio:41-1", "kuopio:42-1"]
    # Re-storing an item rewrites its rows under the current key, never a second copy.
    store(sqlite_archive, item_page(item("41-1", "Kunta", paatos="Hylättiin.")))
    assert _index_rowids(sqlite_archive) == _expected_rowids(sqlite_archive)


def test_sqlite_rank_key_migrations_round_trip(sqlite_archive: Archive) -> None:
    # Migration 0009 re-keys an existing index (and 0008's layout is rowid = item id).
    from pykala.storage.db import migrate

    _walk_archive(sqlite_archive)
    expected = _expected_walk_ranking()
    migrate(sqlite_archive.engine, "0008", down=True)
    items, _sections = _index_rowids(sqlite_archive)
    assert items == list(range(1, 37))
    migrate(sqlite_archive.engine)
    assert _index_rowids(sqlite_archive) == _expected_rowids(sqlite_archive)
    assert {q: _ids(sqlite_archive, q) for q in WALK_QUERIES} == expected
    # From before the Finnish index: 0004 rebuilds it in its own layout, 0009 re-keys it.
    migrate(sqlite_archive.engine, "0003", down=True)
    migrate(sqlite_archive.engine)
    assert _index_rowids(sqlite_archive) == _expected_rowids(sqlite_archive)
    assert {q: _ids(sqlite_archive, q) for q in WALK_QUERIES} == expected


def test_postgresql_search_runs_with_its_own_work_mem(pg_schema_url: str) -> None:
    # Date windows need bitmaps that stay exact (see SEARCH_WORK_MEM); only the search's
    # own transaction gets the memory.
    from pykala.storage.db import open_archive
    from pykala.storage.search import SEARCH_WORK_MEM

    with open_archive(pg_schema_url) as archive:
        setup_sources(archive)
        store(archive, item_page(item("2024101-3")))
        with archive.session() as session:
            default = session.scalar(text("SHOW work_mem"))
        with archive.session() as session:
            assert search_items(session, "perhekeskus")
            assert session.scalar(text("SHOW work_mem")) == SEARCH_WORK_MEM
        with archive.session() as session:
            assert session.scalar(text("SHOW work_mem")) == default != SEARCH_WORK_MEM
