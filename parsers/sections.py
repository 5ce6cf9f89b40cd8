"""The Finnish (and Swedish) section segmenter shared by every platform.

Input is the ordered text blocks of an item body (parsers.html.Block); output is the
item's head (§, diary number, title, earlier handlings) and its sections in order.

Decisions (see fixtures/README.md):
* Text between the title and the first heading is a SELOSTUS section with heading ""
  (Kuopio prints its background text in the right-hand column with no heading).
* A heading printed with nothing after it (Kuopio "Vaikutusten arviointi") is kept as a
  section with text "": the heading is what the municipality printed.
* An unknown heading is only recognised when it stands in the heading column: a short
  capitalised phrase followed by a column break (nbsp run / table cell) with nothing
  after it on the line, or a separate leading <span>. Anything else is body text.
* The päätösehdotus presenter line (title + name) goes to Section.presenter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsers.diary import find_diary_number
from parsers.html import COLUMN_BREAK, Block, plain
from parsers.records import Section, SectionKind

K = SectionKind

# The one table of headings. Keys are lower case without a trailing colon.
HEADINGS: dict[str, SectionKind] = {
    # proposal
    "päätösehdotus": K.PAATOSEHDOTUS,
    "päätösesitys": K.PAATOSEHDOTUS,
    "esitys": K.PAATOSEHDOTUS,
    "ehdotus": K.PAATOSEHDOTUS,
    "päätösehdotus oli": K.PAATOSEHDOTUS,
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
    (" käsittely", K.KASITTELY),
)

PARAGRAPH_RE = re.compile(r"§\s*(\d{1,4}(?:\s?[a-zA-Z])?)")
_PARAGRAPH_LINE_RE = re.compile(r"§\s*(\d{1,4}(?:\s?[a-z])?)", re.I)
_ORDINAL_LINE_RE = re.compile(r"\d{1,3}")
_CLASS_LINE_RE = re.compile(r"\d{2}(?:\.\d{2}){1,5}")  # Tos / tehtäväluokka "00.01.01"
_DATE = r"\d{1,2}\.\d{1,2}\.\d{4}"
# Earlier handlings: "Kaupunginhallitus 105 § 10.4.2017", "Aluehallitus 04.12.2023 § 198",
# Kokkola's meeting line "Konserni- ja kaupunkikehitysjaosto 27.08.2026".
HISTORY_RE = re.compile(
    rf"(?P<body>[A-ZÅÄÖ][^\t§]*?)\s+(?:(?P<p1>\d{{1,4}}\s?§)\s+)?(?P<date>{_DATE})"
    rf"(?:\s+(?P<p2>§\s?\d{{1,4}}))?"
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
            if key.startswith(prefix):
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


@dataclass(frozen=True, slots=True)
class _Heading:
    heading: str
    kind: SectionKind
    rest: str
    presenter: str | None = None


def split_heading(block: Block) -> _Heading | None:
    """The heading a block starts with, and what follows it on the same line."""
    text = block.text
    head, sep, rest = text.partition(COLUMN_BREAK)
    head = plain(head)
    kind = heading_kind(head)
    if kind is not None:
        return _Heading(head, kind, plain(rest))
    if block.lead:
        lead = block.lead
        tail = plain(plain(text)[len(lead) :]) if plain(text).startswith(lead) else plain(rest)
        kind = heading_kind(lead)
        if kind is not None:
            return _Heading(lead, kind, tail)
        if looks_like_presenter(lead):
            # Dynasty 10 (Kokkola) prints the presenter in the heading column instead of
            # a "Päätösehdotus" heading.
            return _Heading("", K.PAATOSEHDOTUS, tail, presenter=lead)
        if _unknown_heading(lead) and tail:
            return _Heading(lead, K.OTHER, tail)
    if sep and not plain(rest) and _unknown_heading(head):
        return _Heading(head, K.OTHER, "")
    return None


@dataclass
class ItemText:
    """What the segmenter found in an item body."""

    title: str | None = None
    paragraph: str | None = None  # "48", "48 a"
    ordinal: str | None = None  # agenda ordinal printed instead of a § ("26")
    diary_number: str | None = None
    history: list[str] = field(default_factory=list)  # lines before the title
    sections: list[Section] = field(default_factory=list)


@dataclass
class _Open:
    heading: str
    kind: SectionKind
    presenter: str | None
    texts: list[str]
    want_presenter: bool = False
    one_line: bool = False  # the heading line carried the whole section

    def close(self) -> Section:
        return Section(self.kind, self.heading, "\n\n".join(self.texts), self.presenter)


def _history_line(block: Block, text: str) -> bool:
    """ "Kaupunginhallitus 105 § 10.4.2017" — but not a heading with such a line after it
    (Tweb PDF: "Päätöshistoria<column>Kaupunginhallitus 20.3.2017 § 66")."""
    m = HISTORY_RE.fullmatch(text)
    return (
        m is not None
        and len(m.group("body").split()) <= 6
        and heading_kind(block.text.partition(COLUMN_BREAK)[0]) is None
    )


def _head(blocks: Sequence[Block], out: ItemText) -> int:
    """Read §, diary number, class, earlier handlings and the title; index of the next block."""
    for i, block in enumerate(blocks):
        text = plain(block.text)
        if out.diary_number is None and (diary := find_diary_number(text)):
            out.diary_number = diary
        elif m := _PARAGRAPH_LINE_RE.fullmatch(text):
            out.paragraph = " ".join(m.group(1).split())
        elif _ORDINAL_LINE_RE.fullmatch(text) and out.paragraph is None:
            out.ordinal = text
        elif _CLASS_LINE_RE.fullmatch(text):
            pass
        elif _history_line(blocks[i], text):
            out.history.append(text)
        elif split_heading(block) is not None or len(text) > 400:
            return i  # no title printed
        else:
            out.title = text
            return _after_title(blocks, i + 1, out)
    return len(blocks)


def _after_title(blocks: Sequence[Block], i: int, out: ItemText) -> int:
    """Dynasty 10 prints the meeting line ("Toimielin 27.08.2026") under the title."""
    while i < len(blocks):
        text = plain(blocks[i].text)
        if out.diary_number is None and (diary := find_diary_number(text)):
            out.diary_number = diary
        elif _history_line(blocks[i], text):
            out.history.append(text)
        else:
            break
        i += 1
    return i


def segment(blocks: Sequence[Block]) -> ItemText:
    """Split an item body into head and sections (see the module docstring)."""
    out = ItemText()
    start = _head(blocks, out)
    current: _Open | None = None
    for block in blocks[start:]:
        h = split_heading(block)
        if h is not None:
            if current is not None:
                out.sections.append(current.close())
            current = _Open(h.heading, h.kind, h.presenter, [])
            if h.kind is K.PAATOSEHDOTUS and h.presenter is None:
                if h.rest and looks_like_presenter(h.rest):
                    current.presenter = h.rest
                elif not h.rest:
                    current.want_presenter = True
                else:
                    current.texts.append(h.rest)
            elif h.rest:
                current.texts.append(h.rest)
                # Dynasty 10 "<span>Valmistelija</span><span>names</span>": the names are
                # the whole section; what follows without a heading is body text.
                current.one_line = h.kind in (K.VALMISTELIJA, K.ESITTELIJA)
            continue
        text = plain(block.text)
        if current is not None and current.one_line:
            out.sections.append(current.close())
            current = None
        if current is None:
            current = _Open("", K.SELOSTUS, None, [])
        if current.want_presenter:
            current.want_presenter = False
            if looks_like_presenter(text):
                current.presenter = text
                continue
        current.texts.append(text)
    if current is not None:
        out.sections.append(current.close())
    return out
