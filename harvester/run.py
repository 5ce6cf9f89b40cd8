"""harvest() and reparse(): fetch → store raw → parse → upsert → report.

Per page, the raw response and what was parsed from it are committed in one transaction,
so a run killed at any moment leaves nothing half-saved and the next run finishes the work.
Nothing here raises for a bad page or an unreachable source: every problem becomes one line
in the RunReport and the run goes on; a page whose rows the database refuses fails like a
fetch and stays queued. Only a broken archive (the database itself) stops it.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Session

from harvester.crawl import RETRY_RANK, Frontier, Task
from harvester.http import Fetched, FetchError, Meter, PoliteClient, Validators
from harvester.platforms import PLATFORMS, Platform
from harvester.sources import SourceConfig, load_municipalities
from parsers.records import PageKind, ParseError, ParseResult
from storage import models
from storage.crawlstate import (
    close_interrupted_runs,
    known_pages,
    meetings_due,
    page_done,
    queue_pages,
    queue_size,
    queued_pages,
    record_failure,
)
from storage.db import Archive, ArchiveError
from storage.quality import collapses, run_shares
from storage.upsert import (
    FetchedPage,
    UpsertCounts,
    finish_run,
    iter_pages,
    save_page,
    save_parse,
    save_parse_error,
    start_run,
    sync_sources,
)

# Pages that name no other pages worth following: an unchanged one is not parsed again.
_LEAVES = {PageKind.ITEM, PageKind.DOCUMENT}
GIVE_UP_AFTER = 3  # connection failures in a row before a source is abandoned
MAX_ATTEMPTS = 5  # runs in a row a page may fail before it leaves the queue
DEFAULT_FAILURE_THRESHOLD = 0.2  # a source with a larger share of failed pages is flagged
DEFAULT_WORKERS = 32  # hosts harvested at the same time (threads mostly wait on the network)
# A text page (HTML, XML, JSON) larger than this is stored raw but not parsed: parse trees
# take 30-40 times the bytes (a 19 MB page took 775 MB), and no real page of minutes comes
# near it. PDFs are bounded by the fetch cap (Politeness.max_bytes) only.
MAX_PARSE_BYTES = 5 * 1024 * 1024


class RunAborted(Exception):
    """A run that could not finish (interrupted, or the archive failed); ``report`` holds
    what it did, and its run row says so when the archive could still be written."""

    def __init__(self, report: RunReport, cause: BaseException) -> None:
        super().__init__(report.end_reason)
        self.report = report
        self.cause = cause

    @property
    def interrupted(self) -> bool:
        return self.report.ended == "interrupted"


class Progress:
    """Callbacks for a progress display (the CLI subclasses this with rich); all no-ops."""

    def on_source(self, source: str, index: int, total: int) -> None:
        """A source starts (``index`` counts from 1)."""

    def on_page(self, source: str, url: str, n: int, total_guess: int) -> None:
        """Page ``n`` of about ``total_guess`` (fetched + still queued) is being fetched."""

    def on_error(self, source: str, message: str) -> None:
        """A report line was added for ``source``."""

    def on_source_done(self, report: SourceReport) -> None:
        """A source finished."""


@dataclass
class SourceReport:
    name: str
    inserted: int = 0  # items
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # pages that could not be fetched or parsed
    pages: int = 0  # pages fetched (or read from the archive, for a reparse)
    skipped: int = 0  # pages robots.txt disallows
    robots_reason: str | None = None  # why robots.txt refused the first page it refused
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unreachable: str | None = None  # the one line for a source that could not be reached
    truncated: bool = False  # stopped by max_pages with pages left
    links: int = 0  # links found on the pages parsed
    requests: int = 0  # HTTP requests made (retries and robots.txt included)
    bytes: int = 0  # response bytes read
    duration: float = 0.0  # seconds
    rechecked: int = 0  # known meeting pages fetched again (agenda → minutes)
    queued: int = 0  # pages left in the crawl queue for the next run
    failure_threshold: float = DEFAULT_FAILURE_THRESHOLD
    fields: dict[str, Any] | None = None  # field shares of the new items (storage.quality)
    collapsed: list[str] = field(default_factory=list)  # fields the new items lost

    @property
    def items(self) -> int:
        return self.inserted + self.updated + self.unchanged

    @property
    def yielded_nothing(self) -> bool:
        """Reached, but no item and not even a link: a broken or emptied source."""
        return self.unreachable is None and self.items == 0 and self.links == 0

    @property
    def blocked_by_robots(self) -> bool:
        """Nothing fetched because robots.txt refused every page tried (the site asks us
        to stay away, or its robots.txt fails): a different fix from a broken source."""
        return self.yielded_nothing and self.pages == 0 and self.skipped > 0

    @property
    def failure_rate(self) -> float:
        tried = self.pages + self.failed
        return self.failed / tried if tried else 0.0

    @property
    def failing(self) -> bool:
        """Too large a share of pages failed (not said again of a source that gave nothing)."""
        if self.unreachable is not None or self.yielded_nothing:
            return False
        return self.failed > 0 and self.failure_rate > self.failure_threshold

    @property
    def flags(self) -> list[str]:
        """Why this source needs a look, if it does (empty when it is healthy)."""
        flags: list[str] = []
        if self.unreachable is not None:
            flags.append("unreachable")
        elif self.blocked_by_robots:
            flags.append("blocked by robots.txt")
        elif self.yielded_nothing:
            flags.append("no items")
        if self.failing:
            flags.append(f"failure rate {self.failure_rate:.0%}")
        if self.collapsed:
            flags.append("fields lost")
        return flags

    @property
    def ok(self) -> bool:
        """A source fails when it cannot be reached, gives nothing, or fails too often."""
        return not self.flags

    def add(self, counts: UpsertCounts) -> None:
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged
        self.warnings.extend(counts.warnings)

    def error(self, message: str, progress: Progress) -> None:
        self.errors.append(message)
        progress.on_error(self.name, message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "pages": self.pages,
            "skipped": self.skipped,
            "requests": self.requests,
            "bytes": self.bytes,
            "duration_s": round(self.duration, 3),
            "rechecked": self.rechecked,
            "queued": self.queued,
            "failure_rate": round(self.failure_rate, 4),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "ok": self.ok,
            "flags": self.flags,
            "unreachable": self.unreachable,
            "truncated": self.truncated,
            "quality": self.fields,
            "collapsed": self.collapsed,
        }


@dataclass
class RunReport:
    kind: str  # "harvest" or "reparse"
    started: datetime
    finished: datetime | None = None
    sources: list[SourceReport] = field(default_factory=list)
    run_id: int | None = None  # the harvest_run row
    # How a run that did not finish ended: "interrupted" (SIGINT/SIGTERM) or "aborted"
    # (the archive failed: disk full, database gone; or an unexpected error), and why.
    ended: str | None = None
    end_reason: str | None = None

    @property
    def status(self) -> str:
        """The run row's end state: ok, failed (some sources), interrupted or aborted."""
        return self.ended or ("ok" if self.exit_status == 0 else "failed")

    @property
    def failed_sources(self) -> list[SourceReport]:
        return [s for s in self.sources if not s.ok]

    @property
    def exit_status(self) -> int:
        """0 when every source worked, 1 when any failed (for cron to alert on)."""
        return 1 if self.failed_sources else 0

    @property
    def duration(self) -> float:
        end = self.finished or datetime.now(UTC)
        return (end - self.started).total_seconds()

    def totals(self) -> dict[str, int]:
        keys = (
            "inserted",
            "updated",
            "unchanged",
            "failed",
            "pages",
            "skipped",
            "requests",
            "bytes",
        )
        return {k: sum(getattr(s, k) for s in self.sources) for k in keys}

    def error_lines(self, per_source: int | None = None) -> list[str]:
        """Every problem as "<source>: <message>", unreachable sources first (and first of
        all, why the run did not finish).

        ``per_source`` keeps the first N page errors of each source and says how many more
        there were (a sample site or a broken server can give hundreds of 404s).
        """
        lines = [f"run {self.ended}: {self.end_reason}"] if self.ended else []
        lines += [f"{s.name}: {s.unreachable}" for s in self.sources if s.unreachable]
        for s in self.sources:
            if s.blocked_by_robots:
                lines.append(
                    f"{s.name}: no items: robots.txt refused every page tried "
                    f"({s.skipped} skipped; {s.robots_reason})"
                )
            elif s.yielded_nothing:
                lines.append(f"{s.name}: no items found ({s.pages} pages fetched)")
            if s.failing:
                lines.append(
                    f"{s.name}: {s.failed} of {s.pages + s.failed} pages failed "
                    f"({s.failure_rate:.0%}, threshold {s.failure_threshold:.0%})"
                )
            lines.extend(f"{s.name}: could not read pages well: {c}" for c in s.collapsed)
            shown = s.errors if per_source is None else s.errors[:per_source]
            lines.extend(f"{s.name}: {e}" for e in shown)
            if len(s.errors) > len(shown):
                lines.append(f"{s.name}: … and {len(s.errors) - len(shown)} more errors")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "end_reason": self.end_reason,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "duration_s": round(self.duration, 3),
            "exit_status": self.exit_status,
            "totals": self.totals(),
            "sources": {s.name: s.as_dict() for s in self.sources},
            "errors": self.error_lines(),
        }


