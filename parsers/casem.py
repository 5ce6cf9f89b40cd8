"""Helpers shared by the two faces of Innofactor CaseM: CloudNC HTML and the OpenNC API.

Both serve the same CKEditor HTML for the decision text and the same people fields, so
the clean-ups live here once.
"""

from __future__ import annotations

from lxml import etree

from pykala.parsers.records import Section, SectionKind

_LINE_SPACE = " \r\n\t"


def join_wrapped_lines(root: etree._Element) -> None:
    """Turn a hard-wrapped line back into one line, in place.

    CaseM text keeps the author's line breaks as ``<br />``; a line that continues the one
    above is indented with ``&nbsp;`` ("…avoin toiminta, varhainen tuki ja palvelut<br />
    &nbsp; yhteen sovitetuksi …"). Such a ``<br>`` becomes a space; a ``<br>`` before an
    unindented line (the next "- " bullet) stays a line break.
    """
    for br in list(root.iter("br")):
        tail = br.tail or ""
        if not tail.lstrip(_LINE_SPACE).startswith("\xa0"):
            continue
        parent = br.getparent()
        if parent is None:
            continue
        text = " " + tail.lstrip(_LINE_SPACE + "\xa0")
        prev = br.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(br)


def person(value: str) -> str:
    """A SharePoint person value as readable text.

    ``"Timo Halonen;#kaupunginjohtaja;#;#timo.halonen@mikkeli.fi;#"`` →
    ``"Timo Halonen, kaupunginjohtaja, timo.halonen@mikkeli.fi"`` (the form CloudNC pages
    print in their bullets). Several people are separated by ``!#``; they become lines.
    """
    people = []
    for chunk in value.split("!#"):
        fields = [f.strip() for f in chunk.split(";#")]
        text = ", ".join(f for f in fields if f)
        if text:
            people.append(text)
    return "\n".join(people)


def merge_presenter(sections: list[Section]) -> list[Section]:
    """CloudNC prints "Päätösehdotus", then an "Esittelijä" sub-heading with the presenter
    bullet, then the proposal. The segmenter sees two sections; make them one päätösehdotus
    whose presenter is the bullet and whose text is the proposal."""
    out: list[Section] = []
    for s in sections:
        prev = out[-1] if out else None
        if (
            s.kind is SectionKind.ESITTELIJA
            and prev is not None
            and prev.kind is SectionKind.PAATOSEHDOTUS
            and not prev.text
            and prev.presenter is None
        ):
            first, _, rest = s.text.partition("\n\n")
            out[-1] = Section(prev.kind, prev.heading, rest, first or None)
        else:
            out.append(s)
    return out
