"""``--format table|json|jsonl|csv``, the same on every command that lists things.

table: a table for people (full width into a pipe: render.console); json: one JSON
document; jsonl: one JSON object a line; csv: a header and one row a line (RFC 4180, CRLF),
cells a spreadsheet would run as formulas neutralised. The rows are dicts; json, jsonl and
csv carry the same keys.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from pykala.render.console import escape_controls, jsonable, print_json
from pykala.render.errors import fail

FORMATS = ("table", "json", "jsonl", "csv")
FORMAT_HELP = (
    "table, json (one JSON document), jsonl (one JSON object a line) or csv (a header "
    "and one row a line)."
)


def check_format(fmt: str, *, json_flag: bool = False, json_means: str = "jsonl") -> str:
    """The format asked for; ``json_flag``: the old ``--json`` flag, an alias of
    ``json_means`` (what that command's --json printed before --format existed)."""
    if fmt not in FORMATS:
        fail(f"--format must be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, not {fmt!r}")
    if json_flag:
        if fmt != "table":
            fail("--json is --format json/jsonl: give one of them")
        return json_means
    return fmt


def cell(value: Any) -> str:
    """A value as one CSV cell: lists joined by "; ", mappings as JSON, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(jsonable(value), ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def print_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """CSV on stdout; control characters escaped (it may be a terminal), formulas guarded."""
    from pykala.storage.export import neutralise

    sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]  # CRLF, not CRCRLF
    writer = csv.DictWriter(
        sys.stdout, fieldnames=list(columns), lineterminator="\r\n", extrasaction="ignore"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(escape_controls(cell(row.get(k)))) for k in columns})


def print_rows(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    *,
    document: dict[str, Any] | None = None,
) -> None:
    """Rows as json (``document`` when given, else the list of rows), jsonl or csv
    (``columns``: the CSV header; default the first row's keys)."""
    if fmt == "json":
        print_json(jsonable(document if document is not None else list(rows)), indent=2)
    elif fmt == "jsonl":
        for row in rows:
            print_json(jsonable(row))
    elif fmt == "csv":
        print_csv(rows, columns or (list(rows[0]) if rows else []))
    else:  # pragma: no cover - the table is each command's own
        raise ValueError(fmt)