# -- harvest -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recheck:
    """When an incremental run fetches a known meeting page again (agenda → minutes)."""

    agenda_days: int = 60  # an agenda of the last N days: every run, until minutes appear
    minutes_days: int = 365  # minutes of the last N days ...
    minutes_every: timedelta = timedelta(days=30)  # ... when last fetched this long ago


@dataclass
class _Run:
    """What every worker of one harvest shares."""

    archive: Archive
    client: PoliteClient
    progress: Progress
    max_pages: int | None
    fetch_documents: bool
    scope: Callable[[str], bool] | None
    full: bool
    recheck: Recheck
    today: date
    # SQLite has one writer at a time; serialising our own write transactions avoids
    # SQLITE_BUSY between workers (a read snapshot cannot be upgraded once another
    # connection has committed). PostgreSQL needs no gate.
    gate: AbstractContextManager[Any]
    stop: threading.Event = field(default_factory=threading.Event)


def harvest(
    archive: Archive,
    sources: Sequence[SourceConfig],
    client: PoliteClient,
    *,
    progress: Progress | None = None,
    max_pages: int | None = None,
    fetch_documents: bool = False,
    scope: Callable[[str], bool] | None = None,
    full: bool = False,
    failure_threshold: float = DEFAULT_FAILURE_THRESHOLD,
    recheck: Recheck | None = None,
    workers: int = DEFAULT_WORKERS,
    today: date | None = None,
) -> RunReport:
    """Harvest every enabled source into ``archive``; never raises for a bad page.

    Sources on different hosts are harvested in parallel (one worker per host, at most
    ``workers``); sources on one host one after another, so the client's per-host limit
    holds. An incremental run (the default) fetches what may have changed (see
    harvester.crawl); ``full`` walks every page. ``max_pages`` bounds the pages fetched
    per source (the rest stays queued for the next run); ``fetch_documents`` also fetches
    (and stores, unparsed) the PDFs items link to; ``scope`` is an extra filter on the
    links followed (the fixture site's ``covers`` keeps a crawl inside its sample). A
    source whose failed share of pages passes ``failure_threshold`` is flagged.
    Raises ArchiveError only when the archive itself fails (database gone, disk full).
    """
    progress = progress or Progress()
    return_large_buffers_to_the_system()
    enabled = [s for s in sources if s.enabled]
    report = RunReport(kind="harvest", started=datetime.now(UTC))
    with _storage_errors(), archive.session() as session:
        sync_sources(session, enabled, load_municipalities())
        close_interrupted_runs(session, report.started)
        report.run_id = start_run(session, report.started)
    report.sources = [SourceReport(s.name, failure_threshold=failure_threshold) for s in enabled]
    run = _Run(
        archive=archive,
        client=client,
        progress=progress,
        max_pages=max_pages,
        fetch_documents=fetch_documents,
        scope=scope,
        full=full,
        recheck=recheck or Recheck(),
        today=today or datetime.now(UTC).date(),
        gate=threading.Lock() if archive.dialect == "sqlite" else nullcontext(),
    )
    by_host: dict[str, list[int]] = {}
    for index, source in enumerate(enabled):
        by_host.setdefault(_host(source.base_url), []).append(index)

    def work(indexes: list[int]) -> None:
        for index in indexes:
            if run.stop.is_set():
                return
            progress.on_source(enabled[index].name, index + 1, len(enabled))
            _harvest_source(run, enabled[index], report.sources[index])
            progress.on_source_done(report.sources[index])

    pool = ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(by_host))), thread_name_prefix="harvest"
    )
    try:
        try:
            for future in [pool.submit(work, group) for group in by_host.values()]:
                future.result()  # re-raises a worker's ArchiveError
        except BaseException:
            run.stop.set()  # the other workers stop after their current page
            raise
        finally:
            pool.shutdown(wait=True)
        _finish(archive, report)
    except (KeyboardInterrupt, Exception) as exc:  # SIGINT/SIGTERM, disk full, a bug
        raise _aborted(archive, report, exc) from exc
    return report


