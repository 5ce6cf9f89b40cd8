"""Parse one page's bytes and save what was parsed, or why not (harvest and reparse)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from pykala.harvester.report import Progress, SourceReport
from pykala.harvester.runrecord import first_line
from pykala.parsers.records import ParseError, ParseResult
from pykala.storage.pages import save_parse_error
from pykala.storage.parses import save_parse

# A text page (HTML, XML, JSON) larger than this is stored raw but not parsed: parse trees
# take 30-40 times the bytes (a 19 MB page took 775 MB), and no real page of minutes comes
# near it. PDFs are bounded by the fetch cap (Politeness.max_bytes) only.
MAX_PARSE_BYTES = 5 * 1024 * 1024


def parse_and_save(
    session: Session,
    source_name: str,
    page_id: int,
    url: str,
    body: bytes,
    content_type: str | None,
    seen_at: datetime,
    parse: Callable[[bytes, str, str | None], ParseResult],
    report: SourceReport,
    progress: Progress,
) -> ParseResult | None:
    too_large = too_large_to_parse(body, content_type)
    if too_large is not None:
        save_parse_error(session, page_id, too_large)
        report.failed += 1
        report.error(f"cannot parse {url}: {too_large}", progress)
        return None
    try:
        result = parse(body, url, content_type)
    except ParseError as exc:
        save_parse_error(session, page_id, exc.reason)
        report.failed += 1
        report.error(f"cannot parse {url}: {exc.reason}", progress)
        return None
    except Exception as exc:  # a parser bug must not end the run; the page is kept for reparse
        reason = f"parser crashed: {type(exc).__name__}: {first_line(exc)}"
        save_parse_error(session, page_id, reason)
        report.failed += 1
        report.error(f"cannot parse {url}: {reason}", progress)
        return None
    report.warnings.extend(f"{url}: {w}" for w in result.warnings)
    report.links += len(result.links)
    report.add(
        save_parse(
            session, source_name=source_name, page_id=page_id, result=result, seen_at=seen_at
        )
    )
    return result


def too_large_to_parse(body: bytes, content_type: str | None) -> str | None:
    """Why a text page is too large to parse (checked before parsing), or None."""
    if len(body) <= MAX_PARSE_BYTES or _looks_like_pdf(body, content_type):
        return None
    size, limit = len(body) / 1024 / 1024, MAX_PARSE_BYTES / 1024 / 1024
    return f"page too large to parse ({size:.1f} MB of text; the limit is {limit:g} MB)"


def _looks_like_pdf(body: bytes, content_type: str | None) -> bool:
    return b"%PDF-" in body[:1024] or "pdf" in (content_type or "").lower()


__all__ = ["MAX_PARSE_BYTES", "parse_and_save", "too_large_to_parse"]
