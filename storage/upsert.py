"""Saving fetched pages and parse results: the one place records become rows.

Every write is keyed on a natural id (source name + external id, source + URL, sha256),
so saving the same thing twice changes nothing. All lookups go through unique indexes;
nothing here scans a table, so ingest speed does not fall as the archive grows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from parsers.quality import item_flags
from parsers.records import (
    DocumentRecord,
    ItemRecord,
    MeetingKind,
    MeetingRecord,
    PageKind,
    ParseResult,
)

from . import models
from .clean import clean_record
from .content import (
    canonical_json,
    content_hash,
    record_content,
    row_content,
    stored_children,
)
from .db import ArchiveError
from .docindex import index_document
from .index import index_item

PAGE_BATCH = 500  # pages per query when iterating for a reparse
_T = TypeVar("_T")


class UnknownSourceError(ArchiveError):
    """A page or parse names a source that sync_sources has not stored."""


@dataclass(frozen=True)
class FetchedPage:
    source_name: str
    url: str  # the normalised URL that was requested: the page's key
    final_url: str  # after redirects
    status: int
    headers: Mapping[str, str]
    fetched_at: datetime
    body: bytes
    page_kind: PageKind


@dataclass
class UpsertCounts:
    """Items and documents inserted / updated / unchanged (meetings are saved but not
    counted)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.warnings.extend(other.warnings)
        return self

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


class StoredPage(NamedTuple):
    page_id: int
    source_name: str
    url: str
    page_kind: PageKind
    content_type: str | None
    body: bytes


class PageValidators(NamedTuple):
    etag: str | None
    last_modified: str | None
    sha256: str | None


