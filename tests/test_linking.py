"""Topics and links (issue 3): acceptance on both databases, then the parts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from pykala.analysis.finnish import get_analyzer
from pykala.linking.links import rebuild_links
from pykala.linking.linkview import item_links
from pykala.linking.membership import refresh
from pykala.linking.similarity import SAME_CASE, SIMILAR, similar_pairs
from pykala.linking.topics import (
    TopicError,
    analyse_item,
    compile_topic,
    load_topics,
    read_topics_file,
    score_item,
)
from pykala.linking.topicview import timeline, topic_members
from pykala.storage import models
from pykala.storage.db import Archive
from tests import storagekit
from tests.linkingkit import (
    KUOPIO_SEED,
    MIKKELI_SEED,
    NEGATIVES,
    item_db_id,
    load_acceptance_archive,
)


def _db_id(archive: Archive, stable_id: str) -> int:
    with archive.session() as session:
        return item_db_id(session, stable_id)


@pytest.fixture
def linked(archive: Archive) -> Archive:
    load_acceptance_archive(archive)
    with archive.session() as session:
        refresh(session, load_topics())
        rebuild_links(session)
    return archive


# --- acceptance (issue 3, point 6) ------------------------------------------------------


def test_both_seeds_are_family_centre_members_and_the_negatives_are_not(linked: Archive) -> None:
    with linked.session() as session:
        members = {m.item_id: m for m in topic_members(session, "perhekeskus")}
    assert set(members) == {KUOPIO_SEED, MIKKELI_SEED}
    kuopio = members[KUOPIO_SEED]
    assert {"term": "perhekeskustoimintamalli", "section": "title"}.items() <= (
        kuopio.evidence[0].items()
    )
    assert "Perhekeskustoimintamalli" in kuopio.evidence[0]["forms"]
    mikkeli_sections = {(e["term"], e["section"]) for e in members[MIKKELI_SEED].evidence}
    assert ("perhekeskustoiminta", "title") in mikkeli_sections
    assert ("kohtaamispaikka", "selostus") in mikkeli_sections
    assert members[MIKKELI_SEED].meeting_date == date(2018, 11, 22)


def test_each_seed_lists_the_other_as_similar_and_no_negative(linked: Archive) -> None:
    with linked.session() as session:
        for seed, other in ((KUOPIO_SEED, MIKKELI_SEED), (MIKKELI_SEED, KUOPIO_SEED)):
            links = item_links(session, _db_id(linked, seed))
            similar = [link for link in links if link.kind == SIMILAR]
            assert [link.item_id for link in similar] == [other]
            # Both directions were stored: each is in the other's own top k.
            assert similar[0].direction == "both"
            assert {"perhekeskus", "perhekeskustoiminta"} <= set(
                similar[0].evidence["shared_terms"]
            )
            assert not {link.item_id for link in links} & set(NEGATIVES)


def test_no_link_of_any_kind_between_a_seed_and_a_negative(linked: Archive) -> None:
    seeds = {_db_id(linked, s) for s in (KUOPIO_SEED, MIKKELI_SEED)}
    negatives = {_db_id(linked, n) for n in NEGATIVES}
    with linked.session() as session:
        pairs = {
            (a, b)
            for a, b in session.execute(select(models.Link.from_item_id, models.Link.to_item_id))
        }
    assert pairs  # the seeds' own link is there
    assert not {p for p in pairs if set(p) & seeds and set(p) & negatives}


def test_timeline_counts_members_per_municipality_and_year(linked: Archive) -> None:
    with linked.session() as session:
        by_town = timeline(session, "perhekeskus", "municipality")
        by_county = timeline(session, "perhekeskus", "county", "month")
    assert by_town.periods == ["2018", "2019", "2020"]  # the empty year too (issue 14)
    assert by_town.rows == {"Kuopio": {"2020": 1}, "Mikkeli": {"2018": 1}}
    assert by_county.rows["Etelä-Savon hyvinvointialue"] == {"2018-11": 1}
    assert by_county.periods[:3] == ["2018-11", "2018-12", "2019-01"]
    assert by_county.periods[-1] == "2020-05" and len(by_county.periods) == 19


# --- membership is kept current ---------------------------------------------------------


def test_a_changed_item_is_scored_again_and_an_unchanged_archive_is_not(
    sqlite_archive: Archive,
) -> None:
    storagekit.setup_sources(sqlite_archive)
    storagekit.store(sqlite_archive, storagekit.item_page(storagekit.item()))
    with sqlite_archive.session() as session:
        first = refresh(session, load_topics())
        again = refresh(session, load_topics())
        assert [m.item_id for m in topic_members(session, "perhekeskus")] == ["kuopio:2024101-3"]
    assert (first.items_analysed, again.items_analysed, again.topics_changed) == (1, 0, [])
    changed = storagekit.item(title="Kauppakeskuksen asemakaava")
    storagekit.store(sqlite_archive, storagekit.item_page(changed), at=storagekit.T1)
    with sqlite_archive.session() as session:
        assert refresh(session, load_topics()).items_analysed == 1
        assert topic_members(session, "perhekeskus") == []


def test_a_changed_topic_definition_rescores_every_item(
    sqlite_archive: Archive, tmp_path: Path
) -> None:
    storagekit.setup_sources(sqlite_archive)
    storagekit.store(
        sqlite_archive,
        storagekit.item_page(
            storagekit.item(title="Talousarvio 2024", selostus="Talousarvio ja investoinnit.")
        ),
    )
    with sqlite_archive.session() as session:
        refresh(session, load_topics())
        assert topic_members(session, "perhekeskus") == []
    user = tmp_path / "topics.toml"
    user.write_text('[[topic]]\nname = "perhekeskus"\nterms = ["talousarvio"]\n', "utf-8")
    with sqlite_archive.session() as session:
        report = refresh(session, load_topics(user))
        assert (report.topics_changed, report.items_analysed, report.items_rescored) == (
            ["perhekeskus"],
            0,
            1,
        )
        assert len(topic_members(session, "perhekeskus")) == 1


# --- scoring (pure) ---------------------------------------------------------------------


def _score(title: str, **sections: str) -> tuple[float, str | None, bool]:
    analyzer = get_analyzer()
    topic = compile_topic(analyzer, load_topics()[0])
    result = score_item(topic, analyse_item(analyzer, title, list(sections.items())))
    return result.score, result.excluded_by, result.is_member(topic.definition.threshold)


def test_foster_care_and_shopping_centre_titles_are_not_members() -> None:
    assert _score("Perhehoidon palkkiot", selostus="Perhehoidon palkkiot nousevat.") == (
        0.0,
        "perhehoito",
        False,
    )
    assert _score("Kauppakeskuksen asemakaava", selostus="Keskus on kohtaamispaikka.")[2] is False


def test_an_exclusion_in_the_title_vetoes_only_without_a_topic_term_there() -> None:
    body = "Perhekeskus ja perhekeskustoiminta. Perhekeskuksen kohtaamispaikka."
    score, excluded_by, member = _score("Perhehoito", paatos=body)
    assert (excluded_by, member) == ("perhehoito", False) and score > 3
    assert _score("Perhehoito ja perhekeskus", paatos=body)[1:] == (None, True)


def test_a_compound_counts_for_one_term_only_and_names_do_not_count() -> None:
    # Perhekeskustoimintamalli matches three terms but is counted once, for the most
    # specific; valmistelija (names) has weight 0.
    assert _score("Perhekeskustoimintamalli")[0] == 3.0
    assert _score("Asia", valmistelija="Perhekeskuksen johtaja")[0] == 0.0


def test_a_phrase_term_matches_consecutive_inflected_words() -> None:
    assert _score("Asia", selostus="lapsi- ja perhepalvelujen muutosohjelmassa")[0] == 1.0
    assert _score("Asia", selostus="lapsi- ja nuorisopalvelujen muutosohjelmassa")[0] == 0.0


def test_a_bad_topics_file_names_the_file_and_the_topic(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[[topic]]\nname = "x"\nterms = []\n', "utf-8")
    with pytest.raises(TopicError, match=r"t\.toml: topic 'x': terms must be a non-empty list"):
        read_topics_file(path)


# --- links ------------------------------------------------------------------------------


def test_same_case_links_one_organisations_items_in_date_order(sqlite_archive: Archive) -> None:
    storagekit.setup_sources(sqlite_archive)
    dno = "2361/06.00.00/2020"
    council = storagekit.item(
        "2024301-2",
        "Asia",
        body_name="Kaupunginvaltuusto",
        meeting_date=date(2024, 4, 15),
        diary_number=dno,
    )
    board = storagekit.item("2024101-3", "Asia", meeting_date=date(2024, 2, 26), diary_number=dno)
    committee = storagekit.item(
        "2024050-1",
        "Asia",
        body_name="Perusturvalautakunta",
        meeting_date=date(2024, 1, 10),
        diary_number=dno,
    )
    other_case = storagekit.item("2024101-4", "Asia", diary_number="1/00.00.00/2024")
    for record in (council, board, committee, other_case):
        storagekit.store(sqlite_archive, storagekit.item_page(record))
    espoo = replace(committee, url="https://espoo.example/1")
    storagekit.store(sqlite_archive, storagekit.item_page(espoo), source="espoo")
    with sqlite_archive.session() as session:
        refresh(session, ())
        report = rebuild_links(session)
        chain = item_links(session, _db_id(sqlite_archive, "kuopio:2024101-3"))
    assert report.same_case == 2
    assert [(link.direction, link.item_id) for link in chain if link.kind == SAME_CASE] == [
        ("earlier", "kuopio:2024050-1"),
        ("later", "kuopio:2024301-2"),
    ]
    assert chain[0].evidence == {"diary_number": dno}


def test_similar_pairs_skip_the_same_group_and_weak_matches() -> None:
    docs = ["perhekeskus lapsi perhe", "perhekeskus lapsi perhe", "perhekeskus lapsi", "kaava"]
    pairs = similar_pairs(docs, ["a", "a", "b", "b"], k=5, threshold=0.1)
    assert {(p.from_index, p.to_index) for p in pairs} == {(0, 2), (1, 2), (2, 0), (2, 1)}
    assert all(p.shared[0] in {"perhekeskus", "lapsi"} for p in pairs)
    assert similar_pairs(docs, ["a", "a", "b", "b"], k=1, threshold=0.1)[0].to_index == 2
