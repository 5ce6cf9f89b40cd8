"""What was decided in an item: outcome, votes, disqualifications and dissent.

``classify`` reads an item's sections (kind and text; parsers.records.Section fits) and
returns an ``ItemOutcome``. It is pure apart from the Voikko analyser it is given (or
the process-wide one). Agendas have no outcome; a decision no rule fits has none either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Protocol

from pykala.analysis.finnish import FinnishAnalyzer, get_analyzer

from . import outcome, people, votes
from .outcome import OUTCOMES, Rules
from .people import read_people
from .text import Reader
from .votes import Vote, VoteOption, read_votes, vote_held

_WANTED = outcome.LEMMAS | people.LEMMAS | votes.LEMMAS

__all__ = ["OUTCOMES", "ItemOutcome", "Vote", "VoteOption", "classify"]

_DECISION_KINDS = ("paatos",)
_HANDLING_KINDS = ("kasittely", "aanestys", "esteellisyys")
_AGENDA = "esityslista"


class SectionLike(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    outcome: str | None = None  # one of OUTCOMES, None when no rule fits or on agendas
    voted: bool = False
    votes: tuple[Vote, ...] = ()
    disqualified: tuple[str, ...] = ()
    dissent: tuple[str, ...] = ()
    movers: tuple[str, ...] = ()  # of counter-proposals, seconded or not
    seconders: tuple[str, ...] = ()

    @property
    def vote_counts(self) -> str:
        """Tallies of every counted vote, "; "-joined: "32-19", "9-6; 11-3-1"."""
        return "; ".join(v.counts for v in self.votes if v.counts)

    def details(self) -> str:
        """Votes (options, tallies, winner, names) and movers as JSON; "" when none."""
        if not (self.votes or self.movers or self.seconders):
            return ""
        data = {
            "votes": [asdict(v) for v in self.votes],
            "movers": list(self.movers),
            "seconders": list(self.seconders),
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


NO_OUTCOME = ItemOutcome()
_readers: dict[int, Reader] = {}


def _reader(analyzer: FinnishAnalyzer | None) -> Reader:
    analyzer = analyzer or get_analyzer()
    reader = _readers.get(id(analyzer))
    if reader is None:
        reader = _readers[id(analyzer)] = Reader(analyzer, _WANTED)
    return reader


def classify(
    sections: Iterable[SectionLike],
    meeting_kind: str | None,
    analyzer: FinnishAnalyzer | None = None,
) -> ItemOutcome:
    """The outcome, votes and people of one item's sections."""
    if meeting_kind == _AGENDA:
        return NO_OUTCOME
    decision_text: list[str] = []
    handling_text: list[str] = []
    for section in sections:
        kind = str(section.kind)
        if kind in _DECISION_KINDS:
            decision_text.append(section.text)
        elif kind in _HANDLING_KINDS:
            handling_text.append(section.text)
    if not decision_text and not handling_text:
        return NO_OUTCOME
    reader = _reader(analyzer)
    decision = reader.sentences("\n\n".join(decision_text))
    handling = reader.sentences("\n\n".join(handling_text))
    rules = Rules(reader)
    all_text = "\n\n".join((*handling_text, *decision_text))
    everything = [*handling, *decision]
    votes = tuple(read_votes(reader, everything, all_text))
    people = read_people(reader, handling, decision)
    return ItemOutcome(
        outcome=rules.outcome(decision, handling),
        voted=bool(votes) or vote_held(everything),
        votes=votes,
        disqualified=people.disqualified,
        dissent=people.dissent,
        movers=people.movers,
        seconders=people.seconders,
    )
