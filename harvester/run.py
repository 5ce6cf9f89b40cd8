"""harvest(): fetch → store raw → parse → upsert → report (reparse: harvester.reparse).

Per page, the raw response and what was parsed from it are committed in one transaction,
so a run killed at any moment leaves nothing half-saved and the next run finishes the work.
Nothing here raises for a bad page or an unreachable source: every problem becomes one line
in the RunReport and the run goes on; a page whose rows the database refuses fails like a
fetch and stays queued. Only a broken archive (the database itself) stops it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from pykala.harvester.crawl import RETRY_RANK, Frontier, Task
from pykala.harvester.http import Fetched, FetchError, Meter, PoliteClient, Validators
from pykala.harvester.memory import return_large_buffers_to_the_system
from pykala.harvester.pageparse import parse_and_save
from pykala.harvester.platforms import PLATFORMS, Platform
from pykala.harvester.report import (
    DEFAULT_FAILURE_THRESHOLD,
    Progress,
    RunningSources,
    RunReport,
    SourceReport,
)
from pykala.harvester.runrecord import (
    aborted,
    finish,
    first_line,
    row_refused,
    signals_deferred,
    storage_errors,
)
from pykala.harvester.sources import SourceConfig, load_municipalities
from pykala.parsers.records import PageKind, ParseResult
from pykala.storage.crawlstate import (
    close_interrupted_runs,
    known_pages,
    meetings_due,
    page_done,
    queue_pages,
    queue_size,
    queued_pages,
    record_failure,
)
from pykala.storage.db import Archive, ArchiveError
from pykala.storage.harvestview import already_parsed, records_of_page, stored_body
from pykala.storage.pages import FetchedPage, save_page
from pykala.storage.runs import start_run
from pykala.storage.sources import sync_sources

# Pages that name no other pages worth following: an unchanged one is not parsed again.
_LEAVES = {PageKind.ITEM, PageKind.DOCUMENT}
GIVE_UP_AFTER = 3  # connection failures in a row before a source is abandoned
MAX_ATTEMPTS = 5  # runs in a row a page may fail before it leaves the queue
DEFAULT_WORKERS = 32  # hosts harvested at the same time (threads mostly wait on the network)


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
    running: RunningSources = field(default_factory=RunningSources)


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
    with storage_errors(), archive.session() as session:
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
            run.stop.set()  # the other workers stop after their current page ...
            client.cancel()  # ... now: no more retries or backoff waits
            raise
        finally:
            pool.shutdown(wait=True)  # a second Ctrl-C stops waiting: recorded below
        finish(archive, report)
    except (KeyboardInterrupt, Exception) as exc:  # SIGINT/SIGTERM, disk full, a bug
        with signals_deferred():  # a second Ctrl-C must not stop the recording
            run.running.fold_all()  # sources still running count what they did so far
            raise aborted(archive, report, exc) from exc
    return report


def _harvest_source(run: _Run, source: SourceConfig, report: SourceReport) -> None:
    meter = run.running.start(source.name, report)
    try:
        _crawl_source(run, source, report, meter)
    finally:
        run.running.fold(source.name)
        with contextlib.suppress(ArchiveError), storage_errors(), run.archive.session() as s:
            report.queued = queue_size(s, source.name)


def _crawl_source(run: _Run, source: SourceConfig, report: SourceReport, meter: Meter) -> None:
    platform = PLATFORMS[source.platform]
    parse = platform.parse
    progress = run.progress
    r = run.recheck
    with storage_errors(), run.archive.session() as session:
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
            if exc.kind == "interrupted":
                return  # the run is stopping: the page stays queued, not failed
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
    with run.gate, storage_errors(), run.archive.session() as session:
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
        with run.gate, storage_errors(), run.archive.session() as session:
            result = _store_page(session, source, task, fetched, page, parse, report, run)
            if result is not None:
                new = frontier.take_links(result.links, task.kind)
                queue_pages(
                    session, source.name, [(t.url, t.kind) for t in new], fetched.fetched_at
                )
            page_done(session, source.name, task.url)
    except ArchiveError as exc:
        if not row_refused(exc.__cause__):
            raise  # the archive itself failed (disk full, connection lost): the run stops
        # Rolled back whole (what it counted too); it fails like a fetch and stays queued.
        _restore_counts(report, counted)
        report.pages -= 1
        why = first_line(exc.__cause__ or exc)
        refused = FetchError(task.url, f"archive refused the page ({why})", "archive")
        _fetch_failed(run, source, task, refused, report)


_COUNTED = ("inserted", "updated", "unchanged", "failed", "links")


def _counts(report: SourceReport) -> tuple[int, ...]:
    return tuple(getattr(report, name) for name in _COUNTED)


def _restore_counts(report: SourceReport, counts: tuple[int, ...]) -> None:
    for name, value in zip(_COUNTED, counts, strict=True):
        setattr(report, name, value)


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
        body, content_type = stored_body(session, source.name, task.url)
    if task.kind in _LEAVES and (
        fetched.not_modified or already_parsed(session, source.name, task.url, fetched.body)
    ):
        # Same bytes as stored (and parsed) before: nothing to parse. An item page
        # holds one item, so it counts as one unchanged item.
        page_id = save_page(session, page)
        if task.kind != PageKind.ITEM:
            # A file of a "pdf"/"webpage" source: its items and documents, unchanged.
            report.unchanged += records_of_page(session, page_id)
            return None
        report.unchanged += 1
        if not run.fetch_documents:
            return None
        try:
            return parse(body, task.url, content_type)
        except Exception:  # it parsed before; a failure now is reported by reparse
            return None
    page_id = save_page(session, page)
    return parse_and_save(
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


def _host(url: str) -> str:
    return urlsplit(url).netloc


__all__ = ["Recheck", "harvest"]
