"""Quality flags: what a parsed item lacks, so that a page read badly is never silent.

Pure: a record in, flag names out. Storage keeps them with the item; the run report and
``pykala status`` count them per source, and ``search``/``export`` can leave out or show
doubtful rows. A flag is a fact about the record ("no diary number"); whether it matters
depends on the source (some never print diary numbers), which the report judges from the
source's own history.
"""

from __future__ import annotations

from pykala.parsers import titleblock
from pykala.parsers.itemhead import HISTORY_RE
from pykala.parsers.records import ItemRecord, MeetingKind, SectionKind

NO_TITLE = "no_title"
TITLE_IS_BODY = "title_is_body_name"  # the body's name was taken for the title
TITLE_IS_HISTORY = "title_is_history"  # a handling or title-block line was taken for it
NO_BODY = "no_body_name"
NO_DATE = "no_meeting_date"
NO_PARAGRAPH = "no_paragraph"  # minutes without a §
NO_DIARY = "no_diary_number"
NO_PROPOSAL = "no_proposal"
NO_DECISION = "no_decision"  # minutes without a päätös
NO_PROPOSAL_OR_DECISION = "no_proposal_or_decision"  # minutes whose text has neither
NO_TEXT = "no_text"  # no section at all: a list row whose page is not read yet (Tweb)

# Flags that make an item doubtful on any source (the others depend on the source).
DOUBTFUL = frozenset({NO_TITLE, TITLE_IS_BODY, TITLE_IS_HISTORY, NO_PROPOSAL_OR_DECISION})

# The fields a source's report counts, with the flag that says an item lacks it.
FIELDS: dict[str, str] = {
    "title": NO_TITLE,
    "body_name": NO_BODY,
    "meeting_date": NO_DATE,
    "paragraph": NO_PARAGRAPH,
    "diary_number": NO_DIARY,
    "proposal": NO_PROPOSAL,
    "decision": NO_DECISION,
    "text": NO_TEXT,
}


def item_flags(item: ItemRecord) -> tuple[str, ...]:
    """The quality flags of one item, in a fixed order."""
    flags: list[str] = []
    title = item.title.strip()
    if not title:
        flags.append(NO_TITLE)
    elif item.body_name and title.casefold() == item.body_name.strip().casefold():
        flags.append(TITLE_IS_BODY)
    elif HISTORY_RE.fullmatch(title) or titleblock.read_line(title):
        flags.append(TITLE_IS_HISTORY)
    if not item.body_name:
        flags.append(NO_BODY)
    if item.meeting_date is None:
        flags.append(NO_DATE)
    minutes = item.meeting_kind is MeetingKind.POYTAKIRJA
    if minutes and not item.paragraph:
        flags.append(NO_PARAGRAPH)
    if not item.diary_number:
        flags.append(NO_DIARY)
    proposal = item.section(SectionKind.PAATOSEHDOTUS) is not None
    decision = item.section(SectionKind.PAATOS) is not None
    if not proposal:
        flags.append(NO_PROPOSAL)
    if minutes and not decision:
        flags.append(NO_DECISION)
    if not item.sections:
        flags.append(NO_TEXT)
    elif minutes and not (proposal or decision):
        # Text was read, yet neither was found: the headings were not recognised.
        flags.append(NO_PROPOSAL_OR_DECISION)
    return tuple(flags)


def doubtful(flags: tuple[str, ...] | list[str]) -> list[str]:
    """The flags that make an item doubtful whatever its source."""
    return [f for f in flags if f in DOUBTFUL]
