"""What `pykala sources probe` and `pykala sources check` print."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from pykala.harvester.check import SourceCheck
from pykala.harvester.probe import ProbeResult, source_entry
from pykala.render.console import out
from pykala.render.formats import print_rows

CHECK_COLUMNS = ("name", "platform", "status", "url", "detail", "moved_to")


def print_probe(result: ProbeResult, names: dict[str, str], fmt: str) -> None:
    """The platform with its base URL and a ready [[source]] entry, or what was seen
    (json, jsonl, csv: one record)."""
    found, facts = result.found, result.facts
    if fmt != "table":
        row = {
            "url": result.url,
            "platform": found.platform if found else None,
            "variant": found.variant if found else None,
            "base_url": found.base_url if found else None,
            "start_urls": list(found.start_urls) if found else [],
            "harvested": found.harvested if found else None,
            "evidence": found.evidence if found else None,
            "organisation_code": result.municipality[0] if result.municipality else None,
            "fetched": list(result.fetched),
            "title": facts.title,
            "generator": facts.generator,
            "content_type": facts.content_type,
            "hints": list(result.hints),
            "entry": source_entry(result, names) if found else None,
        }
        print_rows([row], fmt, list(row), document=row)
        return
    if found is not None:
        out.print(f"{found.variant}: {found.evidence}", markup=False)
        out.print(f"platform: {found.platform}\nbase URL: {found.base_url}", markup=False)
        if not found.harvested:
            out.print(
                "pykala parses this platform's documents but cannot harvest it "
                "(the Ahjo API needs a key)",
                markup=False,
            )
        out.print("\n" + source_entry(result, names), markup=False, end="")
        return
    out.print(f"{result.url}: no known platform", markup=False)
    out.print(f"content type: {facts.content_type or '-'}", markup=False)
    out.print(f"title: {facts.title or '-'}", markup=False)
    out.print(f"generator: {facts.generator or '-'}", markup=False)
    if len(result.fetched) > 1:
        out.print(f"also fetched: {', '.join(result.fetched[1:])}", markup=False)
    if facts.links:
        out.print(f"links ({len(facts.links)}), the first:", markup=False)
        for url, text in facts.links[:5]:
            out.print(f"  {url}  {text}", markup=False)
    for hint in result.hints:
        out.print(f"links to what looks like a platform's page, probe it: {hint}", markup=False)


def print_checks(checks: Sequence[SourceCheck], fmt: str) -> None:
    """One row per source: found / moved / unreachable / unrecognised, and a count."""
    if fmt != "table":
        rows = [
            {
                "name": check.source.name,
                "platform": check.source.platform,
                "status": check.status,
                "url": check.url,
                "detail": check.detail,
                "moved_to": check.moved_to,
            }
            for check in checks
        ]
        print_rows(rows, fmt, CHECK_COLUMNS)
        return
    table = Table("source", "platform", "status", "what was seen", title="Source check")
    for check in checks:
        detail = check.detail + (f" → {check.moved_to}" if check.moved_to else "")
        table.add_row(
            escape(check.source.name), check.source.platform, check.status, escape(detail)
        )
    out.print(table)
    counts = Counter(c.status for c in checks)
    out.print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())), markup=False)
