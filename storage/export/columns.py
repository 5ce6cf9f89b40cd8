"""The columns of an export: names, descriptions and types, the codebook.

The column names and their order are a published interface (the README prints the
codebook from EXPORT_COLUMNS, datapackage.json carries it as a Table Schema); add columns
at the end, never rename or reorder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from pykala.analysis.decisions import OUTCOMES
from pykala.parsers.records import MeetingKind, SectionKind


class Column(NamedTuple):
    name: str
    description: str
    # Table Schema (Frictionless) type and constraints of the column's values.
    type: str = "string"
    constraints: dict[str, Any] | None = None


REQUIRED: dict[str, Any] = {"required": True}

EXPORT_COLUMNS: tuple[Column, ...] = (
    Column(
        "item_id",
        "Stable item id: <source>:<external id> (e.g. kuopio:2024101-3)",
        constraints=REQUIRED,
    ),
    Column(
        "source",
        "Source name from the sources file (one publisher on one platform)",
        constraints=REQUIRED,
    ),
    Column(
        "municipality_code",
        "Statistics Finland municipality code (kuntanumero), 3 digits; empty when the "
        "organisation is not a municipality",
        constraints={"pattern": "[0-9]{3}"},
    ),
    Column("municipality", "Municipality name in Finnish; empty when the organisation is not one"),
    Column(
        "region",
        "Region (maakunta) of the organisation's member municipalities, '; '-joined when several",
    ),
    Column(
        "wellbeing_county",
        "Wellbeing services county (hyvinvointialue) of the member municipalities, "
        "'; '-joined when several",
    ),
    Column("body", "Decision-making body (toimielin) as printed, e.g. Kaupunginhallitus"),
    Column("meeting_date", "Date of the meeting, ISO 8601 (YYYY-MM-DD)", "date"),
    Column(
        "meeting_kind",
        "esityslista (agenda) or poytakirja (minutes) the text comes from",
        constraints={"enum": [k.value for k in MeetingKind]},
    ),
    Column("paragraph", "Section number (§) as printed, without the § sign: 48, 48 a"),
    Column("diary_number", "Diary number (asianro / Dno) as printed"),
    Column("title", "Title of the item"),
    Column("presenter", "Presenter (esittelijä) of the proposal"),
    Column("paatosehdotus", "Proposal for decision (päätösehdotus), plain text"),
    Column("paatos", "Decision (päätös), plain text; empty on agendas"),
    Column("item_url", "URL of the item page"),
    Column("pdf_url", "URL of the item's PDF, when published"),
    Column(
        "first_seen",
        "When pykala first stored the item, ISO 8601 UTC",
        "datetime",
        REQUIRED,
    ),
    Column(
        "last_changed",
        "When pykala last saw the item's content change, ISO 8601 UTC",
        "datetime",
        REQUIRED,
    ),
    Column(
        "quality_flags",
        "What the parser could not find on the item's page, space-separated (README, 'Pages "
        "read badly are never silent'): no_title, title_is_body_name, title_is_history, "
        "no_body_name, no_meeting_date, no_paragraph, no_diary_number, no_proposal, "
        "no_decision, no_proposal_or_decision, no_text; empty when none",
    ),
    Column(
        "organisation_code",
        "Code of the organisation that decided: municipality code, wellbeing county code "
        "(01-21) or Business ID (Y-tunnus) of a joint authority",
    ),
    Column("organisation", "Name of the organisation in Finnish"),
    Column(
        "organisation_type",
        "municipality, wellbeing_county, joint_authority or other",
        constraints={"enum": ["municipality", "wellbeing_county", "joint_authority", "other"]},
    ),
    Column(
        "outcome",
        "What was decided, read from the päätös and Käsittely texts: accepted (as proposed), "
        "amended (changed at the meeting, or a counter-proposal won), rejected, tabled "
        "(pöydälle), returned (palautettiin valmisteluun), removed (poistettiin "
        "esityslistalta), noted (merkittiin tiedoksi); empty on agendas and when no rule "
        "fits the text",
        constraints={"enum": list(OUTCOMES)},
    ),
    Column("voted", "true when the text says a vote was held, else false", "boolean"),
    Column(
        "vote_counts",
        "Tallies as printed, jaa-ei[-tyhjä[-poissa]]: 32-19, 11-3-1; several votes "
        "'; '-separated; empty when no tally is printed (also when voted is true)",
    ),
    Column(
        "disqualified",
        "Who declared themselves disqualified (esteellinen, jäävi) or left for the item, "
        "names as printed, '; '-separated",
    ),
    Column("dissent", "Who left a dissenting opinion (eriävä mielipide), '; '-separated"),
)
FIELDNAMES = [c.name for c in EXPORT_COLUMNS]
# Added after EXPORT_COLUMNS when an export is restricted to a topic (--topic).
TOPIC_COLUMNS: tuple[Column, ...] = (
    Column(
        "topic_score",
        "Topic score of the item (linking.topics: weighted term matches)",
        "number",
    ),
    Column(
        "topic_terms",
        "Topic terms that matched, best first, each with the sections it matched in: "
        "perhekeskustoimintamalli (title); LAPE (selostus)",
    ),
)
# --sections wide: one column per section kind, after the others (printed order kept,
# several sections of a kind joined by a blank line).
SECTION_PREFIX = "section_"
SECTION_COLUMNS: tuple[Column, ...] = tuple(
    Column(
        f"{SECTION_PREFIX}{kind.value}",
        f"Text of the item's {kind.value} sections (SectionKind), joined by a blank line",
    )
    for kind in SectionKind
)
# --sections long: one row per section instead of one per item.
LONG_COLUMNS: tuple[Column, ...] = (
    Column(
        "item_id", "Item id, as in the items export (<source>:<external id>)", constraints=REQUIRED
    ),
    Column("ordinal", "Position of the section in the item, from 1", "integer", REQUIRED),
    Column(
        "kind",
        "What the section is (SectionKind), whatever heading was printed",
        constraints={"required": True, "enum": [k.value for k in SectionKind]},
    ),
    Column("heading", "Heading as printed"),
    Column("text", "Text of the section, plain text"),
)
SECTIONS_MODES = ("none", "wide", "long")


def export_columns(*, topic: bool = False, sections: str = "none") -> tuple[Column, ...]:
    """The columns of an export: EXPORT_COLUMNS, + TOPIC_COLUMNS for a topic export,
    + SECTION_COLUMNS for --sections wide; LONG_COLUMNS for --sections long."""
    if sections == "long":
        return LONG_COLUMNS
    return (
        EXPORT_COLUMNS
        + (TOPIC_COLUMNS if topic else ())
        + (SECTION_COLUMNS if sections == "wide" else ())
    )


def names(columns: Sequence[Column]) -> list[str]:
    return [c.name for c in columns]
