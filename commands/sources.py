"""Source commands: sources (list), sources check, sources probe, and coverage."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pykala.commands.common import (
    archive_for,
    selected_sources,
)
from pykala.commands.options import (
    DbOption,
    FormatOption,
    JsonDocumentFlag,
    JsonLinesFlag,
    LookTimeoutOption,
    SourcesOption,
)
from pykala.harvester.http import DEFAULT_TOTAL_TIMEOUT
from pykala.harvester.sources import load_sources
from pykala.render.console import err
from pykala.render.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    fail,
    guarded,
)
from pykala.render.formats import check_format
from pykala.render.help import CONTEXT_SETTINGS, PlainFlagsGroup
from pykala.render.status import print_sources

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    pass


sources_app = typer.Typer(
    help="List the sources in use (no subcommand); check them or probe a new site.",
    cls=PlainFlagsGroup,
    context_settings=CONTEXT_SETTINGS,
)


@sources_app.callback(invoke_without_command=True)
def sources(
    ctx: typer.Context,
    sources_file: SourcesOption = None,
    fmt: FormatOption = "table",
    as_json: JsonLinesFlag = False,
) -> None:
    """List the sources with their organisations, regions and counties; a disabled source
    says why."""
    if ctx.invoked_subcommand is not None:
        return
    fmt = check_format(fmt, json_flag=as_json)
    configs = guarded(lambda: load_sources(sources_file))
    print_sources(configs, fmt=fmt)


def _municipality_names() -> dict[str, str]:
    from pykala.harvester.sources import load_municipalities

    return {code: m.name_fi for code, m in load_municipalities().items()}


@sources_app.command("check")
def sources_check(
    sources_file: SourcesOption = None,
    only: Annotated[
        list[str] | None, typer.Option("--source", help="Check only this source (repeatable).")
    ] = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            help="Write the checked sources to this file, enabled where the platform was "
            "found (each entry headed by what the check saw).",
            dir_okay=False,
        ),
    ] = None,
    delay: Annotated[
        float, typer.Option(min=0.0, help="Seconds between two requests to the same host.")
    ] = 1.0,
    timeout: LookTimeoutOption = DEFAULT_TOTAL_TIMEOUT,
    fmt: FormatOption = "table",
    as_json: JsonLinesFlag = False,
) -> None:
    """Fetch each source's start page: platform found, moved (to another host or
    platform), unreachable, or answering with no page of its platform. Exit 1 unless
    every checked source was found."""
    from datetime import UTC, datetime

    from pykala.harvester.check import check_sources, confirmed_toml
    from pykala.harvester.http import PoliteClient, Politeness
    from pykala.render.probe import print_checks

    fmt = check_format(fmt, json_flag=as_json)
    configs = selected_sources(sources_file, only)
    # One retry: a check is a look, not a harvest.
    politeness = Politeness(min_interval=delay, total_timeout=timeout, tries=2, backoff=1.0)
    with PoliteClient(politeness) as client:
        checks = check_sources(client, configs)
    print_checks(checks, fmt)
    if write is not None:
        try:
            write.write_text(confirmed_toml(checks, datetime.now(UTC).date()), encoding="utf-8")
        except OSError as exc:
            fail(f"--write: cannot write {write}: {exc.strerror or exc}")
        err.print(f"wrote {write}", markup=False)
    raise typer.Exit(EXIT_OK if all(c.confirmed for c in checks) else EXIT_PARTIAL)


@sources_app.command("probe")
def sources_probe(
    url: Annotated[str, typer.Argument(help="A page of the site: its front page or any page.")],
    timeout: LookTimeoutOption = DEFAULT_TOTAL_TIMEOUT,
    fmt: FormatOption = "table",
    as_json: JsonDocumentFlag = False,
) -> None:
    """Fetch one or two pages of a site and say which platform it is (Dynasty 10, the old
    static Dynasty export, CloudNC pages, the OpenNC API, Tweb, PDF minutes or a list of
    them, Ahjo) with the base URL to use and a [\\[source]] entry to paste (its
    municipality guessed from the page: confirm it). Exit 1 for a page of no known
    platform, with what it showed."""
    from pykala.harvester.http import PoliteClient, Politeness
    from pykala.harvester.platforms.urlcheck import check_http_url
    from pykala.harvester.probe import ProbeError, probe
    from pykala.harvester.sources import CREDENTIALS_REFUSED, has_credentials
    from pykala.render.probe import print_probe

    fmt = check_format(fmt, json_flag=as_json, json_means="json")
    if has_credentials(url):
        fail(f"URL: {CREDENTIALS_REFUSED}")
    if problem := check_http_url(url):
        fail(f"{url!r} {problem}")
    names = _municipality_names()
    politeness = Politeness(min_interval=0.5, total_timeout=timeout, tries=2, backoff=1.0)
    with PoliteClient(politeness) as client:
        try:
            result = guarded(lambda: probe(client, url, names))
        except ProbeError as exc:
            fail(f"cannot probe: {exc}", EXIT_PARTIAL)
    print_probe(result, names, fmt)
    raise typer.Exit(EXIT_OK if result.found is not None else EXIT_PARTIAL)


def coverage(
    db: DbOption = None,
    only: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
    organisation: Annotated[
        list[str] | None,
        typer.Option(
            "--organisation",
            help="Only the sources of this organisation: its code or name (a "
            "municipality's, a county's, a joint authority's; repeatable).",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="table, json, jsonl (a line per body, then per flag) or csv (a row per "
            "body and month).",
        ),
    ] = "table",
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            help="Also draw meetings per month per source into this PNG file (needs "
            "matplotlib: pykala\\[plot]).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Per source and body: meetings and items per month, the last meeting and the share
    of items with each field; and the sources that publish less than they used to (fewer
    meetings or items per meeting than their own history, or no new meeting for three
    times their usual gap)."""
    from datetime import UTC, datetime

    from pykala.render.coverage import FORMATS, print_coverage
    from pykala.storage.coverage import UnknownSelection, collect, select_sources
    from pykala.storage.coverageflags import coverage_flags, reported
    from pykala.storage.health import source_health

    if fmt not in FORMATS:
        fail(f"--format must be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, not {fmt!r}")
    today = datetime.now(UTC).date()
    with archive_for(db) as archive, archive.session() as session:
        try:
            names = guarded(lambda: select_sources(session, only or (), organisation or ()))
        except UnknownSelection as exc:
            fail(str(exc))
        silent = {h.source for h in source_health(session) if "unreachable" in h.flags}
        data = guarded(lambda: collect(session, names))
        flags = guarded(lambda: coverage_flags(session, today, names, silent=silent, data=data))
        known = reported(session)
    if png is not None:
        _write_coverage_png(data.bodies, png)
    print_coverage(data.bodies, flags, known, fmt, today)


def _write_coverage_png(bodies: Any, path: Path) -> None:
    from pykala.linking.plot import PlotUnavailable
    from pykala.render.coverageplot import write_coverage_png

    try:
        rows = write_coverage_png(bodies, path)
    except PlotUnavailable as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    err.print(f"wrote {path} ({rows} sources)", markup=False)
