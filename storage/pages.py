"""Fetched pages: their bytes once per sha256, their rows, and reading them back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pykala.parsers.records import PageKind
from pykala.storage import models
from pykala.storage.db import ArchiveError
from pykala.storage.sources import source_id_of

PAGE_BATCH = 500  # pages per query when iterating for a reparse


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


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def save_raw(session: Session, body: bytes) -> int:
    """Store ``body`` once per sha256 (a file added by hand has no page row); its id."""
    return raw_page_id_of(session, body)


def raw_page_id_of(session: Session, body: bytes) -> int:
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
    raw_id = raw_page_id_of(session, page.body) if page.status != 304 else None
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
