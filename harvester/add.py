"""``pykala add URL|FILE``: put one document that is not minutes into the archive by hand.

A URL is fetched with the polite client (robots.txt, User-Agent, retries); a file is
read. The bytes are stored raw first, in their own transaction, so a document the
parsers cannot read is still kept for a later ``reparse``-style retry. A PDF (by its
bytes or content type) goes to the PDF parser, anything else to the web-page parser;
both give a DocumentRecord. The document's key is its URL, or "sha256:<hex>" for a file.
``municipality`` (a code) and ``region`` (a maakunta name) override what the parser found;
a municipality also supplies its region when neither the flag nor the document gives one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from harvester.http import FetchError, PoliteClient
from harvester.sources import load_municipalities
from parsers import PARSERS
from parsers.records import DocumentRecord, ParseError, ParseResult
from parsers.urls import normalise_url
from storage.db import Archive
from storage.upsert import save_document, save_raw


class AddError(Exception):
    """A document that cannot be added; the message is one line."""


@dataclass(frozen=True)
class Added:
    document_id: str  # the external id
    title: str
    outcome: str  # "inserted", "updated" or "unchanged"
    municipality_code: str | None
    region: str | None
    warnings: tuple[str, ...]


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def _is_pdf(body: bytes, content_type: str | None, name: str) -> bool:
    ctype = (content_type or "").lower()
    return body.lstrip()[:5] == b"%PDF-" or "pdf" in ctype or name.lower().endswith(".pdf")


def _parse(body: bytes, url: str, content_type: str | None) -> ParseResult:
    # The guarded parsers: whatever the bytes, a ParseError (one line), never a traceback.
    parse = PARSERS["pdf"] if _is_pdf(body, content_type, url) else PARSERS["webpage"]
    try:
        return parse(body, url, content_type)
    except ParseError as exc:
        raise AddError(f"cannot read {url}: {exc.reason}") from None


def _region_name(region: str) -> str:
    """The maakunta as the municipality table spells it (any case), else AddError."""
    known = {m.region_fi.lower(): m.region_fi for m in load_municipalities().values()}
    found = known.get(region.strip().lower())
    if found is None:
        raise AddError(f"unknown region {region!r} (a maakunta name such as 'Pohjois-Savo')")
    return found


def add_document(
    archive: Archive,
    target: str,
    *,
    client: PoliteClient | None = None,
    municipality: str | None = None,
    region: str | None = None,
) -> Added:
    """Fetch or read ``target``, store it raw, parse it and upsert the document."""
    munis = load_municipalities()
    if municipality is not None and municipality not in munis:
        raise AddError(f"unknown municipality code {municipality!r}")
    region = _region_name(region) if region is not None else None
    if is_url(target):
        if client is None:
            raise AddError("a URL needs an HTTP client")
        url = normalise_url(target)
        try:
            fetched = client.get(url)
        except FetchError as exc:
            raise AddError(f"cannot fetch {url}: {exc.reason}") from None
        body, content_type, parse_url = fetched.body, fetched.content_type, url
    else:
        path = Path(target)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise AddError(f"cannot read {target}: {exc.strerror or exc}") from None
        url, content_type, parse_url = None, None, path.resolve().as_uri()
    seen_at = datetime.now(UTC)
    with archive.session() as session:  # raw first: kept even if parsing fails below
        raw_id = save_raw(session, body)
    result = _parse(body, parse_url, content_type)
    if not result.documents:
        what = f"{len(result.items)} decision items" if result.items else "no text"
        reason = "; ".join(result.warnings) or what
        raise AddError(f"{target}: not a document ({reason}); minutes belong in a pdf source")
    record: DocumentRecord = result.documents[0]
    if url is None:
        record = replace(record, external_id=f"sha256:{hashlib.sha256(body).hexdigest()}", url=None)
    code = municipality or record.municipality_code
    muni_region = munis[code].region_fi if code in munis else None
    record = replace(record, municipality_code=code, region=region or record.region or muni_region)
    with archive.session() as session:
        outcome = save_document(session, record, seen_at=seen_at, raw_page_id=raw_id)
    return Added(
        document_id=record.external_id,
        title=record.title,
        outcome=outcome,
        municipality_code=record.municipality_code,
        region=record.region,
        warnings=result.warnings,
    )
