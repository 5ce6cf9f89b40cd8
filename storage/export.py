"""Exporting items for researchers: one row per item, a documented set of columns.

The column names and their order are a published interface (the README prints the
codebook from EXPORT_COLUMNS); add columns at the end, never rename or reorder.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pykala.parsers.records import SectionKind

from . import models
from .db import mask_url
from .filters import ItemFilters, filter_clauses, meeting_date_column
from .places import Place, source_places

ExportRow = dict[str, str | None]


class Column(NamedTuple):
    name: str
    description: str


EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("item_id", "Stable item id: <source>:<external id> (e.g. kuopio:2024101-3)"),
    Column("source", "Source name from the sources file (one publisher on one platform)"),
    Column(
        "municipality_code",
        "Statistics Finland municipality code (kuntanumero), 3 digits; empty when the "
        "organisation is not a municipality",
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
    Column("meeting_date", "Date of the meeting, ISO 8601 (YYYY-MM-DD)"),
    Column("meeting_kind", "esityslista (agenda) or poytakirja (minutes) the text comes from"),
    Column("paragraph", "Section number (§) as printed, without the § sign: 48, 48 a"),
    Column("diary_number", "Diary number (asianro / Dno) as printed"),
    Column("title", "Title of the item"),
    Column("presenter", "Presenter (esittelijä) of the proposal"),
    Column("paatosehdotus", "Proposal for decision (päätösehdotus), plain text"),
    Column("paatos", "Decision (päätös), plain text; empty on agendas"),
    Column("item_url", "URL of the item page"),
    Column("pdf_url", "URL of the item's PDF, when published"),
    Column("first_seen", "When pykala first stored the item, ISO 8601 UTC"),
    Column("last_changed", "When pykala last saw the item's content change, ISO 8601 UTC"),
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
    Column("organisation_type", "municipality, wellbeing_county, joint_authority or other"),
    Column(
        "outcome",
        "What was decided, read from the päätös and Käsittely texts: accepted (as proposed), "
        "amended (changed at the meeting, or a counter-proposal won), rejected, tabled "
        "(pöydälle), returned (palautettiin valmisteluun), removed (poistettiin "
        "esityslistalta), noted (merkittiin tiedoksi); empty on agendas and when no rule "
        "fits the text",
    ),
    Column("voted", "true when the text says a vote was held, else false"),
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
    Column("topic_score", "Topic score of the item (linking.topics: weighted term matches)"),
    Column(
        "topic_terms",
        "Topic terms that matched, best first, each with the sections it matched in: "
        "perhekeskustoimintamalli (title); LAPE (selostus)",
    ),
)
META_SUFFIX = ".meta.json"
BATCH = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets skip what comes before a formula character: spaces and line breaks,
# control characters, zero-width spaces and a BOM; and read the fullwidth ＝＋－＠ as
# = + - @. So a cell is a formula when one follows any run of those.
_FORMULA_RE = re.compile(
    "[\\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff]*[=+\\-@\uff1d\uff0b\uff0d\uff20]"
)
_TEXT_KINDS = (SectionKind.PAATOSEHDOTUS, SectionKind.PAATOS, SectionKind.ESITTELIJA)


def _iso_utc(moment: datetime) -> str:
    # SQLite returns stored UTC timestamps naive.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def _iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _section_fields(session: Session, item_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """presenter / paatosehdotus / paatos per item (several sections of a kind joined)."""
    texts: dict[int, dict[str, list[str]]] = {}
    presenters: dict[int, str] = {}
    rows = session.execute(
        select(
            models.Section.item_id,
            models.Section.kind,
            models.Section.text,
            models.Section.presenter,
        )
        .where(
            models.Section.item_id.in_(item_ids),
            models.Section.kind.in_([str(k) for k in _TEXT_KINDS]),
        )
        .order_by(models.Section.item_id, models.Section.ordinal)
    )
    for item_id, kind, text, presenter in rows:
        texts.setdefault(item_id, {}).setdefault(kind, []).append(text)
        if presenter and item_id not in presenters:
            presenters[item_id] = presenter
    out: dict[int, dict[str, str]] = {}
    for item_id, by_kind in texts.items():
        presenter = presenters.get(item_id) or " ".join(by_kind.get(SectionKind.ESITTELIJA, []))
        out[item_id] = {
            "presenter": presenter,
            "paatosehdotus": "\n\n".join(by_kind.get(SectionKind.PAATOSEHDOTUS, [])),
            "paatos": "\n\n".join(by_kind.get(SectionKind.PAATOS, [])),
        }
    return out


def iter_export_rows(session: Session, filters: ItemFilters | None = None) -> Iterator[ExportRow]:
    """One row per item (columns EXPORT_COLUMNS), oldest meeting first, streamed.

    Missing values are None (empty in CSV, null in JSONL).
    """
    date_col = meeting_date_column()
    stmt = (
        select(
            models.Item.id,
            models.Item.external_id,
            models.Item.meeting_kind,
            models.Item.paragraph,
            models.Item.diary_number,
            models.Item.title,
            models.Item.url,
            models.Item.pdf_url,
            models.Item.first_seen,
            models.Item.last_changed,
            models.Item.quality_flags,
            models.Item.outcome,
            models.Item.voted,
            models.Item.vote_counts,
            models.Item.disqualified,
            models.Item.dissent,
            models.Source.name.label("source"),
            models.Item.source_id,
            models.Body.name.label("body"),
            date_col.label("day"),
            models.Meeting.kind.label("kind"),
        )
        .join(models.Source, models.Source.id == models.Item.source_id)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .outerjoin(models.Body, models.Body.id == models.Item.body_id)
        .where(*filter_clauses(session, filters or ItemFilters()))
        .order_by(date_col.nulls_first(), models.Source.name, models.Item.id)
        .execution_options(yield_per=BATCH)
    )
    topic_ids = _topic_ids(session, filters.topic) if filters and filters.topic else None
    places = source_places(session)
    # Plain columns, not ORM entities: nothing accumulates in the session's identity map.
    for batch in session.execute(stmt).partitions():
        sections = _section_fields(session, [row.id for row in batch])
        topics = _topic_fields(session, [row.id for row in batch], topic_ids or [])
        for item in batch:
            extra = sections.get(item.id, {})
            place = places.get(item.source_id) or Place()
            row: ExportRow = {
                "item_id": f"{item.source}:{item.external_id}",
                "source": item.source,
                "municipality_code": place.municipality_code,
                "municipality": place.municipality,
                "region": place.region,
                "wellbeing_county": place.county,
                "body": item.body,
                "meeting_date": _iso_date(item.day),
                "meeting_kind": item.meeting_kind or item.kind,
                "paragraph": item.paragraph,
                "diary_number": item.diary_number,
                "title": item.title,
                "presenter": extra.get("presenter") or None,
                "paatosehdotus": extra.get("paatosehdotus") or None,
                "paatos": extra.get("paatos") or None,
                "item_url": item.url,
                "pdf_url": item.pdf_url,
                "first_seen": _iso_utc(item.first_seen),
                "last_changed": _iso_utc(item.last_changed),
                "quality_flags": item.quality_flags,
                "organisation_code": place.organisation_code,
                "organisation": place.organisation,
                "organisation_type": place.organisation_type,
                "outcome": item.outcome,
                "voted": "true" if item.voted else "false",
                "vote_counts": item.vote_counts,
                "disqualified": item.disqualified,
                "dissent": item.dissent,
            }
            if topic_ids is not None:
                row.update(topics.get(item.id, {"topic_score": None, "topic_terms": None}))
            yield row


def _topic_ids(session: Session, wanted: str) -> list[int]:
    """Topics named (or titled) ``wanted``, matched as storage.filters matches them."""
    key = " ".join(wanted.casefold().split())
    return [
        topic_id
        for topic_id, name, title in session.execute(
            select(models.Topic.id, models.Topic.name, models.Topic.title)
        )
        if key in (" ".join(name.casefold().split()), " ".join((title or "").casefold().split()))
    ]


def _topic_fields(
    session: Session, item_ids: Sequence[int], topic_ids: Sequence[int]
) -> dict[int, dict[str, str | None]]:
    """topic_score / topic_terms per item ("term (section, section); term (section)")."""
    if not topic_ids:
        return {}
    out: dict[int, dict[str, str | None]] = {}
    for item_id, score, evidence in session.execute(
        select(models.ItemTopic.item_id, models.ItemTopic.score, models.ItemTopic.evidence).where(
            models.ItemTopic.item_id.in_(item_ids), models.ItemTopic.topic_id.in_(topic_ids)
        )
    ):
        where: dict[str, list[str]] = {}
        for match in evidence:
            sections = where.setdefault(str(match["term"]), [])
            if match["section"] not in sections:
                sections.append(str(match["section"]))
        terms = "; ".join(f"{term} ({', '.join(kinds)})" for term, kinds in where.items())
        out[item_id] = {"topic_score": f"{score:.2f}", "topic_terms": terms}
    return out


def export_fieldnames(filters: ItemFilters | None = None) -> list[str]:
    """The columns of an export: EXPORT_COLUMNS, plus TOPIC_COLUMNS for a topic export."""
    if filters is not None and filters.topic:
        return FIELDNAMES + [c.name for c in TOPIC_COLUMNS]
    return list(FIELDNAMES)


def neutralise(cell: str) -> str:
    """Prefix ' to a cell a spreadsheet would run as a formula (CSV injection)."""
    if cell.startswith(FORMULA_STARTS) or _FORMULA_RE.match(cell):
        return "'" + cell
    return cell


