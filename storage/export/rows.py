"""The rows of an export, streamed in batches: what search finds, without its limit.

A query goes through search's own parse and plan (storage.search) and matches on the same
index, but as one set (every tier at once, no ranking): export order is oldest meeting
first. Phrases, which the index cannot check, are checked in Python batch by batch, as
search checks its candidates. Nothing is held beyond one batch of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from pykala.analysis.finnish import FinnishAnalyzer, get_analyzer
from pykala.parsers.records import SectionKind
from pykala.storage import models
from pykala.storage.filters import ItemFilters, filter_clauses, meeting_date_column, section_kind
from pykala.storage.places import Place, source_places
from pykala.storage.search import postgresql, sqlite
from pykala.storage.search.phrases import phrases_verified
from pykala.storage.search.plan import QueryPlan, plan_query, tiers_for
from pykala.storage.search.query import parse_query
from pykala.storage.search.rows import section_texts

from .columns import SECTION_PREFIX

ExportRow = dict[str, str | None]
RowValues = Callable[[ExportRow], Sequence[str | None]]
BATCH = 1000
_TEXT_KINDS = (SectionKind.PAATOSEHDOTUS, SectionKind.PAATOS, SectionKind.ESITTELIJA)


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite returns stored UTC timestamps naive
        return moment.isoformat() + "+00:00"
    return moment.astimezone(UTC).isoformat()


def _iso_utc_sql(dialect: str, moment: str) -> Any:
    """A timestamp as the database's text in ISO 8601 UTC, as datetime.isoformat() writes
    it (microseconds only when not zero): no parsing into datetime and formatting back."""
    if dialect == "sqlite":
        # strftime reads both stored forms (naive UTC, or with an offset, converted to UTC).
        sql = (
            "strftime('%Y-%m-%dT%H:%M:%S', {m}) || CASE WHEN substr({m}, 20, 1) = '.' AND "
            "substr({m}, 21, 6) != '000000' THEN '.' || substr({m}, 21, 6) ELSE '' END "
            "|| '+00:00'"
        )
    else:
        sql = (
            "to_char({m} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
            "to_char({m}, 'US') = '000000' THEN '' ELSE '.' || to_char({m}, 'US') END "
            "|| '+00:00'"
        )
    return type_coerce(literal_column(sql.format(m=moment)), String)


def _iso_date_sql(dialect: str, day: Any) -> Any:
    """A date as ISO text (SQLite stores it so; PostgreSQL's own text follows DateStyle)."""
    if dialect == "sqlite":
        return type_coerce(day, String)
    return type_coerce(func.to_char(day, "YYYY-MM-DD"), String)


def row_values(names: Sequence[str]) -> RowValues:
    """A function giving a row's values in ``names`` order, None where a row lacks one:
    one C call a row (itemgetter) when the row has every column, as exported rows do."""
    if not names:
        return lambda row: ()
    getter = itemgetter(*names)
    several = len(names) > 1

    def values(row: ExportRow) -> Sequence[str | None]:
        try:
            got = getter(row)
        except KeyError:
            return [row.get(name) for name in names]
        return got if several else (got,)

    return values


@dataclass(frozen=True)
class _Match:
    """A compiled query: the SQL condition on Item, and what Python still checks."""

    clause: ColumnElement[bool]
    plan: QueryPlan
    kind: str | None
    analyzer: FinnishAnalyzer


def _query_match(session: Session, query: str, kind: str | None) -> _Match:
    """Items ``query`` finds (SearchQueryError when it has nothing to find): any tier of
    search's index match, or (a query that is a diary number) that diary number."""
    analyzer = get_analyzer()
    plan = plan_query(analyzer, parse_query(query), query)
    last = len(tiers_for(kind)) - 1  # the widest tier: every match
    runner = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    index, item_id, condition = runner.tier_condition(plan, kind, last)
    clause: ColumnElement[bool] = models.Item.id.in_(
        select(item_id).select_from(index).where(condition)
    )
    if plan.diary_number:
        clause = or_(models.Item.diary_number_normalised == plan.diary_number, clause)
    return _Match(clause, plan, kind, analyzer)


def _verified(session: Session, match: _Match, batch: Sequence[Any]) -> list[Any]:
    """The rows of ``batch`` whose texts hold the query's phrases (search's check)."""
    if not match.plan.needs_check:
        return list(batch)
    by_diary = {r.id for r in batch if r.diary_norm and r.diary_norm == match.plan.diary_number}
    unsure = [r.id for r in batch if r.id not in by_diary]
    texts = section_texts(session, unsure, match.kind)
    return [
        r
        for r in batch
        if r.id in by_diary
        or phrases_verified(
            match.plan,
            match.analyzer,
            ([] if match.kind else [r.title]) + texts.get(r.id, []),
        )
    ]


def _joined_texts(dialect: str, kind: str, sep: str) -> Any:
    """The texts of the item's sections of ``kind`` in printed order, joined by ``sep``,
    aggregated by the database: one correlated subquery per row instead of a section query
    per batch and a join in Python (measured: the larger part of an export's time)."""
    if dialect == "sqlite":
        glue = "char(10) || char(10)" if sep == "\n\n" else f"'{sep}'"
        sql = (
            f"(SELECT group_concat(text, {glue}) FROM (SELECT text FROM section "
            f"WHERE section.item_id = item.id AND section.kind = '{kind}' ORDER BY ordinal))"
        )
    else:
        glue = "E'\\n\\n'" if sep == "\n\n" else f"'{sep}'"
        sql = (
            f"(SELECT string_agg(text, {glue} ORDER BY ordinal) FROM section "
            f"WHERE section.item_id = item.id AND section.kind = '{kind}')"
        )
    return literal_column(sql)


def _text_columns(dialect: str) -> list[Any]:
    """presenter / paatosehdotus / paatos as _section_fields makes them, in SQL."""
    kinds = ", ".join(f"'{k.value}'" for k in _TEXT_KINDS)
    esittelija = _joined_texts(dialect, SectionKind.ESITTELIJA.value, " ")
    # The esittelijä texts only when no section names a presenter: coalesce evaluates its
    # second argument only when needed, one aggregate fewer for most items.
    presenter: Any = literal_column(
        "coalesce(nullif((SELECT presenter FROM section WHERE section.item_id = item.id AND "
        f"section.kind IN ({kinds}) AND presenter IS NOT NULL ORDER BY ordinal LIMIT 1), ''), "
        f"{esittelija})"
    )
    return [
        presenter.label("presenter"),
        _joined_texts(dialect, SectionKind.PAATOSEHDOTUS.value, "\n\n").label("paatosehdotus"),
        _joined_texts(dialect, SectionKind.PAATOS.value, "\n\n").label("paatos"),
    ]


def _item_query(
    session: Session,
    filters: ItemFilters,
    match: _Match | None,
    *,
    wide: bool = True,
    texts: bool = False,
) -> Any:
    date_col = meeting_date_column()
    dialect = session.get_bind().dialect.name
    columns: list[Any] = [
        models.Item.id,
        models.Item.external_id,
        models.Item.title,
        models.Item.diary_number_normalised.label("diary_norm"),
        models.Source.name.label("source"),
    ]
    if wide:
        columns += [
            models.Item.meeting_kind,
            models.Item.paragraph,
            models.Item.diary_number,
            models.Item.url,
            models.Item.pdf_url,
            _iso_utc_sql(dialect, "item.first_seen").label("first_seen"),
            _iso_utc_sql(dialect, "item.last_changed").label("last_changed"),
            models.Item.quality_flags,
            models.Item.outcome,
            models.Item.voted,
            models.Item.vote_counts,
            models.Item.disqualified,
            models.Item.dissent,
            models.Item.source_id,
            models.Body.name.label("body"),
            _iso_date_sql(dialect, date_col).label("day"),
            models.Meeting.kind.label("kind"),
        ]
    if texts:
        columns += _text_columns(dialect)
    stmt = select(*columns).join(models.Source, models.Source.id == models.Item.source_id)
    stmt = stmt.outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
    if wide:
        stmt = stmt.outerjoin(models.Body, models.Body.id == models.Item.body_id)
    clauses = filter_clauses(session, filters)
    if match is not None:
        clauses.append(match.clause)
    return (
        stmt.where(*clauses)
        .order_by(date_col.nulls_first(), models.Source.name, models.Item.id)
        .execution_options(yield_per=BATCH)
    )


def _batches(
    session: Session,
    filters: ItemFilters,
    query: str | None,
    *,
    wide: bool = True,
    texts: bool = False,
) -> Iterator[list[Any]]:
    """The matching item rows, a batch at a time, phrases checked. The query and filters
    are checked now (SearchQueryError, FilterError), not when the first row is read."""
    kind = section_kind(filters.section) if filters.section else None
    match = _query_match(session, query, kind) if query else None
    stmt = _item_query(session, filters, match, wide=wide, texts=texts)

    def batches() -> Iterator[list[Any]]:
        # Core on the session's connection: plain tuples, no ORM loading layer, and
        # nothing accumulates in the identity map.
        for batch in session.connection().execute(stmt).partitions():
            yield _verified(session, match, batch) if match else list(batch)

    return batches()


def _section_fields(
    session: Session, item_ids: Sequence[int], wide: bool
) -> dict[int, dict[str, str]]:
    """presenter / paatosehdotus / paatos per item (several sections of a kind joined),
    and with ``wide`` the text of every kind as section_<kind>."""
    texts: dict[int, dict[str, list[str]]] = {}
    presenters: dict[int, str] = {}
    stmt = select(
        models.Section.item_id,
        models.Section.kind,
        models.Section.text,
        models.Section.presenter,
    ).where(models.Section.item_id.in_(item_ids))
    if not wide:
        stmt = stmt.where(models.Section.kind.in_([str(k) for k in _TEXT_KINDS]))
    for item_id, kind, text, presenter in session.execute(
        stmt.order_by(models.Section.item_id, models.Section.ordinal)
    ):
        texts.setdefault(item_id, {}).setdefault(kind, []).append(text)
        if presenter and item_id not in presenters:
            presenters[item_id] = presenter
    out: dict[int, dict[str, str]] = {}
    for item_id, by_kind in texts.items():
        presenter = presenters.get(item_id) or " ".join(by_kind.get(SectionKind.ESITTELIJA, []))
        fields = {
            "presenter": presenter,
            "paatosehdotus": "\n\n".join(by_kind.get(SectionKind.PAATOSEHDOTUS, [])),
            "paatos": "\n\n".join(by_kind.get(SectionKind.PAATOS, [])),
        }
        if wide:
            for kind, parts in by_kind.items():
                fields[SECTION_PREFIX + kind] = "\n\n".join(parts)
        out[item_id] = fields
    return out


def iter_export_rows(
    session: Session,
    filters: ItemFilters | None = None,
    query: str | None = None,
    *,
    sections: str = "none",
) -> Iterator[ExportRow]:
    """One row per item (columns.export_columns), oldest meeting first, streamed.

    ``query``: only the items search finds for it (same language, same index, no limit).
    ``sections="wide"`` adds the text of every section kind. Missing values are None
    (empty in CSV, null in JSONL).
    """
    filters = filters or ItemFilters()
    wide = sections == "wide"
    topic_ids = _topic_ids(session, filters.topic) if filters.topic else None
    # The codebook's three text columns come with the item rows; --sections wide reads
    # every section of a batch in one query instead.
    batches = _batches(session, filters, query, texts=not wide)
    return _item_rows(session, batches, wide, topic_ids, source_places(session))


def _item_rows(
    session: Session,
    batches: Iterator[list[Any]],
    wide: bool,
    topic_ids: list[int] | None,
    places: dict[int, Place],
) -> Iterator[ExportRow]:
    nowhere = Place()
    empty_sections = {SECTION_PREFIX + k.value: None for k in SectionKind} if wide else {}
    for batch in batches:
        ids = [row[0] for row in batch]
        # In id order: the section rows are then read in index order.
        extras = _section_fields(session, sorted(ids), wide) if ids and wide else {}
        topics = _topic_fields(session, ids, topic_ids or [])
        for item in batch:
            # By position, in _item_query's column order: a Row's name lookup costs more.
            (
                item_id,
                external_id,
                title,
                _diary_norm,
                source,
                meeting_kind,
                paragraph,
                diary_number,
                url,
                pdf_url,
                first_seen,
                last_changed,
                quality_flags,
                outcome,
                voted,
                vote_counts,
                disqualified,
                dissent,
                source_id,
                body,
                day,
                kind,
                *texts,
            ) = item
            if wide:
                extra = extras.get(item_id, {})
                presenter = extra.get("presenter")
                paatosehdotus = extra.get("paatosehdotus")
                paatos = extra.get("paatos")
            else:
                extra = {}
                presenter, paatosehdotus, paatos = texts
            place = places.get(source_id) or nowhere
            row: ExportRow = {
                "item_id": f"{source}:{external_id}",
                "source": source,
                "municipality_code": place.municipality_code,
                "municipality": place.municipality,
                "region": place.region,
                "wellbeing_county": place.county,
                "body": body,
                "meeting_date": day or None,
                "meeting_kind": meeting_kind or kind,
                "paragraph": paragraph,
                "diary_number": diary_number,
                "title": title,
                "presenter": presenter or None,
                "paatosehdotus": paatosehdotus or None,
                "paatos": paatos or None,
                "item_url": url,
                "pdf_url": pdf_url,
                "first_seen": first_seen,
                "last_changed": last_changed,
                "quality_flags": quality_flags,
                "organisation_code": place.organisation_code,
                "organisation": place.organisation,
                "organisation_type": place.organisation_type,
                "outcome": outcome,
                "voted": "true" if voted else "false",
                "vote_counts": vote_counts,
                "disqualified": disqualified,
                "dissent": dissent,
            }
            if topic_ids is not None:
                row.update(topics.get(item_id, {"topic_score": None, "topic_terms": None}))
            if wide:
                row.update(empty_sections)
                row.update((k, v or None) for k, v in extra.items() if k in empty_sections)
            yield row


def iter_section_rows(
    session: Session, filters: ItemFilters | None = None, query: str | None = None
) -> Iterator[ExportRow]:
    """--sections long: one row per section (columns.LONG_COLUMNS) of the items
    iter_export_rows would give, in the same order, sections in printed order."""
    return _section_rows(session, _batches(session, filters or ItemFilters(), query, wide=False))


def _section_rows(session: Session, batches: Iterator[list[Any]]) -> Iterator[ExportRow]:
    for batch in batches:
        ids = [row.id for row in batch]
        by_item: dict[int, list[Any]] = {}
        if ids:
            for section in session.execute(
                select(
                    models.Section.item_id,
                    models.Section.ordinal,
                    models.Section.kind,
                    models.Section.heading,
                    models.Section.text,
                )
                .where(models.Section.item_id.in_(ids))
                .order_by(models.Section.item_id, models.Section.ordinal)
            ):
                by_item.setdefault(section.item_id, []).append(section)
        for item in batch:
            item_id = f"{item.source}:{item.external_id}"
            for section in by_item.get(item.id, []):
                yield {
                    "item_id": item_id,
                    "ordinal": str(section.ordinal),
                    "kind": section.kind,
                    "heading": section.heading or None,
                    "text": section.text or None,
                }


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
    if not topic_ids or not item_ids:
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