def _aborted(archive: Archive, report: RunReport, exc: BaseException) -> RunAborted:
    """Record how a run ended that could not finish, as far as the archive still lets us."""
    if isinstance(exc, KeyboardInterrupt):
        report.ended, report.end_reason = "interrupted", "stopped by a signal (SIGINT/SIGTERM)"
    else:
        report.ended, report.end_reason = "aborted", _abort_reason(exc)
    with contextlib.suppress(Exception):  # a full disk may refuse this too: the report stays
        _finish(archive, report)
    report.finished = report.finished or datetime.now(UTC)
    return RunAborted(report, exc)


def _abort_reason(exc: BaseException) -> str:
    if isinstance(exc, ArchiveError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return f"archive error: {_first_line(exc)}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _harvest_source(run: _Run, source: SourceConfig, report: SourceReport) -> None:
    started = time.monotonic()
    meter = Meter()
    try:
        _crawl_source(run, source, report, meter)
    finally:
        report.requests += meter.requests
        report.bytes += meter.bytes
        report.duration += time.monotonic() - started
        with contextlib.suppress(ArchiveError), _storage_errors(), run.archive.session() as s:
            report.queued = queue_size(s, source.name)


def _crawl_source(run: _Run, source: SourceConfig, report: SourceReport, meter: Meter) -> None:
    platform = PLATFORMS[source.platform]
    parse = platform.parse
    progress = run.progress
    r = run.recheck
    with _storage_errors(), run.archive.session() as session:
        known = known_pages(session, source.name)
        queued = queued_pages(session, source.name)
        due = (
            []
            if run.full
            else meetings_due(
                session,
                source.name,
                today=run.today,
                now=datetime.now(UTC),
                agenda_days=r.agenda_days,
                minutes_days=r.minutes_days,
                minutes_every=r.minutes_every,
            )
        )
    frontier = Frontier(
        source,
        platform.classify,
        max_pages=run.max_pages,
        fetch_documents=run.fetch_documents,
        scope=run.scope,
        full=run.full,
        known=known,
    )
    for page in queued:  # what earlier runs left: failed fetches first
        frontier.add(page.url, page.kind, RETRY_RANK if page.attempts else None)
    frontier.seed()
    for url in due:
        frontier.add(url, PageKind.MEETING)
    report.rechecked = len(due)
    attempted = 0
    connect_failures = 0
    while not run.stop.is_set() and (task := frontier.pop()) is not None:
        attempted += 1
        progress.on_page(source.name, task.url, attempted, attempted + len(frontier))
        try:
            fetched = _fetch(run, platform, task, known.get(task.url), meter)
        except FetchError as exc:
            if exc.kind in ("connect", "timeout"):
                connect_failures += 1
                if report.pages == 0 and attempted == 1:
                    report.unreachable = f"cannot reach {_host(task.url)} ({exc.reason})"
                    progress.on_error(source.name, report.unreachable)
                    return
            _fetch_failed(run, source, task, exc, report)
            if connect_failures >= GIVE_UP_AFTER:
                report.error(
                    f"gave up after {GIVE_UP_AFTER} connection failures in a row "
                    f"({exc.reason}); {len(frontier)} pages left for the next run",
                    progress,
                )
                return
            continue
        connect_failures = 0
        report.pages += 1
        _store(run, source, task, fetched, parse, report, frontier)
    report.truncated = frontier.truncated


def _fetch_failed(
    run: _Run, source: SourceConfig, task: Task, exc: FetchError, report: SourceReport
) -> None:
    """Report a page that could not be fetched; keep it queued unless that is pointless."""
    now = datetime.now(UTC)
    with run.gate, _storage_errors(), run.archive.session() as session:
        if exc.kind == "robots":  # the site asked us not to: skipped, not failed
            page_done(session, source.name, task.url)
            report.skipped += 1
            report.robots_reason = report.robots_reason or exc.reason
            report.warnings.append(f"skipped ({exc.reason}): {task.url}")
            return
        report.failed += 1
        if exc.permanent:
            page_done(session, source.name, task.url)
            report.error(f"{exc.reason}: {task.url}", run.progress)
            return
        attempts = record_failure(session, source.name, task.url, task.kind, exc.reason, now)
        if attempts >= MAX_ATTEMPTS:
            page_done(session, source.name, task.url)
            report.error(
                f"{exc.reason}: {task.url} (failed in {attempts} runs; no longer retried)",
                run.progress,
            )
            return
    report.error(f"{exc.reason}: {task.url}", run.progress)


def _fetch(
    run: _Run,
    platform: Platform,
    task: Task,
    stored: tuple[str | None, str | None] | None,
    meter: Meter,
) -> Fetched:
    """Fetch a page: by the platform's form POST when it is one (Tweb meeting lists), else
    by GET, conditionally when the stored copy has an ETag or Last-Modified."""
    post = platform.form(task.url)
    if post is not None:
        return run.client.post(post[0], post[1], meter, key=task.url)
    validators = None
    if stored is not None and (stored[0] or stored[1]):
        validators = Validators(*stored)
    return run.client.get(task.url, validators, meter)


def _store(
    run: _Run,
    source: SourceConfig,
    task: Task,
    fetched: Fetched,
    parse: Callable[[bytes, str, str | None], ParseResult],
    report: SourceReport,
    frontier: Frontier,
) -> None:
    """Save the page, its parse and the links it adds to the queue in one transaction.

    An item page with the same bytes as last time (or a 304) is not parsed again — unless
    documents are wanted, since its PDF links are only in its body (then it is parsed for
    links only). Other pages are parsed (from the stored bytes after a 304): their links
    are what the crawl follows.
    """
    page = FetchedPage(
        source_name=source.name,
        url=task.url,
        final_url=fetched.final_url,
        status=fetched.status,
        headers=fetched.headers,
        fetched_at=fetched.fetched_at,
        body=fetched.body,
        page_kind=task.kind,
    )
    counted = _counts(report)
    try:
        with run.gate, _storage_errors(), run.archive.session() as session:
            result = _store_page(session, source, task, fetched, page, parse, report, run)
            if result is not None:
                new = frontier.take_links(result.links, task.kind)
                queue_pages(
                    session, source.name, [(t.url, t.kind) for t in new], fetched.fetched_at
                )
            page_done(session, source.name, task.url)
    except ArchiveError as exc:
        if not _row_refused(exc.__cause__):
            raise  # the archive itself failed (disk full, connection lost): the run stops
        # Rolled back whole (what it counted too); it fails like a fetch and stays queued.
        _restore_counts(report, counted)
        report.pages -= 1
        why = _first_line(exc.__cause__ or exc)
        refused = FetchError(task.url, f"archive refused the page ({why})", "archive")
        _fetch_failed(run, source, task, refused, report)


_COUNTED = ("inserted", "updated", "unchanged", "failed", "links")


def _counts(report: SourceReport) -> tuple[int, ...]:
    return tuple(getattr(report, name) for name in _COUNTED)


def _restore_counts(report: SourceReport, counts: tuple[int, ...]) -> None:
    for name, value in zip(_COUNTED, counts, strict=True):
        setattr(report, name, value)


def _row_refused(cause: BaseException | None) -> bool:
    """True when the database refused this page's rows, not when it failed as a whole.

    DataError (a value it cannot store), IntegrityError (a constraint), or an error while
    binding a value (StatementError that is not from the driver). OperationalError (disk
    full, locked, connection lost) and the rest mean the archive is in trouble.
    """
    if isinstance(cause, DataError | IntegrityError):
        return True
    return isinstance(cause, StatementError) and not isinstance(cause, DBAPIError)


def _store_page(
    session: Session,
    source: SourceConfig,
    task: Task,
    fetched: Fetched,
    page: FetchedPage,
    parse: Callable[[bytes, str, str | None], ParseResult],
    report: SourceReport,
    run: _Run,
) -> ParseResult | None:
    body, content_type = fetched.body, fetched.content_type
    if fetched.not_modified:  # a 304 has no body: the stored one is still current
        body, content_type = _stored_body(session, source.name, task.url)
    if task.kind in _LEAVES and (
        fetched.not_modified or _already_parsed(session, source.name, task.url, fetched)
    ):
        # Same bytes as stored (and parsed) before: nothing to parse. An item page
        # holds one item, so it counts as one unchanged item.
        page_id = save_page(session, page)
        if task.kind != PageKind.ITEM:
            # A file of a "pdf"/"webpage" source: its items and documents, unchanged.
            report.unchanged += _records_of_page(session, page_id)
            return None
        report.unchanged += 1
        if not run.fetch_documents:
            return None
        try:
            return parse(body, task.url, content_type)
        except Exception:  # it parsed before; a failure now is reported by reparse
            return None
    page_id = save_page(session, page)
    return _parse_and_save(
        session,
        source.name,
        page_id,
        task.url,
        body,
        content_type,
        fetched.fetched_at,
        parse,
        report,
        run.progress,
    )


def _records_of_page(session: Session, page_id: int) -> int:
    """Items and documents stored from the page's current bytes (0 for a Dynasty PDF)."""
    raw_id = select(models.Page.raw_page_id).where(models.Page.id == page_id).scalar_subquery()
    items = session.scalar(
        select(func.count()).select_from(models.Item).where(models.Item.raw_page_id == raw_id)
    )
    documents = session.scalar(
        select(func.count())
        .select_from(models.Document)
        .where(models.Document.raw_page_id == raw_id)
    )
    return (items or 0) + (documents or 0)


def _stored_body(session: Session, source_name: str, url: str) -> tuple[bytes, str | None]:
    """The stored bytes and content type of a page (empty when there are none)."""
    found = session.execute(
        select(models.RawPage.body, models.Page.content_type)
        .join(models.Page, models.Page.raw_page_id == models.RawPage.id)
        .join(models.Source, models.Source.id == models.Page.source_id)
        .where(models.Source.name == source_name, models.Page.url == url)
    ).first()
    return (found[0], found[1]) if found is not None else (b"", None)


def _already_parsed(session: Session, source_name: str, url: str, fetched: Fetched) -> bool:
    """True when the stored page has the same bytes and they were parsed without error."""
    found = session.execute(
        select(models.RawPage.sha256, models.Page.parsed_at, models.Page.parse_error)
        .join(models.Page, models.Page.raw_page_id == models.RawPage.id)
        .join(models.Source, models.Source.id == models.Page.source_id)
        .where(models.Source.name == source_name, models.Page.url == url)
    ).first()
    if found is None:
        return False
    sha256, parsed_at, parse_error = found
    digest = hashlib.sha256(fetched.body).hexdigest()
    return bool(sha256 == digest and parsed_at is not None and parse_error is None)


def _parse_and_save(
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
        reason = f"parser crashed: {type(exc).__name__}: {_first_line(exc)}"
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


def return_large_buffers_to_the_system() -> None:
    """Make glibc give every buffer of 1 MB or more its own mapping, unmapped when freed.

    By default glibc raises that threshold to the largest block freed so far (up to
    32 MB), after which 20 MB page bodies come from the heap, where freed space is kept
    and fragments: peak memory then depended on how a server's bytes happened to arrive.
    A fixed threshold keeps it at what the pages need. No-op off glibc.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)


_M_MMAP_THRESHOLD = -3  # glibc malloc.h


def too_large_to_parse(body: bytes, content_type: str | None) -> str | None:
    """Why a text page is too large to parse (checked before parsing), or None."""
    if len(body) <= MAX_PARSE_BYTES or _looks_like_pdf(body, content_type):
        return None
    size, limit = len(body) / 1024 / 1024, MAX_PARSE_BYTES / 1024 / 1024
    return f"page too large to parse ({size:.1f} MB of text; the limit is {limit:g} MB)"


def _looks_like_pdf(body: bytes, content_type: str | None) -> bool:
    return b"%PDF-" in body[:1024] or "pdf" in (content_type or "").lower()


# -- reparse -----------------------------------------------------------------------------


def reparse(
    archive: Archive, progress: Progress | None = None, *, source_name: str | None = None
) -> RunReport:
    """Parse every stored raw page again and upsert the result; no network.

    Run after a parser fix: the archive becomes what a fresh harvest of the same pages
    would give. Each page is committed on its own, so an interrupted reparse keeps its work.
    """
    progress = progress or Progress()
    report = RunReport(kind="reparse", started=datetime.now(UTC))
    with _storage_errors(), archive.session() as session:
        report.run_id = start_run(session, report.started)
    try:
        with _storage_errors():
            _reparse_pages(archive, report, progress, source_name)
        for source_report in report.sources:
            progress.on_source_done(source_report)
        _finish(archive, report)
    except (KeyboardInterrupt, Exception) as exc:  # SIGINT/SIGTERM, disk full, a bug
        raise _aborted(archive, report, exc) from exc
    return report


def _reparse_pages(
    archive: Archive, report: RunReport, progress: Progress, source_name: str | None
) -> None:
    by_source: dict[str, SourceReport] = {}
    with archive.session() as session:
        platforms = {
            name: platform
            for name, platform in session.execute(
                select(models.Source.name, models.Source.platform)
            )
        }
        for n, page in enumerate(iter_pages(session, source_name), start=1):
            source_report = by_source.get(page.source_name)
            if source_report is None:
                source_report = by_source[page.source_name] = SourceReport(page.source_name)
                report.sources.append(source_report)
                progress.on_source(page.source_name, len(by_source), 0)
            progress.on_page(page.source_name, page.url, n, 0)
            source_report.pages += 1
            parse = PLATFORMS[platforms.get(page.source_name, "dynasty")].parse
            try:
                _parse_and_save(
                    session,
                    page.source_name,
                    page.page_id,
                    page.url,
                    page.body,
                    page.content_type,
                    datetime.now(UTC),
                    parse,
                    source_report,
                    progress,
                )
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                    raise
                source_report.failed += 1
                source_report.error(f"cannot save {page.url}: {_first_line(exc)}", progress)


# -- helpers -----------------------------------------------------------------------------


def _judge_quality(session: Session, report: RunReport, run_id: int) -> None:
    """Field shares of each source's new items against its earlier ones (storage.quality)."""
    for source in report.sources:
        new, earlier = run_shares(session, source.name, report.started, run_id)
        source.fields = {"new": new.as_dict(), "earlier": earlier.as_dict()}
        source.collapsed = collapses(new, earlier)


def _finish(archive: Archive, report: RunReport) -> None:
    report.finished = datetime.now(UTC)
    if report.run_id is None:
        return
    with _storage_errors(), archive.session() as session:
        _judge_quality(session, report, report.run_id)
        finish_run(
            session,
            report.run_id,
            finished=report.finished,
            status=report.status,
            counts={s.name: s.as_dict() for s in report.sources},
            errors=report.error_lines(),
        )


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Turn a database failure into ArchiveError with one line (the CLI prints it)."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise ArchiveError(f"archive error: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0][:200] if lines else type(original).__name__


def _host(url: str) -> str:
    return urlsplit(url).netloc
