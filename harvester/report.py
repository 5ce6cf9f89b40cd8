"""What a harvest or reparse did: one SourceReport per source, one RunReport per run
(what the CLI prints and the run row stores), and the Progress callbacks a display gets."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pykala.harvester.http import Meter
from pykala.storage.items import UpsertCounts

DEFAULT_FAILURE_THRESHOLD = 0.2  # a source with a larger share of failed pages is flagged


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
    # Coverage flags (storage.coverageflags): kind, message, line, and whether it is new
    # (not recorded by the source's previous run).
    coverage: list[dict[str, Any]] = field(default_factory=list)

    @property
    def new_coverage(self) -> list[str]:
        return [str(c["line"]) for c in self.coverage if c.get("new")]

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
        if self.new_coverage:
            flags.append("publishes less")
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
            "coverage": self.coverage,
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
            lines.extend(s.new_coverage)  # "Kuopio: no new minutes for 9 weeks (usually 2)"
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


class RunningSources:
    """The meters of the sources being harvested, so a run recorded early (Ctrl-C twice)
    counts the requests, bytes and time of a source still running. Each is folded into
    its report once, by whoever comes first: the source as it ends, or the run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, tuple[Meter, float, SourceReport]] = {}

    def start(self, name: str, report: SourceReport) -> Meter:
        meter = Meter()
        with self._lock:
            self._running[name] = (meter, time.monotonic(), report)
        return meter

    def fold(self, name: str) -> None:
        """Add a running source's requests, bytes and time to its report (once)."""
        with self._lock:
            entry = self._running.pop(name, None)
        if entry is not None:
            meter, started, report = entry
            report.requests += meter.requests
            report.bytes += meter.bytes
            report.duration += time.monotonic() - started

    def fold_all(self) -> None:
        with self._lock:
            names = list(self._running)
        for name in names:
            self.fold(name)


__all__ = [
    "DEFAULT_FAILURE_THRESHOLD",
    "Progress",
    "RunAborted",
    "RunReport",
    "RunningSources",
    "SourceReport",
]
