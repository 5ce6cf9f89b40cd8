"""Commands that read decisions: search, show and parse."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pykala.commands.common import (
    archive_for,
    check_filters_or_fail,
    item_filters,
)
from pykala.commands.options import (
    BodyOption,
    CountyOption,
    DbOption,
    MunicipalityOption,
    OutcomeOption,
    QualityOption,
    RegionOption,
    SectionOption,
    SinceOption,
    UntilOption,
    VotedOption,
)
from pykala.parsers.records import ParseError
from pykala.render.console import out
from pykala.render.errors import (
    fail,
    guarded,
)
from pykala.render.formats import FORMAT_HELP, check_format
from pykala.render.items import (
    print_document,
    print_explanation,
    print_hits,
    print_item_view,
    print_parse_result,
)

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    pass


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
    filters = item_filters(
        municipality,
        body,
        since,
        until,
        region=region,
        county=county,
        section=section,
        topic=topic,
        quality=quality,
        outcome=outcome,
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
