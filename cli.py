"""pykala command line: a thin typer layer; each command calls one library function."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from harvester.run import Progress, RunReport, SourceReport
from harvester.sources import SourceConfigError, load_municipalities, load_sources
from storage.db import Archive, ArchiveError, open_archive, resolve_db_url
from storage.filters import ItemFilters
from storage.queries import AmbiguousItemError, ArchiveStats, ItemView, RunView
from storage.search import SearchHit, SearchQueryError

app = typer.Typer(
    name="pykala",
    help="Harvest, search and export Finnish municipal meeting minutes (pöytäkirjat).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_PARTIAL = 1  # the run finished but some sources or pages failed
EXIT_USAGE = 2  # bad command line, bad configuration or a bad query
EXIT_ARCHIVE = 3  # the archive cannot be opened

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
        help="TOML file of [[source]] tables. Default: the sources shipped with pykala.",
        exists=False,
        dir_okay=False,
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
def archive_for(db: str | None) -> Iterator[Archive]:
    try:
        archive = open_archive(resolve_db_url(db))
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    try:
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
    """A progress bar per source on a terminal; plain timestamped log lines otherwise."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: RichProgress | None = None
        self.task: Any = None
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

    def log(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        err.print(f"{stamp} {message}", markup=False)

    def on_source(self, source: str, index: int, total: int) -> None:
        if self.bar is not None:
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(f"{source} ({index}/{total})", total=None)
        elif not self.quiet:
            self.log(f"{source}: start ({index}/{total})")

    def on_page(self, source: str, url: str, n: int, total_guess: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=n, total=max(total_guess, n))

    def on_error(self, source: str, message: str) -> None:
        if self.quiet:
            return  # the summary lists every problem once
        if self.bar is not None:
            self.bar.console.print(f"{source}: {message}", markup=False)
        else:
            self.log(f"{source}: {message}")

    def on_source_done(self, report: SourceReport) -> None:
        if self.bar is None and not self.quiet:
            self.log(
                f"{report.name}: done: {report.inserted} new, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.failed} failed, {report.pages} pages"
            )


def print_report(report: RunReport, *, quiet: bool) -> None:
    """The run summary: a table per source (unless quiet) and every problem on one line."""
    if not quiet:
        table = Table("source", "new", "updated", "unchanged", "failed", "pages", "status",
                      title=f"{report.kind} summary")
        for s in report.sources:
            state = "ok" if s.ok else ("unreachable" if s.unreachable else "no items")
            table.add_row(s.name, str(s.inserted), str(s.updated), str(s.unchanged),
                          str(s.failed), str(s.pages), state)
        totals = report.totals()
        table.add_row("[bold]total[/bold]", *(str(totals[k]) for k in
                      ("inserted", "updated", "unchanged", "failed", "pages")), "")
        err.print(table)
    for line in report.error_lines(per_source=10):
        err.print(line, markup=False)


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
    }


