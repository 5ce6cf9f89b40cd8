"""pykala command line: the typer app and its commands, nothing else.

Its one responsibility is the command-line surface: each command parses its options, calls
the library and hands the result to a renderer in ``render/`` (tables, reports, items,
topics, the consoles and control-character escaping; ``render.errors``: one-line errors and
the exit codes). It is over ~400 lines because of the typer option declarations and
their help texts (about 360 lines of command signatures and option aliases), which are the
surface itself; the rest is checking options, opening the archive and calling the library.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, TextIO

import typer
from typer.core import TyperCommand

from pykala.harvester.http import DEFAULT_TOTAL_TIMEOUT
from pykala.harvester.report import RunAborted
from pykala.harvester.sources import load_sources
from pykala.parsers.records import ParseError
from pykala.render.console import err, out
from pykala.render.errors import (
    EXIT_ARCHIVE,
    EXIT_CODES_HELP,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
    fail,
    guarded,
    interruptible,
)
from pykala.render.formats import FORMAT_HELP, check_format
from pykala.render.help import CONTEXT_SETTINGS, PlainFlagsGroup
from pykala.render.items import (
    print_added,
    print_document,
    print_explanation,
    print_hits,
    print_item_view,
    print_parse_result,
)
from pykala.render.report import (
    ConsoleProgress,
    end_aborted_run,
    print_demo,
    print_report,
    write_report_json,
)
from pykala.render.status import print_sources, print_status
from pykala.render.topics import print_links, print_timeline, print_topic, print_topic_list
from pykala.storage.db import Archive, ArchiveError, connect_archive, resolve_db_url
from pykala.storage.filters import ItemFilters

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    from sqlalchemy.orm import Session

    from pykala.linking.topicview import Timeline

app = typer.Typer(
    name="pykala",
    help="Harvest, search and export Finnish municipal meeting minutes (pöytäkirjat).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
    cls=PlainFlagsGroup,
    context_settings=CONTEXT_SETTINGS,
)


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
    str | None,
    typer.Option(
        help="Only this municipality or other organisation (its code or name), or this source."
    ),
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
RegionOption = Annotated[
    str | None, typer.Option(help="Maakunta (name or its beginning, e.g. Pohjois-Savo).")
]
CountyOption = Annotated[
    str | None,
    typer.Option(help="Hyvinvointialue (name or its beginning, e.g. Pohjois-Savon)."),
]
SectionOption = Annotated[
    str | None,
    typer.Option(
        help="Match only inside this section kind: paatos, paatosehdotus, selostus, kasittely, …"
    ),
]
OutcomeOption = Annotated[
    str | None,
    typer.Option(
        help="Only decisions with this outcome: accepted, amended, rejected, tabled, "
        "returned, removed, noted; none: minutes no rule could read."
    ),
]
VotedOption = Annotated[
    bool | None,
    typer.Option("--voted/--not-voted", help="Only decisions that were (not) voted on."),
]

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
FormatOption = Annotated[str, typer.Option("--format", help=FORMAT_HELP)]
JsonLinesFlag = Annotated[
    bool, typer.Option("--json", help="The old spelling of --format jsonl (still works).")
]
JsonDocumentFlag = Annotated[
    bool, typer.Option("--json", help="The old spelling of --format json (still works).")
]
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


def _pykala_version() -> str:
    try:
        return version("pykala")
    except PackageNotFoundError:
        return "0+unknown"


@contextmanager
def archive_for(db: str | None, *, locked: bool = False, create: bool = False) -> Iterator[Archive]:
    """The migrated archive; ``locked``: hold its run lock, taken before migrating (so a
    second first run on a new archive exits 4, not 3 over half-created tables);
    ``create``: make a SQLite file that does not exist (else exit 3, nothing created)."""
    try:
        archive = connect_archive(resolve_db_url(db), create=create)
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


def check_filters_or_fail(session: Session, filters: ItemFilters) -> None:
    """Exit 2 naming a filter value the archive knows nothing like (storage.filters)."""
    from pykala.storage.filters import FilterError, check_filters

    try:
        check_filters(session, filters)
    except FilterError as exc:
        fail(str(exc))


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


sources_app = typer.Typer(
    help="List the sources in use (no subcommand); check them or probe a new site.",
)
app.add_typer(sources_app, name="sources")


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
    from pykala.storage.lock import ArchiveLocked, run_lock

    try:
        with run_lock(archive):
            yield
    except ArchiveLocked as exc:
        fail(str(exc), EXIT_LOCKED)
    except ArchiveError as exc:  # cannot even take the lock: no lock file, no server
        fail(str(exc), EXIT_ARCHIVE)


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
    from pykala.harvester.http import PoliteClient, Politeness
    from pykala.harvester.run import harvest as run_harvest

    configs = guarded(lambda: load_sources(sources_file))
    if only:
        unknown = sorted(set(only) - {c.name for c in configs})
        if unknown:
            fail(f"--source: no source named {', '.join(unknown)}")
        configs = [c for c in configs if c.name in only]
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


@app.command(epilog=EXIT_CODES_HELP)
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


def _quality(value: str | None) -> str | None:
    from pykala.storage.filters import QUALITIES

    if value is not None and value not in QUALITIES:
        fail(f"--quality must be {' or '.join(QUALITIES)}, not {value!r}")
    return value


class QueryCommand(TyperCommand):
    """A command whose query may hold ``-word`` exclusions: one typed outside quotes reads
    as an unknown option, and click's "No such option: -b" would not say why."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:  # typer vendors click from 0.25 on
            from typer._click.exceptions import NoSuchOption, UsageError
        except ImportError:  # pragma: no cover
            from click.exceptions import NoSuchOption, UsageError  # type: ignore[assignment]
        given = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except NoSuchOption as exc:
            name = exc.option_name
            word = next((a for a in given if a.startswith(name) and a[1:2] != "-"), None)
            if word is None or name.startswith("--"):
                raise
            raise UsageError(
                f"{word!r} reads as an option. To exclude a word, put the whole query in "
                f'quotes after --, e.g. pykala {ctx.info_name} -- "perhekeskus {word}"',
                ctx,
            ) from exc


