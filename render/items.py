"""Items and documents on the screen: search hits (render.formats), `show` of an
item or a document, the role of each line (`--explain`), `parse` of a saved page and
`add` of a document."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from pykala.parsers.records import ParseResult
from pykala.render.console import (
    err,
    joined,
    jsonable,
    marked,
    out,
    print_facts,
    print_json,
    print_versions,
)
from pykala.render.formats import print_rows
from pykala.render.topics import print_topics_and_links, topics_json
from pykala.storage.docview import DocumentView
from pykala.storage.search import SearchHit
from pykala.storage.search.documents import DocumentHit
from pykala.storage.views import ItemView

if TYPE_CHECKING:
    from pykala.harvester.add import Added


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


def print_document_hits(hits: list[DocumentHit]) -> None:
    """The table format's "Documents" section (after the items)."""
    out.print("[bold]Documents (not minutes)[/bold]\n")
    for hit in hits:
        first = hit.first_date.isoformat() if hit.first_date else "no date"
        where = joined(hit.municipality, hit.region, hit.organisation)
        out.print(
            f"[bold magenta]{escape(hit.document_id)}[/bold magenta]  {first}  {escape(where)}"
        )
        out.print(f"  [bold]{escape(hit.title)}[/bold]")
        out.print(f"  {marked(hit.snippet)}\n")


def print_hits(hits: list[SearchHit], fmt: str, documents: list[DocumentHit] | None = None) -> None:
    documents = documents or []
    rows = [_hit_row(h) for h in hits] + [_document_row(d) for d in documents]
    if fmt != "table":  # json: a list of the rows; jsonl; csv (render.formats)
        print_rows(rows, fmt, HIT_COLUMNS)
        return
    if not rows:
        err.print("no matches")
        return
    for hit in hits:
        snippet = marked(hit.snippet)
        date_text = hit.meeting_date.isoformat() if hit.meeting_date else "date unknown"
        where = joined(hit.municipality, hit.body, hit.paragraph and f"§ {hit.paragraph}")
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


def decision_facts(view: ItemView) -> list[tuple[str, str]]:
    """Outcome, vote and disqualification lines of `pykala show` (none on agendas)."""
    d = view.decision
    if d is None or view.meeting_kind == "esityslista":
        return []
    facts = [("outcome", d.outcome or "none (no rule fits the decision text)")]
    if d.voted:
        facts.append(("vote", d.vote_counts or "voted (tallies not printed)"))
        for vote in (d.details or {}).get("votes", []):
            for option in vote["options"]:
                if option["names"]:
                    facts.append((f"  {option['label']}", ", ".join(option["names"])))
    else:
        facts.append(("vote", "no vote"))
    if d.disqualified:
        facts.append(("disqualified", "; ".join(d.disqualified)))
    if d.dissent:
        facts.append(("dissent", "; ".join(d.dissent)))
    return facts


def print_item(view: ItemView, *, as_json: bool) -> None:
    if as_json:
        print_json(jsonable(asdict(view)), indent=2)
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
        *decision_facts(view),
    ]
    print_facts(facts)
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
    print_versions(view.versions)


def print_document(
    view: DocumentView, topics: list[tuple[str, float, list[str]]], *, as_json: bool
) -> None:
    """`pykala show` of a document: its facts, topics, text and earlier versions."""
    if as_json:
        data = jsonable(asdict(view))
        del data["db_id"]
        data["topics"] = topics_json(topics)
        print_json(data, indent=2)
        return
    out.print(f"[bold]{escape(view.title)}[/bold]  [dim](document, not minutes)[/dim]")
    place = joined(
        view.municipality and f"{view.municipality} ({view.municipality_code})",
        view.region,
        sep=", ",
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
    print_facts(facts)
    print_topics_and_links(topics, [])
    out.print("\n[bold cyan]Text[/bold cyan]")
    out.print(view.text, markup=False)
    print_versions(view.versions)


def print_explanation(lines: list[tuple[str, str]]) -> None:
    """Each line of a page with the role the parser gave it."""
    width = max((len(role) for role, _ in lines), default=0)
    for role, text in lines:
        out.print(f"{role:<{width}}  {text}", markup=False, soft_wrap=True)


def print_item_view(
    view: ItemView, topics: list[tuple[str, float, list[str]]], links: list[Any], *, as_json: bool
) -> None:
    """`pykala show` of an item: its facts, sections, topics and links (or all as JSON)."""
    if as_json:
        data = jsonable(asdict(view))
        data["topics"] = topics_json(topics)
        data["links"] = [jsonable(asdict(link)) for link in links]
        print_json(data, indent=2)
        return
    print_item(view, as_json=False)
    print_topics_and_links(topics, links)


def print_parse_result(result: ParseResult, *, as_json: bool) -> None:
    """`pykala parse`: the page's record, its items' quality flags and the warnings."""
    from pykala.parsers.quality import item_flags
    from pykala.parsers.serialize import to_jsonable

    if as_json:
        data = to_jsonable(result)
        for item, record in zip(data["items"], result.items, strict=True):
            item["quality_flags"] = list(item_flags(record))
        print_json(data, indent=2)
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


def print_added(added: Added) -> None:
    """`pykala add`: its warnings, then what was stored and from where."""
    for warning in added.warnings:
        err.print(f"pykala: warning: {warning}", markup=False)
    place = joined(added.municipality_code, added.region, sep=", ") or "no region"
    out.print(f"{added.outcome}: {added.document_id} — {added.title} ({place})", markup=False)
    out.print(f"stored {added.size} bytes read from {added.origin}", markup=False)
