"""A run's row in the archive: finished (with field quality) or ended early, and every
database failure on the way turned into one ArchiveError line (the CLI prints it), or
told apart as one page's rows refused (that page fails, the run goes on)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Session

from pykala.harvester.report import RunAborted, RunReport
from pykala.storage.coverageflags import coverage_flags, reported
from pykala.storage.crawlstate import queue_size
from pykala.storage.db import Archive, ArchiveError
from pykala.storage.quality import collapses, run_shares
from pykala.storage.runs import finish_run


def aborted(archive: Archive, report: RunReport, exc: BaseException) -> RunAborted:
    """Record how a run ended that could not finish, as far as the archive still lets us."""
    if isinstance(exc, KeyboardInterrupt):
        report.ended, report.end_reason = "interrupted", "stopped by a signal (SIGINT/SIGTERM)"
    else:
        report.ended, report.end_reason = "aborted", _abort_reason(exc)
    with contextlib.suppress(Exception):  # the archive may be gone: the counts stay as run
        _count_queued(archive, report)
    with contextlib.suppress(Exception):  # a full disk may refuse this too: the report stays
        finish(archive, report)
    report.finished = report.finished or datetime.now(UTC)
    return RunAborted(report, exc)


def _count_queued(archive: Archive, report: RunReport) -> None:
    """What waits in the crawl queue for the next run, per source (also those that had
    not started when the run stopped)."""
    with archive.session() as session:
        for source in report.sources:
            source.queued = queue_size(session, source.name)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM are ignored while the block runs (in the main thread, where
    Python handles signals): a second Ctrl-C cannot cut short how a run is recorded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _abort_reason(exc: BaseException) -> str:
    if isinstance(exc, ArchiveError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return f"archive error: {first_line(exc)}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {first_line(exc)}"


def _judge_quality(session: Session, report: RunReport, run_id: int) -> None:
    """Field shares of each source's new items against its earlier ones (storage.quality)."""
    for source in report.sources:
        new, earlier = run_shares(session, source.name, report.started, run_id)
        source.fields = {"new": new.as_dict(), "earlier": earlier.as_dict()}
        source.collapsed = collapses(new, earlier)


def _judge_coverage(session: Session, report: RunReport) -> None:
    """Each source's coverage flags (storage.coverageflags), marked new when its previous
    run did not record them: only a new one fails the run, so cron mails it once."""
    names = [s.name for s in report.sources]
    if not names:
        return
    silent = {s.name for s in report.sources if s.unreachable or s.blocked_by_robots}
    known = reported(session)
    flags = coverage_flags(session, report.started.date(), names, silent=silent)
    by_source = {s.name: s for s in report.sources}
    for source in report.sources:
        source.coverage = []
    for flag in flags:
        entry = {**flag.as_dict(), "new": (flag.source, flag.kind) not in known}
        by_source[flag.source].coverage.append(entry)


def finish(archive: Archive, report: RunReport) -> None:
    report.finished = datetime.now(UTC)
    if report.run_id is None:
        return
    with storage_errors(), archive.session() as session:
        _judge_quality(session, report, report.run_id)
        _judge_coverage(session, report)
        finish_run(
            session,
            report.run_id,
            finished=report.finished,
            status=report.status,
            counts={s.name: s.as_dict() for s in report.sources},
            errors=report.error_lines(),
        )


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn a database failure into ArchiveError with one line (the CLI prints it)."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise ArchiveError(f"archive error: {first_line(exc)}") from exc


def first_line(exc: BaseException) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0][:200] if lines else type(original).__name__


def row_refused(cause: BaseException | None) -> bool:
    """True when the database refused this page's rows, not when it failed as a whole.

    DataError (a value it cannot store), IntegrityError (a constraint), or an error while
    binding a value (StatementError that is not from the driver). OperationalError (disk
    full, locked, connection lost) and the rest mean the archive is in trouble.
    """
    if isinstance(cause, DataError | IntegrityError):
        return True
    return isinstance(cause, StatementError) and not isinstance(cause, DBAPIError)


__all__ = [
    "aborted",
    "finish",
    "first_line",
    "row_refused",
    "signals_deferred",
    "storage_errors",
]
