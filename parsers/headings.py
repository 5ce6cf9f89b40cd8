"""Section headings as Finnish and Swedish minutes print them, and how to tell one.

One table (``HEADINGS``) maps every heading municipalities write to a ``SectionKind``;
``split_heading`` says whether a line starts with a heading and what follows it on the line:
alone, before a column break (a table cell, a tab or ``&nbsp;`` gap), in a leading span, or,
in an item's body, before its text after plain spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pykala.parsers.html import COLUMN_BREAK, Block, plain
from pykala.parsers.records import SectionKind

K = SectionKind

# The one table of headings. Keys are lower case without a trailing colon.
HEADINGS: dict[str, SectionKind] = {
    # proposal
    "päätösehdotus": K.PAATOSEHDOTUS,
    "päätösesitys": K.PAATOSEHDOTUS,
    "esitys": K.PAATOSEHDOTUS,
    "ehdotus": K.PAATOSEHDOTUS,
    "päätösehdotus oli": K.PAATOSEHDOTUS,
    "pohjaehdotus": K.PAATOSEHDOTUS,
    "ratkaisuehdotus": K.PAATOSEHDOTUS,
    "esittelijän ehdotus": K.PAATOSEHDOTUS,
    "föredragandens förslag": K.PAATOSEHDOTUS,
    "beslutsförslag": K.PAATOSEHDOTUS,
    "förslag": K.PAATOSEHDOTUS,
    # preparer
    "valmistelija": K.VALMISTELIJA,
    "valmistelijat": K.VALMISTELIJA,
    "valmistelu": K.VALMISTELIJA,
    "lisätiedot": K.VALMISTELIJA,
    "lisätietoja": K.VALMISTELIJA,
    "valmistelijat / lisätiedot": K.VALMISTELIJA,
    "valmistelija / lisätiedot": K.VALMISTELIJA,
    "valmistelijat ja lisätiedot": K.VALMISTELIJA,
    "lisätietojen antaja": K.VALMISTELIJA,
    "valmistelijat / lisätietojen antaja": K.VALMISTELIJA,  # Tweb (Oulu) PDFs
    "valmistelija / lisätietojen antaja": K.VALMISTELIJA,
    "beredare": K.VALMISTELIJA,
    "beredning": K.VALMISTELIJA,
    "ytterligare information": K.VALMISTELIJA,
    # presenter
    "esittelijä": K.ESITTELIJA,
    "föredragande": K.ESITTELIJA,
    # background
    "selostus": K.SELOSTUS,
    "kuvaus": K.SELOSTUS,
    "asia": K.SELOSTUS,
    "perustelut": K.SELOSTUS,
    "esittelyteksti": K.SELOSTUS,
    "tiivistelmä": K.SELOSTUS,
    "esittelijän perustelut": K.SELOSTUS,  # Helsinki Ahjo
    "asian tausta": K.SELOSTUS,
    "redogörelse": K.SELOSTUS,
    "motivering": K.SELOSTUS,
    "sammandrag": K.SELOSTUS,
    # meeting
    "käsittely": K.KASITTELY,
    "kokouskäsittely": K.KASITTELY,
    "behandling": K.KASITTELY,
    "äänestys": K.AANESTYS,
    "äänestystulos": K.AANESTYS,
    "omröstning": K.AANESTYS,
    "esteellisyys": K.ESTEELLISYYS,
    "esteellisyydet": K.ESTEELLISYYS,
    "jäv": K.ESTEELLISYYS,
    "päätös": K.PAATOS,
    "beslut": K.PAATOS,
    "tiedoksi": K.TIEDOKSI,
    "täytäntöönpano": K.TIEDOKSI,  # Tweb: who carries out / gets an extract (Ote:)
    "täytäntöönpanotiedot": K.TIEDOKSI,
    "för kännedom": K.TIEDOKSI,
    "otteet": K.TIEDOKSI,  # Ahjo: who gets an extract of the decision
    "muutoksenhaku": K.MUUTOKSENHAKU,
    "muutoksenhakuohje": K.MUUTOKSENHAKU,
    "muutoksenhakuohjeet": K.MUUTOKSENHAKU,
    "valitusoikeus": K.MUUTOKSENHAKU,
    "ändringssökande": K.MUUTOKSENHAKU,
    "anvisning för ändringssökande": K.MUUTOKSENHAKU,
    "liitteet": K.LIITTEET,
    "liite": K.LIITTEET,
    "oheismateriaali": K.LIITTEET,
    "bilagor": K.LIITTEET,
    "bilaga": K.LIITTEET,
    "päätöshistoria": K.PAATOSHISTORIA,
    "aikaisempi käsittely": K.PAATOSHISTORIA,
    "beslutshistoria": K.PAATOSHISTORIA,
}
# Headings that carry extra words: "Valmistelijat ja lisätiedot (etunimi.sukunimi@luvn.fi):".
_HEADING_PREFIXES: tuple[tuple[str, SectionKind], ...] = (
    ("valmistelijat ja lisätiedot", K.VALMISTELIJA),
    ("valmistelija ja lisätiedot", K.VALMISTELIJA),
    ("lisätietoja antaa", K.VALMISTELIJA),
)

# "<Kaupunginjohtaja>n esitys:", "Kaupunginhallituksen päätösehdotus", "<Toimielimen> käsittely"
# (Tweb PDFs): one genitive word before the heading word ("Asian aikaisempi käsittely" is not).
_HEADING_SUFFIXES: tuple[tuple[str, SectionKind], ...] = (
    (" päätösehdotus", K.PAATOSEHDOTUS),
    (" esitys", K.PAATOSEHDOTUS),
    (" ehdotus", K.PAATOSEHDOTUS),
    (" käsittely", K.KASITTELY),
)

_TITLE_WORDS = (
    "johtaja", "päällikkö", "pormestari", "sihteeri", "esittelijä", "isännöitsijä",
    "puheenjohtaja", "rehtori", "lääkäri", "kamreeri", "insinööri", "arkkitehti",
    "lakimies", "asiamies", "hoitaja", "direktör", "chef", "ordförande", "kanslist",
)  # fmt: skip
_NAME_WORD_RE = re.compile(r"[A-ZÅÄÖ][\w'’.-]*(?:-[A-ZÅÄÖ][\w'’.-]*)*")


def normalise_heading(heading: str) -> str:
    s = " ".join(heading.replace(COLUMN_BREAK, " ").split()).lower()
    return s.rstrip(":").rstrip()


def heading_kind(heading: str) -> SectionKind | None:
    """The kind of a known heading as printed ("Valmistelijat / lisätiedot:"), else None."""
    key = normalise_heading(heading)
    if not key or len(key) > 80:
        return None
    key = re.sub(r"\s*/\s*", " / ", key)
    kind = HEADINGS.get(key)
    if kind is None:
        for prefix, k in _HEADING_PREFIXES:
            # Extra words in brackets or before a colon: "… (etunimi.sukunimi@luvn.fi):".
            rest = key[len(prefix) :].strip()
            if key.startswith(prefix) and (not rest or rest.startswith("(") or rest.endswith(":")):
                return k
        words = key.split()
        if len(words) == 2 and words[0].endswith("n"):
            for suffix, k in _HEADING_SUFFIXES:
                if key.endswith(suffix):
                    return k
    return kind


def is_title_word(word: str) -> bool:
    w = word.lower().rstrip(":,")
    return any(w.endswith(t) for t in _TITLE_WORDS)


def looks_like_presenter(text: str) -> bool:
    """A presenter line: an office title with an optional name, e.g.
    "Apulaiskaupunginjohtaja Jari Saarinen", "Teknisen toimen johtaja Olli Isotalo",
    "Kaupunginjohtaja". A sentence ("Esityslista hyväksytään …") is not."""
    words = text.split()
    if not words or len(words) > 8 or text.rstrip().endswith((".", ":", ";", ",")):
        return False
    for i, word in enumerate(words):
        if is_title_word(word):
            return all(_NAME_WORD_RE.fullmatch(w) for w in words[i + 1 :])
    return False


def _unknown_heading(head: str) -> bool:
    words = head.split()
    return (
        0 < len(words) <= 4
        and len(head) <= 40
        and head[0].isupper()
        and not any(c.isdigit() or c in ",.;()§@" for c in head)
    )


# Heading words that also open ordinary sentences ("Asia on ollut esillä …", a slide's
# "Esitys:"): on a line with text after them they are a heading only before a presenter.
_AMBIGUOUS = frozenset(
    {"asia", "esitys", "ehdotus", "kuvaus", "liite", "liitteet", "bilaga", "bilagor",
     "förslag", "motivering", "perustelut", "beredning", "lisätiedot", "lisätietoja"}
)  # fmt: skip


_FIRST_WORDS = frozenset(key.split()[0] for key in HEADINGS)
_SUFFIX_WORDS = frozenset(suffix.split()[-1] for suffix, _ in _HEADING_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Heading:
    heading: str
    kind: SectionKind
    rest: str
    presenter: str | None = None


_CONTACT_RE = re.compile(r"\bpuh\b|\btel\b|@|\+358|\b0\d{1,3}[ -]?\d{3}", re.I)


def contact_line(text: str) -> bool:
    """A line of a preparer section: a name, a phone number, an e-mail address, an office
    title and a name ("Pertti Lipponen", "puh. +358 44 718 6271", "etunimi.sukunimi(at)
    kuopio.fi"); a sentence ("Kunta voi vaikuttaa … avulla.") is not."""
    if len(text) > 200:
        return False
    if _CONTACT_RE.search(text) or "(at)" in text or looks_like_presenter(text.rstrip(",;")):
        return True
    return len(text.split()) <= 12 and not text.endswith((".", "!", "?", ":"))


def _exact_kind(key: str) -> SectionKind | None:
    """A heading's kind when ``key`` is the whole heading (no prefix rule)."""
    norm = re.sub(r"\s*/\s*", " / ", normalise_heading(key))
    kind = HEADINGS.get(norm)
    if kind is None:
        words = norm.split()
        if len(words) == 2 and words[0].endswith("n"):
            kind = next((k for suffix, k in _HEADING_SUFFIXES if norm.endswith(suffix)), None)
    return kind


def _same_line_heading(text: str) -> Heading | None:
    """A heading followed by its text after plain spaces: "Päätös Hyväksyttiin.",
    "Valmistelu: hallintojohtaja N.N.", "Päätösehdotus Hyvinvointialuejohtaja N.N."."""
    words = text.split(" ")
    if len(words) < 2 or (
        words[0].lower().rstrip(":") not in _FIRST_WORDS
        and words[1].lower().rstrip(":") not in _SUFFIX_WORDS
    ):
        return None  # most lines: no heading starts them (a cheap test first)
    for k in range(min(4, len(words) - 1), 0, -1):
        key = " ".join(words[:k])
        kind = _exact_kind(key)
        if kind is None:
            continue
        rest = " ".join(words[k:]).strip()
        if not rest:
            return None
        norm = normalise_heading(key)
        if norm in _AMBIGUOUS or norm not in HEADINGS:
            # "Esitys: …" on a slide, "Asia Kuopion …" or "Lautakunnan esitys …" in a
            # sentence: only a presenter after the words makes them a heading.
            return Heading(key, kind, rest) if looks_like_presenter(rest) else None
        names = kind in (K.VALMISTELIJA, K.ESITTELIJA) and contact_line(rest)
        if key.endswith(":") or rest[0].isupper() or names:
            return Heading(key, kind, rest)
        return None
    return None


def split_heading(block: Block, loose: bool = False) -> Heading | None:
    """The heading a block starts with, and what follows it on the same line.

    Strictly, a heading stands alone, before a column break or in a leading span. ``loose``
    (the body of an item, after its title) also takes a heading followed by its text after
    plain spaces, and a short unknown phrase set as an HTML heading.
    """
    text = block.text
    head, sep, rest = text.partition(COLUMN_BREAK)
    head = plain(head)
    kind = heading_kind(head)
    if kind is not None:
        return Heading(head, kind, plain(rest))
    if block.lead:
        lead = block.lead
        tail = plain(plain(text)[len(lead) :]) if plain(text).startswith(lead) else plain(rest)
        kind = heading_kind(lead)
        if kind is not None:
            return Heading(lead, kind, tail)
        if looks_like_presenter(lead):
            # Dynasty 10 (Kokkola) prints the presenter in the heading column instead of
            # a "Päätösehdotus" heading.
            return Heading("", K.PAATOSEHDOTUS, tail, presenter=lead)
        if _unknown_heading(lead) and tail:
            return Heading(lead, K.OTHER, tail)
    if sep and not plain(rest) and _unknown_heading(head):
        return Heading(head, K.OTHER, "")
    if sep and plain(rest) and looks_like_presenter(head):
        # The presenter in the heading column, in a table cell or before a tab gap.
        return Heading("", K.PAATOSEHDOTUS, plain(rest), presenter=head)
    if loose and block.heading and not sep and looks_like_presenter(head):
        return Heading("", K.PAATOSEHDOTUS, "", presenter=head)
    if loose:
        if sep and _unknown_heading(head) and COLUMN_BREAK not in rest:
            # "Lähtökohdat<column>Sisäliikuntatilojen tarve on …": a heading column beside
            # prose (a table of figures has numbers or more columns).
            prose = plain(rest)
            if len(prose.split()) >= 3 and not any(c.isdigit() for c in prose[:12]):
                return Heading(head, K.OTHER, prose)
        if not sep and (same := _same_line_heading(head)) is not None:
            return same
        if block.heading and not sep and _unknown_heading(head):
            return Heading(head, K.OTHER, "")
    return None
