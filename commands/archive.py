"""Commands about the archive itself: add (a document by hand) and status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pykala.commands.common import (
    archive_for,
)
from pykala.commands.options import (
    DbOption,
    FormatOption,
)
from pykala.render.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    fail,
    guarded,
)
from pykala.render.formats import check_format
from pykala.render.items import (
    print_added,
)
from pykala.render.status import print_status

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    pass


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
