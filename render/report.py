"""A run as the user sees it: the progress (bars on a terminal, timestamped lines
otherwise, and the --log-file), the summary table with every problem on one line, the
--report-json file, and the demo's walk through a harvest, a search and an item."""

from __future__ import annotations

import json
import signal
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from pykala.harvester.report import Progress, RunAborted, RunReport, SourceReport
from pykala.render.console import err, escape_controls, out
from pykala.render.errors import EXIT_ARCHIVE, EXIT_INTERRUPTED, fail
from pykala.render.items import print_hits, print_item

if TYPE_CHECKING:
    from pykala.harvester.demo import DemoResult


class ConsoleProgress(Progress):
    """A progress bar per source on a terminal; plain timestamped log lines otherwise.

    Sources on different hosts run in parallel, so callbacks come from several threads.
    ``log`` (``--log-file``) gets every event as a timestamped line, quiet or not.
    """

    def __init__(self, *, quiet: bool, log: TextIO | None = None) -> None:
        self.quiet = quiet
        self.log_file = log
        self.bar: RichProgress | None = None
        self.tasks: dict[str, Any] = {}
        self.lock = threading.Lock()
        if err.is_terminal and not quiet:
            self.bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )

    def __enter__(self) -> ConsoleProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def write_log(self, message: str) -> None:
        """One timestamped line in the log file (when there is one)."""
        if self.log_file is not None:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            with self.lock:
                self.log_file.write(f"{stamp} {escape_controls(message)}\n")
                self.log_file.flush()

    def log(self, message: str) -> None:
        """To the log file, and to stderr when not quiet and there is no progress bar."""
        self.write_log(message)
        if not self.quiet and self.bar is None:
            self._console(message)

    def on_source(self, source: str, index: int, total: int) -> None:
        if self.bar is not None:
            with self.lock:
                self.tasks[source] = self.bar.add_task(f"{source} ({index}/{total})", total=None)
        self.log(f"{source}: start ({index}/{total})")

    def on_page(self, source: str, url: str, n: int, total_guess: int) -> None:
        task = self.tasks.get(source)
        if self.bar is not None and task is not None:
            self.bar.update(task, completed=n, total=max(total_guess, n))

    def on_error(self, source: str, message: str) -> None:
        self.write_log(f"{source}: {message}")
        if self.quiet:
            return  # the summary lists every problem once
        if self.bar is not None:
            self.bar.console.print(f"{source}: {message}", markup=False)
        else:
            self._console(f"{source}: {message}")

    def _console(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self.lock:
            err.print(f"{stamp} {message}", markup=False)

    def on_source_done(self, report: SourceReport) -> None:
        if self.bar is not None:
            with self.lock:
                task = self.tasks.pop(report.name, None)
                if task is not None:
                    self.bar.remove_task(task)
        self.log(
            f"{report.name}: done: {report.inserted} new, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.failed} failed, {report.skipped} skipped, "
            f"{report.pages} pages, {report.requests} requests, {report.bytes:,} bytes, "
            f"{report.duration:.1f} s"
            + (f"; FLAGGED: {', '.join(report.flags)}" if report.flags else "")
        )


_REPORT_COLUMNS = ("inserted", "updated", "unchanged", "failed", "skipped", "pages", "requests")


def interrupted_line(report: RunReport) -> str:
    """One line for a run stopped by SIGINT/SIGTERM: what it did, what waits."""
    t = report.totals()
    done = (
        f"{t['pages']} pages fetched with {t['requests']} requests, {t['failed']} failed"
        if report.kind == "harvest"
        else f"{t['pages']} pages read, {t['failed']} failed"
    )
    items = f"items {t['inserted']} new, {t['updated']} updated, {t['unchanged']} unchanged"
    recorded = f"; recorded as run {report.run_id}" if report.run_id is not None else ""
    took = f"{report.duration:.1f} s"
    line = f"pykala: {report.kind} interrupted after {took}{recorded}: {done}; {items}"
    if report.kind == "harvest":
        queued = sum(s.queued for s in report.sources)
        line += f"; {queued} pages wait in the queue for the next run"
    return line


def print_report(
    report: RunReport,
    *,
    quiet: bool,
    progress: ConsoleProgress | None = None,
    console: bool = True,
) -> None:
    """The run summary: a table per source (unless quiet) and every problem on one line.

    With a log file (``progress.log_file``) the summary also goes there, quiet or not;
    ``console=False``: only there.
    """
    if not quiet and console:
        table = Table(
            "source",
            "new",
            "updated",
            "unchanged",
            "failed",
            "skipped",
            "pages",
            "requests",
            "MB",
            "s",
            "status",
            title=f"{report.kind} summary",
        )
        for s in report.sources:
            table.add_row(
                s.name,
                *(str(getattr(s, k)) for k in _REPORT_COLUMNS),
                f"{s.bytes / 1e6:.1f}",
                f"{s.duration:.1f}",
                ", ".join(s.flags) or "ok",
            )
        totals = report.totals()
        table.add_row(
            "[bold]total[/bold]",
            *(str(totals[k]) for k in _REPORT_COLUMNS),
            f"{totals['bytes'] / 1e6:.1f}",
            f"{report.duration:.1f}",
            "",
        )
        err.print(table)
    lines = report.error_lines(per_source=10) if console else []
    for line in lines:
        err.print(line, markup=False)
    if progress is not None and progress.log_file is not None:
        totals = report.totals()
        progress.write_log(
            f"{report.kind} finished in {report.duration:.1f} s, exit {report.exit_status}: "
            + ", ".join(f"{totals[k]} {k}" for k in (*_REPORT_COLUMNS, "bytes"))
        )
        for line in report.error_lines():
            progress.write_log(f"problem: {line}")


def write_report_json(path: Path, report: RunReport, archive_url: str) -> None:
    document = {"archive": archive_url, **report.as_dict()}
    try:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    except OSError as exc:
        fail(f"--report-json: cannot write {path}: {exc.strerror}")


def end_aborted_run(
    aborted: RunAborted,
    *,
    quiet: bool,
    progress: ConsoleProgress,
    report_json: Path | None,
    archive_url: str,
) -> NoReturn:
    """Report a run that could not finish, write its JSON report when the disk still
    allows it, and exit 130 (interrupted) or 3 (archive).

    Interrupted: one line, what was done and what waits in the queue (the log file gets
    the whole summary); stopped by the archive: the summary, its first line says why.
    """
    if aborted.interrupted:
        # The run is recorded and over, and the command exits right after this: a further
        # Ctrl-C has nothing left to stop and must not kill the process before it has
        # said so and exited 130 (so the handler is not restored).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print_report(aborted.report, quiet=True, progress=progress, console=False)
        err.print(interrupted_line(aborted.report), markup=False)
    else:
        print_report(aborted.report, quiet=quiet, progress=progress)
    if report_json is not None:
        with suppress(typer.Exit):  # the message is printed; the exit code below wins
            write_report_json(report_json, aborted.report, archive_url)
    raise typer.Exit(EXIT_INTERRUPTED if aborted.interrupted else EXIT_ARCHIVE)


def print_demo(result: DemoResult) -> None:
    """`pykala demo`: the site harvested, its summary, a search and an item."""
    err.print(
        f"Served the fixture site at {result.site_url} (its pages addressed as "
        f"{result.origin}) and harvested it:",
        markup=False,
    )
    print_report(result.report, quiet=False)
    out.print(f"\n[bold]pykala search {result.query}[/bold]")
    print_hits(result.hits, "table")
    if result.documents:
        out.print("\n[bold]Documents that are not minutes[/bold]")
        for doc in result.documents:
            place = doc.region or doc.municipality_code or ""
            out.print(f"  {doc.title} ({place}) {doc.url or doc.document_id}", markup=False)
    if result.item is not None:
        out.print(f"\n[bold]pykala show {result.item.item_id}[/bold]")
        print_item(result.item, as_json=False)
    if result.archive_url:
        out.print(f"\nThe archive is in {result.archive_url}; try pykala search --db …")
    else:
        out.print("\nThe demo archive was temporary; pass --db to keep it.")