def print_hits(hits: list[SearchHit], fmt: str) -> None:
    if fmt == "json":
        for hit in hits:
            out.print(json.dumps(_hit_row(hit), ensure_ascii=False), markup=False)
        return
    if fmt == "csv":
        import csv

        from storage.export import neutralise

        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
        writer = csv.DictWriter(sys.stdout, fieldnames=HIT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for hit in hits:
            writer.writerow({k: neutralise(v) for k, v in _hit_row(hit).items()})
        return
    if not hits:
        err.print("no matches")
        return
    for hit in hits:
        snippet = escape(hit.snippet).replace("«", "[bold yellow]").replace("»", "[/bold yellow]")
        date_text = hit.meeting_date.isoformat() if hit.meeting_date else "date unknown"
        where = " · ".join(
            part for part in (hit.municipality, hit.body, hit.paragraph and f"§ {hit.paragraph}")
            if part
        )
        out.print(f"[bold green]{escape(hit.item_id)}[/bold green]  {date_text}  {escape(where)}")
        out.print(f"  [bold]{escape(hit.title)}[/bold]")
        out.print(f"  {snippet}\n")
    out.print(f"{len(hits)} result{'s' if len(hits) != 1 else ''}")


HIT_COLUMNS = ("item_id", "municipality", "body", "meeting_date", "paragraph", "title",
               "snippet", "url")


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
        view.meeting_kind or "", "")
    out.print(f"[bold]{escape(view.title)}[/bold]")
    facts = [
        ("id", view.item_id),
        ("municipality", f"{view.municipality or ''} ({view.municipality_code or '?'}), "
                         f"{view.region or ''}, {view.wellbeing_county or ''}"),
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
        out.print(f"\n[bold cyan]{escape(section.heading)}[/bold cyan] [dim]({section.kind})"
                  f"{escape(presenter)}[/dim]".replace("] [dim]", "][dim]", not section.heading))
        if section.text:
            out.print(section.text, markup=False)
    if view.attachments:
        out.print("\n[bold cyan]Attachments[/bold cyan]")
        for attachment in view.attachments:
            out.print(f"  {attachment.title}: {attachment.url}", markup=False)
    if view.versions:
        out.print("\n[bold cyan]Earlier versions[/bold cyan]")
        for version in view.versions:
            out.print(f"  {version.version}: {version.valid_from:%Y-%m-%d %H:%M} – "
                      f"{version.valid_to:%Y-%m-%d %H:%M} {version.content.get('title', '')}",
                      markup=False)


def print_status(url: str, stats: ArchiveStats, runs: list[RunView]) -> None:
    out.print(f"[bold]archive[/bold] {escape(url)}")
    out.print(f"{stats.items} items, {stats.item_versions} earlier versions, "
              f"{stats.raw_pages} raw pages ({stats.raw_bytes:,} bytes)")
    table = Table("source", "municipality", "items", "meetings", "pages", "last fetched",
                  title="Sources")
    for s in stats.sources:
        fetched = s.last_fetched.isoformat(timespec="minutes") if s.last_fetched else "never"
        table.add_row(s.source, s.municipality or "", str(s.items), str(s.meetings),
                      str(s.pages), fetched)
    out.print(table)
    if runs:
        table = Table("run", "started", "finished", "status", "counts", title="Last runs")
        for run in runs:
            finished = run.finished.isoformat(timespec="seconds") if run.finished else "-"
            counts = ", ".join(f"{k} {v}" for k, v in run.counts.items()
                               if isinstance(v, int))
            table.add_row(str(run.id), run.started.isoformat(timespec="seconds"), finished,
                          run.status, counts)
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
        muni = municipalities[config.municipality_code]
        rows.append(
            {
                "name": config.name,
                "platform": config.platform,
                "municipality_code": config.municipality_code,
                "municipality": muni.name_fi,
                "region": muni.region,
                "wellbeing_county": muni.wellbeing_county,
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
        label = f"{row['municipality']} ({row['municipality_code']})"
        table.add_row(str(row["name"]), str(row["platform"]), label, str(row["region"]),
                      str(row["base_url"]))
    out.print(table)
    out.print(f"{len(rows)} sources")


@app.command()
def harvest(
    db: DbOption = None,
    sources_file: SourcesOption = None,
    only: Annotated[
        list[str] | None, typer.Option("--source", help="Harvest only this source (repeatable).")
    ] = None,
    max_pages: Annotated[
        int | None, typer.Option(help="Stop each source after this many pages.")
    ] = None,
    delay: Annotated[
        float, typer.Option(help="Seconds between two requests to the same host.")
    ] = 1.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Fetch new and changed minutes from the sources into the archive.

    Exit code 0 when every source was harvested, 1 when some sources or pages failed.
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
        archive_for(db) as archive,
        PoliteClient(Politeness(min_interval=delay)) as client,
        ConsoleProgress(quiet=quiet) as progress,
    ):
        report = guarded(
            lambda: run_harvest(archive, configs, client, progress=progress, max_pages=max_pages)
        )
    print_report(report, quiet=quiet)
    raise typer.Exit(report.exit_status)


@app.command()
def reparse(
    db: DbOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Rebuild every item from the stored raw pages, without the network."""
    from harvester.run import reparse as run_reparse

    with archive_for(db) as archive, ConsoleProgress(quiet=quiet) as progress:
        report = guarded(lambda: run_reparse(archive, progress=progress))
    print_report(report, quiet=quiet)
    raise typer.Exit(report.exit_status)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find; every word must match.")],
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    body: BodyOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many results.")] = 20,
    fmt: Annotated[
        str, typer.Option("--format", help="table, json (JSON lines) or csv.")
    ] = "table",
) -> None:
    """Full-text search of decisions, newest and best matches first."""
    from storage.search import search_items

    if fmt not in ("table", "json", "csv"):
        fail(f"--format must be table, json or csv, not {fmt!r}")
    filters = make_filters(municipality, body, since, until)
    with archive_for(db) as archive, archive.session() as session:
        hits = guarded(lambda: search_items(session, query, filters, limit))
    print_hits(hits, fmt)


@app.command()
def show(
    item_id: Annotated[str, typer.Argument(help="Item id as shown by search (or its URL).")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one item with its sections, URL and earlier versions."""
    from storage.queries import get_item

    with archive_for(db) as archive, archive.session() as session:
        view = guarded(lambda: get_item(session, item_id))
    if view is None:
        fail(f"no item {item_id!r} in the archive (ids look like kuopio:2020362412-5)")
    print_item(view, as_json=as_json)


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
) -> None:
    """Export items, one row each (columns: see the README's codebook)."""
    from storage.export import iter_export_rows, write_csv, write_jsonl

    writers: dict[str, Callable[..., Any]] = {"csv": write_csv, "jsonl": write_jsonl}
    if fmt not in writers:
        fail(f"--format must be csv or jsonl, not {fmt!r}")
    filters = make_filters(municipality, body, since, until)
    with archive_for(db) as archive, archive.session() as session:
        rows = iter_export_rows(session, filters)
        if output is None:
            sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]  # CSV writes \r\n
            writers[fmt](rows, sys.stdout)
        else:
            try:
                with output.open("w", encoding="utf-8", newline="") as handle:
                    writers[fmt](rows, handle)
            except OSError as exc:
                fail(f"cannot write {output}: {exc.strerror}")


@app.command()
def status(db: DbOption = None) -> None:
    """Show what the archive holds and how the last harvests went."""
    from storage.queries import archive_stats, list_runs

    with archive_for(db) as archive, archive.session() as session:
        print_status(archive.url, archive_stats(session), list_runs(session, limit=5))


@app.command()
def demo(
    db: DbOption = None,
    query: Annotated[str, typer.Option(help="What the demo searches for.")] = "perhekeskus",
) -> None:
    """Harvest the bundled fixture site on 127.0.0.1 and show a search and an item (offline)."""
    from harvester.demo import run_demo

    with ConsoleProgress(quiet=False) as progress:
        result = guarded(lambda: run_demo(db, query, progress))
    err.print(f"Served the fixture site at {result.site_url} and harvested it:")
    print_report(result.report, quiet=False)
    out.print(f"\n[bold]pykala search {result.query}[/bold]")
    print_hits(result.hits, "table")
    if result.item is not None:
        out.print(f"\n[bold]pykala show {result.item.item_id}[/bold]")
        print_item(result.item, as_json=False)
    if result.archive_url:
        out.print(f"\nThe archive is in {result.archive_url}; try pykala search --db …")
    else:
        out.print("\nThe demo archive was temporary; pass --db to keep it.")


if __name__ == "__main__":  # pragma: no cover
    app()