def write_csv(
    rows: Iterable[ExportRow], out: TextIO, fieldnames: Sequence[str] = FIELDNAMES
) -> int:
    """Write a header and the rows as CSV; returns the number of rows.

    Open ``out`` with newline="" (the writer emits CRLF itself, as RFC 4180 asks) and
    encoding "utf-8": a BOM is written first so Excel reads the file as UTF-8. Newlines
    inside cells are kept (the cell is quoted).
    """
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(fieldnames)
    count = 0
    for row in rows:
        writer.writerow([neutralise(row.get(name) or "") for name in fieldnames])
        count += 1
    return count


def write_jsonl(
    rows: Iterable[ExportRow], out: TextIO, fieldnames: Sequence[str] = FIELDNAMES
) -> int:
    """One JSON object per line, values verbatim (no spreadsheet neutralising)."""
    count = 0
    for row in rows:
        record: dict[str, Any] = {name: row.get(name) for name in fieldnames}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


# --- the sidecar that lets a study cite exactly what it used ------------------------------


def meta_path(path: Path) -> Path:
    """``<file>.meta.json`` next to an export file."""
    return path.with_name(path.name + META_SUFFIX)


def _pykala_version() -> str:
    try:
        return version("pykala")
    except PackageNotFoundError:
        return "0+unknown"