@app.command(cls=QueryCommand)
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
    region: RegionOption = None,
    county: CountyOption = None,
    section: SectionOption = None,
    topic: Annotated[
        str | None, typer.Option(help="Only items (and documents) of this topic.")
    ] = None,
    quality: QualityOption = None,
    outcome: OutcomeOption = None,
    voted: VotedOption = None,
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
        str,
        typer.Option(
            "--format",
            help=FORMAT_HELP + " The hits shown, at most --limit, with snippets; to take "
            "every match with every column: pykala export QUERY.",
        ),
    ] = "table",
    facets: Annotated[
        str | None,
        typer.Option(
            help="Also count the matching items per value of these facets, comma-separated: "
            "municipality, year, body, topic, outcome (table, json or jsonl).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Finnish-aware full-text search of decisions (and documents), best matches first.

    The table ends with how many items match in all ("20 of 59 results")."""
    from dataclasses import replace

    from pykala.storage.filters import FilterError, outcome_value, section_kind
    from pykala.storage.search import search_items
    from pykala.storage.search.counts import search_summary
    from pykala.storage.search.documents import search_documents

    check_format(fmt)
    wanted_facets = _facet_names(facets, fmt, kind)
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
            ("outcome", outcome),
            ("voted", voted is not None),
        )
        if value
    ]
    if kind == "document" and item_only:
        fail(
            f"{', '.join(item_only)} cannot select documents (they have no body, section, "
            "meeting date, county, quality flags or outcome); use --kind item or all"
        )
    try:
        wanted_section = section_kind(section) if section else None
        wanted_outcome = outcome_value(outcome) if outcome else None
    except FilterError as exc:
        fail(str(exc))
    filters = replace(
        make_filters(municipality, body, since, until),
        region=region,
        county=county,
        section=wanted_section,
        topic=topic,
        quality=_quality(quality),
        outcome=wanted_outcome,
        voted=voted,
    )
    with archive_for(db) as archive, archive.session() as session:
        check_filters_or_fail(session, filters)
        hits = (
            guarded(lambda: search_items(session, query, filters, limit))
            if kind != "document"
            else []
        )
        # Fewer hits than the limit are all there is; only a full page needs the count.
        summary = (
            guarded(lambda: search_summary(session, query, filters, wanted_facets))
            if wanted_facets or (fmt == "table" and len(hits) == limit)
            else None
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
    print_hits(hits, fmt, documents, summary)


def _facet_names(facets: str | None, fmt: str, kind: str) -> list[str]:
    """The --facets names, each one known (exit 2 naming the closest otherwise)."""
    from pykala.storage.filters import unknown_value
    from pykala.storage.search.counts import FACETS

    if facets is None:
        return []
    names = [name.strip().lower() for name in facets.split(",") if name.strip()]
    for name in names:
        if name not in FACETS:
            fail("--facets: " + unknown_value("facet", name, FACETS))
    if not names:
        fail(f"--facets needs at least one of {', '.join(FACETS)}")
    if fmt == "csv":
        fail("--facets prints with --format table, json or jsonl, not csv")
    if kind == "document":
        fail("--facets counts items (decisions), not documents: use --kind item or all")
    return list(dict.fromkeys(names))


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
    from pykala.linking.linkview import item_links, resolve_item_id
    from pykala.linking.topicview import document_topics, item_topics
    from pykala.storage.docview import get_document
    from pykala.storage.views import get_item

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
    print_item_view(view, topics, links, as_json=as_json)


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
    from pykala.harvester.platforms import PLATFORMS
    from pykala.parsers.explain import explain

    if platform not in PLATFORMS:
        fail(f"unknown platform {platform!r} (known: {', '.join(sorted(PLATFORMS))})")
    page_url = url or _guess_url(platform, file)
    if page_url is None:
        fail(f"give the page's address with --url (pykala cannot tell it from {file.name!r})")
    body = file.read_bytes()
    try:
        if explain_lines:
            print_explanation(explain(platform, body, page_url, content_type))
            return
        result = PLATFORMS[platform].parse(body, page_url, content_type)
    except ParseError as exc:
        fail(f"cannot parse {file}: {exc.reason}")
    print_parse_result(result, as_json=as_json)


def _explain_stored(item_id: str, db: str | None) -> None:
    from pykala.parsers.explain import explain
    from pykala.storage.views import item_page

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


@app.command(cls=QueryCommand)
def export(
    query: Annotated[
        str | None,
        typer.Argument(
            help="Only the items search finds for these words (same query language as "
            "search, every match, oldest meeting first). Default: every item.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv (UTF-8 with BOM), jsonl or parquet (needs pykala[parquet] and --output). "
            "Default: from the --output file's extension, else csv.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here instead of stdout, with datapackage.json (the codebook) and "
            "FILE.meta.json beside it.",
        ),
    ] = None,
    municipality: MunicipalityOption = None,
    region: RegionOption = None,
    county: CountyOption = None,
    body: BodyOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    topic: Annotated[
        str | None,
        typer.Option(help="Only members of this topic; adds topic_score and topic_terms."),
    ] = None,
    section: SectionOption = None,
    kind: Annotated[
        str,
        typer.Option(
            help="item: decisions (documents are not exported; see search --kind document)."
        ),
    ] = "item",
    quality: QualityOption = None,
    outcome: OutcomeOption = None,
    voted: VotedOption = None,
    sections: Annotated[
        str,
        typer.Option(
            help="none: the codebook's columns; wide: also one section_<kind> column per "
            "section kind (selostus, kasittely, …); long: one row per section instead "
            "(item_id, ordinal, kind, heading, text)."
        ),
    ] = "none",
    excel: Annotated[
        bool,
        typer.Option("--excel", help="CSV for Excel in a Finnish locale: ; between cells."),
    ] = False,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV cell delimiter, one character (default ,).")
    ] = None,
    topics_file: TopicsOption = None,
) -> None:
    """Export every item search finds (or every item), one row each: columns in the README's
    codebook and in datapackage.json.

    With --output FILE, datapackage.json beside it (a Frictionless Data Package: each
    column's type, description and constraints, the query, filters, archive, last harvest
    and each source's coverage) and FILE.meta.json record what the file was made of, so a
    study can cite exactly what it used.
    """
    from dataclasses import replace

    from pykala.storage.export import SECTIONS_MODES, export_columns

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in ("jsonl", "parquet") else "csv"
    if fmt not in ("csv", "jsonl", "parquet"):
        fail(f"--format must be csv, jsonl or parquet, not {fmt!r}")
    if fmt == "parquet" and output is None:
        fail("--format parquet writes a binary file: give --output FILE")
    if sections not in SECTIONS_MODES:
        fail(f"--sections must be {', '.join(SECTIONS_MODES)}, not {sections!r}")
    if kind != "item":
        fail(f"--kind must be item, not {kind!r}: export writes items (decisions) only")
    sep = _delimiter(delimiter, excel)
    filters = replace(
        make_filters(municipality, body, since, until),
        region=region,
        county=county,
        section=_section(section),
        topic=topic,
        quality=_quality(quality),
        outcome=_outcome(outcome),
        voted=voted,
    )
    columns = export_columns(topic=bool(topic), sections=sections)
    with archive_for(db) as archive:
        if topic:
            update_linking(archive, topics_file, topic=topic)
        with archive.session() as session:
            check_filters_or_fail(session, filters)
            _export(
                session,
                archive.url,
                _ExportJob(query, filters, fmt, sections, sep, columns),
                output,
            )


def _delimiter(delimiter: str | None, excel: bool) -> str:
    if excel and delimiter not in (None, ";"):
        fail(f"--excel means --delimiter ';', not {delimiter!r}: give one of them")
    sep = ";" if excel else (delimiter if delimiter is not None else ",")
    if len(sep) != 1 or sep in '"\r\n':
        fail(f"--delimiter must be one character other than a quote or line break, not {sep!r}")
    return sep


def _outcome(value: str | None) -> str | None:
    from pykala.storage.filters import FilterError, outcome_value

    try:
        return outcome_value(value) if value else None
    except FilterError as exc:
        fail(str(exc))


def _section(value: str | None) -> str | None:
    from pykala.storage.filters import FilterError, section_kind

    try:
        return section_kind(value) if value else None
    except FilterError as exc:
        fail(str(exc))


class _ExportJob(NamedTuple):
    query: str | None
    filters: ItemFilters
    fmt: str
    sections: str
    delimiter: str
    columns: tuple[Any, ...]


def _export(session: Any, archive_url: str, job: _ExportJob, output: Path | None) -> None:
    """Stream the rows to stdout, or to ``output`` (written under a temporary name and
    renamed when complete, so a failed export never replaces a good one) with its
    codebook and sidecar."""
    from pykala.storage.export import (
        Coverage,
        ExportError,
        export_meta,
        iter_export_rows,
        iter_section_rows,
        names,
        resource,
        write_csv,
        write_datapackage,
        write_jsonl,
        write_meta,
        write_parquet,
    )

    fieldnames = names(job.columns)
    rows = guarded(
        lambda: (
            iter_section_rows(session, job.filters, job.query)
            if job.sections == "long"
            else iter_export_rows(session, job.filters, job.query, sections=job.sections)
        )
    )
    if output is None:
        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]  # CSV: \r\n
        if job.fmt == "csv":
            guarded(lambda: write_csv(rows, sys.stdout, fieldnames, delimiter=job.delimiter))
        else:
            guarded(lambda: write_jsonl(rows, sys.stdout, fieldnames))
        return
    coverage = Coverage(fieldnames)
    partial = output.with_name(output.name + ".partial")
    try:
        if job.fmt == "parquet":
            count = write_parquet(coverage.observe(rows), partial, job.columns)
        else:
            with partial.open("w", encoding="utf-8", newline="") as handle:
                if job.fmt == "csv":
                    count = guarded(
                        lambda: write_csv(
                            coverage.observe(rows), handle, fieldnames, delimiter=job.delimiter
                        )
                    )
                else:
                    count = guarded(lambda: write_jsonl(coverage.observe(rows), handle, fieldnames))
        partial.replace(output)
        meta = export_meta(
            session,
            archive_url=archive_url,
            command="export",
            query=job.query,
            filters=job.filters,
            fmt=job.fmt,
            rows=count,
            columns=fieldnames,
            sections=job.sections,
        )
        write_meta(output, meta)
        entry = resource(output, job.columns, meta, coverage.report(), delimiter=job.delimiter)
        write_datapackage(output, entry)
    except ExportError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    finally:
        partial.unlink(missing_ok=True)


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
    from pykala.harvester.add import AddError, add_document, is_url
    from pykala.harvester.http import PoliteClient

    with archive_for(db, create=True) as archive, PoliteClient() as client:
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
    print_added(added)


@app.command()
def status(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """Show what the archive holds and how the last harvests went (json: one document
    with the counts, a row per source, the last runs and the outcomes; jsonl, csv: the
    rows per source).

    Also the sources that publish less than they used to (see `pykala coverage`; on
    stderr with json, jsonl and csv); exit 1 when such a flag is new (no harvest has
    reported it yet)."""
    from datetime import UTC, datetime

    from pykala.render.coverage import print_flags
    from pykala.storage.coverageflags import coverage_flags, reported
    from pykala.storage.health import run_summaries, source_health
    from pykala.storage.outcomes import outcome_counts
    from pykala.storage.quality import recent_shares
    from pykala.storage.views import archive_stats

    fmt = check_format(fmt)
    with archive_for(db) as archive, archive.session() as session:
        stats = archive_stats(session)
        health = source_health(session)
        print_status(
            archive.url,
            stats,
            run_summaries(session, limit=5),
            health,
            {s.source: recent_shares(session, s.source) for s in stats.sources},
            outcome_counts(session),
            fmt=fmt,
        )
        silent = {h.source for h in health if "unreachable" in h.flags}
        flags = coverage_flags(session, datetime.now(UTC).date(), silent=silent)
        known = reported(session)
    print_flags(flags, known, to_stderr=fmt != "table")  # json/csv on stdout stay valid
    new = [f for f in flags if (f.source, f.kind) not in known]
    raise typer.Exit(EXIT_PARTIAL if new else EXIT_OK)


@app.command()
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


# -- topics and links (issue 3) --------------------------------------------------------

topics_app = typer.Typer(
    help="Topics (named sets of terms) and the decisions that belong to each.",
    no_args_is_help=True,
    cls=PlainFlagsGroup,
    context_settings=CONTEXT_SETTINGS,
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
    from pykala.analysis.finnish import VoikkoUnavailable
    from pykala.linking.topics import TopicError
    from pykala.linking.topicview import topic_definition
    from pykala.linking.update import update_archive

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
    from pykala.analysis.finnish import VoikkoUnavailable
    from pykala.linking.topics import TopicError
    from pykala.linking.update import update_archive

    try:
        report = update_archive(archive, None)
    except (TopicError, VoikkoUnavailable, ArchiveError) as exc:
        err.print(f"pykala: topics and links not updated: {exc}", markup=False)
        return False
    if not quiet:
        err.print(report.summary(), markup=False)
    return True


@topics_app.command("list")
def topics_list(
    db: DbOption = None,
    topics_file: TopicsOption = None,
    fmt: FormatOption = "table",
    as_json: JsonLinesFlag = False,
) -> None:
    """List the topics with their number of member decisions and documents."""
    from pykala.linking.topicview import list_topics

    fmt = check_format(fmt, json_flag=as_json)
    with archive_for(db) as archive:
        update_linking(archive, topics_file)
        with archive.session() as session:
            summaries = list_topics(session)
    print_topic_list(summaries, fmt=fmt)


@topics_app.command("show")
def topics_show(
    name: Annotated[str, typer.Argument(help="Topic name, e.g. perhekeskus.")],
    db: DbOption = None,
    topics_file: TopicsOption = None,
    limit: Annotated[
        int, typer.Option(min=1, help="At most this many members and this many documents.")
    ] = 100,
    fmt: FormatOption = "table",
    as_json: JsonDocumentFlag = False,
) -> None:
    """Show a topic's definition, its member decisions (oldest first) and its member
    documents (programme pages, slide decks; best first) with the matched terms (jsonl,
    csv: one row per member)."""
    from pykala.linking.documents import topic_documents
    from pykala.linking.topicview import topic_counts, topic_definition, topic_members

    fmt = check_format(fmt, json_flag=as_json, json_means="json")
    with archive_for(db) as archive:
        update_linking(archive, topics_file, topic=name)
        with archive.session() as session:
            definition = topic_definition(session, name)
            members = topic_members(session, name, limit=limit)
            documents = topic_documents(session, name, limit=limit)
            totals = topic_counts(session, name)
    print_topic(definition, members, documents, fmt=fmt, totals=totals)


@topics_app.command("timeline")
def topics_timeline(
    name: Annotated[str, typer.Argument(help="Topic name, e.g. perhekeskus.")],
    db: DbOption = None,
    topics_file: TopicsOption = None,
    by: Annotated[
        str,
        typer.Option(
            help="municipality, region, county, or outcome (what was decided: accepted, "
            "tabled, …; agenda items and texts no rule reads count as '(no outcome)')."
        ),
    ] = "municipality",
    period: Annotated[str, typer.Option(help="year or month.")] = "year",
    fmt: FormatOption = "table",
    as_json: JsonDocumentFlag = False,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            help="Also draw the timeline into this PNG file (needs matplotlib: pykala\\[plot]).",
        ),
    ] = None,
) -> None:
    """When each municipality (region, wellbeing county) decided about a topic, or what was
    decided (--by outcome): a table of
    member decisions per meeting year or month (--png: also a dot plot). Member documents
    (programme pages, slide decks) are not counted: their dates are dates their text
    mentions, not decisions (`pykala topics show` lists them). Every period from the
    first member to the last is a column, empty ones too (jsonl, csv: one row per group
    and period)."""
    from pykala.linking.topicview import GROUPS, timeline

    fmt = check_format(fmt, json_flag=as_json, json_means="json")
    if by not in GROUPS:
        fail(f"--by must be {', '.join(GROUPS[:-1])} or {GROUPS[-1]}, not {by!r}")
    if period not in ("year", "month"):
        fail(f"--period must be year or month, not {period!r}")
    with archive_for(db) as archive:
        update_linking(archive, topics_file, topic=name)
        with archive.session() as session:
            result = timeline(session, name, by, period)  # type: ignore[arg-type]
    if png is not None:
        _write_png(result, png)
    print_timeline(result, name, by, period, fmt=fmt)


def _write_png(result: Timeline, path: Path) -> None:
    from pykala.linking.plot import PlotUnavailable, write_timeline_png

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
    fmt: FormatOption = "table",
    as_json: JsonLinesFlag = False,
) -> None:
    """Decisions of the same case (diary number) and similar decisions in other
    municipalities (TF-IDF over lemmas and compound parts)."""
    from pykala.linking.linkview import item_links, resolve_item_id
    from pykala.storage.views import get_item

    fmt = check_format(fmt, json_flag=as_json)
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
    print_links(view, found, fmt=fmt)


# -- sources check and probe, coverage (issue 16) ---------------------------------------

LookTimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Seconds one request may take in all (connect, headers, the whole body).",
        min=0.1,
    ),
]


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
    configs = guarded(lambda: load_sources(sources_file))
    if only:
        unknown = sorted(set(only) - {c.name for c in configs})
        if unknown:
            fail(f"--source: no source named {', '.join(unknown)}")
        configs = [c for c in configs if c.name in only]
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


@app.command()
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
    from pykala.render.coverageplot import PlotUnavailable, write_coverage_png

    try:
        rows = write_coverage_png(bodies, path)
    except PlotUnavailable as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    err.print(f"wrote {path} ({rows} sources)", markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()
