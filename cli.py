"""pykala command line: a thin typer layer; each command calls one library function."""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import asdict
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from harvester.http import DEFAULT_TOTAL_TIMEOUT
from harvester.run import Progress, RunAborted, RunReport, SourceReport
from harvester.sources import SourceConfigError, load_municipalities, load_sources
from parsers.records import ParseError
from parsers.urls import BadUrl
from storage.db import Archive, ArchiveError, connect_archive, resolve_db_url
from storage.docsearch import DocumentHit
from storage.docview import DocumentView
from storage.filters import ItemFilters
from storage.health import RunSummary, SourceHealth
from storage.quality import FieldShares
from storage.queries import AmbiguousItemError, ArchiveStats, ItemView
from storage.search import SearchHit, SearchQueryError

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    from linking.membership import Timeline

app = typer.Typer(
    name="pykala",
    help="Harvest, search and export Finnish municipal meeting minutes (pöytäkirjat).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Control characters but newline and tab: C0 (ESC starts CSI/OSC sequences, CR rewrites
# a line, BEL…), DEL, and C1 (U+009B is a one-character CSI on some terminals).
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """``text`` with every control character but newline and tab written as ``\\uXXXX``.

    Titles, snippets, URLs and error reasons come from the pages harvested: printed raw,
    ``ESC[2J`` clears the user's screen and ``ESC]0;…`` retitles the terminal. ``\\uXXXX``
    is visible and, inside a JSON string, the same character.
    """
    if _CONTROL_RE.search(text) is None:
        return text
    return _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeConsole(Console):
    """A Console that escapes control characters in every string it renders.

    Every str printed, every table cell and title passes through ``render_str``: the one
    place the CLI's output is made safe for a terminal. Rich's own styling codes are
    added after it, so colours still work.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(escape_controls(text), **kwargs)


out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_PARTIAL = 1  # the run finished but some sources or pages failed
EXIT_USAGE = 2  # bad command line, bad configuration or a bad query
EXIT_ARCHIVE = 3  # the archive cannot be opened
EXIT_LOCKED = 4  # another run holds the archive's lock
EXIT_INTERRUPTED = 130  # SIGINT or SIGTERM (128 + SIGINT, as shells report it)

EXIT_CODES_HELP = (
    "Exit codes (for cron): 0 every source harvested; 1 partial failure (a source "
    "unreachable, yielding nothing or failing more than --failure-threshold of its pages: "
    "see the summary); 2 bad command line or configuration; 3 the archive cannot be "
    "opened (or failed during the run: disk full, server gone); 4 another pykala run holds "
    "the archive's lock; 130 interrupted (SIGINT/SIGTERM; the run is recorded as such)."
)

T = TypeVar("T")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PYKALA_DB",
        help="Archive as an SQLAlchemy URL (sqlite:///file.db, postgresql+psycopg://…). "
        "Default: a SQLite file in the user's data directory.",
        show_default=False,
    ),
]
SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources",
        envvar="PYKALA_SOURCES",
        help="TOML file of [\\[source]] tables. Default: the sources shipped with pykala.",
        show_envvar=True,
        exists=False,
        dir_okay=False,
    ),
]
QualityOption = Annotated[
    str | None,
    typer.Option(
        help="ok: leave out items the parser read doubtfully (no title, the body's name or a "
        "handling line as title, minutes with no proposal and no decision); doubtful: only "
        "those.",
    ),
]
MunicipalityOption = Annotated[
    str | None, typer.Option(help="Only this municipality (Statistics Finland code or name).")
]
BodyOption = Annotated[
    str | None, typer.Option(help="Only bodies (toimielin) whose name contains this text.")
]
SinceOption = Annotated[
    str | None, typer.Option(help="Only meetings on or after this date (YYYY-MM-DD).")
]
UntilOption = Annotated[
    str | None, typer.Option(help="Only meetings on or before this date (YYYY-MM-DD).")
]


def _pykala_version() -> str:
    try:
        return version("pykala")
    except PackageNotFoundError:
        return "0+unknown"


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr and an exit code: what every user-facing error looks like."""
    err.print(f"pykala: error: {message}", markup=False)
    raise typer.Exit(code)


@contextmanager
def archive_for(db: str | None, *, locked: bool = False) -> Iterator[Archive]:
    """The migrated archive; ``locked``: hold its run lock, taken before migrating (so a
    second first run on a new archive exits 4, not 3 over half-created tables)."""
    try:
        archive = connect_archive(resolve_db_url(db))
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    try:
        with run_lock_for(archive) if locked else nullcontext():
            try:
                archive.migrate()
            except ArchiveError as exc:
                fail(str(exc), EXIT_ARCHIVE)
            yield archive
    finally:
        archive.close()


def guarded(func: Callable[[], T]) -> T:
    """Turn the library's expected errors into one-line messages."""
    try:
        return func()
    except SourceConfigError as exc:
        fail(str(exc))
    except (SearchQueryError, AmbiguousItemError) as exc:
        fail(str(exc))
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    except BadUrl as exc:  # a URL typed on the command line (add, show)
        fail(f"{exc.url}: {exc.reason}")


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date of the form YYYY-MM-DD")


def make_filters(
    municipality: str | None, body: str | None, since: str | None, until: str | None
) -> ItemFilters:
    return ItemFilters(
        municipality=municipality,
        body=body,
        since=parse_date(since, "--since"),
        until=parse_date(until, "--until"),
    )


def version_callback(value: bool) -> None:
    if value:
        out.print(f"pykala {_pykala_version()}")
        raise typer.Exit()


# -- output ------------------------------------------------------------------------------


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


def print_field_shares(shares: dict[str, FieldShares]) -> None:
    """Per source, the share of its latest items with each field (quality flags)."""
    from parsers.quality import FIELDS

    table = Table("source", "items", *FIELDS, "doubtful", title="Fields read (latest items)")
    for name, share in shares.items():
        if share.items:
            table.add_row(
                name,
                str(share.items),
                *(f"{share.shares[f]:.0%}" for f in FIELDS),
                str(share.doubtful),
            )
    out.print(table)
    out.print(
        "[dim]share of each source's latest items (up to 500) in which the parser found "
        "the field; doubtful: items with no title, the body's name or a handling line as "
        "title, or minutes with no proposal and no decision[/dim]"
    )


_REPORT_COLUMNS = ("inserted", "updated", "unchanged", "failed", "skipped", "pages", "requests")


def print_report(
    report: RunReport, *, quiet: bool, progress: ConsoleProgress | None = None
) -> None:
    """The run summary: a table per source (unless quiet) and every problem on one line.

    With a log file (``progress.log_file``) the summary also goes there, quiet or not.
    """
    if not quiet:
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
    lines = report.error_lines(per_source=10)
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


def _hit_row(hit: SearchHit) -> dict[str, str]:
    return {
        "item_id": hit.item_id,
        "municipality": hit.municipality or "",
        "body": hit.body or "",
        "meeting_date": hit.meeting_date.isoformat() if hit.meeting_date else "",
        "paragraph": hit.paragraph or "",
        "title": hit.title,
        "snippet": hit.snippet,
        "url": hit.url,
        **dict.fromkeys(HIT_COLUMNS[8:], ""),
        "kind": "item",
    }


def _document_row(hit: DocumentHit) -> dict[str, str]:
    """A document in the search columns: item-only columns empty, document_* filled."""
    first = hit.first_date
    return {
        **dict.fromkeys(HIT_COLUMNS, ""),
        "municipality": hit.municipality or "",
        "title": hit.title,
        "snippet": hit.snippet,
        "url": hit.url or "",
        "kind": "document",
        "document_id": hit.document_id,
        "document_date": first.isoformat() if first else "",
        "document_region": hit.region or "",
        "document_organisation": hit.organisation or "",
    }


def _marked(snippet: str) -> str:
    return escape(snippet).replace("«", "[bold yellow]").replace("»", "[/bold yellow]")


def print_document_hits(hits: list[DocumentHit]) -> None:
    """The table format's "Documents" section (after the items)."""
    out.print("[bold]Documents (not minutes)[/bold]\n")
    for hit in hits:
        first = hit.first_date.isoformat() if hit.first_date else "no date"
        where = " · ".join(p for p in (hit.municipality, hit.region, hit.organisation) if p)
        out.print(
            f"[bold magenta]{escape(hit.document_id)}[/bold magenta]  {first}  {escape(where)}"
        )
        out.print(f"  [bold]{escape(hit.title)}[/bold]")
        out.print(f"  {_marked(hit.snippet)}\n")


def print_hits(hits: list[SearchHit], fmt: str, documents: list[DocumentHit] | None = None) -> None:
    documents = documents or []
    rows = [_hit_row(h) for h in hits] + [_document_row(d) for d in documents]
    if fmt == "json":
        for row in rows:
            out.print(json.dumps(row, ensure_ascii=False), markup=False)
        return
    if fmt == "csv":
        import csv

        from storage.export import neutralise

        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
        writer = csv.DictWriter(sys.stdout, fieldnames=HIT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:  # to a terminal or pipe: control characters escaped too
            writer.writerow({k: neutralise(escape_controls(v)) for k, v in row.items()})
        return
    if not rows:
        err.print("no matches")
        return
    for hit in hits:
        snippet = _marked(hit.snippet)
        date_text = hit.meeting_date.isoformat() if hit.meeting_date else "date unknown"
        where = " · ".join(
            part
            for part in (hit.municipality, hit.body, hit.paragraph and f"§ {hit.paragraph}")
            if part
        )
        out.print(f"[bold green]{escape(hit.item_id)}[/bold green]  {date_text}  {escape(where)}")
        out.print(f"  [bold]{escape(hit.title)}[/bold]")
        out.print(f"  {snippet}\n")
    if documents:
        print_document_hits(documents)
    count = f"{len(hits)} result{'s' if len(hits) != 1 else ''}"
    if documents:
        count += f" and {len(documents)} document{'s' if len(documents) != 1 else ''}"
    out.print(count)


# Columns of search --format csv/json; new ones only ever go at the end.
HIT_COLUMNS = (
    "item_id",
    "municipality",
    "body",
    "meeting_date",
    "paragraph",
    "title",
    "snippet",
    "url",
    "kind",
    "document_id",
    "document_date",
    "document_region",
    "document_organisation",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def print_item(view: ItemView, *, as_json: bool) -> None:
    if as_json:
        out.print(json.dumps(_jsonable(asdict(view)), ensure_ascii=False, indent=2), markup=False)
        return
    date_text = view.meeting_date.isoformat() if view.meeting_date else "date unknown"
    kind = {"poytakirja": "pöytäkirja", "esityslista": "esityslista"}.get(
        view.meeting_kind or "", ""
    )
    out.print(f"[bold]{escape(view.title)}[/bold]")
    facts = [
        ("id", view.item_id),
        (
            "municipality",
            f"{view.municipality or ''} ({view.municipality_code or '?'}), "
            f"{view.region or ''}, {view.wellbeing_county or ''}",
        ),
        ("body", view.body or ""),
        ("meeting", f"{date_text} {kind}".strip()),
        ("§", view.paragraph or ""),
        ("diary number", view.diary_number or ""),
        ("url", view.url),
        ("pdf", view.pdf_url or ""),
        ("first seen", view.first_seen.isoformat(timespec="seconds")),
        ("last changed", view.last_changed.isoformat(timespec="seconds")),
    ]
    for label, value in facts:
        if value:
            out.print(f"[dim]{label:>13}[/dim]  {escape(value)}")
    for section in view.sections:
        presenter = f" — {section.presenter}" if section.presenter else ""
        out.print(
            f"\n[bold cyan]{escape(section.heading)}[/bold cyan] [dim]({section.kind})"
            f"{escape(presenter)}[/dim]".replace("] [dim]", "][dim]", not section.heading)
        )
        if section.text:
            out.print(section.text, markup=False)
    if view.attachments:
        out.print("\n[bold cyan]Attachments[/bold cyan]")
        for attachment in view.attachments:
            out.print(f"  {attachment.title}: {attachment.url}", markup=False)
    if view.versions:
        out.print("\n[bold cyan]Earlier versions[/bold cyan]")
        for version in view.versions:
            out.print(
                f"  {version.version}: {version.valid_from:%Y-%m-%d %H:%M} – "
                f"{version.valid_to:%Y-%m-%d %H:%M} {version.content.get('title', '')}",
                markup=False,
            )


def print_document(
    view: DocumentView, topics: list[tuple[str, float, list[str]]], *, as_json: bool
) -> None:
    """`pykala show` of a document: its facts, topics, text and earlier versions."""
    if as_json:
        data = _jsonable(asdict(view))
        del data["db_id"]
        data["topics"] = [{"topic": n, "score": sc, "terms": t} for n, sc, t in topics]
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)
        return
    out.print(f"[bold]{escape(view.title)}[/bold]  [dim](document, not minutes)[/dim]")
    place = ", ".join(
        p
        for p in (
            view.municipality and f"{view.municipality} ({view.municipality_code})",
            view.region,
        )
        if p
    )
    facts = [
        ("id", view.document_id),
        ("place", place),
        ("organisation", view.organisation or ""),
        ("dates", ", ".join(d.isoformat() for d in view.dates)),
        ("url", view.url or ""),
        ("source", view.source or ""),
        ("first seen", view.first_seen.isoformat(timespec="seconds")),
        ("last changed", view.last_changed.isoformat(timespec="seconds")),
    ]
    for label, value in facts:
        if value:
            out.print(f"[dim]{label:>13}[/dim]  {escape(value)}")
    print_topics_and_links(topics, [])
    out.print("\n[bold cyan]Text[/bold cyan]")
    out.print(view.text, markup=False)
    if view.versions:
        out.print("\n[bold cyan]Earlier versions[/bold cyan]")
        for version in view.versions:
            out.print(
                f"  {version.version}: {version.valid_from:%Y-%m-%d %H:%M} – "
                f"{version.valid_to:%Y-%m-%d %H:%M} {version.content.get('title', '')}",
                markup=False,
            )


def _days(n: int | None) -> str:
    return "never" if n is None else f"{n} d"


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def print_status(
    url: str, stats: ArchiveStats, runs: list[RunSummary], health: list[SourceHealth]
) -> None:
    out.print(f"[bold]archive[/bold] {escape(url)}")
    out.print(
        f"{stats.items} items, {stats.item_versions} earlier versions, "
        f"{stats.raw_pages} raw pages ({stats.raw_bytes:,} bytes)"
    )
    by_name = {h.source: h for h in health}
    table = Table(
        "source",
        "municipality",
        "items",
        "meetings",
        "pages",
        "last fetched",
        "new item",
        "failed",
        "päätös",
        "queued",
        "flags",
        title="Sources",
    )
    for s in stats.sources:
        fetched = s.last_fetched.isoformat(timespec="minutes") if s.last_fetched else "never"
        h = by_name.get(s.source)
        table.add_row(
            s.source,
            s.municipality or "",
            str(s.items),
            str(s.meetings),
            str(s.pages),
            fetched,
            _days(h.days_since_new) if h else "",
            _share(h.failure_rate) if h else "",
            _share(h.paatos_share) if h else "",
            str(h.queued) if h else "",
            ", ".join(h.flags) if h else "",
        )
    out.print(table)
    out.print(
        "[dim]new item: days since the source last gave a new item; failed: share of "
        "pages that failed in its last harvest; päätös: share of its items with a "
        "decision (minutes, not only agendas); queued: pages waiting for the next "
        "run[/dim]"
    )
    if runs:
        table = Table(
            "run",
            "started",
            "duration",
            "status",
            "new",
            "updated",
            "failed",
            "requests",
            "MB",
            "flagged",
            title="Last runs",
        )
        for run in runs:
            took = f"{(run.finished - run.started).total_seconds():.0f} s" if run.finished else "-"
            t = run.totals
            table.add_row(
                str(run.id),
                run.started.isoformat(timespec="seconds"),
                took,
                run.status,
                str(t["inserted"]),
                str(t["updated"]),
                str(t["failed"]),
                str(t["requests"]),
                f"{t['bytes'] / 1e6:.1f}",
                ", ".join(run.flagged),
            )
        out.print(table)


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Harvest, search and export Finnish municipal meeting minutes (pöytäkirjat)."""


@app.command()
def sources(
    sources_file: SourcesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the sources in use, joined to the municipality reference."""
    configs = guarded(lambda: load_sources(sources_file))
    municipalities = load_municipalities()
    rows = []
    for config in configs:
        muni = municipalities.get(config.municipality_code or "")  # None: a document source
        rows.append(
            {
                "name": config.name,
                "platform": config.platform,
                "municipality_code": config.municipality_code,
                "municipality": muni.name_fi if muni else None,
                "region": muni.region if muni else None,
                "wellbeing_county": muni.wellbeing_county if muni else None,
                "enabled": config.enabled,
                "base_url": config.base_url,
            }
        )
    if as_json:
        for row in rows:
            out.print(json.dumps(row, ensure_ascii=False), markup=False)
        return
    table = Table("name", "platform", "municipality", "region", "base URL", title="Sources")
    for row in rows:
        muni_name = row["municipality"]
        label = f"{muni_name} ({row['municipality_code']})" if muni_name else "-"
        table.add_row(
            str(row["name"]),
            str(row["platform"]),
            label,
            str(row["region"] or "-"),
            str(row["base_url"]),
        )
    out.print(table)
    out.print(f"{len(rows)} sources")


LogFileOption = Annotated[
    Path | None,
    typer.Option(
        "--log-file",
        help="Append timestamped progress and the summary to this file.",
        dir_okay=False,
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Seconds one request may take in all (connect, headers, the whole body); a "
        "page still arriving after that fails as timed out and is retried next run.",
        min=0.1,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only problems (for cron: silent when all is well)."),
]


@contextmanager
def log_file_for(path: Path | None) -> Iterator[TextIO | None]:
    if path is None:
        yield None
        return
    try:
        handle = path.open("a", encoding="utf-8")
    except OSError as exc:
        fail(f"--log-file: cannot write {path}: {exc.strerror}")
    with handle:
        yield handle


@contextmanager
def run_lock_for(archive: Archive) -> Iterator[None]:
    """The archive's run lock, or exit 4 with one line when another run holds it."""
    from storage.lock import ArchiveLocked, run_lock

    try:
        with run_lock(archive):
            yield
    except ArchiveLocked as exc:
        fail(str(exc), EXIT_LOCKED)
    except ArchiveError as exc:  # cannot even take the lock: no lock file, no server
        fail(str(exc), EXIT_ARCHIVE)


def write_report_json(path: Path, report: RunReport, archive_url: str) -> None:
    document = {"archive": archive_url, **report.as_dict()}
    try:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    except OSError as exc:
        fail(f"--report-json: cannot write {path}: {exc.strerror}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the run stops the way Ctrl-C stops it, and is recorded


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM (systemd stop, kill) ends a run like SIGINT: recorded, not just killed; an
    interrupt outside the run (migration, linking) is one line and exit 130."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)


def end_aborted_run(
    aborted: RunAborted,
    *,
    quiet: bool,
    progress: ConsoleProgress,
    report_json: Path | None,
    archive_url: str,
) -> NoReturn:
    """Report a run that could not finish (its first error line says why), write its JSON
    report when the disk still allows it, and exit 130 (interrupted) or 3 (archive)."""
    print_report(aborted.report, quiet=quiet, progress=progress)
    if report_json is not None:
        with suppress(typer.Exit):  # the message is printed; the exit code below wins
            write_report_json(report_json, aborted.report, archive_url)
    raise typer.Exit(EXIT_INTERRUPTED if aborted.interrupted else EXIT_ARCHIVE)


@app.command(epilog=EXIT_CODES_HELP)
def harvest(
    db: DbOption = None,
    sources_file: SourcesOption = None,
    only: Annotated[
        list[str] | None, typer.Option("--source", help="Harvest only this source (repeatable).")
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Walk every page of every source, not only what may have "
            "changed (unchanged pages still cost one conditional request).",
        ),
    ] = False,
    max_pages: Annotated[
        int | None,
        typer.Option(
            help="Stop each source after this many pages (the rest is kept for the next run)."
        ),
    ] = None,
    delay: Annotated[
        float, typer.Option(help="Seconds between two requests to the same host.")
    ] = 1.0,
    timeout: TimeoutOption = DEFAULT_TOTAL_TIMEOUT,
    failure_threshold: Annotated[
        float,
        typer.Option(
            help="Flag a source (exit 1) when more than this share of its pages failed.",
            min=0.0,
            max=1.0,
        ),
    ] = 0.2,
    quiet: QuietOption = False,
    log_file: LogFileOption = None,
    report_json: Annotated[
        Path | None,
        typer.Option(
            "--report-json", help="Write the run report as JSON to this file.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Fetch new and changed minutes from the sources into the archive.

    Hosts are harvested in parallel, each politely (one request at a time, --delay apart,
    robots.txt obeyed). Pages that failed or were left unfetched are retried first by the
    next run. Only one run at a time may use an archive.
    """
    from harvester.http import PoliteClient, Politeness
    from harvester.run import harvest as run_harvest

    configs = guarded(lambda: load_sources(sources_file))
    if only:
        unknown = sorted(set(only) - {c.name for c in configs})
        if unknown:
            fail(f"--source: no source named {', '.join(unknown)}")
        configs = [c for c in configs if c.name in only]
    configs = [c for c in configs if c.enabled]
    if delay < 0:
        fail("--delay must not be negative")
    with (
        interruptible(),
        log_file_for(log_file) as log,
        archive_for(db, locked=True) as archive,
        PoliteClient(Politeness(min_interval=delay, total_timeout=timeout)) as client,
        ConsoleProgress(quiet=quiet, log=log) as progress,
    ):
        progress.write_log(f"harvest of {len(configs)} sources into {archive.url} starts")
        try:
            report = guarded(
                lambda: run_harvest(
                    archive,
                    configs,
                    client,
                    progress=progress,
                    max_pages=max_pages,
                    full=full,
                    failure_threshold=failure_threshold,
                )
            )
        except RunAborted as aborted:
            end_aborted_run(
                aborted,
                quiet=quiet,
                progress=progress,
                report_json=report_json,
                archive_url=archive.url,
            )
        print_report(report, quiet=quiet, progress=progress)
        linked = refresh_linking_after_run(archive, quiet=quiet)
        if report_json is not None:
            write_report_json(report_json, report, archive.url)
    raise typer.Exit(report.exit_status or (EXIT_OK if linked else EXIT_PARTIAL))


@app.command(epilog=EXIT_CODES_HELP)
def reparse(
    db: DbOption = None,
    quiet: QuietOption = False,
    log_file: LogFileOption = None,
) -> None:
    """Rebuild every item from the stored raw pages, without the network."""
    from harvester.run import reparse as run_reparse

    with (
        interruptible(),
        log_file_for(log_file) as log,
        archive_for(db, locked=True) as archive,
        ConsoleProgress(quiet=quiet, log=log) as progress,
    ):
        try:
            report = guarded(lambda: run_reparse(archive, progress=progress))
        except RunAborted as aborted:
            end_aborted_run(
                aborted, quiet=quiet, progress=progress, report_json=None, archive_url=archive.url
            )
        print_report(report, quiet=quiet, progress=progress)
        linked = refresh_linking_after_run(archive, quiet=quiet)
    raise typer.Exit(report.exit_status or (EXIT_OK if linked else EXIT_PARTIAL))


def _quality(value: str | None) -> str | None:
    from storage.filters import QUALITIES

    if value is not None and value not in QUALITIES:
        fail(f"--quality must be {' or '.join(QUALITIES)}, not {value!r}")
    return value


@app.command()
def search(
    query: Annotated[
        str,
        typer.Argument(
            help="Words to find, in any inflection or inside compounds; every word must "
            'match. "a phrase", -exclude, a OR b, prefix*; a diary number finds its item.'
        ),
    ],
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    body: BodyOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    region: Annotated[
        str | None, typer.Option(help="Maakunta (name or its beginning, e.g. Pohjois-Savo).")
    ] = None,
    county: Annotated[
        str | None,
        typer.Option(help="Hyvinvointialue (name or its beginning, e.g. Pohjois-Savon)."),
    ] = None,
    section: Annotated[
        str | None,
        typer.Option(
            help="Match only inside this section kind: paatos, paatosehdotus, "
            "selostus, kasittely, …"
        ),
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="Only items (and documents) of this topic.")
    ] = None,
    quality: QualityOption = None,
    kind: Annotated[
        str,
        typer.Option(
            help="item (decisions), document (programme pages, slide decks: "
            "not minutes) or all: documents follow the items in a section of their "
            "own. Documents have no body, section, meeting date or county: those "
            "filters leave them out."
        ),
    ] = "all",
    limit: Annotated[
        int, typer.Option(min=1, help="At most this many items and this many documents.")
    ] = 20,
    fmt: Annotated[
        str, typer.Option("--format", help="table, json (JSON lines) or csv.")
    ] = "table",
) -> None:
    """Finnish-aware full-text search of decisions (and documents), best matches first."""
    from dataclasses import replace

    from storage.docsearch import search_documents
    from storage.filters import FilterError, section_kind
    from storage.search import search_items

    if fmt not in ("table", "json", "csv"):
        fail(f"--format must be table, json or csv, not {fmt!r}")
    if kind not in ("item", "document", "all"):
        fail(f"--kind must be item, document or all, not {kind!r}")
    item_only = [
        f"--{name}"
        for name, value in (
            ("body", body),
            ("since", since),
            ("until", until),
            ("county", county),
            ("section", section),
            ("quality", quality),
        )
        if value
    ]
    if kind == "document" and item_only:
        fail(
            f"{', '.join(item_only)} cannot select documents (they have no body, section, "
            "meeting date, county or quality flags); use --kind item or all"
        )
    try:
        wanted_section = section_kind(section) if section else None
    except FilterError as exc:
        fail(str(exc))
    filters = replace(
        make_filters(municipality, body, since, until),
        region=region,
        county=county,
        section=wanted_section,
        topic=topic,
        quality=_quality(quality),
    )
    with archive_for(db) as archive, archive.session() as session:
        hits = (
            guarded(lambda: search_items(session, query, filters, limit))
            if kind != "document"
            else []
        )
        documents = (
            guarded(
                lambda: search_documents(
                    session, query, limit, region=region, municipality=municipality, topic=topic
                )
            )
            if kind != "item" and not item_only
            else []
        )
    print_hits(hits, fmt, documents)


@app.command()
def show(
    item_id: Annotated[
        str, typer.Argument(help="Item or document id as shown by search (or its URL).")
    ],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    explain_lines: Annotated[
        bool,
        typer.Option(
            "--explain", help="List each line of the stored page with the role it was given."
        ),
    ] = False,
) -> None:
    """Show one item with its sections, URL and earlier versions (or one document)."""
    if explain_lines:
        _explain_stored(item_id, db)
        return
    from linking.links import item_links, resolve_item_id
    from linking.membership import document_topics, item_topics
    from storage.docview import get_document
    from storage.queries import get_item

    with archive_for(db) as archive, archive.session() as session:
        view = guarded(lambda: get_item(session, item_id))
        db_id = resolve_item_id(session, view.item_id) if view is not None else None
        links = item_links(session, db_id) if db_id is not None else []
        topics = item_topics(session, db_id) if db_id is not None else []
        document = guarded(lambda: get_document(session, item_id)) if view is None else None
        if document is not None:
            topics = document_topics(session, document.db_id)
    if document is not None:
        print_document(document, topics, as_json=as_json)
        return
    if view is None:
        fail(
            f"no item or document {item_id!r} in the archive (ids look like "
            "kuopio:2020362412-5, or a document's URL)"
        )
    if as_json:
        data = _jsonable(asdict(view))
        data["topics"] = [{"topic": n, "score": sc, "terms": t} for n, sc, t in topics]
        data["links"] = [_jsonable(asdict(link)) for link in links]
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)
        return
    print_item(view, as_json=False)
    print_topics_and_links(topics, links)


def print_explanation(lines: list[tuple[str, str]]) -> None:
    """Each line of a page with the role the parser gave it."""
    width = max((len(role) for role, _ in lines), default=0)
    for role, text in lines:
        out.print(f"{role:<{width}}  {text}", markup=False, soft_wrap=True)


def _guess_url(platform: str, file: Path) -> str | None:
    """A Dynasty item URL from a saved page's name ("meetingitem_2020362412-5.html")."""
    m = re.search(r"(\d{5,}-\d+)", file.name)
    if platform == "dynasty" and m:
        return f"https://dynasty.invalid/cgi/DREQUEST.PHP?page=meetingitem&id={m.group(1)}"
    return None


@app.command("parse")
def parse_page(
    file: Annotated[
        Path, typer.Argument(help="A saved page.", exists=True, dir_okay=False, readable=True)
    ],
    platform: Annotated[str, typer.Option(help="The page's platform (dynasty, cloudnc, …).")] = (
        "dynasty"
    ),
    url: Annotated[
        str | None,
        typer.Option(
            help="The page's address (says which kind of page it is); guessed from a "
            "Dynasty item's file name when left out."
        ),
    ] = None,
    content_type: Annotated[
        str | None, typer.Option(help="The HTTP Content-Type it was served with.")
    ] = None,
    explain_lines: Annotated[
        bool, typer.Option("--explain", help="List each line with the role it was given.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Parse a saved page and show the record, its quality flags and warnings (offline)."""
    from parsers import PARSERS
    from parsers.explain import explain
    from parsers.quality import item_flags
    from parsers.serialize import to_jsonable

    if platform not in PARSERS:
        fail(f"unknown platform {platform!r} (known: {', '.join(sorted(PARSERS))})")
    page_url = url or _guess_url(platform, file)
    if page_url is None:
        fail(f"give the page's address with --url (pykala cannot tell it from {file.name!r})")
    body = file.read_bytes()
    try:
        if explain_lines:
            print_explanation(explain(platform, body, page_url, content_type))
            return
        result = PARSERS[platform](body, page_url, content_type)
    except ParseError as exc:
        fail(f"cannot parse {file}: {exc.reason}")
    if as_json:
        data = to_jsonable(result)
        for item, record in zip(data["items"], result.items, strict=True):
            item["quality_flags"] = list(item_flags(record))
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)
        return
    out.print(f"{result.page_kind.value} page, {len(result.links)} links", markup=False)
    for record in result.items:
        day = record.meeting_date.isoformat() if record.meeting_date else "no date"
        out.print(
            f"\n{record.external_id}: {record.title or '(no title)'}\n"
            f"  {record.body_name or '(no body)'} {day} "
            f"{record.meeting_kind.value if record.meeting_kind else '(no kind)'} "
            f"§ {record.paragraph or '-'}, diary number {record.diary_number or '-'}\n"
            f"  quality flags: {', '.join(item_flags(record)) or 'none'}",
            markup=False,
        )
        for section in record.sections:
            head = section.heading or "(no heading)"
            who = f" [{section.presenter}]" if section.presenter else ""
            text = " ".join(section.text.split())[:70]
            out.print(f"  {section.kind.value:14} {head}{who}: {text}", markup=False)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)


def _explain_stored(item_id: str, db: str | None) -> None:
    from parsers.explain import explain
    from storage.queries import item_page

    with archive_for(db) as archive, archive.session() as session:
        page = guarded(lambda: item_page(session, item_id))
    if page is None:
        fail(f"no stored page for item {item_id!r} (ids look like kuopio:2020362412-5)")
    try:
        lines = explain(page.platform, page.body, page.url, page.content_type)
    except ParseError as exc:
        fail(exc.reason)
    out.print(f"{page.url}\nquality flags: {', '.join(page.quality_flags) or 'none'}", markup=False)
    print_explanation(lines)


@app.command()
def export(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    municipality: MunicipalityOption = None,
    body: BodyOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    topic: Annotated[
        str | None,
        typer.Option(help="Only members of this topic; adds topic_score and topic_terms."),
    ] = None,
    quality: QualityOption = None,
    topics_file: TopicsOption = None,
) -> None:
    """Export items, one row each (columns: see the README's codebook).

    With --output FILE a sidecar FILE.meta.json records the filters, the pykala version,
    the archive and its last harvest, so a study can cite exactly what it used.
    """
    from dataclasses import replace

    from storage.export import (
        export_fieldnames,
        export_meta,
        iter_export_rows,
        write_csv,
        write_jsonl,
        write_meta,
    )

    writers: dict[str, Callable[..., Any]] = {"csv": write_csv, "jsonl": write_jsonl}
    if fmt not in writers:
        fail(f"--format must be csv or jsonl, not {fmt!r}")
    filters = replace(
        make_filters(municipality, body, since, until), topic=topic, quality=_quality(quality)
    )
    columns = export_fieldnames(filters)
    with archive_for(db) as archive:
        if topic:
            update_linking(archive, topics_file, topic=topic)
        with archive.session() as session:
            rows = iter_export_rows(session, filters)
            if output is None:
                sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]  # CSV: \r\n
                writers[fmt](rows, sys.stdout, columns)
                return
            try:
                with output.open("w", encoding="utf-8", newline="") as handle:
                    count = writers[fmt](rows, handle, columns)
                meta = export_meta(
                    session,
                    archive_url=archive.url,
                    command="export",
                    filters=filters,
                    fmt=fmt,
                    rows=count,
                    columns=columns,
                )
                write_meta(output, meta)
            except OSError as exc:
                fail(f"cannot write {output}: {exc.strerror}")


@app.command()
def add(
    target: Annotated[
        str, typer.Argument(help="URL or file of a document that is not minutes (web page, PDF).")
    ],
    db: DbOption = None,
    municipality: Annotated[
        str | None, typer.Option(help="Statistics Finland code of its municipality, e.g. 297.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Its maakunta, e.g. Pohjois-Savo (overrides the text).")
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Also fetch a URL whose host is loopback, private, link-local or "
            "unique-local (refused by default: internal services, cloud metadata).",
        ),
    ] = False,
) -> None:
    """Add a programme page, slide deck or other document by hand (searchable like items).

    A FILE must be a regular file; it is read from its resolved path."""
    from harvester.add import AddError, add_document, is_url
    from harvester.http import PoliteClient

    with archive_for(db) as archive, PoliteClient() as client:
        try:
            added = guarded(
                lambda: add_document(
                    archive,
                    target,
                    client=client if is_url(target) else None,
                    municipality=municipality,
                    region=region,
                    allow_private=allow_private,
                )
            )
        except AddError as exc:
            fail(str(exc))
    for warning in added.warnings:
        err.print(f"pykala: warning: {warning}", markup=False)
    place = ", ".join(p for p in (added.municipality_code, added.region) if p) or "no region"
    out.print(f"{added.outcome}: {added.document_id} — {added.title} ({place})", markup=False)
    out.print(f"stored {added.size} bytes read from {added.origin}", markup=False)


@app.command()
def status(db: DbOption = None) -> None:
    """Show what the archive holds and how the last harvests went."""
    from storage.health import run_summaries, source_health
    from storage.quality import recent_shares
    from storage.queries import archive_stats

    with archive_for(db) as archive, archive.session() as session:
        stats = archive_stats(session)
        print_status(
            archive.url,
            stats,
            run_summaries(session, limit=5),
            source_health(session),
        )
        print_field_shares({s.source: recent_shares(session, s.source) for s in stats.sources})


@app.command()
def demo(
    db: DbOption = None,
    query: Annotated[str, typer.Option(help="What the demo searches for.")] = "perhekeskus",
) -> None:
    """Harvest the bundled fixture site on 127.0.0.1 and show a search and an item (offline)."""
    from harvester.demo import run_demo

    with ConsoleProgress(quiet=False) as progress:
        try:
            result = guarded(lambda: run_demo(db, query, progress))
        except RunAborted as exc:
            code = EXIT_INTERRUPTED if exc.interrupted else EXIT_ARCHIVE
            fail(f"run {exc.report.ended}: {exc}", code)
    err.print(f"Served the fixture site at {result.site_url} and harvested it:")
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


# -- topics and links (issue 3) --------------------------------------------------------

TopicsOption = Annotated[
    Path | None,
    typer.Option(
        "--topics",
        envvar="PYKALA_TOPICS",
        help="TOML file of your own [\\[topic]] tables, added to the shipped ones (a topic "
        "with a shipped name replaces it). Stored topics stay in the archive.",
        dir_okay=False,
        show_default=False,
    ),
]
topics_app = typer.Typer(
    help="Topics (named sets of terms) and the decisions that belong to each.",
    no_args_is_help=True,
)
app.add_typer(topics_app, name="topics")


def update_linking(
    archive: Archive,
    topics_file: Path | None,
    *,
    topic: str | None = None,
    quiet: bool = True,
    rebuild: bool = False,
    k: int | None = None,
    threshold: float | None = None,
) -> None:
    """Store the topics, score new and changed items, rebuild links when needed."""
    from analysis.finnish import VoikkoUnavailable
    from linking.membership import topic_definition
    from linking.topics import TopicError
    from linking.update import update_archive

    options: dict[str, Any] = {"rebuild": rebuild}
    if k is not None:
        options["k"] = k
    if threshold is not None:
        options["threshold"] = threshold
    try:
        report = guarded(lambda: update_archive(archive, topics_file, **options))
    except (TopicError, VoikkoUnavailable) as exc:
        fail(str(exc))
    changed = report.topics.items_analysed or report.topics.documents_analysed
    if not quiet or changed or report.topics.topics_changed:
        err.print(report.summary(), markup=False)
    if topic is not None:
        with archive.session() as session:
            try:
                topic_definition(session, topic)
            except ArchiveError as exc:
                fail(str(exc))


def refresh_linking_after_run(archive: Archive, *, quiet: bool) -> bool:
    """Bring topics and links up to date after a harvest or reparse.

    The harvested pages are committed by then, so a failure here (Voikko missing, a bad
    topics file) is one line and a partial-failure exit, never a lost harvest.
    """
    from analysis.finnish import VoikkoUnavailable
    from linking.topics import TopicError
    from linking.update import update_archive

    try:
        report = update_archive(archive, None)
    except (TopicError, VoikkoUnavailable, ArchiveError) as exc:
        err.print(f"pykala: topics and links not updated: {exc}", markup=False)
        return False
    if not quiet:
        err.print(report.summary(), markup=False)
    return True


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def print_topics_and_links(topics: list[tuple[str, float, list[str]]], links: list[Any]) -> None:
    """The Topics / Same case / Similar decisions blocks of `pykala show` and `links`."""
    if topics:
        out.print("\n[bold cyan]Topics[/bold cyan]")
        for name, score, terms in topics:
            out.print(f"  {name} ({score:.1f}): {', '.join(terms)}", markup=False)
    case = [link for link in links if link.kind == "same_case"]
    similar = [link for link in links if link.kind == "similar"]
    if case:
        diary = escape(str(case[0].evidence.get("diary_number", "")))
        out.print(f"\n[bold cyan]Same case[/bold cyan] [dim]({diary})[/dim]")
        for link in case:
            para = link.paragraph and f"§ {link.paragraph}"
            where = " · ".join(p for p in (link.body, para) if p)
            out.print(
                f"  {link.direction:>7}  {link.item_id}  {_day(link.meeting_date)}  {where}  "
                f"{link.title}",
                markup=False,
            )
    if similar:
        out.print("\n[bold cyan]Similar decisions in other municipalities[/bold cyan]")
        for link in similar:
            shared = ", ".join(link.evidence.get("shared_terms", [])[:6])
            out.print(
                f"  {link.score:.2f}  {link.item_id}  {_day(link.meeting_date)}  "
                f"{link.municipality or ''}: {link.title}",
                markup=False,
            )
            out.print(f"        shared: {shared}", markup=False)


@topics_app.command("list")
def topics_list(
    db: DbOption = None,
    topics_file: TopicsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the topics with their number of member decisions and documents."""
    from linking.membership import list_topics

    with archive_for(db) as archive:
        update_linking(archive, topics_file)
        with archive.session() as session:
            summaries = list_topics(session)
    if as_json:
        for summary in summaries:
            out.print(json.dumps(_jsonable(asdict(summary)), ensure_ascii=False), markup=False)
        return
    table = Table(
        "topic", "title", "members", "municipalities", "first", "last", "documents", title="Topics"
    )
    for s in summaries:
        table.add_row(
            s.name,
            s.title or "",
            str(s.members),
            str(s.municipalities),
            _day(s.first),
            _day(s.last),
            str(s.documents),
        )
    out.print(table)


@topics_app.command("show")
def topics_show(
    name: Annotated[str, typer.Argument(help="Topic name, e.g. perhekeskus.")],
    db: DbOption = None,
    topics_file: TopicsOption = None,
    limit: Annotated[
        int, typer.Option(min=1, help="At most this many members and this many documents.")
    ] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a topic's definition, its member decisions (oldest first) and its member
    documents (programme pages, slide decks; best first) with the matched terms."""
    from linking.documents import topic_documents
    from linking.membership import topic_definition, topic_members

    with archive_for(db) as archive:
        update_linking(archive, topics_file, topic=name)
        with archive.session() as session:
            definition = topic_definition(session, name)
            members = topic_members(session, name, limit=limit)
            documents = topic_documents(session, name, limit=limit)
    if as_json:
        data = {
            "definition": definition.as_data(),
            "members": [_jsonable(asdict(m)) for m in members],
            "documents": [_jsonable(asdict(d)) for d in documents],
        }
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)
        return
    out.print(f"[bold]{escape(definition.name)}[/bold]  {escape(definition.title or '')}")
    if definition.description:
        out.print(definition.description, markup=False)
    terms = ", ".join(
        f"{t.text}" + (f" ×{t.weight:g}" if t.weight != 1 else "") for t in definition.terms
    )
    out.print(f"[dim]terms[/dim]      {escape(terms)}")
    if definition.exclude:
        out.print(
            f"[dim]exclude[/dim]    {escape(', '.join(t.text for t in definition.exclude))}"
            " (in a title without a term)"
        )
    weights = ", ".join(f"{k} {v:g}" for k, v in definition.weights.items() if v)
    out.print(f"[dim]weights[/dim]    {escape(weights)}; threshold {definition.threshold:g}")
    for ref in definition.references:
        out.print(f"[dim]reference[/dim]  {escape(ref.title)} {escape(ref.url or '')}")
    table = Table(
        "date",
        "municipality",
        "body",
        "§",
        "title",
        "score",
        "terms (section)",
        title=f"Members ({len(members)})",
    )
    for m in members:
        sections: dict[str, list[str]] = {}
        for e in m.evidence:
            sections.setdefault(str(e["term"]), []).append(str(e["section"]))
        where = "\n".join(f"{term} ({', '.join(kinds)})" for term, kinds in sections.items())
        table.add_row(
            _day(m.meeting_date),
            m.municipality or "",
            m.body or "",
            m.paragraph or "",
            f"{m.title}\n{m.item_id}",
            f"{m.score:.1f}",
            where,
        )
    out.print(table)
    if documents:
        docs = Table(
            "first date",
            "place",
            "title",
            "score",
            "terms (section)",
            title=f"Documents, not minutes ({len(documents)})",
        )
        for d in documents:
            where = "\n".join(f"{e['term']} ({e['section']})" for e in d.evidence)
            place = ", ".join(p for p in (d.municipality, d.region, d.organisation) if p)
            docs.add_row(
                _day(d.first_date), place, f"{d.title}\n{d.document_id}", f"{d.score:.1f}", where
            )
        out.print(docs)


@topics_app.command("timeline")
def topics_timeline(
    name: Annotated[str, typer.Argument(help="Topic name, e.g. perhekeskus.")],
    db: DbOption = None,
    topics_file: TopicsOption = None,
    by: Annotated[str, typer.Option(help="municipality, region or county.")] = "municipality",
    period: Annotated[str, typer.Option(help="year or month.")] = "year",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            help="Also draw the timeline into this PNG file (needs matplotlib: pykala\\[plot]).",
        ),
    ] = None,
) -> None:
    """When each municipality (region, wellbeing county) decided about a topic: a table of
    member decisions per meeting year or month (--png: also a dot plot). Member documents
    (programme pages, slide decks) are not counted: their dates are dates their text
    mentions, not decisions (`pykala topics show` lists them)."""
    from linking.membership import timeline

    if by not in ("municipality", "region", "county"):
        fail(f"--by must be municipality, region or county, not {by!r}")
    if period not in ("year", "month"):
        fail(f"--period must be year or month, not {period!r}")
    with archive_for(db) as archive:
        update_linking(archive, topics_file, topic=name)
        with archive.session() as session:
            result = timeline(session, name, by, period)  # type: ignore[arg-type]
    if png is not None:
        _write_png(result, png)
    if as_json:
        out.print(json.dumps(asdict(result), ensure_ascii=False, indent=2), markup=False)
        return
    table = Table(by, *result.periods, "total", title=f"{name}: member decisions per {period}")
    for group, counts in result.rows.items():
        table.add_row(
            group, *(str(counts.get(p, "")) for p in result.periods), str(result.total(group))
        )
    out.print(table)


def _write_png(result: Timeline, path: Path) -> None:
    from linking.plot import PlotUnavailable, write_timeline_png

    try:
        write_timeline_png(result, path)
    except PlotUnavailable as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    err.print(f"wrote {path}", markup=False)


@topics_app.command("update")
def topics_update(db: DbOption = None, topics_file: TopicsOption = None) -> None:
    """Store the topic definitions, score new and changed items, rebuild links if needed
    (harvest and reparse do this at the end)."""
    with archive_for(db) as archive:
        update_linking(archive, topics_file, quiet=False)


@app.command()
def links(
    item_id: Annotated[
        str | None,
        typer.Argument(help="Item id as shown by search; omit with --rebuild, --k or --threshold."),
    ] = None,
    db: DbOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Recompute every same-case and similar link.")
    ] = False,
    k: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Similar decisions kept per item. Default: the archive's (5 until set); "
            "another value rebuilds the links and is kept for later updates.",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Least cosine similarity kept. Default: the archive's (0.15 until set); "
            "another value rebuilds the links and is kept for later updates.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Decisions of the same case (diary number) and similar decisions in other
    municipalities (TF-IDF over lemmas and compound parts)."""
    from linking.links import item_links, resolve_item_id
    from storage.queries import get_item

    settings = k is not None or threshold is not None
    if item_id is None and not rebuild and not settings:
        fail("give an item id, or --rebuild, --k or --threshold")
    with archive_for(db) as archive:
        quiet = not (rebuild or settings)
        update_linking(archive, None, quiet=quiet, rebuild=rebuild, k=k, threshold=threshold)
        if item_id is None:
            return
        with archive.session() as session:
            view = guarded(lambda: get_item(session, item_id))
            if view is None:
                fail(f"no item {item_id!r} in the archive (ids look like kuopio:2020362412-5)")
            db_id = resolve_item_id(session, view.item_id)
            found = item_links(session, db_id) if db_id is not None else []
    if as_json:
        for link in found:
            out.print(json.dumps(_jsonable(asdict(link)), ensure_ascii=False), markup=False)
        return
    out.print(f"[bold]{escape(view.title)}[/bold]  {escape(view.item_id)}")
    if not found:
        err.print("no links")
    print_topics_and_links([], found)


if __name__ == "__main__":  # pragma: no cover
    app()
