"""Topics and links on the screen: the Topics / Same case / Similar blocks of `show` and
`links`, `topics list`, `topics show` and `topics timeline`."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from pykala.render.console import day, err, joined, jsonable, out
from pykala.render.formats import print_rows
from pykala.storage.views import ItemView

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    from pykala.linking.documents import DocumentMember
    from pykala.linking.topics import TopicDefinition
    from pykala.linking.topicview import Member, Timeline, TopicSummary


def topics_json(topics: list[tuple[str, float, list[str]]]) -> list[dict[str, Any]]:
    """An item's or a document's topics as `show --json` writes them."""
    return [{"topic": n, "score": sc, "terms": t} for n, sc, t in topics]


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
                f"  {link.direction:>7}  {link.item_id}  {day(link.meeting_date)}  {where}  "
                f"{link.title}",
                markup=False,
            )
    if similar:
        out.print("\n[bold cyan]Similar decisions in other municipalities[/bold cyan]")
        for link in similar:
            shared = ", ".join(link.evidence.get("shared_terms", [])[:6])
            out.print(
                f"  {link.score:.2f}  {link.item_id}  {day(link.meeting_date)}  "
                f"{link.municipality or ''}: {link.title}",
                markup=False,
            )
            out.print(f"        shared: {shared}", markup=False)


TOPIC_LIST_COLUMNS = (
    "name",
    "title",
    "members",
    "municipalities",
    "first",
    "last",
    "updated_at",
    "documents",
)
# One row per member of `topics show` (jsonl, csv): decisions, then documents.
MEMBER_COLUMNS = (
    "kind",
    "id",
    "date",
    "municipality",
    "region",
    "wellbeing_county",
    "organisation",
    "body",
    "paragraph",
    "title",
    "url",
    "score",
    "terms",
)


def print_topic_list(summaries: list[TopicSummary], *, fmt: str) -> None:
    """`pykala topics list`: each topic with its members (render.formats)."""
    if fmt != "table":
        print_rows([asdict(s) for s in summaries], fmt, TOPIC_LIST_COLUMNS)
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
            day(s.first),
            day(s.last),
            str(s.documents),
        )
    out.print(table)


def print_topic(
    definition: TopicDefinition,
    members: list[Member],
    documents: list[DocumentMember],
    *,
    fmt: str,
) -> None:
    """`pykala topics show`: the definition, the member decisions and documents; json:
    one document with all three, jsonl and csv: one row per member (MEMBER_COLUMNS)."""
    if fmt != "table":
        data = {
            "definition": definition.as_data(),
            "members": [jsonable(asdict(m)) for m in members],
            "documents": [jsonable(asdict(d)) for d in documents],
        }
        print_rows(_member_rows(members, documents), fmt, MEMBER_COLUMNS, document=data)
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
            day(m.meeting_date),
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
            place = joined(d.municipality, d.region, d.organisation, sep=", ")
            docs.add_row(
                day(d.first_date), place, f"{d.title}\n{d.document_id}", f"{d.score:.1f}", where
            )
        out.print(docs)


def _member_rows(members: list[Member], documents: list[DocumentMember]) -> list[dict[str, Any]]:
    rows = [
        {
            "kind": "item",
            "id": m.item_id,
            "date": m.meeting_date,
            "municipality": m.municipality,
            "region": m.region,
            "wellbeing_county": m.wellbeing_county,
            "organisation": None,
            "body": m.body,
            "paragraph": m.paragraph,
            "title": m.title,
            "url": m.url,
            "score": round(m.score, 4),
            "terms": m.terms,
        }
        for m in members
    ]
    rows += [
        {
            "kind": "document",
            "id": d.document_id,
            "date": d.first_date,
            "municipality": d.municipality,
            "region": d.region,
            "wellbeing_county": None,
            "organisation": d.organisation,
            "body": None,
            "paragraph": None,
            "title": d.title,
            "url": d.url,
            "score": round(d.score, 4),
            "terms": d.terms,
        }
        for d in documents
    ]
    return rows


def print_timeline(result: Timeline, name: str, by: str, period: str, *, fmt: str) -> None:
    """`pykala topics timeline`: member decisions per group and period, empty periods
    included; json: the whole timeline, jsonl and csv: one row per group and period."""
    if fmt != "table":
        rows = [
            {by: group, period: p, "members": counts.get(p, 0)}
            for group, counts in result.rows.items()
            for p in result.periods
        ]
        print_rows(rows, fmt, (by, period, "members"), document=asdict(result))
        return
    table = Table(by, *result.periods, "total", title=f"{name}: member decisions per {period}")
    for group, counts in result.rows.items():
        table.add_row(
            group, *(str(counts.get(p, "")) for p in result.periods), str(result.total(group))
        )
    out.print(table)


LINK_COLUMNS = (
    "kind",
    "direction",
    "item_id",
    "municipality",
    "body",
    "meeting_date",
    "paragraph",
    "title",
    "score",
    "evidence",
)


def print_links(view: ItemView, found: list[Any], *, fmt: str) -> None:
    """`pykala links ITEM`: the item's title, then its same-case and similar decisions;
    json: {"item_id", "title", "links": [...]}, jsonl and csv: one row per link."""
    if fmt != "table":
        rows = [asdict(link) for link in found]
        document = {"item_id": view.item_id, "title": view.title, "links": rows}
        print_rows(rows, fmt, LINK_COLUMNS, document=document)
        return
    out.print(f"[bold]{escape(view.title)}[/bold]  {escape(view.item_id)}")
    if not found:
        err.print("no links")
    print_topics_and_links([], found)
