"""The Finnish (and Swedish) section segmenter shared by every platform.

Input is the ordered text blocks of an item body (parsers.html.Block); output is the
item's head (parsers.itemhead: §, diary number, title, earlier handlings) and its sections
in order (headings: parsers.headings).

Decisions (see fixtures/README.md):
* Text between the title and the first heading is a SELOSTUS section with heading ""
  (Kuopio prints its background text in the right-hand column with no heading).
* A heading printed with nothing after it (Kuopio "Vaikutusten arviointi") is kept as a
  section with text "": the heading is what the municipality printed.
* An unknown heading is only recognised when it stands in the heading column: a short
  capitalised phrase followed by a column break (nbsp run / table cell) with nothing
  after it on the line, a separate leading <span>, or an HTML heading. Anything else is
  body text.
* The päätösehdotus presenter line (title + name) goes to Section.presenter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pykala.parsers.headings import K, contact_line, looks_like_presenter, split_heading
from pykala.parsers.html import Block, plain
from pykala.parsers.itemhead import Hints, ItemText, Role, read_head
from pykala.parsers.records import Section, SectionKind

__all__ = ["Hints", "ItemText", "Role", "segment"]


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


def segment(blocks: Sequence[Block], hints: Hints | None = None) -> ItemText:
    """Split an item body into head and sections (see the module docstring)."""
    out = ItemText()
    start = read_head(blocks, out, hints or Hints())
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
        if current is not None and current.names_only and not contact_line(text):
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
