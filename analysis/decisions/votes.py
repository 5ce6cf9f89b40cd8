"""Votes: whether one was held, and the tallies and roll-call names as printed.

A tally is read from the formulas minutes use: "äänin 32–19", "9 äänellä 6 ääntä vastaan
(ja yhden äänestäessä tyhjää)", "JAA 7, EI 4, TYHJÄÄ 0, POISSA 2", "päätösehdotus sai 7
ääntä ja Virtasen ehdotus 4 ääntä", "med rösterna 32–19", "JA 7, NEJ 4". Options of a
JAA/EI vote are labelled jaa, ei, tyhjä, poissa (ja, nej, blank, frånvarande in Swedish);
the counts keep that order, so "32-19" is 32 jaa and 19 ei.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import Reader, Sentence

# Number words minutes spell out ("yhden äänestäessä tyhjää"), by Voikko lemma.
_NUMBER_WORDS = {
    "yksi": 1,
    "kaksi": 2,
    "kolme": 3,
    "neljä": 4,
    "viisi": 5,
    "kuusi": 6,
    "seitsemän": 7,
    "kahdeksan": 8,
    "yhdeksän": 9,
    "kymmenen": 10,
}
_NUM = r"(\d+|[^\W\d_]+)"
_DASH = r"\s*[-–—]\s*"
_AANIN = re.compile(rf"\bäänin\s+(\d+){_DASH}(\d+)(?:{_DASH}(\d+))?", re.IGNORECASE)
_AANELLA = re.compile(
    rf"\b{_NUM}\s+äänellä\s+{_NUM}\s+(?:ääntä|äänellä)\s+vastaan"
    rf"(?:[^.]*?\b{_NUM}\s+(?:äänestäessä|äänestäneen|äänesti)\s+tyhjää)?",
    re.IGNORECASE,
)
_ROSTERNA = re.compile(rf"\bmed\s+(?:rösterna\s+)?(\d+){_DASH}(\d+)(?:{_DASH}(\d+))?", re.I)
_ROSTER_MOT = re.compile(
    rf"\bmed\s+{_NUM}\s+röster\s+mot\s+{_NUM}(?:[^.]*?\b{_NUM}\s+(?:röstade\s+)?blankt?)?",
    re.IGNORECASE,
)
# A JAA/EI line: the label in capitals (or "Jaa-ääniä"), then its count or its names.
_LABELS = {
    "jaa": "jaa",
    "ei": "ei",
    "tyhjää": "tyhjä",
    "tyhjä": "tyhjä",
    "tyhjiä": "tyhjä",
    "poissa": "poissa",
    "ja": "ja",
    "nej": "nej",
    "blank": "blank",
    "blanka": "blank",
    "frånvarande": "frånvarande",
}
_ORDER = ("jaa", "ei", "tyhjä", "poissa", "ja", "nej", "blank", "frånvarande")
_LABEL_RE = re.compile(
    r"(?:(?<=^)|(?<=[\s,;(]))(JAA|EI|TYHJÄÄ|TYHJIÄ|TYHJÄ|POISSA|JA|NEJ|BLANKA|BLANK|FRÅNVARANDE"
    r"|Jaa|Ei|Tyhjiä|Tyhjää|Tyhjä|Poissa|Nej|Blanka|Frånvarande|tyhjiä|tyhjää|poissa)"
    r"(?:-(?:ääni[^\W\d]*|äänet|röster|röst))?(?:\s*\((\d+)\))?"
    r"(?:\s+(?:annettiin|oli|on|yhteensä))?\s*(?:[:=]\s*|\s+)(\d+)?",
    re.MULTILINE,
)
# "annettiin 9 JAA-ääntä, 2 EI-ääntä ja 1 tyhjä ääni; 2 oli poissa": count before label
_COUNT_FIRST = {
    "jaa": re.compile(r"\b(\d+)\s+JAA-ään", re.IGNORECASE),
    "ei": re.compile(r"\b(\d+)\s+EI-ään", re.IGNORECASE),
    "tyhjä": re.compile(r"\b(\d+)\s+tyhj(?:ää|ä|iä)\b", re.IGNORECASE),
    "poissa": re.compile(r"\b(\d+)\s+(?:oli\s+|olivat\s+|jäsentä\s+)?poissa\b", re.I),
}
_SAI = re.compile(r"(\d+)\s+ään(?:tä|en|i)\b")
_VOTE_LEMMAS = frozenset(
    {
        "äänestää",
        "äänestys",
        "äänestyslista",
        "äänestystulos",
        "äänestysesitys",
        "nimenhuutoäänestys",
        "koneäänestys",
        "äänestysjärjestys",
    }
)
_SV_VOTE = re.compile(r"\b(omröstning|röstning|röstade|röstlistan|röstningslista)", re.I)
_SV_NO_VOTE = re.compile(r"\b(utan omröstning|ingen omröstning|behövdes inte)", re.I)


@dataclass(frozen=True, slots=True)
class VoteOption:
    label: str  # jaa / ei / tyhjä / poissa, or the option as printed ("Virtasen ehdotus")
    votes: int | None
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Vote:
    options: tuple[VoteOption, ...]
    winner: str  # label of the option with the most votes; "" on a tie or when unknown

    @property
    def counts(self) -> str:
        """The tallies joined by "-" ("32-19", "11-3-1"); "" when none was printed."""
        numbers = [o.votes for o in self.options if o.votes is not None]
        return "-".join(str(n) for n in numbers) if len(numbers) >= 2 else ""


def _number(reader: Reader, token: str | None) -> int | None:
    if token is None:
        return None
    if token.isdigit():
        return int(token)
    for lemma in reader.lemmas(token):
        if lemma in _NUMBER_WORDS:
            return _NUMBER_WORDS[lemma]
    return None


def _vote(options: list[VoteOption]) -> Vote:
    counted = [o for o in options[:2] if o.votes is not None]
    winner = ""
    if len(counted) == 2 and counted[0].votes != counted[1].votes:
        winner = max(counted, key=lambda o: o.votes or 0).label
    return Vote(tuple(options), winner)


def _binary(reader: Reader, groups: tuple[str | None, ...], labels: tuple[str, ...]) -> Vote:
    numbers = [_number(reader, g) for g in groups]
    options = [VoteOption(label, n) for label, n in zip(labels, numbers, strict=False)]
    if len(options) > 2 and options[2].votes is None:
        options = options[:2]
    return _vote(options)


def _roll_call(text: str) -> list[Vote]:
    """JAA/EI lines (counts and names), one vote per run of lines that starts with JAA."""
    votes: list[list[VoteOption]] = []
    for match in _LABEL_RE.finditer(text):
        label = _LABELS[match.group(1).lower()]
        count = match.group(2) or match.group(3)
        rest = text[match.end() :].split("\n", 1)[0]
        names: tuple[str, ...] = ()
        if not match.group(3):
            cut = _LABEL_RE.search(rest)
            names_text = rest[: cut.start()] if cut else rest
            names = tuple(
                n.strip(" .;")
                for n in re.split(r",|;|\s+ja\s+|\s+och\s+", names_text)
                if n.strip(" .;") and n.strip(" .;")[0].isupper()
            )
        if (count is None and not names) or (match.group(1).islower() and not count):
            continue
        votes_n = int(count) if count else len(names)
        if label in ("jaa", "ja") or not votes:
            votes.append([])
        if any(o.label == label for o in votes[-1]):
            votes.append([])
        votes[-1].append(VoteOption(label, votes_n, names))
    out: list[Vote] = []
    for options in votes:
        if len(options) >= 2 and {o.label for o in options} & {"jaa", "ja"}:
            options.sort(key=lambda o: _ORDER.index(o.label))
            vote = _vote(options)
            # "annettiin JAA-ääniä 6 ja EI-ääniä 5" and then the names: one vote.
            if out and out[-1].counts == vote.counts and not any(o.names for o in out[-1].options):
                out[-1] = vote
            else:
                out.append(vote)
    return out


_JOINERS = frozenset({"ja", "sai", "kun", "taas", "että", "sekä", "äänestyksessä"})


def _subject(words: list[str]) -> str:
    """The option a "sai N ääntä" count belongs to: the words before it, after the last
    joining word."""
    while words and words[-1].lower() in ("sai", "saivat", "saa"):
        words = words[:-1]  # "päätösehdotus sai 7 ääntä"
    kept: list[str] = []
    for word in reversed(words):
        if word.lower() in _JOINERS or word.isdigit() or len(kept) == 3:
            break
        kept.append(word)
    return " ".join(reversed(kept))


def _count_first(sentence: Sentence) -> Vote | None:
    """'Äänestyksessä annettiin 9 JAA-ääntä ja 2 EI-ääntä.'"""
    found = {label: pattern.search(sentence.text) for label, pattern in _COUNT_FIRST.items()}
    if found["jaa"] is None or found["ei"] is None:
        return None
    options = [VoteOption(label, int(m[1])) for label, m in found.items() if m is not None]
    return _vote(options)


def _got_votes(sentence: Sentence) -> Vote | None:
    """'Päätösehdotus sai 7 ääntä ja Virtasen ehdotus 4 ääntä.'"""
    if not sentence.has(frozenset({"saada"})):
        return None
    matches = list(_SAI.finditer(sentence.text))
    if len(matches) < 2:
        return None
    options: list[VoteOption] = []
    start = 0
    for match in matches:
        before = re.findall(
            r"[^\W\d_]+(?:[-:][^\W\d_]+)*|\d+", sentence.text[start : match.start()]
        )
        options.append(VoteOption(_subject(before) or f"option {len(options) + 1}", int(match[1])))
        start = match.end()
    return _vote(options)


def read_votes(reader: Reader, sentences: list[Sentence], text: str) -> list[Vote]:
    """Every tally printed in ``text`` (its ``sentences``), in order."""
    votes: list[Vote] = []
    for sentence in sentences:
        found: list[tuple[int, Vote]] = []
        for match in _AANIN.finditer(sentence.text):
            found.append((match.start(), _binary(reader, match.groups(), ("jaa", "ei", "tyhjä"))))
        for match in _AANELLA.finditer(sentence.text):
            found.append((match.start(), _binary(reader, match.groups(), ("jaa", "ei", "tyhjä"))))
        for match in _ROSTERNA.finditer(sentence.text):
            found.append((match.start(), _binary(reader, match.groups(), ("ja", "nej", "blank"))))
        for match in _ROSTER_MOT.finditer(sentence.text):
            found.append((match.start(), _binary(reader, match.groups(), ("ja", "nej", "blank"))))
        for got in (_got_votes(sentence), _count_first(sentence)):
            if got is not None:
                found.append((0, got))
        votes += [vote for _, vote in sorted(found, key=lambda f: f[0]) if vote.counts]
    if not votes:
        votes = _roll_call(text)
    # A tally printed in the Käsittely and again in the Päätös is one vote.
    seen: set[str] = set()
    unique_votes = []
    for vote in votes:
        if vote.counts not in seen:
            seen.add(vote.counts)
            unique_votes.append(vote)
    return unique_votes


def vote_held(sentences: list[Sentence]) -> bool:
    """True when a sentence says a vote was taken (not "without a vote")."""
    for sentence in sentences:
        if sentence.has(_VOTE_LEMMAS) and not sentence.negated():
            return True
        if sentence.sv(_SV_VOTE) and not sentence.sv(_SV_NO_VOTE):
            return True
    return False


# Every lemma a rule here asks for (text.Reader analyses only words that may have one).
LEMMAS: frozenset[str] = frozenset().union(
    _VOTE_LEMMAS,
    _NUMBER_WORDS,
    {"saada"},
)
