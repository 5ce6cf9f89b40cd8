"""``pykala add URL|FILE``: put one document that is not minutes into the archive by hand.

A URL is fetched with the polite client (robots.txt, User-Agent, retries) when its host
resolves to public addresses only (``allow_private`` lifts that: loopback, private,
link-local with the cloud metadata service, unique-local); a file is read when it is a
regular file (not a directory, device or FIFO), found by its resolved path. The bytes are
stored raw first, in their own transaction, so a document the parsers cannot read is
still kept for a later ``reparse``-style retry. A PDF (by its bytes or content type) goes
to the PDF parser, anything else to the web-page parser; both give a DocumentRecord.
The document's key is its URL, or "sha256:<hex>" for a file. ``municipality`` (a code)
and ``region`` (a maakunta name) override what the parser found; a municipality also
supplies its region when neither the flag nor the document gives one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pykala.harvester.http import FetchError, PoliteClient
from pykala.harvester.pageparse import too_large_to_parse
from pykala.harvester.platforms import PLATFORMS
from pykala.harvester.sources import load_municipalities
from pykala.parsers.records import DocumentRecord, ParseError, ParseResult
from pykala.parsers.urls import normalise_url
from pykala.storage.db import Archive
from pykala.storage.documents import save_document
from pykala.storage.pages import save_raw


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
    origin: str = ""  # the URL fetched or the resolved path of the file read
    size: int = 0  # bytes stored raw


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


Resolver = Callable[[str], list[str]]


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _not_public(address: str) -> str | None:
    """What kind of non-public address ``address`` is, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata lives at 169.254.169.254)"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.IPv6Network("fc00::/7"):
        return "unique-local"
    if ip.is_unspecified:
        return "unspecified (this host)"
    if ip.is_private:
        return "private"
    if ip.is_multicast or ip.is_reserved or not ip.is_global:
        return "not public"
    return None


def check_public(url: str, resolve: Resolver = resolve_host) -> None:
    """AddError unless every address of the URL's host is public (no internal services)."""
    host = urlsplit(url).hostname
    if not host:
        raise AddError(f"cannot fetch {url}: no host name")
    try:
        addresses = resolve(host)
    except (OSError, UnicodeError) as exc:
        raise AddError(f"cannot fetch {url}: cannot resolve {host} ({exc})") from None
    for address in addresses:
        kind = _not_public(address)
        if kind is not None:
            raise AddError(
                f"refusing {url}: {host} is {address}, a {kind} address "
                "(add --allow-private to fetch it anyway)"
            )


def read_regular_file(target: str) -> tuple[bytes, Path]:
    """The bytes of the regular file ``target`` names, and its resolved path.

    A directory, device, FIFO or socket is refused before it is opened (reading one could
    block or never end); the check is repeated on the open file in case it was swapped.
    """
    try:
        path = Path(target).expanduser().resolve(strict=True)
        mode = path.stat().st_mode
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        raise AddError(f"cannot read {target}: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(mode):
        raise AddError(f"cannot read {target}: {_file_kind(mode)} {path}, not a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(opened):
                raise AddError(f"cannot read {target}: {path} is not a regular file")
            return handle.read(), path
    except OSError as exc:
        raise AddError(f"cannot read {target}: {exc.strerror or exc}") from None


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return f"{name}:"
    return "not a file:"


def _is_pdf(body: bytes, content_type: str | None, name: str) -> bool:
    ctype = (content_type or "").lower()
    return body.lstrip()[:5] == b"%PDF-" or "pdf" in ctype or name.lower().endswith(".pdf")


def _parse(body: bytes, url: str, content_type: str | None) -> ParseResult:
    too_large = too_large_to_parse(body, content_type)
    if too_large is not None:
        raise AddError(f"cannot read {url}: {too_large}")
    # The guarded parsers: whatever the bytes, a ParseError (one line), never a traceback.
    parse = PLATFORMS["pdf" if _is_pdf(body, content_type, url) else "webpage"].parse
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
    allow_private: bool = False,
    resolve: Resolver = resolve_host,
) -> Added:
    """Fetch or read ``target``, store it raw, parse it and upsert the document.

    A URL whose host is not public is refused unless ``allow_private``; a path must name
    a regular file.
    """
    munis = load_municipalities()
    if municipality is not None and municipality not in munis:
        raise AddError(f"unknown municipality code {municipality!r}")
    region = _region_name(region) if region is not None else None
    if is_url(target):
        if client is None:
            raise AddError("a URL needs an HTTP client")
        url = normalise_url(target)
        if not allow_private:
            check_public(url, resolve)
        try:
            fetched = client.get(url)
        except FetchError as exc:
            raise AddError(f"cannot fetch {url}: {exc.reason}") from None
        body, content_type, parse_url = fetched.body, fetched.content_type, url
        origin = url
    else:
        body, path = read_regular_file(target)
        url, content_type, parse_url = None, None, path.as_uri()
        origin = str(path)
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
        origin=origin,
        size=len(body),
    )
