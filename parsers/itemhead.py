"""The head of an item: the lines before its title and just after it.

Reads §, diary number, task class, agenda ordinal, the item's own meeting line, earlier
handlings (one line, or a body / § / date group in either order), an attachment list,
navigation text and the body's name, and then the title, so that none of them is ever
taken for another. What the page's title block said (``Hints``) tells the item's own
meeting and § from earlier ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pykala.parsers import titleblock
from pykala.parsers.diary import find_diary_number, find_labelled_number
from pykala.parsers.feeds import parse_date
from pykala.parsers.headings import K, heading_kind, split_heading
from pykala.parsers.html import COLUMN_BREAK, Block, plain
from pykala.parsers.records import Section

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


def _paragraph_of(text: str) -> str | None:
    m = _PARAGRAPH_LINE_RE.fullmatch(text)
    return " ".join((m.group("a") or m.group("b")).split()) if m else None


def _number(par: str | None) -> str | None:
    return " ".join(par.replace("§", " ").split()) if par else None


def _name_line(text: str) -> bool:
    """A body's name on a line of its own: a few words, no sentence, no number first."""
    words = text.split()
    return 0 < len(words) <= 8 and not text.endswith((".", ":", ";")) and not text[0].isdigit()


class _HeadReader:
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

    def own(self, day: date | None, par: str | None) -> bool:
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
        if self.own(day, par):
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


def read_head(blocks: Sequence[Block], out: ItemText, hints: Hints) -> int:
    """Read an item's head into ``out``; index of the first block after it."""
    return _HeadReader(blocks, out, hints).read()
