"""Sentences of a decision text with each word's Voikko lemmas, and the names in them.

The outcome rules ask "does this sentence have a word whose lemma is one of these", so a
sentence keeps its words, their lemma sets and whether each was capitalised. Swedish
words are unknown to Voikko and keep their lower-cased surface form as their only
"lemma"; the Swedish rules match those by stem (see ``Sentence.sv``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pykala.analysis.finnish import FinnishAnalyzer

# A sentence ends at a full stop, "!" or "?" before a capital, digit or quote, or at a
# paragraph; "ym. kannattamana" and "klo 16.22" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"”'(]?[A-ZÅÄÖ0-9])|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:[-:][^\W\d_]+)*|\d+")
# Voikko files many surnames (Mäkelä, Nieminen, Salo) as place names too.
_NAME_CLASSES = frozenset({"etunimi", "sukunimi", "paikannimi"})
# Negation words as printed; "EI-ääniä" (a vote label) is not one.
_NEGATIONS = frozenset({"ei", "eikä", "ettei", "eivät", "ilman"})
# Capitalised words that open a sentence or precede a name but are not names.
_NOT_NAMES = frozenset(
    {
        "ledamoten",
        "ledamot",
        "ordföranden",
        "ordförande",
        "föredraganden",
        "ersättaren",
        "fullmäktigeledamoten",
        "stadsdirektören",
        "kommundirektören",
        "jäsen",
        "varajäsen",
        "valtuutettu",
        "puheenjohtaja",
        "varapuheenjohtaja",
        "esittelijä",
        "sihteeri",
        "kaupunginjohtaja",
        "kunnanjohtaja",
        "asia",
        "ärendet",
        "jaa",
        "ei",
        "ja",
        "nej",
        "blank",
        "tyhjää",
        "tyhjä",
        "poissa",
        "frånvarande",
        "eriävä",
        "esteellisyys",
        "jäv",
        "merkitään",
        "antecknades",
    }
)


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    words: tuple[str, ...]  # as printed
    lemmas: tuple[frozenset[str], ...]  # per word: Voikko lemmas, else the lower-cased word
    bag: frozenset[str]  # every word's lemmas together

    def has(self, lemmas: frozenset[str]) -> bool:
        """True when any word has one of ``lemmas``."""
        return not lemmas.isdisjoint(self.bag)

    def index(self, lemmas: frozenset[str], start: int = 0) -> int:
        """Position of the first word at or after ``start`` with one of ``lemmas``, or -1."""
        for n in range(start, len(self.lemmas)):
            if not lemmas.isdisjoint(self.lemmas[n]):
                return n
        return -1

    def negated(self) -> bool:
        """True when the sentence has a Finnish negation word ("ei", "ilman")."""
        return any(w in _NEGATIONS for w in self.words)

    def sv(self, pattern: re.Pattern[str]) -> bool:
        """True when the Swedish ``pattern`` matches the sentence's text."""
        return pattern.search(self.text) is not None


# Inflection keeps the first three letters of the words the rules ask for, but for
# these: "sai" (saada), "teki", "tekemästä" (tehdä), "yhtä" (yksi).
_PREFIX_VARIANTS = frozenset({"sai", "tek", "yht"})
_PREFIX = 3


class Reader:
    """Splits and lemmatises decision texts with one analyser; names are looked up in
    Voikko's raw analyses (a surname class) and cached per word.

    Only words that begin like one of ``wanted`` (the lemmas the rules ask for) are
    analysed; Voikko is most of the cost on a cold cache, and the rest cannot match.
    """

    def __init__(self, analyzer: FinnishAnalyzer, wanted: frozenset[str]) -> None:
        self._analyzer = analyzer
        self._prefixes = frozenset(w[:_PREFIX] for w in wanted) | _PREFIX_VARIANTS
        self.is_name = functools.lru_cache(maxsize=50_000)(self._is_name)

    def lemmas(self, word: str) -> frozenset[str]:
        lower = word.lower()
        if word.isdigit() or lower[:_PREFIX] not in self._prefixes:
            return frozenset((lower,))
        return frozenset((lower, *self._analyzer.analyze_word(word).lemmas))

    def sentences(self, text: str) -> list[Sentence]:
        out: list[Sentence] = []
        for part in _SENTENCE_END.split(text):
            part = part.strip()
            if not part:
                continue
            words = tuple(_WORD.findall(part))
            lemmas = tuple(self.lemmas(w) for w in words)
            out.append(Sentence(part, words, lemmas, frozenset().union(*lemmas)))
        return out

    def _is_name(self, word: str) -> bool:
        if not word[:1].isupper() or word.lower() in _NOT_NAMES or word.isupper():
            return False
        base = word.split(":")[0]
        analyses = self._analyzer.voikko_analyze(base)
        if not analyses:
            return True  # unknown capitalised word: a foreign or rare name
        return any(a.get("CLASS") in _NAME_CLASSES for a in analyses)

    def names(self, sentence: Sentence, start: int = 0, end: int | None = None) -> list[str]:
        """Runs of name words in ``sentence.words[start:end]``, each run as printed
        ("Jörn Åkerlund", "Elon")."""
        words = sentence.words[start:end]
        runs: list[str] = []
        current: list[str] = []
        for word in words:
            if self.is_name(word):
                current.append(word)
                continue
            if current:
                runs.append(" ".join(current))
                current = []
        if current:
            runs.append(" ".join(current))
        return runs


def unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))


def pairs(items: list[Sentence]) -> Iterator[tuple[Sentence, Sentence | None]]:
    """Each sentence with the one after it (None for the last)."""
    for n, sentence in enumerate(items):
        yield sentence, items[n + 1] if n + 1 < len(items) else None
