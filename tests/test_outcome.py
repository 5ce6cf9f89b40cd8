"""The labelled decisions (fixtures/outcomes/labelled.jsonl) as golden tests of
analysis.decisions.classify, and the rules the issue names, one test each."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pykala.analysis.decisions import OUTCOMES, classify

OUTCOMES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "outcomes"


def _cases(name: str) -> list[dict[str, Any]]:
    text = (OUTCOMES_DIR / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


CASES = _cases("labelled.jsonl")
HELDOUT = _cases("heldout.jsonl")  # written after the rules; kept as a regression test


def _sections(case: dict[str, Any]) -> list[SimpleNamespace]:
    return [SimpleNamespace(kind=kind, text=text) for kind, text in case["sections"]]


@pytest.mark.parametrize("case", CASES + HELDOUT, ids=[c["id"] for c in CASES + HELDOUT])
def test_labelled_decision(case: dict[str, Any]) -> None:
    got = classify(_sections(case), case["meeting_kind"])
    expect = case["expect"]
    assert got.outcome == expect["outcome"]
    assert got.voted == expect["voted"]
    assert got.vote_counts == expect["vote_counts"]
    assert list(got.disqualified) == expect["disqualified"]
    assert list(got.dissent) == expect["dissent"]
    if "movers" in expect:
        assert list(got.movers) == expect["movers"]
    if "seconders" in expect:
        assert list(got.seconders) == expect["seconders"]


def test_labelled_set_covers_what_the_issue_asks() -> None:
    assert len(CASES) >= 150
    outcomes = Counter(c["expect"]["outcome"] for c in CASES)
    assert all(outcomes[o] >= 10 for o in OUTCOMES), outcomes
    assert sum(c["expect"]["voted"] for c in CASES) >= 20
    assert sum(bool(c["expect"]["disqualified"]) for c in CASES) >= 10
    assert {c["language"] for c in CASES} == {"fi", "sv"}
    assert {"dynasty", "cloudnc", "tweb", "ahjo", "pdf"} <= {c["platform"] for c in CASES}
    assert all(c["origin"] in ("real", "written") and c["source"] for c in CASES)


def _one(text: str, kind: str = "paatos", meeting_kind: str | None = "poytakirja") -> Any:
    return classify([SimpleNamespace(kind=kind, text=text)], meeting_kind)


def test_agenda_has_no_outcome() -> None:
    assert _one("Hyväksyttiin.", meeting_kind="esityslista").outcome is None
    assert _one("Hyväksyttiin.").outcome == "accepted"


def test_text_no_rule_fits_has_no_outcome() -> None:
    assert _one("Kokous päättyi klo 18.").outcome is None


def test_unseconded_counter_proposal_is_not_a_vote() -> None:
    got = classify(
        [
            SimpleNamespace(
                kind="kasittely",
                text="Jäsen Laine ehdotti, että asia palautetaan. Ehdotusta ei kannatettu, "
                "joten se raukesi.",
            ),
            SimpleNamespace(kind="paatos", text="Hyväksyttiin."),
        ],
        "poytakirja",
    )
    assert (got.outcome, got.voted, got.movers, got.seconders) == (
        "accepted",
        False,
        ("Laine",),
        (),
    )


def test_unreadable_tally_is_a_vote_with_no_counts() -> None:
    got = _one("Äänestyslista on pöytäkirjan liitteenä.", kind="aanestys")
    assert (got.voted, got.vote_counts) == (True, "")


def test_roll_call_names_and_winner() -> None:
    got = _one(
        "JAA: Aho, Berg, Heino\nEI: Koski, Lind",
        kind="aanestys",
    )
    (vote,) = got.votes
    assert [(o.label, o.votes, o.names) for o in vote.options] == [
        ("jaa", 3, ("Aho", "Berg", "Heino")),
        ("ei", 2, ("Koski", "Lind")),
    ]
    assert vote.winner == "jaa" and got.vote_counts == "3-2"


def test_noting_proposal_accepted_is_accepted() -> None:
    # The proposal was to note a report; the decision accepts the proposal.
    assert _one("Lautakunta hyväksyi päätösehdotuksen.").outcome == "accepted"
    assert _one("Lautakunta merkitsi raportin tiedoksi.").outcome == "noted"


def test_details_json_round_trips() -> None:
    got = _one("Päätösehdotus hyväksyttiin äänin 32–19.")
    details = json.loads(got.details())
    assert details["votes"][0]["options"][0] == {"label": "jaa", "votes": 32, "names": []}
    assert _one("Hyväksyttiin.").details() == ""


def test_tallies_spelled_out_in_inflected_number_words() -> None:
    got = _one("Päätösehdotus hyväksyttiin kahdella äänellä yhtä ääntä vastaan.")
    assert (got.outcome, got.vote_counts) == ("accepted", "2-1")
    got = _one("Lautakunta hylkäsi päätösehdotuksen viidellä äänellä neljää ääntä vastaan.")
    assert (got.outcome, got.vote_counts) == ("rejected", "5-4")


def test_changed_proposal_is_amended_but_changed_object_is_not() -> None:
    assert _one("Esittelijän muutettu ehdotus hyväksyttiin.").outcome == "amended"
    assert _one("Föredragandens ändrade förslag godkändes.").outcome == "amended"
    assert _one("Hyväksyttiin muutettu talousarvio.").outcome == "accepted"
    assert _one("Lautakunta hyväksyi muutokset hallintosääntöön.").outcome == "accepted"


def test_leaving_for_the_item_is_disqualification_a_break_is_not() -> None:
    left = "Jäsen Vuornos poistui kokouksesta asian käsittelyn ajaksi."
    away = "Jäsen Vuornos poistui kokouksesta tämän asian käsittelyn aikana klo 10.42."
    assert _one(left, kind="kasittely").disqualified == ("Vuornos",)
    assert _one(away, kind="kasittely").disqualified == ()


def test_tally_with_counts_before_labels() -> None:
    got = _one("Äänestyksessä annettiin 9 JAA-ääntä, 2 EI-ääntä ja 1 tyhjä ääni.", kind="aanestys")
    assert (got.voted, got.vote_counts) == (True, "9-2-1")


def test_options_named_as_printed_when_each_got_votes() -> None:
    got = _one(
        "Puheenjohtaja totesi, että päätösehdotus sai 7 ääntä ja Virtasen ehdotus 4 ääntä.",
        kind="kasittely",
    )
    (vote,) = got.votes
    assert [(o.label, o.votes) for o in vote.options] == [
        ("päätösehdotus", 7),
        ("Virtasen ehdotus", 4),
    ]
    assert vote.winner == "päätösehdotus"
