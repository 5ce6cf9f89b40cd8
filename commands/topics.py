"""Topic and link commands: topics list|show|timeline|update, and links."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pykala.commands.common import (
    archive_for,
    update_linking,
)
from pykala.commands.options import (
    DbOption,
    FormatOption,
    JsonDocumentFlag,
    JsonLinesFlag,
    TopicsOption,
)
from pykala.render.console import err
from pykala.render.errors import (
    fail,
    guarded,
)
from pykala.render.formats import check_format
from pykala.render.help import CONTEXT_SETTINGS, PlainFlagsGroup
from pykala.render.topics import print_links, print_timeline, print_topic, print_topic_list

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    from pykala.linking.topicview import Timeline


topics_app = typer.Typer(
    help="Topics (named sets of terms) and the decisions that belong to each.",
    no_args_is_help=True,
    cls=PlainFlagsGroup,
    context_settings=CONTEXT_SETTINGS,
)


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
