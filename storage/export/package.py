"""What an export was made of: the .meta.json sidecar and the datapackage.json codebook.

The sidecar (kept: earlier studies and scripts read it) records the command, query,
filters, pykala version, archive and last harvest. datapackage.json (Frictionless Data
Package) describes each export file in the directory as a resource: a Table Schema of its
columns (type, description, constraints), its CSV dialect, the same provenance, and the
coverage of each source in it. Several exports into one directory share one
datapackage.json, a resource each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from operator import add, truth
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pykala.storage import models
from pykala.storage.db import mask_url
from pykala.storage.filters import ItemFilters

from .columns import FIELDNAMES, Column
from .rows import ExportRow, _iso_utc, _topic_ids, row_values
from .writers import ExportError

META_SUFFIX = ".meta.json"
PACKAGE_NAME = "datapackage.json"
_MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/parquet"}


class Coverage:
    """Per source, counted while the rows stream past: items, first and last meeting
    date, and the share of rows with each column filled."""

    def __init__(self, fieldnames: Sequence[str]) -> None:
        self.fieldnames = list(fieldnames)
        self._sources: dict[str, list[Any]] = {}  # [rows, first, last, filled per column]

    def observe(self, rows: Iterable[ExportRow]) -> Iterator[ExportRow]:
        names = self.fieldnames
        values = row_values(names)
        for row in rows:
            source = row.get("source") or (row.get("item_id") or "").split(":", 1)[0]
            entry = self._sources.get(source)
            if entry is None:
                entry = self._sources[source] = [0, None, None, [0] * len(names)]
            entry[0] += 1
            day = row.get("meeting_date")
            if day:
                if entry[1] is None or day < entry[1]:
                    entry[1] = day
                if entry[2] is None or day > entry[2]:
                    entry[2] = day
            # Column by column in C: add 1 where the value is not empty.
            entry[3] = list(map(add, entry[3], map(truth, values(row))))
            yield row

    def report(self) -> list[dict[str, Any]]:
        return [
            {
                "source": source,
                "rows": rows,
                "first_meeting_date": first,
                "last_meeting_date": last,
                "filled_share": {
                    name: round(count / rows, 4)
                    for name, count in zip(self.fieldnames, filled, strict=True)
                },
            }
            for source, (rows, first, last, filled) in sorted(self._sources.items())
        ]


def meta_path(path: Path) -> Path:
    """``<file>.meta.json`` next to an export file."""
    return path.with_name(path.name + META_SUFFIX)


def _pykala_version() -> str:
    try:
        return version("pykala")
    except PackageNotFoundError:
        return "0+unknown"


def _jsonable_filters(filters: ItemFilters | None) -> dict[str, str | None]:
    if filters is None:
        return {}
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in asdict(filters).items()
    }


def export_meta(
    session: Session,
    *,
    archive_url: str,
    command: str,
    query: str | None = None,
    filters: ItemFilters | None = None,
    fmt: str = "csv",
    rows: int | None = None,
    columns: Sequence[str] = FIELDNAMES,
    now: datetime | None = None,
    sections: str | None = None,
) -> dict[str, Any]:
    """What an export was made of: the query, the filters, the pykala version, the archive
    (password hidden), when it was last harvested and, for a topic, its definition."""
    last_run = session.scalar(
        select(func.max(models.HarvestRun.finished)).where(models.HarvestRun.status != "running")
    )
    last_fetch = session.scalar(select(func.max(models.Page.fetched_at)))
    shown_url = mask_url(archive_url)  # whether or not SQLAlchemy can parse it
    meta: dict[str, Any] = {
        "command": command,
        "query": query,
        "filters": _jsonable_filters(filters),
        "format": fmt,
        "rows": rows,
        "columns": list(columns),
        "pykala_version": _pykala_version(),
        "archive": shown_url,
        "last_harvest": _iso_utc(last_run) if last_run else None,
        "last_fetch": _iso_utc(last_fetch) if last_fetch else None,
        "created_at": _iso_utc(now or datetime.now(UTC)),
    }
    if sections is not None:
        meta["sections"] = sections
    if filters is not None and filters.topic:
        topic_ids = _topic_ids(session, filters.topic)
        meta["topics"] = [
            {"name": t.name, "definition_hash": t.definition_hash, "definition": t.definition}
            for t in session.scalars(select(models.Topic).where(models.Topic.id.in_(topic_ids)))
        ]
    return meta


def write_meta(path: Path, meta: dict[str, Any]) -> Path:
    """Write ``meta`` (from export_meta) as ``<path>.meta.json``; returns that path."""
    target = meta_path(path)
    target.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def table_schema(columns: Sequence[Column]) -> dict[str, Any]:
    """The Table Schema of ``columns``: each column's type, description and constraints.
    Empty cells are missing values; item exports are keyed by item_id."""
    fields = []
    for c in columns:
        field: dict[str, Any] = {"name": c.name, "type": c.type, "description": c.description}
        if c.type == "date":
            field["format"] = "%Y-%m-%d"
        if c.constraints:
            field["constraints"] = dict(c.constraints)
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if columns and columns[0].name == "item_id" and "ordinal" not in {c.name for c in columns}:
        schema["primaryKey"] = ["item_id"]
    return schema


def _resource_name(filename: str) -> str:
    """A Data Package resource name (lower-case letters, digits, - . _) for a file."""
    return re.sub(r"[^a-z0-9._-]+", "-", filename.lower()).strip("-") or "export"


def resource(
    path: Path,
    columns: Sequence[Column],
    meta: dict[str, Any],
    coverage: list[dict[str, Any]],
    *,
    delimiter: str = ",",
) -> dict[str, Any]:
    """The datapackage.json resource of one export file."""
    fmt = str(meta.get("format", "csv"))
    out: dict[str, Any] = {
        "name": _resource_name(path.name),
        "path": path.name,
        "profile": "tabular-data-resource",
        "format": fmt,
        "mediatype": _MEDIA.get(fmt, "application/octet-stream"),
        "schema": table_schema(columns),
    }
    if fmt == "csv":
        # The BOM before the header is for Excel; readers of UTF-8 data packages skip it.
        out["encoding"] = "utf-8"
        out["dialect"] = {"delimiter": delimiter, "header": True, "quoteChar": '"'}
    elif fmt == "jsonl":
        out["encoding"] = "utf-8"
    out["pykala"] = {**meta, "coverage": coverage}
    return out


def write_datapackage(path: Path, entry: dict[str, Any]) -> Path:
    """Add (or replace) ``entry`` for ``path`` in the datapackage.json of its directory.
    ExportError when a datapackage.json there is not one this can add to."""
    target = path.with_name(PACKAGE_NAME)
    package: dict[str, Any] = {"name": "pykala-export", "profile": "tabular-data-package"}
    if target.exists():
        try:
            package = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ExportError(f"{target} exists and is not JSON ({exc}): move it away") from exc
        if not isinstance(package, dict) or not isinstance(package.get("resources", []), list):
            raise ExportError(f"{target} exists and is not a data package: move it away")
    # Resources whose files are gone (deleted, renamed) would make the package invalid.
    kept = [
        r
        for r in package.get("resources", [])
        if isinstance(r, dict)
        and r.get("path") != entry["path"]
        and isinstance(r.get("path"), str)
        and (target.parent / r["path"]).is_file()
    ]
    taken = {r.get("name") for r in kept}
    name, n = entry["name"], 2
    while name in taken:  # two files whose names fold alike
        name, n = f"{entry['name']}-{n}", n + 1
    package["resources"] = [*kept, {**entry, "name": name}]
    package["created"] = entry["pykala"].get("created_at")
    target.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
