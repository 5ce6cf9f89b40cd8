"""What `pykala coverage` prints (table, json, jsonl, csv) and the coverage flags that
`pykala status` shows."""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator, Sequence
from datetime import date
from typing import Any

from rich.markup import escape
from rich.table import Table

from pykala.parsers.quality import FIELDS
from pykala.render.console import err, jsonable, out, print_json
from pykala.storage.coverage import BodyCoverage
from pykala.storage.coverageflags import CoverageFlag
from pykala.storage.export import write_csv

FORMATS = ("table", "json", "jsonl", "csv")
SPARK_MONTHS = 12

CSV_COLUMNS = (
    "source",
    "organisation",
    "body",
    "month",
    "meetings",
    "items",
    "body_meetings",
    "body_items",
    "first_meeting",
    "last_meeting",
    *(f"share_{name}" for name in FIELDS),
)


def _body_dict(b: BodyCoverage) -> dict[str, Any]:
    return {
        "source": b.source,
        "organisation": b.label,
        "body": b.body,
        "meetings": b.meetings,
        "items": b.items,
        "first_meeting": b.first_meeting,
        "last_meeting": b.last_meeting,
        "shares": {k: round(v, 4) for k, v in b.shares.items()},
        "months": [{"month": m.month, "meetings": m.meetings, "items": m.items} for m in b.months],
    }


def _flag_dict(flag: CoverageFlag, new: bool) -> dict[str, Any]:
    return {"source": flag.source, "organisation": flag.label, **flag.as_dict(), "new": new}


def print_coverage(
    bodies: Sequence[BodyCoverage],
    flags: Sequence[CoverageFlag],
    known: Collection[tuple[str, str]],
    fmt: str,
    today: date,
) -> None:
    """Per source and body, and the flags (``known``: (source, kind) already reported)."""
    if fmt == "json":
        print_json(
            jsonable(
                {
                    "date": today,
                    "bodies": [_body_dict(b) for b in bodies],
                    "flags": [_flag_dict(f, (f.source, f.kind) not in known) for f in flags],
                }
            ),
            indent=2,
        )
    elif fmt == "jsonl":
        for b in bodies:
            print_json(jsonable({"kind": "body", **_body_dict(b)}))
        for f in flags:
            print_json({"kind": "flag", **_flag_dict(f, (f.source, f.kind) not in known)})
    elif fmt == "csv":
        _write_csv(bodies)
    elif not bodies:
        out.print("no items in the archive for these sources", markup=False)
    else:
        _print_table(bodies, today)
        print_flags(flags, known)


def _csv_rows(bodies: Sequence[BodyCoverage]) -> Iterator[dict[str, str | None]]:
    """One row per source, body and month (long format: a spreadsheet pivots it)."""
    for b in bodies:
        fixed = {
            "source": b.source,
            "organisation": b.label,
            "body": b.body or "",
            "body_meetings": str(b.meetings),
            "body_items": str(b.items),
            "first_meeting": b.first_meeting.isoformat() if b.first_meeting else "",
            "last_meeting": b.last_meeting.isoformat() if b.last_meeting else "",
            **{f"share_{name}": f"{b.shares[name]:.4f}" for name in FIELDS},
        }
        for m in b.months:
            yield {**fixed, "month": m.month, "meetings": str(m.meetings), "items": str(m.items)}
        if not b.months:
            yield {**fixed, "month": "", "meetings": "0", "items": "0"}


def _write_csv(bodies: Sequence[BodyCoverage]) -> None:
    """CSV as `pykala export` writes it (BOM, CRLF, formula-like cells neutralised)."""
    sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]  # CSV: \r\n
    write_csv(_csv_rows(bodies), sys.stdout, CSV_COLUMNS)


def _spark(b: BodyCoverage, today: date) -> str:
    """Meetings in each of the last SPARK_MONTHS months, oldest first."""
    counts = {m.month: m.meetings for m in b.months}
    index = today.year * 12 + today.month - 1
    months = [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - SPARK_MONTHS + 1, index + 1)]
    return " ".join(str(counts.get(ym, 0)) for ym in months)


def _print_table(bodies: Sequence[BodyCoverage], today: date) -> None:
    short = {
        "body_name": "body",
        "meeting_date": "date",
        "paragraph": "§",
        "diary_number": "dno",
        "proposal": "prop.",
        "decision": "dec.",
    }
    table = Table(
        "organisation",
        "source",
        "body",
        "meetings",
        "items",
        "last meeting",
        f"meetings, last {SPARK_MONTHS} months",
        *(short.get(name, name) for name in FIELDS),
        title="Coverage",
    )
    for b in bodies:
        table.add_row(
            escape(b.label),
            escape(b.source),
            escape(b.body or "-"),
            str(b.meetings),
            str(b.items),
            b.last_meeting.isoformat() if b.last_meeting else "-",
            _spark(b, today),
            *(f"{b.shares[name]:.0%}" for name in FIELDS),
        )
    out.print(table)
    out.print(
        "[dim]a meeting is a body's meeting date; the field columns are the share of the "
        "body's items in which the parser found the field (title, body name, meeting "
        "date, §, diary number, proposal, decision, text)[/dim]"
    )


def print_flags(
    flags: Sequence[CoverageFlag], known: Collection[tuple[str, str]], *, to_stderr: bool = False
) -> None:
    """One line per flag, "(new)" when no run has reported it yet (``to_stderr``: beside
    a JSON or CSV document on stdout)."""
    console = err if to_stderr else out
    if not flags:
        console.print("coverage: no source publishes less than it used to", markup=False)
        return
    console.print("coverage flags:", markup=False)
    for flag in flags:
        mark = "" if (flag.source, flag.kind) in known else " (new)"
        console.print(f"  {flag.line}{mark}", markup=False)
