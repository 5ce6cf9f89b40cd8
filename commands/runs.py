"""Commands that run a harvest: harvest, reparse and demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pykala.commands.common import (
    archive_for,
    log_file_for,
    refresh_linking_after_run,
    selected_sources,
)
from pykala.commands.options import (
    DbOption,
    LogFileOption,
    QuietOption,
    SourcesOption,
    TimeoutOption,
)
from pykala.harvester.http import DEFAULT_TOTAL_TIMEOUT
from pykala.harvester.report import RunAborted
from pykala.render.console import err
from pykala.render.errors import (
    EXIT_ARCHIVE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    fail,
    guarded,
    interruptible,
)
from pykala.render.report import (
    ConsoleProgress,
    end_aborted_run,
    print_demo,
    print_report,
    write_report_json,
)
from pykala.storage.db import Archive

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    pass


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
    from pykala.harvester.http import PoliteClient, Politeness
    from pykala.harvester.run import harvest as run_harvest

    configs = selected_sources(sources_file, only)
    if only:  # a disabled source named on the command line says why it is skipped
        for config in configs:
            if not config.enabled:
                reason = config.disabled_reason or "enabled = false"
                err.print(f"pykala: skipping {config.name}: disabled ({reason})", markup=False)
    configs = [c for c in configs if c.enabled]
    if delay < 0:
        fail("--delay must not be negative")
    with (
        interruptible(),
        log_file_for(log_file) as log,
        archive_for(db, locked=True, create=True) as archive,
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


def reparse(
    db: DbOption = None,
    quiet: QuietOption = False,
    log_file: LogFileOption = None,
) -> None:
    """Rebuild every item from the stored raw pages, without the network."""
    from pykala.harvester.reparse import reparse as run_reparse

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


def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Keep the demo archive here (an SQLAlchemy URL: sqlite:///demo.db, "
            "postgresql+psycopg://…); running the demo again into it changes nothing. "
            "Default: a temporary SQLite file, deleted at the end (PYKALA_DB is not read).",
            show_default=False,
        ),
    ] = None,
    query: Annotated[str, typer.Option(help="What the demo searches for.")] = "perhekeskus",
) -> None:
    """Harvest the bundled fixture site on 127.0.0.1 and show a search and an item (offline).

    Topics and links are brought up to date after the harvest, as after `pykala harvest`."""
    from pykala.harvester.demo import run_demo

    def after_harvest(archive: Archive) -> None:
        refresh_linking_after_run(archive, quiet=False)

    with ConsoleProgress(quiet=False) as progress:
        try:
            result = guarded(lambda: run_demo(db, query, progress, after_harvest))
        except RunAborted as exc:
            code = EXIT_INTERRUPTED if exc.interrupted else EXIT_ARCHIVE
            fail(f"run {exc.report.ended}: {exc}", code)
    print_demo(result)
