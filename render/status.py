"""What the archive holds: `pykala status` (its sources, their health, the last runs and
the fields read) and `pykala sources` (the sources in use)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from pykala.harvester.sources import SourceConfig
from pykala.render.console import out, print_json
from pykala.storage.health import RunSummary, SourceHealth
from pykala.storage.outcomes import OutcomeCounts
from pykala.storage.quality import FieldShares
from pykala.storage.views import ArchiveStats


def print_sources(configs: list[SourceConfig], *, as_json: bool) -> None:
    """The sources in use with their organisations and its members' regions and counties
    (a table or JSON lines); a disabled source says why."""
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
    if as_json:
        for row in rows:
            print_json(row)
        return
    table = Table(
        "name", "platform", "organisation", "region", "status", "base URL", title="Sources"
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