def _jsonable_filters(filters: ItemFilters | None) -> dict[str, str | None]:
    if filters is None:
        return {}
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in asdict(filters).items()
    }


def export_meta(
    session: Session,
    *,
    archive_url: str,
    command: str,
    query: str | None = None,
    filters: ItemFilters | None = None,
    fmt: str = "csv",
    rows: int | None = None,
    columns: Sequence[str] = FIELDNAMES,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What an export was made of: the query, the filters, the pykala version, the archive
    (password hidden), when it was last harvested and, for a topic, its definition."""
    last_run = session.scalar(
        select(func.max(models.HarvestRun.finished)).where(models.HarvestRun.status != "running")
    )
    last_fetch = session.scalar(select(func.max(models.Page.fetched_at)))
    shown_url = mask_url(archive_url)  # whether or not SQLAlchemy can parse it
    meta: dict[str, Any] = {
        "command": command,
        "query": query,
        "filters": _jsonable_filters(filters),
        "format": fmt,
        "rows": rows,
        "columns": list(columns),
        "pykala_version": _pykala_version(),
        "archive": shown_url,
        "last_harvest": _iso_utc(last_run) if last_run else None,
        "last_fetch": _iso_utc(last_fetch) if last_fetch else None,
        "created_at": _iso_utc(now or datetime.now(UTC)),
    }
    if filters is not None and filters.topic:
        topic_ids = _topic_ids(session, filters.topic)
        meta["topics"] = [
            {"name": t.name, "definition_hash": t.definition_hash, "definition": t.definition}
            for t in session.scalars(select(models.Topic).where(models.Topic.id.in_(topic_ids)))
        ]
    return meta


def write_meta(path: Path, meta: dict[str, Any]) -> Path:
    """Write ``meta`` (from export_meta) as ``<path>.meta.json``; returns that path."""
    target = meta_path(path)
    target.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
