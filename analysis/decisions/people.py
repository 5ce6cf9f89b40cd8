"""Who was disqualified, who dissented, and who moved and seconded counter-proposals.

Names are kept as printed ("Jörn Åkerlund", "Virtasen"): a name in minutes is often
inflected, and the surname alone is what many minutes print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import Reader, Sentence, unique

_DISQUALIFIED = frozenset({"esteellinen", "jäävi", "jäävätä", "jäävätty", "esteellisyys"})
_LEFT = frozenset({"poistua", "poistunut"})
_SV_DISQUALIFIED = re.compile(r"\bjävig|\bjäv\b|anmälde jäv", re.IGNORECASE)
_SV_LEFT = re.compile(r"\bavlägsnade sig\b.*\bunder\b.*\bbehandling", re.IGNORECASE)
_DISSENT = frozenset({"eriävä"})
_OPINION = frozenset({"mielipide"})
_SV_DISSENT = re.compile(r"\b(avvikande mening|reservation|reserverade sig)", re.IGNORECASE)
_PROPOSE = frozenset({"ehdottaa", "tehdä", "esittää"})
_PROPOSAL = frozenset({"ehdotus", "muutosehdotus", "vastaehdotus", "lisäysehdotus"})
_SECOND = frozenset({"kannattaa", "kannattama", "kannattanut"})
_SV_SECONDED = re.compile(r"\b(understödd\w* av|understödde)\b", re.IGNORECASE)
_SV_PROPOSE = re.compile(r"\b(föreslog|framställde|lade fram)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class People:
    disqualified: tuple[str, ...] = ()
    dissent: tuple[str, ...] = ()
    movers: tuple[str, ...] = ()
    seconders: tuple[str, ...] = ()


def _disqualified(reader: Reader, sentence: Sentence) -> list[str]:
    # "poistui kokouksesta asian käsittelyn ajaksi" (for the item); "… käsittelyn aikana
    # klo 10.42" is a break, not a disqualification
    during = "ajaksi" in sentence.words
    at = sentence.index(_DISQUALIFIED)
    if at >= 0:
        # "ei ollut esteellinen": the negation just before it
        near = {w.lower() for w in sentence.words[max(0, at - 3) : at]}
        return [] if near & {"ei", "eikä", "eivät", "ettei"} else reader.names(sentence)
    if sentence.has(_LEFT) and during:
        return reader.names(sentence)
    if sentence.sv(_SV_DISQUALIFIED) or sentence.sv(_SV_LEFT):
        return reader.names(sentence)
    return []


def _counter(reader: Reader, sentence: Sentence) -> tuple[list[str], list[str]]:
    """(movers, seconders) named in one sentence."""
    second = sentence.index(_SECOND)
    propose = sentence.index(_PROPOSE)
    movers: list[str] = []
    seconders: list[str] = []
    if second >= 0:
        word = sentence.words[second].lower()
        if word.startswith("kannattama"):
            # "X ehdotti Y:n kannattamana", "Elo Hyrkön ym. kannattamana teki",
            # "Sundqvistin Muurisen kannattamana tekemästä ehdotuksesta": the name just
            # before is the seconder, the one before it (or after the verb) the mover.
            before = reader.names(sentence, 0, second)
            if before:
                seconders.append(before[-1].split()[-1])
                rest = before[-1].split()[:-1]
                movers += [" ".join(rest)] if rest else before[:-1]
        elif "kannatettu" not in word and "kannatettiin" not in word:
            # "Y kannatti X:n ehdotusta"
            seconders += reader.names(sentence, 0, second)
            movers += reader.names(sentence, second + 1)
    elif propose >= 0 and (sentence.has(_PROPOSAL) or sentence.words[propose].lower() != "tehdä"):
        word = sentence.words[propose].lower()
        if not word.startswith(("ehdotetaan", "esitetään", "esittää")):
            movers += reader.names(sentence, 0, propose)
    if sentence.sv(_SV_PROPOSE):
        found = reader.names(sentence)
        if sentence.sv(_SV_SECONDED) and len(found) >= 2:
            movers.append(found[0])
            seconders += found[1:]
        elif found:
            movers.append(found[0])
    return movers, seconders


def read_people(reader: Reader, handling: list[Sentence], decision: list[Sentence]) -> People:
    disqualified: list[str] = []
    dissent: list[str] = []
    movers: list[str] = []
    seconders: list[str] = []
    for sentence in (*handling, *decision):
        disqualified += _disqualified(reader, sentence)
        if (sentence.has(_DISSENT) and sentence.has(_OPINION)) or sentence.sv(_SV_DISSENT):
            dissent += reader.names(sentence)
    for sentence in handling:
        m, s = _counter(reader, sentence)
        movers += m
        seconders += s
    return People(unique(disqualified), unique(dissent), unique(movers), unique(seconders))


# Every lemma a rule here asks for (text.Reader analyses only words that may have one).
LEMMAS: frozenset[str] = frozenset().union(
    _DISQUALIFIED,
    _LEFT,
    _DISSENT,
    _OPINION,
    _PROPOSE,
    _PROPOSAL,
    _SECOND,
)