class SourceLike(Protocol):
    """What sync_sources needs of a source (harvester.sources.SourceConfig fits)."""

    @property
    def name(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def municipality_code(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...


class MunicipalityLike(Protocol):
    @property
    def name_fi(self) -> str: ...
    @property
    def name_sv(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def wellbeing_county(self) -> str | None: ...


def stable_item_id(source_name: str, external_id: str) -> str:
    """The id an item has in every archive, export and search hit: "<source>:<external id>"."""
    return f"{source_name}:{external_id}"


# --- sources -------------------------------------------------------------------------


def sync_sources(
    session: Session,
    sources: Sequence[SourceLike],
    municipalities: Mapping[str, MunicipalityLike],
) -> None:
    """Insert or update municipalities and sources. Sources missing from the list stay
    (their pages and items are archive history); disable them in the config instead."""
    stored_municipalities = {m.code: m for m in session.scalars(select(models.Municipality))}
    for code, ref in municipalities.items():
        mrow = stored_municipalities.get(code)
        if mrow is None:
            mrow = models.Municipality(code=code)
            session.add(mrow)
        mrow.name_fi = ref.name_fi
        mrow.name_sv = ref.name_sv
        mrow.region = ref.region
        mrow.wellbeing_county = ref.wellbeing_county
    session.info.pop(_SOURCE_IDS, None)
    known_codes = set(stored_municipalities) | set(municipalities)
    stored_sources = {s.name: s for s in session.scalars(select(models.Source))}
    for source in sources:
        mcode = source.municipality_code
        if mcode is not None and mcode not in known_codes:
            raise ArchiveError(f"source {source.name}: unknown municipality code {mcode!r}")
        srow = stored_sources.get(source.name)
        if srow is None:
            srow = models.Source(name=source.name)
            session.add(srow)
        srow.platform = source.platform
        srow.base_url = source.base_url
        srow.municipality_code = mcode
        srow.enabled = source.enabled
    session.flush()


_SOURCE_IDS = "pykala_source_ids"  # session.info key: source name -> id, per session


@event.listens_for(Session, "after_soft_rollback")
def _forget_source_ids(session: Session, _transaction: object) -> None:
    # A rolled-back sync_sources may have handed out ids that no longer exist.
    session.info.pop(_SOURCE_IDS, None)


def source_id_of(session: Session, source_name: str) -> int:
    """The id of the source named ``source_name`` (cached per session); UnknownSourceError
    when sync_sources never stored it."""
    cache: dict[str, int] = session.info.setdefault(_SOURCE_IDS, {})
    if source_name in cache:
        return cache[source_name]
    source_id = session.scalar(select(models.Source.id).where(models.Source.name == source_name))
    if source_id is None:
        raise UnknownSourceError(f"unknown source {source_name!r}: run sync_sources first")
    cache[source_name] = source_id
    return source_id


# --- pages ---------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def save_raw(session: Session, body: bytes) -> int:
    """Store ``body`` once per sha256 (a file added by hand has no page row); its id."""
    return _raw_page_id(session, body)


def _raw_page_id(session: Session, body: bytes) -> int:
    digest = hashlib.sha256(body).hexdigest()
    found = session.scalar(select(models.RawPage.id).where(models.RawPage.sha256 == digest))
    if found is not None:
        return found
    # Two sources harvested in parallel may store the same bytes: let the second insert
    # fall through to the first one's row instead of failing on the unique constraint.
    values = {"sha256": digest, "body": body, "size": len(body)}
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        stmt = postgresql.insert(models.RawPage).values(values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(models.RawPage).values(values).on_conflict_do_nothing()
    session.execute(stmt)
    raw_id = session.scalar(select(models.RawPage.id).where(models.RawPage.sha256 == digest))
    assert raw_id is not None
    return raw_id


def save_page(session: Session, page: FetchedPage) -> int:
    """Store the response (bytes once per sha256) and the page row; return the page id.

    A 304 Not Modified only refreshes fetched_at: the stored bytes are still current.
    When the bytes change, the page is marked unparsed.
    """
    source_id = source_id_of(session, page.source_name)
    row = session.scalar(
        select(models.Page).where(models.Page.source_id == source_id, models.Page.url == page.url)
    )
    if page.status == 304 and row is not None:
        row.fetched_at = page.fetched_at
        session.flush()
        return row.id
    raw_id = _raw_page_id(session, page.body) if page.status != 304 else None
    if row is None:
        row = models.Page(source_id=source_id, url=page.url)
        session.add(row)
    elif row.raw_page_id != raw_id:
        row.parsed_at = None
        row.parse_error = None
    row.final_url = page.final_url
    row.status = page.status
    row.content_type = _header(page.headers, "content-type")
    row.etag = _header(page.headers, "etag")
    row.last_modified = _header(page.headers, "last-modified")
    row.fetched_at = page.fetched_at
    row.raw_page_id = raw_id
    row.page_kind = str(page.page_kind)
    session.flush()
    return row.id


def save_parse_error(session: Session, page_id: int, message: str) -> None:
    """Record why a page could not be parsed (cleared by the next successful parse)."""
    row = session.get(models.Page, page_id)
    if row is None:
        raise ArchiveError(f"no page with id {page_id}")
    row.parse_error = message
    row.parsed_at = datetime.now(UTC)
    session.flush()


def page_validators(session: Session, source_name: str, url: str) -> PageValidators | None:
    """ETag, Last-Modified and body sha256 of the stored page, for a conditional GET."""
    found = session.execute(
        select(models.Page.etag, models.Page.last_modified, models.RawPage.sha256)
        .join(models.Source, models.Source.id == models.Page.source_id)
        .outerjoin(models.RawPage, models.RawPage.id == models.Page.raw_page_id)
        .where(models.Source.name == source_name, models.Page.url == url)
    ).first()
    if found is None:
        return None
    return PageValidators(found[0], found[1], found[2])


def iter_pages(session: Session, source_name: str | None = None) -> Iterator[StoredPage]:
    """Every stored page with its bytes, in the order first fetched, for a reparse.

    Reads in keyset batches rather than one open cursor, so the caller may save and
    commit in the same session while iterating.
    """
    last_id = 0
    while True:
        stmt = (
            select(
                models.Page.id,
                models.Source.name,
                models.Page.url,
                models.Page.page_kind,
                models.Page.content_type,
                models.RawPage.body,
            )
            .join(models.Source, models.Source.id == models.Page.source_id)
            .join(models.RawPage, models.RawPage.id == models.Page.raw_page_id)
            .where(models.Page.id > last_id)
            .order_by(models.Page.id)
            .limit(PAGE_BATCH)
        )
        if source_name is not None:
            stmt = stmt.where(models.Source.name == source_name)
        rows = session.execute(stmt).all()
        if not rows:
            return
        for page_id, name, url, kind, content_type, body in rows:
            yield StoredPage(page_id, name, url, PageKind(kind), content_type, body)
        last_id = rows[-1][0]


# --- parse results -------------------------------------------------------------------


def _body_id(
    session: Session, source_id: int, name: str | None, external_id: str | None = None
) -> int | None:
    if not name:
        return None
    body = session.scalar(
        select(models.Body).where(models.Body.source_id == source_id, models.Body.name == name)
    )
    if body is None:
        body = models.Body(source_id=source_id, name=name, external_id=external_id)
        session.add(body)
        session.flush()
    elif external_id and body.external_id != external_id:
        body.external_id = external_id
    return body.id


def _find_meeting(session: Session, source_id: int, external_id: str) -> models.Meeting | None:
    return session.scalar(
        select(models.Meeting).where(
            models.Meeting.source_id == source_id, models.Meeting.external_id == external_id
        )
    )


def _save_meeting(session: Session, source_id: int, record: MeetingRecord) -> None:
    meeting = _find_meeting(session, source_id, record.external_id)
    if meeting is None:
        meeting = models.Meeting(source_id=source_id, external_id=record.external_id)
        session.add(meeting)
    # A meeting page is authoritative, but one that omits a field does not erase it.
    body_id = _body_id(session, source_id, record.body_name, record.body_external_id)
    if body_id is not None:
        meeting.body_id = body_id
    for attr, value in (
        ("date", record.date),
        ("kind", str(record.kind) if record.kind else None),
        ("status", record.status),
        ("url", record.url),
        ("pdf_url", record.pdf_url),
    ):
        if value is not None:
            setattr(meeting, attr, value)
    session.flush()


def _meeting_for_item(
    session: Session, source_id: int, record: ItemRecord, body_id: int | None
) -> int | None:
    """The item's meeting, created from the item's own fields if not stored yet."""
    if record.meeting_external_id is None:
        return None
    meeting = _find_meeting(session, source_id, record.meeting_external_id)
    if meeting is None:
        meeting = models.Meeting(
            source_id=source_id,
            external_id=record.meeting_external_id,
            body_id=body_id,
            date=record.meeting_date,
            kind=str(record.meeting_kind) if record.meeting_kind else None,
        )
        session.add(meeting)
        session.flush()
    else:
        # Fill gaps only; the meeting page itself is the better witness.
        if meeting.body_id is None:
            meeting.body_id = body_id
        if meeting.date is None:
            meeting.date = record.meeting_date
        if meeting.kind is None and record.meeting_kind is not None:
            meeting.kind = str(record.meeting_kind)
    return meeting.id


def _write_children(session: Session, item_id: int, record: ItemRecord) -> None:
    if record.sections:
        session.execute(
            insert(models.Section),
            [
                {
                    "item_id": item_id,
                    "ordinal": n,
                    "kind": str(s.kind),
                    "heading": s.heading,
                    "text": s.text,
                    "presenter": s.presenter,
                }
                for n, s in enumerate(record.sections, start=1)
            ],
        )
    seen: set[str] = set()
    attachments: list[dict[str, Any]] = []
    for a in record.attachments:
        if a.url not in seen:
            seen.add(a.url)
            attachments.append(
                {
                    "item_id": item_id,
                    "ordinal": len(attachments) + 1,
                    "url": a.url,
                    "title": a.title,
                }
            )
    if attachments:
        session.execute(insert(models.Attachment), attachments)
    index_item(session, item_id, record.title, [(str(s.kind), s.text) for s in record.sections])


def _worse_parse(session: Session, item: models.Item, record: ItemRecord) -> str | None:
    """Why the new record looks like a failed parse of the stored item, or None."""
    if not record.sections:
        has_sections = session.scalar(
            select(models.Section.id).where(models.Section.item_id == item.id).limit(1)
        )
        if has_sections is not None:
            return "new parse has no sections"
    if not record.title.strip() and item.title.strip():
        return "new parse has no title"
    return None


def _keep_version(session: Session, item: models.Item, seen_at: datetime) -> None:
    """Copy the item's current content to item_version before it is overwritten."""
    sections, attachments = stored_children(session, item.id)
    body_name = (
        session.scalar(select(models.Body.name).where(models.Body.id == item.body_id))
        if item.body_id is not None
        else None
    )
    meeting_external_id = (
        session.scalar(
            select(models.Meeting.external_id).where(models.Meeting.id == item.meeting_id)
        )
        if item.meeting_id is not None
        else None
    )
    content = row_content(
        item,
        meeting_external_id=meeting_external_id,
        body_name=body_name,
        sections=sections,
        attachments=attachments,
    )
    last = session.scalar(
        select(func.max(models.ItemVersion.version)).where(models.ItemVersion.item_id == item.id)
    )
    session.add(
        models.ItemVersion(
            item_id=item.id,
            version=(last or 0) + 1,
            content_hash=item.content_hash,
            content=canonical_json(content),
            raw_page_id=item.raw_page_id,
            valid_from=item.last_changed,
            valid_to=seen_at,
        )
    )


def _apply(
    item: models.Item,
    record: ItemRecord,
    *,
    meeting_id: int | None,
    body_id: int | None,
    digest: str,
    raw_page_id: int | None,
    seen_at: datetime,
    flags: str,
) -> None:
    item.meeting_id = meeting_id
    item.body_id = body_id
    item.meeting_date = record.meeting_date
    item.meeting_kind = str(record.meeting_kind) if record.meeting_kind else None
    item.position = record.position
    item.paragraph = record.paragraph
    item.diary_number = record.diary_number
    item.diary_number_normalised = record.diary_number_normalised
    item.title = record.title
    item.url = record.url
    item.pdf_url = record.pdf_url
    item.language = record.language
    item.content_hash = digest
    item.raw_page_id = raw_page_id
    item.last_changed = seen_at
    item.quality_flags = flags


def _stored_names(session: Session, item: models.Item) -> tuple[str | None, str | None]:
    """(meeting external id, body name) of a stored item."""
    meeting = (
        session.scalar(
            select(models.Meeting.external_id).where(models.Meeting.id == item.meeting_id)
        )
        if item.meeting_id is not None
        else None
    )
    body = (
        session.scalar(select(models.Body.name).where(models.Body.id == item.body_id))
        if item.body_id is not None
        else None
    )
    return meeting, body


def _with_stored(session: Session, item: models.Item, record: ItemRecord) -> ItemRecord:
    """``record`` with each None field taken from the stored item.

    A None field means "not on this page", never "removed": an item seen on two pages
    (a Tweb item-list row and the item's PDF) keeps what each page told.
    """
    meeting, body = _stored_names(session, item)
    return replace(
        record,
        meeting_external_id=_first(record.meeting_external_id, meeting),
        body_name=_first(record.body_name, body),
        meeting_date=_first(record.meeting_date, item.meeting_date),
        meeting_kind=_first(record.meeting_kind, _meeting_kind(item.meeting_kind)),
        position=_first(record.position, item.position),
        paragraph=_first(record.paragraph, item.paragraph),
        diary_number=_first(record.diary_number, item.diary_number),
        diary_number_normalised=_first(
            record.diary_number_normalised, item.diary_number_normalised
        ),
        pdf_url=_first(record.pdf_url, item.pdf_url),
    )


def _first(value: _T | None, stored: _T | None) -> _T | None:
    return value if value is not None else stored


def _meeting_kind(value: str | None) -> MeetingKind | None:
    return MeetingKind(value) if value else None


def _fill_gaps(
    session: Session,
    source_id: int,
    item: models.Item,
    record: ItemRecord,
    seen_at: datetime,
) -> bool:
    """Fill the stored item's None fields from a partial record (no sections); True when
    anything was filled. The stored text, title and sections stay."""
    meeting, body = _stored_names(session, item)
    gaps = {
        "meeting_date": (item.meeting_date, record.meeting_date),
        "meeting_kind": (item.meeting_kind, str(record.meeting_kind or "") or None),
        "position": (item.position, record.position),
        "paragraph": (item.paragraph, record.paragraph),
        "diary_number": (item.diary_number, record.diary_number),
        "diary_number_normalised": (
            item.diary_number_normalised,
            record.diary_number_normalised,
        ),
        "pdf_url": (item.pdf_url, record.pdf_url),
    }
    filled = {k: new for k, (old, new) in gaps.items() if old is None and new is not None}
    new_body = body is None and record.body_name is not None
    new_meeting = meeting is None and record.meeting_external_id is not None
    if not (filled or new_body or new_meeting):
        return False
    _keep_version(session, item, seen_at)
    for attr, value in filled.items():
        setattr(item, attr, value)
    if new_body:
        item.body_id = _body_id(session, source_id, record.body_name)
    if new_meeting:
        gap_record = replace(record, meeting_date=item.meeting_date)
        item.meeting_id = _meeting_for_item(session, source_id, gap_record, item.body_id)
    session.flush()
    meeting, body = _stored_names(session, item)
    sections, attachments = stored_children(session, item.id)
    item.content_hash = content_hash(
        row_content(
            item,
            meeting_external_id=meeting,
            body_name=body,
            sections=sections,
            attachments=attachments,
        )
    )
    item.last_changed = seen_at
    return True


def _save_item(
    session: Session,
    source_id: int,
    source_name: str,
    record: ItemRecord,
    raw_page_id: int | None,
    seen_at: datetime,
    counts: UpsertCounts,
    page_url: str | None = None,
) -> None:
    item = session.scalar(
        select(models.Item).where(
            models.Item.source_id == source_id, models.Item.external_id == record.external_id
        )
    )
    # What the page itself gave: a field kept from the stored item still counts as lost.
    flags = " ".join(item_flags(record))
    if item is not None:
        record = _with_stored(session, item, record)
    digest = content_hash(record_content(record))
    if item is not None and item.content_hash == digest:
        item.quality_flags = flags  # a reparse with a newer parser clears them
        counts.unchanged += 1
        return
    if item is not None:
        reason = _worse_parse(session, item, record)
        if reason is not None:
            # A partial record (a list row, no sections) may still fill the stored
            # item's gaps; from the item's own page it is a failed parse worth a warning.
            if not record.sections and _fill_gaps(session, source_id, item, record, seen_at):
                counts.updated += 1
                return
            if page_url is None or page_url == item.url:
                stable = stable_item_id(source_name, record.external_id)
                counts.warnings.append(f"kept earlier version of {stable}: {reason}")
            counts.unchanged += 1
            return
    body_id = _body_id(session, source_id, record.body_name)
    meeting_id = _meeting_for_item(session, source_id, record, body_id)
    fields: dict[str, Any] = {
        "meeting_id": meeting_id,
        "body_id": body_id,
        "digest": digest,
        "raw_page_id": raw_page_id,
        "seen_at": seen_at,
        "flags": flags,
    }
    if item is None:
        item = models.Item(source_id=source_id, external_id=record.external_id, first_seen=seen_at)
        _apply(item, record, **fields)
        session.add(item)
        session.flush()
        counts.inserted += 1
    else:
        _keep_version(session, item, seen_at)
        _apply(item, record, **fields)
        session.execute(delete(models.Section).where(models.Section.item_id == item.id))
        session.execute(delete(models.Attachment).where(models.Attachment.item_id == item.id))
        session.flush()
        counts.updated += 1
    _write_children(session, item.id, record)


def save_parse(
    session: Session,
    *,
    source_name: str,
    page_id: int,
    result: ParseResult,
    seen_at: datetime,
) -> UpsertCounts:
    """Upsert the meetings, items and documents of one parsed page; mark the page parsed.

    A None field of a record keeps the stored value ("not on this page"); a record
    without sections never replaces stored sections but fills the stored item's None
    fields (a Tweb item-list row completing the item read from its PDF).
    """
    result = clean_record(result)  # no control characters into the archive (storage.clean)
    source_id = source_id_of(session, source_name)
    page = session.get(models.Page, page_id)
    if page is None:
        raise ArchiveError(f"no page with id {page_id}")
    counts = UpsertCounts()
    for meeting in result.meetings:
        _save_meeting(session, source_id, meeting)
    for record in result.items:
        _save_item(
            session, source_id, source_name, record, page.raw_page_id, seen_at, counts, page.url
        )
    if result.documents:
        # The parser never guesses a municipality: a document takes its source's (and
        # that municipality's region) unless it states its own.
        code, region = session.execute(
            select(models.Source.municipality_code, models.Municipality.region)
            .outerjoin(
                models.Municipality, models.Municipality.code == models.Source.municipality_code
            )
            .where(models.Source.id == source_id)
        ).one()
    for document in result.documents:
        if document.municipality_code is None and code is not None:
            document = replace(document, municipality_code=code, region=document.region or region)
        outcome = save_document(
            session, document, seen_at=seen_at, source_id=source_id, raw_page_id=page.raw_page_id
        )
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    page.parsed_at = seen_at
    page.parse_error = None
    session.flush()
    return counts


# --- documents -----------------------------------------------------------------------


def _document_content(record: DocumentRecord) -> dict[str, Any]:
    return {
        "url": record.url,
        "title": record.title,
        "text": record.text,
        "organisation": record.organisation,
        "dates": [d.isoformat() for d in record.dates],
        "municipality_code": record.municipality_code,
        "region": record.region,
        "language": record.language,
    }


def _stored_document(row: models.Document) -> dict[str, Any]:
    return {
        "url": row.url,
        "title": row.title,
        "text": row.text,
        "organisation": row.organisation,
        "dates": list(row.dates),
        "municipality_code": row.municipality_code,
        "region": row.region,
        "language": row.language,
    }


def save_document(
    session: Session,
    record: DocumentRecord,
    *,
    seen_at: datetime,
    source_id: int | None = None,
    raw_page_id: int | None = None,
) -> str:
    """Upsert a document on its external id; "inserted", "updated" or "unchanged".

    Like items: a None field keeps the stored value, a changed document keeps its
    previous content in document_version, and an empty text never replaces a stored one.
    """
    record = clean_record(record)  # no control characters into the archive (storage.clean)
    row = session.scalar(
        select(models.Document).where(models.Document.external_id == record.external_id)
    )
    if row is not None:
        stored = _stored_document(row)
        record = replace(
            record,
            url=_first(record.url, row.url),
            organisation=_first(record.organisation, row.organisation),
            municipality_code=_first(record.municipality_code, row.municipality_code),
            region=_first(record.region, row.region),
            dates=record.dates or tuple(date.fromisoformat(d) for d in row.dates),
        )
        content = _document_content(record)
        digest = content_hash(content)
        if digest == row.content_hash or (not record.text.strip() and row.text.strip()):
            return "unchanged"
        last = session.scalar(
            select(func.max(models.DocumentVersion.version)).where(
                models.DocumentVersion.document_id == row.id
            )
        )
        session.add(
            models.DocumentVersion(
                document_id=row.id,
                version=(last or 0) + 1,
                content_hash=row.content_hash,
                content=canonical_json(stored),
                raw_page_id=row.raw_page_id,
                valid_from=row.last_changed,
                valid_to=seen_at,
            )
        )
        outcome = "updated"
    else:
        content = _document_content(record)
        digest = content_hash(content)
        row = models.Document(external_id=record.external_id, first_seen=seen_at)
        session.add(row)
        outcome = "inserted"
    row.source_id = source_id if source_id is not None else row.source_id
    row.url = record.url
    row.title = record.title
    row.text = record.text
    row.organisation = record.organisation
    row.dates = content["dates"]
    row.municipality_code = record.municipality_code
    row.region = record.region
    row.language = record.language
    row.content_hash = digest
    row.raw_page_id = raw_page_id if raw_page_id is not None else row.raw_page_id
    row.last_changed = seen_at
    session.flush()
    index_document(session, row.id, record.title, record.text)
    return outcome


# --- harvest runs --------------------------------------------------------------------


def start_run(session: Session, started: datetime) -> int:
    """Record a harvest or reparse run as running; returns its id."""
    run = models.HarvestRun(started=started, status="running")
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    finished: datetime,
    status: str,
    counts: Mapping[str, Any],
    errors: Sequence[Any],
) -> None:
    """Record how a run ended (counts per source, error lines)."""
    run = session.get(models.HarvestRun, run_id)
    if run is None:
        raise ArchiveError(f"no harvest run with id {run_id}")
    run.finished = finished
    run.status = status
    run.counts = dict(counts)
    run.errors = list(errors)
    session.flush()
