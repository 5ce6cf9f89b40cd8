"""`pykala search --facets`: the matching items counted per value of each facet."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from pykala.render.console import out
from pykala.storage.search.counts import SearchSummary

NO_VALUE = "(none)"  # an item without the value: no meeting date, no body, no outcome


def facets_data(summary: SearchSummary) -> dict[str, list[dict[str, Any]]]:
    """The facets as --format json carries them: name → [{"value", "count"}, …]."""
    return {
        name: [{"value": c.value, "count": c.count} for c in counts]
        for name, counts in summary.facets.items()
    }


def facet_lines(summary: SearchSummary) -> list[dict[str, Any]]:
    """--format jsonl after the hits: one line with the total, one per facet value."""
    lines: list[dict[str, Any]] = [{"kind": "total", "items": summary.total}]
    for name, counts in summary.facets.items():
        lines.extend(
            {"kind": "facet", "facet": name, "value": c.value, "count": c.count} for c in counts
        )
    return lines


def print_facet_tables(summary: SearchSummary) -> None:
    """A block per facet, one line per value with its count; values never cut."""
    for name, counts in summary.facets.items():
        out.print(f"\n[bold]{escape(name)}[/bold] (items per value)")
        width = max((len(c.value or NO_VALUE) for c in counts), default=0)
        for c in counts:
            out.print(f"  {c.value or NO_VALUE:<{width}}  {c.count:>6}", markup=False)
        if not counts:
            out.print("  no items", markup=False)
