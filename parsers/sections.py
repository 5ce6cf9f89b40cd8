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
from datetime import date

from parsers import titleblock
from parsers.diary import find_diary_number, find_labelled_number
from parsers.feeds import parse_date
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

PARAGRAPH_RE = re.compile(r"§\s*(\d{1,4}(?:\s?[a-zA-Z])?)")
# "§ 48", "§ 48 a", "48 §": a § line of its own.
_PARAGRAPH_LINE_RE = re.compile(
    r"§\s*(?P<a>\d{1,4}(?:\s?[a-z])?)|(?P<b>\d{1,4}(?:\s?[a-z])?)\s*§", re.I
)
_ORDINAL_LINE_RE = re.compile(r"\d{1,3}")
_CLASS_LINE_RE = re.compile(r"\d{2}(?:\.\d{2}){1,5}")  # Tos / tehtäväluokka "00.01.01"
_DATE = r"\d{1,2}\.\d{1,2}\.\d{4}"
_PARA = r"§\s?\d{1,4}|\d{1,4}\s?§"
# Earlier handlings: "Kaupunginhallitus 105 § 10.4.2017", "Aluehallitus 04.12.2023 § 198",
# "Hyvinvoinnin edistämisen lautakunta 29.4.2014 47 §", "Kh 12.3.2024 § 40", Kokkola's
# meeting line "Konserni- ja kaupunkikehitysjaosto 27.08.2026".
HISTORY_RE = re.compile(
    rf"(?P<body>[A-ZÅÄÖ][^\t§]*?),?\s+(?:(?P<p1>\d{{1,4}}\s?§)\s+)?(?P<date>{_DATE})"
    rf"(?:,?\s+(?P<p2>{_PARA}))?"
)
# A handling's date line, with or without its §: "12.03.2024", "12.03.2024 § 40".
_DATE_LINE_RE = re.compile(
    rf"(?P<date>{_DATE})(?:\s+(?P<p>{_PARA}))?|(?P<p0>{_PARA})\s+(?P<date0>{_DATE})"
)
# An attachment in a list: "1 Hankesuunnitelma", "Liite 2. Kartta", "kartta.pdf".
_ATTACHMENT_LINE_RE = re.compile(
    r"(?:(?:Liite|Bilaga)\s*)?\d{1,3}[.):]?\s+\S.*|.*\.(?:pdf|docx?|xlsx?|pptx?)", re.I
)
# Navigation printed as text by some templates.
_NAV_RE = re.compile(
    r"(?:(?:Edellinen asia|Seuraava asia|Kokousasia PDF-muodossa|Muutoksenhakuohje|"
    r"Föregående ärende|Nästa ärende|Takaisin|Tulosta|Dynasty tietopalvelu)\s*\|?\s*)+",
    re.I,
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
class _Heading:
    heading: str
    kind: SectionKind
    rest: str
    presenter: str | None = None


def _exact_kind(key: str) -> SectionKind | None:
    """A heading's kind when ``key`` is the whole heading (no prefix rule)."""
    norm = re.sub(r"\s*/\s*", " / ", normalise_heading(key))
    kind = HEADINGS.get(norm)
    if kind is None:
        words = norm.split()
        if len(words) == 2 and words[0].endswith("n"):
            kind = next((k for suffix, k in _HEADING_SUFFIXES if norm.endswith(suffix)), None)
    return kind


def _same_line_heading(text: str) -> _Heading | None:
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
            return _Heading(key, kind, rest) if looks_like_presenter(rest) else None
        names = kind in (K.VALMISTELIJA, K.ESITTELIJA) and _contact_line(rest)
        if key.endswith(":") or rest[0].isupper() or names:
            return _Heading(key, kind, rest)
        return None
    return None


def split_heading(block: Block, loose: bool = False) -> _Heading | None:
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
    if sep and plain(rest) and looks_like_presenter(head):
        # The presenter in the heading column, in a table cell or before a tab gap.
        return _Heading("", K.PAATOSEHDOTUS, plain(rest), presenter=head)
    if loose and block.heading and not sep and looks_like_presenter(head):
        return _Heading("", K.PAATOSEHDOTUS, "", presenter=head)
    if loose:
        if sep and _unknown_heading(head) and COLUMN_BREAK not in rest:
            # "Lähtökohdat<column>Sisäliikuntatilojen tarve on …": a heading column beside
            # prose (a table of figures has numbers or more columns).
            prose = plain(rest)
            if len(prose.split()) >= 3 and not any(c.isdigit() for c in prose[:12]):
                return _Heading(head, K.OTHER, prose)
        if not sep and (same := _same_line_heading(head)) is not None:
            return same
        if block.heading and not sep and _unknown_heading(head):
            return _Heading(head, K.OTHER, "")
    return None


@dataclass(frozen=True, slots=True)
class Hints:
    """What the page said about the item outside its text (the title block), so that the
    item's own meeting line and § are told from earlier handlings."""

    body_name: str | None = None
    meeting_date: date | None = None
    paragraph: str | None = None
    # Dynasty 10 prints the item's own meeting line under its title ("Toimielin 27.08.2026").
    meeting_line_under_title: bool = False


@dataclass
class ItemText:
    """What the segmenter found in an item body.

    ``roles`` gives, for every block read, the role it was given (see ``Role``), so that a
    user can see why a field is missing (``pykala parse --explain``).
    """

    title: str | None = None
    paragraph: str | None = None  # "48", "48 a"
    ordinal: str | None = None  # agenda ordinal printed instead of a § ("26")
    diary_number: str | None = None
    history: list[str] = field(default_factory=list)  # earlier handlings, one line each
    sections: list[Section] = field(default_factory=list)
    own_body: str | None = None  # from the item's own meeting line, when printed
    own_date: date | None = None
    roles: list[str] = field(default_factory=list)


class Role:
    """Names of the roles a block can be given (shown by ``--explain``)."""

    TITLE = "title"
    PARAGRAPH = "§"
    DIARY = "diary number"
    ORDINAL = "agenda ordinal"
    CLASS = "task class"
    HISTORY = "history"
    OWN_MEETING = "own meeting line"
    BODY = "body name"
    TITLE_BLOCK = "title block"
    ATTACHMENTS = "attachment list"
    NAVIGATION = "skipped (navigation)"
    OTHER_PARAGRAPH = "skipped (another §)"
    HEADING = "section heading"
    TEXT = "section text"


@dataclass
class _Open:
    heading: str
    kind: SectionKind
    presenter: str | None
    texts: list[str]
    want_presenter: bool = False
    names_only: bool = False  # a preparer section: ends at the first line that is no name

    def close(self) -> Section:
        return Section(self.kind, self.heading, "\n\n".join(self.texts), self.presenter)


def _history_match(block: Block, text: str) -> re.Match[str] | None:
    """ "Kaupunginhallitus 105 § 10.4.2017" — but not a heading with such a line after it
    (Tweb PDF: "Päätöshistoria<column>Kaupunginhallitus 20.3.2017 § 66")."""
    m = HISTORY_RE.fullmatch(text)
    if (
        m is not None
        and len(m.group("body").split()) <= 6
        and heading_kind(block.text.partition(COLUMN_BREAK)[0]) is None
    ):
        return m
    return None


_CONTACT_RE = re.compile(r"\bpuh\b|\btel\b|@|\+358|\b0\d{1,3}[ -]?\d{3}", re.I)


def _contact_line(text: str) -> bool:
    """A line of a preparer section: a name, a phone number, an e-mail address, an office
    title and a name ("Pertti Lipponen", "puh. +358 44 718 6271", "etunimi.sukunimi(at)
    kuopio.fi"); a sentence ("Kunta voi vaikuttaa … avulla.") is not."""
    if len(text) > 200:
        return False
    if _CONTACT_RE.search(text) or "(at)" in text or looks_like_presenter(text.rstrip(",;")):
        return True
    return len(text.split()) <= 12 and not text.endswith((".", "!", "?", ":"))


def _paragraph_of(text: str) -> str | None:
    m = _PARAGRAPH_LINE_RE.fullmatch(text)
    return " ".join((m.group("a") or m.group("b")).split()) if m else None


def _number(par: str | None) -> str | None:
    return " ".join(par.replace("§", " ").split()) if par else None


def _name_line(text: str) -> bool:
    """A body's name on a line of its own: a few words, no sentence, no number first."""
    words = text.split()
    return 0 < len(words) <= 8 and not text.endswith((".", ":", ";")) and not text[0].isdigit()


class _Head:
    """Reads the lines before an item's title: §, diary number, class, earlier handlings
    (one line or a body / § / date group), the item's own meeting line, an attachment list,
    navigation, and finally the title."""

    def __init__(self, blocks: Sequence[Block], out: ItemText, hints: Hints) -> None:
        self.blocks = blocks
        self.texts = [plain(b.text) for b in blocks]
        self.out = out
        self.hints = hints
        self.paragraphs: list[tuple[int, str]] = []  # § lines not in a history group
        out.roles.extend("" for _ in blocks)

    def role(self, i: int, role: str) -> None:
        self.out.roles[i] = role

    def own(self, body: str | None, day: date | None, par: str | None) -> bool:
        """Whether a meeting line is the item's own (its date or § is the page's)."""
        hints = self.hints
        if hints.meeting_date is not None and day is not None:
            return day == hints.meeting_date and (
                hints.paragraph is None or par is None or par == hints.paragraph
            )
        if hints.paragraph is not None and par is not None:
            return par == hints.paragraph
        return False

    def meeting_line(self, i: int, end: int, body: str, day_text: str, par: str | None) -> None:
        """Lines ``i..end`` are one handling: the item's own, or an earlier one."""
        day = parse_date(day_text)
        if self.own(body, day, par):
            self.out.own_body = self.out.own_body or body
            self.out.own_date = self.out.own_date or day
            if par:
                self.paragraphs.append((end, par))
            role = Role.OWN_MEETING
        else:
            self.out.history.append(" ".join(self.texts[i : end + 1]))
            role = Role.HISTORY
        for j in range(i, end + 1):
            self.role(j, role)

    def group(self, i: int) -> int | None:
        """A body / § / date group starting (or, § first, ending) at line ``i``; the index
        of its last line."""
        if not _name_line(self.texts[i]):
            return None
        nxt = self.texts[i + 1 : i + 3]
        body = self.texts[i]
        if nxt and (m := _DATE_LINE_RE.fullmatch(nxt[0])):
            day, par = m.group("date") or m.group("date0"), m.group("p") or m.group("p0")
            if par:
                self.meeting_line(i, i + 1, body, day, _number(par))
                return i + 1
            if len(nxt) > 1 and (p := _paragraph_of(nxt[1])) is not None:
                self.meeting_line(i, i + 2, body, day, p)
                return i + 2
            if self.paragraphs and self.paragraphs[-1][0] == i - 1:
                _, p = self.paragraphs.pop()
                self.meeting_line(i - 1, i + 1, body, day, p)
                return i + 1
        if (
            len(nxt) > 1
            and (p := _paragraph_of(nxt[0])) is not None
            and (m := _DATE_LINE_RE.fullmatch(nxt[1]))
            and not (m.group("p") or m.group("p0"))
        ):
            self.meeting_line(i, i + 2, body, m.group("date"), p)
            return i + 2
        return None

    def attachments(self, i: int) -> int:
        """Lines after a "Liitteet" heading that name attachments, before the title (the
        attachments themselves are read from the page's links); index after the list."""
        j = i + 1
        while j < len(self.blocks) and (
            self.blocks[j].link or _ATTACHMENT_LINE_RE.fullmatch(self.texts[j])
        ):
            self.role(j, Role.ATTACHMENTS)
            j += 1
        self.role(i, Role.ATTACHMENTS)
        return j

    def read(self) -> int:
        """Read up to the title; index of the first block after the head."""
        out, blocks, texts = self.out, self.blocks, self.texts
        i = 0
        while i < len(blocks):
            block, text = blocks[i], texts[i]
            if block.link or _NAV_RE.fullmatch(text):
                self.role(i, Role.NAVIGATION)
            elif out.diary_number is None and (
                diary := find_diary_number(text) or find_labelled_number(text)
            ):
                out.diary_number = diary
                self.role(i, Role.DIARY)
            elif (par := _paragraph_of(text)) is not None:
                self.paragraphs.append((i, par))
                self.role(i, Role.PARAGRAPH)
            elif _ORDINAL_LINE_RE.fullmatch(text) and not self.paragraphs:
                out.ordinal = text
                self.role(i, Role.ORDINAL)
            elif _CLASS_LINE_RE.fullmatch(text):
                self.role(i, Role.CLASS)
            elif m := _history_match(block, text):
                par = _number(m.group("p1") or m.group("p2"))
                self.meeting_line(i, i, m.group("body"), m.group("date"), par)
            elif (m := _DATE_LINE_RE.fullmatch(text)) and self.paragraphs:
                self.role(i, Role.HISTORY)  # a stray "12.03.2024" between handlings
            elif (last := self.group(i)) is not None:
                i = last
            elif self.hints.body_name and text.casefold() == self.hints.body_name.casefold():
                self.role(i, Role.BODY)
            elif titleblock.read_line(text) is not None:
                self.role(i, Role.TITLE_BLOCK)
            elif (h := split_heading(block)) is not None:
                if h.kind is K.LIITTEET and not h.rest:
                    i = self.attachments(i)
                    continue
                break  # no title printed
            elif len(text) > 400:
                break
            else:
                out.title = text
                self.role(i, Role.TITLE)
                i = self.after_title(i + 1)
                break
            i += 1
        self.settle_paragraph()
        return i

    def after_title(self, i: int) -> int:
        """Dynasty 10 prints the meeting line ("Toimielin 27.08.2026") under the title."""
        out = self.out
        while i < len(self.blocks):
            block, text = self.blocks[i], self.texts[i]
            if out.diary_number is None and (diary := find_diary_number(text)):
                out.diary_number = diary
                self.role(i, Role.DIARY)
            elif m := _history_match(block, text):
                par = _number(m.group("p1") or m.group("p2"))
                hints = self.hints
                if (
                    hints.meeting_line_under_title
                    and hints.meeting_date is None
                    and not (out.own_date or out.history)
                ):
                    # No title block: the first meeting line under the title is the item's own.
                    out.own_body, out.own_date = m.group("body"), parse_date(m.group("date"))
                    self.role(i, Role.OWN_MEETING)
                else:
                    self.meeting_line(i, i, m.group("body"), m.group("date"), par)
            else:
                break
            i += 1
        return i

    def settle_paragraph(self) -> None:
        """The item's own §: the title block's when it printed one, else the last § line
        before the title that no handling claimed."""
        wanted = self.hints.paragraph
        for i, par in self.paragraphs:
            if wanted is None or par == wanted:
                self.out.paragraph = par
            if wanted is not None and par != wanted:
                self.role(i, Role.OTHER_PARAGRAPH)


def segment(blocks: Sequence[Block], hints: Hints | None = None) -> ItemText:
    """Split an item body into head and sections (see the module docstring)."""
    out = ItemText()
    start = _Head(blocks, out, hints or Hints()).read()
    current: _Open | None = None
    for i in range(start, len(blocks)):
        block = blocks[i]
        h = split_heading(block, loose=True)
        if h is not None:
            out.roles[i] = f"{Role.HEADING}: {h.kind.value}"
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
            # A preparer section holds names and numbers; so does a presenter printed on
            # the heading's line (CloudNC prints the proposal under a bare "Esittelijä").
            current.names_only = h.kind is K.VALMISTELIJA or (
                h.kind is K.ESITTELIJA and bool(h.rest)
            )
            continue
        text = plain(block.text)
        if current is not None and current.names_only and not _contact_line(text):
            # Dynasty 10 "<span>Valmistelija</span><span>names</span>" and then the
            # background with no heading: a preparer section holds names and numbers only.
            out.sections.append(current.close())
            current = None
        if current is None:
            current = _Open("", K.SELOSTUS, None, [])
        out.roles[i] = f"{Role.TEXT}: {current.kind.value}"
        if current.want_presenter:
            current.want_presenter = False
            if looks_like_presenter(text):
                current.presenter = text
                out.roles[i] = f"{Role.TEXT}: presenter"
                continue
        current.texts.append(text)
    if current is not None:
        out.sections.append(current.close())
    return out
