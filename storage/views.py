"""Read-side views for the CLI: one item in full, its stored page, harvest runs, archive
statistics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import models
from .content import stored_children
from .db import ArchiveError
from .kinds import ITEM
from .places import Place, source_places
from .versions import VersionView as VersionView  # importable from here too
from .versions import read_versions
from .versions import utc as utc


class AmbiguousItemError(ArchiveError):
    """A bare external id that exists in several sources."""


@dataclass(frozen=True)
class SectionView:
    kind: str
    heading: str
    text: str
    presenter: str | None


@dataclass(frozen=True)
class AttachmentView:
    url: str
    title: str


@dataclass(frozen=True)
class ItemView:
    item_id: str  # stable "<source>:<external id>"
    external_id: str
    source: str
    platform: str
    municipality_code: str | None
    municipality: str | None
    region: str | None
    wellbeing_county: str | None
    body: str | None
    meeting_external_id: str | None
    meeting_date: date | None
    meeting_kind: str | None
    meeting_url: str | None
    paragraph: str | None
    diary_number: str | None
    title: str
    url: str
    pdf_url: str | None
    language: str
    first_seen: datetime
    last_changed: datetime
    sections: tuple[SectionView, ...]
    attachments: tuple[AttachmentView, ...]
    versions: tuple[VersionView, ...]  # oldest first
    decision: DecisionView | None = None  # what was decided (analysis.decisions)


@dataclass(frozen=True)
class DecisionView:
    outcome: str | None  # analysis.decisions.OUTCOMES value; None: agenda or no rule fits
    voted: bool
    vote_counts: str  # "32-19", "; "-joined for several votes
    disqualified: tuple[str, ...]
    dissent: tuple[str, ...]
    details: dict[str, Any] | None  # votes (options, tallies, winner, names), movers


def _names(joined: str) -> tuple[str, ...]:
    return tuple(n for n in joined.split("; ") if n)


def decision_view(item: models.Item) -> DecisionView:
    return DecisionView(
        outcome=item.outcome,
        voted=item.voted,
        vote_counts=item.vote_counts,
        disqualified=_names(item.disqualified),
        dissent=_names(item.dissent),
        details=json.loads(item.vote_details) if item.vote_details else None,
    )


@dataclass(frozen=True)
class RunView:
    id: int
    started: datetime
    finished: datetime | None
    status: str
    counts: dict[str, Any]
    errors: list[Any]


@dataclass(frozen=True)
class SourceStats:
    source: str
    municipality: str | None
    enabled: bool
    items: int
    meetings: int
    pages: int
    last_fetched: datetime | None


@dataclass(frozen=True)
class ArchiveStats:
    sources: tuple[SourceStats, ...]
    items: int
    item_versions: int
    raw_pages: int
    raw_bytes: int
    last_run: RunView | None


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment is not None else None


def _find_item(session: Session, key: str | int) -> models.Item | None:
    if isinstance(key, int):
        return session.get(models.Item, key)
    source, sep, external_id = key.partition(":")
    if sep:
        found = session.scalars(
            select(models.Item)
            .join(models.Source, models.Source.id == models.Item.source_id)
            .where(models.Source.name == source, models.Item.external_id == external_id)
        ).first()
        if found is not None:
            return found
    candidates = session.scalars(
        select(models.Item).where(models.Item.external_id == key).limit(10)
    ).all()
    if len(candidates) > 1:
        raise AmbiguousItemError(
            f"item {key} exists in several sources: use <source>:{key} (e.g. "
            f"{_source_name(session, candidates[0].source_id)}:{key})"
        )
    return candidates[0] if candidates else None


def _source_name(session: Session, source_id: int) -> str:
    return session.scalars(select(models.Source.name).where(models.Source.id == source_id)).one()


def get_item(session: Session, key: str | int) -> ItemView | None:
    """An item by stable id ("kuopio:2024101-3"), bare external id, or database id."""
    item = _find_item(session, key)
    if item is None:
        return None
    source = session.get(models.Source, item.source_id)
    assert source is not None
    place = source_places(session).get(source.id) or Place()
    meeting = session.get(models.Meeting, item.meeting_id) if item.meeting_id else None
    body_id = item.body_id or (meeting.body_id if meeting else None)
    body = session.get(models.Body, body_id) if body_id else None
    sections, attachments = stored_children(session, item.id)
    return ItemView(
        item_id=f"{source.name}:{item.external_id}",
        external_id=item.external_id,
        source=source.name,
        platform=source.platform,
        municipality_code=place.municipality_code,
        municipality=place.municipality or place.organisation,
        region=place.region,
        wellbeing_county=place.county,
        body=body.name if body else None,
        meeting_external_id=meeting.external_id if meeting else None,
        meeting_date=item.meeting_date or (meeting.date if meeting else None),
        meeting_kind=item.meeting_kind or (meeting.kind if meeting else None),
        meeting_url=meeting.url if meeting else None,
        paragraph=item.paragraph,
        diary_number=item.diary_number,
        title=item.title,
        url=item.url,
        pdf_url=item.pdf_url,
        language=item.language,
        first_seen=utc(item.first_seen),
        last_changed=utc(item.last_changed),
        sections=tuple(SectionView(s.kind, s.heading, s.text, s.presenter) for s in sections),
        attachments=tuple(AttachmentView(a.url, a.title) for a in attachments),
        versions=read_versions(session, ITEM, item.id),
        decision=decision_view(item),
    )


def _run_view(run: models.HarvestRun) -> RunView:
    return RunView(
        id=run.id,
        started=utc(run.started),
        finished=utc(run.finished) if run.finished else None,
        status=run.status,
        counts=dict(run.counts or {}),
        errors=list(run.errors or []),
    )


def list_runs(session: Session, limit: int = 10) -> list[RunView]:
    """The most recent harvest/reparse runs, newest first."""
    runs = session.scalars(
        select(models.HarvestRun)
        .order_by(models.HarvestRun.started.desc(), models.HarvestRun.id.desc())
        .limit(limit)
    ).all()
    return [_run_view(r) for r in runs]


def _counts_by_source(session: Session, model: Any) -> dict[int, int]:
    rows = session.execute(select(model.source_id, func.count()).group_by(model.source_id))
    return {source_id: count for source_id, count in rows}


def archive_stats(session: Session) -> ArchiveStats:
    """Counts per source and overall, and the last run (for `pykala status`)."""
    items = _counts_by_source(session, models.Item)
    meetings = _counts_by_source(session, models.Meeting)
    pages = _counts_by_source(session, models.Page)
    last_fetched: dict[int, datetime | None] = {
        source_id: latest
        for source_id, latest in session.execute(
            select(models.Page.source_id, func.max(models.Page.fetched_at)).group_by(
                models.Page.source_id
            )
        )
    }
    rows = session.execute(
        select(
            models.Source,
            func.coalesce(models.Organisation.name_fi, models.Municipality.name_fi),
        )
        .outerjoin(models.Organisation, models.Organisation.id == models.Source.organisation_id)
        .outerjoin(models.Municipality, models.Municipality.code == models.Source.municipality_code)
        .order_by(models.Source.name)
    ).all()
    sources = tuple(
        SourceStats(
            source=s.name,
            municipality=name,
            enabled=s.enabled,
            items=items.get(s.id, 0),
            meetings=meetings.get(s.id, 0),
            pages=pages.get(s.id, 0),
            last_fetched=_utc_or_none(last_fetched.get(s.id)),
        )
        for s, name in rows
    )
    raw_pages, raw_bytes = session.execute(
        select(func.count(), func.coalesce(func.sum(models.RawPage.size), 0)).select_from(
            models.RawPage
        )
    ).one()
    versions = session.scalar(select(func.count()).select_from(models.ItemVersion)) or 0
    runs = list_runs(session, limit=1)
    return ArchiveStats(
        sources=sources,
        items=sum(items.values()),
        item_versions=versions,
        raw_pages=int(raw_pages),
        raw_bytes=int(raw_bytes),
        last_run=runs[0] if runs else None,
    )


@dataclass(frozen=True, slots=True)
class StoredPage:
    """The raw page an item was last parsed from, as fetched."""

    url: str
    platform: str
    body: bytes
    content_type: str | None
    quality_flags: tuple[str, ...]


def item_page(session: Session, key: str | int) -> StoredPage | None:
    """The stored page of an item (``pykala show ID --explain``); None when not kept."""
    item = _find_item(session, key)
    if item is None or item.raw_page_id is None:
        return None
    raw = session.get(models.RawPage, item.raw_page_id)
    source = session.get(models.Source, item.source_id)
    if raw is None or source is None:
        return None
    content_type = session.scalars(
        select(models.Page.content_type)
        .where(models.Page.raw_page_id == raw.id)
        .order_by(models.Page.fetched_at.desc())
        .limit(1)
    ).first()
    flags = tuple(item.quality_flags.split())
    return StoredPage(item.url, source.platform, raw.body, content_type, flags)
