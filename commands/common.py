"""What the commands share: opening the archive, checking filters and dates, the run
lock and log file, the query command class, and bringing topics and links up to date.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from typer.core import TyperCommand

from pykala.harvester.sources import SourceConfig, load_sources
from pykala.render.console import err
from pykala.render.errors import (
    EXIT_ARCHIVE,
    EXIT_LOCKED,
    fail,
    guarded,
)
from pykala.storage.db import Archive, ArchiveError, connect_archive, resolve_db_url
from pykala.storage.filters import ItemFilters

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    from sqlalchemy.orm import Session


def pykala_version() -> str:
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


def item_filters(
    municipality: str | None,
    body: str | None,
    since: str | None,
    until: str | None,
    *,
    region: str | None,
    county: str | None,
    section: str | None,
    topic: str | None,
    quality: str | None,
    outcome: str | None,
    voted: bool | None,
) -> ItemFilters:
    """The filters search and export share, checked: a bad date, section kind, outcome
    or quality is a one-line error before the archive is opened."""
    from pykala.storage.filters import FilterError, outcome_value, section_kind

    try:
        wanted_section = section_kind(section) if section else None
        wanted_outcome = outcome_value(outcome) if outcome else None
    except FilterError as exc:
        fail(str(exc))
    return replace(
        make_filters(municipality, body, since, until),
        region=region,
        county=county,
        section=wanted_section,
        topic=topic,
        quality=_quality(quality),
        outcome=wanted_outcome,
        voted=voted,
    )


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


def selected_sources(sources_file: Path | None, only: list[str] | None) -> list[SourceConfig]:
    """The sources of ``sources_file`` (default: the shipped ones), only those named in
    ``only`` when given; a name that is no source is a one-line error."""
    configs = guarded(lambda: load_sources(sources_file))
    if only:
        unknown = sorted(set(only) - {c.name for c in configs})
        if unknown:
            fail(f"--source: no source named {', '.join(unknown)}")
        configs = [c for c in configs if c.name in only]
    return configs
