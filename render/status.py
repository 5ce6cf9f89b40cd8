"""What the archive holds: `pykala status` (its sources, their health, the last runs and
the fields read) and `pykala sources` (the sources in use)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.markup import escape
from rich.table import Table

from pykala.harvester.sources import SourceConfig
from pykala.render.console import out
from pykala.render.formats import print_rows
from pykala.storage.health import RunSummary, SourceHealth
from pykala.storage.outcomes import OutcomeCounts
from pykala.storage.quality import FieldShares
from pykala.storage.views import ArchiveStats

SOURCE_COLUMNS = (
    "name",
    "platform",
    "municipality_code",
    "municipality",
    "region",
    "wellbeing_county",
    "enabled",
    "base_url",
    "organisation_code",
    "organisation",
    "organisation_type",
    "disabled_reason",
)


def print_sources(configs: list[SourceConfig], *, fmt: str) -> None:
    """The sources in use with their organisations and its members' regions and counties
    (render.formats); a disabled source says why."""
    rows = []
    for config in configs:
        org = config.organisation  # None: a document source of no organisation
        rows.append(
            {
                "name": config.name,
                "platform": config.platform,
                "municipality_code": config.municipality_code,
                "municipality": config.municipality_name,
                "region": config.region,
                "wellbeing_county": config.wellbeing_county,
                "enabled": config.enabled,
                "base_url": config.base_url,
                "organisation_code": org.code if org else None,
                "organisation": org.name_fi if org else None,
                "organisation_type": org.type if org else None,
                "disabled_reason": config.disabled_reason,
            }
        )
    if fmt != "table":
        print_rows(rows, fmt, SOURCE_COLUMNS)
        return
    table = Table(
        "name",
        "platform",
        "organisation",
        "region",
        "wellbeing county",
        "status",
        "base URL",
        title="Sources",
    )
    for row in rows:
        org_name = row["organisation"]
        label = f"{org_name} ({row['organisation_code']})" if org_name else "-"
        status = "enabled" if row["enabled"] else f"disabled: {row['disabled_reason'] or '-'}"
        table.add_row(
            escape(str(row["name"])),
            str(row["platform"]),
            escape(label),
            escape(str(row["region"] or "-")),
            escape(str(row["wellbeing_county"] or "-")),
            escape(status),
            escape(str(row["base_url"])),
        )
    out.print(table)
    enabled = sum(1 for row in rows if row["enabled"])
    out.print(f"{len(rows)} sources, {enabled} enabled")


def _days(n: int | None) -> str:
    return "never" if n is None else f"{n} d"


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def print_status(
    url: str,
    stats: ArchiveStats,
    runs: list[RunSummary],
    health: list[SourceHealth],
    shares: dict[str, FieldShares],
    outcomes: dict[str, OutcomeCounts],
    *,
    fmt: str = "table",
) -> None:
    """`pykala status`: tables, or (json) one document with the archive's counts, a row
    per source, the last runs and the outcomes per source; jsonl and csv: the row per
    source."""
    if fmt != "table":
        rows = _source_rows(stats, health, shares)
        document = {
            "archive": url,
            "items": stats.items,
            "item_versions": stats.item_versions,
            "raw_pages": stats.raw_pages,
            "raw_bytes": stats.raw_bytes,
            "sources": rows,
            "runs": [_run_row(run) for run in runs],
            "outcomes": {name: asdict(counts) for name, counts in outcomes.items()},
        }
        print_rows(rows, fmt, list(rows[0]) if rows else _status_columns(), document=document)
        return
    _print_status_tables(url, stats, runs, health)
    print_field_shares(shares)
    print_outcome_counts(outcomes)


def _status_columns() -> list[str]:
    from pykala.parsers.quality import FIELDS

    return [
        "source",
        "municipality",
        "enabled",
        "items",
        "meetings",
        "pages",
        "last_fetched",
        "days_since_new",
        "failure_rate",
        "paatos_share",
        "queued",
        "flags",
        "latest_items",
        "doubtful",
        *(f"share_{f}" for f in FIELDS),
    ]


def _source_rows(
    stats: ArchiveStats, health: list[SourceHealth], shares: dict[str, FieldShares]
) -> list[dict[str, Any]]:
    """One row per source: its counts, health and the field shares of its latest items."""
    from pykala.parsers.quality import FIELDS

    by_name = {h.source: h for h in health}
    rows = []
    for s in stats.sources:
        h = by_name.get(s.source)
        share = shares.get(s.source)
        values = [
            s.source,
            s.municipality,
            s.enabled,
            s.items,
            s.meetings,
            s.pages,
            s.last_fetched,
            h.days_since_new if h else None,
            h.failure_rate if h else None,
            h.paatos_share if h else None,
            h.queued if h else None,
            list(h.flags) if h else [],
            share.items if share else 0,
            share.doubtful if share else 0,
            *((round(share.shares[f], 4) if share and share.items else None) for f in FIELDS),
        ]
        rows.append(dict(zip(_status_columns(), values, strict=True)))
    return rows


def _run_row(run: RunSummary) -> dict[str, Any]:
    took = (run.finished - run.started).total_seconds() if run.finished else None
    return {
        "run": run.id,
        "started": run.started,
        "finished": run.finished,
        "duration_s": took,
        "status": run.status,
        **run.totals,
        "flagged": list(run.flagged),
    }


def _print_status_tables(
    url: str, stats: ArchiveStats, runs: list[RunSummary], health: list[SourceHealth]
) -> None:
    out.print(f"[bold]archive[/bold] {escape(url)}")
    out.print(
        f"{stats.items} items, {stats.item_versions} earlier versions, "
        f"{stats.raw_pages} raw pages ({stats.raw_bytes:,} bytes)"
    )
    by_name = {h.source: h for h in health}
    table = Table(
        "source",
        "municipality",
        "items",
        "meetings",
        "pages",
        "last fetched",
        "new item",
        "failed",
        "päätös",
        "queued",
        "flags",
        title="Sources",
    )
    for s in stats.sources:
        fetched = s.last_fetched.isoformat(timespec="minutes") if s.last_fetched else "never"
        h = by_name.get(s.source)
        table.add_row(
            s.source,
            s.municipality or "",
            str(s.items),
            str(s.meetings),
            str(s.pages),
            fetched,
            _days(h.days_since_new) if h else "",
            _share(h.failure_rate) if h else "",
            _share(h.paatos_share) if h else "",
            str(h.queued) if h else "",
            ", ".join(h.flags) if h else "",
        )
    out.print(table)
    out.print(
        "[dim]new item: days since the source last gave a new item; failed: share of "
        "pages that failed in its last harvest; päätös: share of its items with a "
        "decision (minutes, not only agendas); queued: pages waiting for the next "
        "run[/dim]"
    )
    if runs:
        table = Table(
            "run",
            "started",
            "duration",
            "status",
            "new",
            "updated",
            "failed",
            "requests",
            "MB",
            "flagged",
            title="Last runs",
        )
        for run in runs:
            took = f"{(run.finished - run.started).total_seconds():.0f} s" if run.finished else "-"
            t = run.totals
            table.add_row(
                str(run.id),
                run.started.isoformat(timespec="seconds"),
                took,
                run.status,
                str(t["inserted"]),
                str(t["updated"]),
                str(t["failed"]),
                str(t["requests"]),
                f"{t['bytes'] / 1e6:.1f}",
                ", ".join(run.flagged),
            )
        out.print(table)


def print_field_shares(shares: dict[str, FieldShares]) -> None:
    """Per source, the share of its latest items with each field (quality flags)."""
    from pykala.parsers.quality import FIELDS

    table = Table("source", "items", *FIELDS, "doubtful", title="Fields read (latest items)")
    for name, share in shares.items():
        if share.items:
            table.add_row(
                name,
                str(share.items),
                *(f"{share.shares[f]:.0%}" for f in FIELDS),
                str(share.doubtful),
            )
    out.print(table)
    out.print(
        "[dim]share of each source's latest items (up to 500) in which the parser found "
        "the field; doubtful: items with no title, the body's name or a handling line as "
        "title, or minutes with no proposal and no decision[/dim]"
    )


def print_outcome_counts(counts: dict[str, OutcomeCounts]) -> None:
    """Per source, its minutes items by outcome, voted, and those no rule could read."""
    from pykala.analysis.decisions import OUTCOMES

    if not counts:
        return
    table = Table("source", "minutes items", *OUTCOMES, "voted", "no outcome", title="Outcomes")
    for name, c in counts.items():
        table.add_row(
            name,
            str(c.minutes),
            *(str(c.by_outcome.get(o, 0)) for o in OUTCOMES),
            str(c.voted),
            str(c.no_outcome),
        )
    out.print(table)
    out.print(
        "[dim]minutes items (not agendas) by what was decided; no outcome: decision texts "
        "no rule fits (or no decision text), never guessed[/dim]"
    )
