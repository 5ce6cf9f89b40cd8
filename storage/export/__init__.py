"""Exporting items for researchers: what search finds, without its limit, as CSV, JSON
lines or Parquet, with a codebook (datapackage.json) beside it.

One job a module: ``columns`` names and types the columns (the published interface),
``rows`` streams the rows (query and filters as search has them), ``writers`` writes
them, ``package`` records what an export was made of (.meta.json and datapackage.json).
"""

from __future__ import annotations

from .columns import (
    EXPORT_COLUMNS,
    FIELDNAMES,
    LONG_COLUMNS,
    SECTION_COLUMNS,
    SECTIONS_MODES,
    TOPIC_COLUMNS,
    Column,
    export_columns,
    names,
)
from .package import (
    META_SUFFIX,
    PACKAGE_NAME,
    Coverage,
    export_meta,
    meta_path,
    resource,
    table_schema,
    write_datapackage,
    write_meta,
)
from .rows import BATCH, ExportRow, iter_export_rows, iter_section_rows
from .writers import ExportError, neutralise, write_csv, write_jsonl, write_parquet

__all__ = [
    "BATCH",
    "EXPORT_COLUMNS",
    "FIELDNAMES",
    "LONG_COLUMNS",
    "META_SUFFIX",
    "PACKAGE_NAME",
    "SECTIONS_MODES",
    "SECTION_COLUMNS",
    "TOPIC_COLUMNS",
    "Column",
    "Coverage",
    "ExportError",
    "ExportRow",
    "export_columns",
    "export_fieldnames",
    "export_meta",
    "iter_export_rows",
    "iter_section_rows",
    "meta_path",
    "names",
    "neutralise",
    "resource",
    "table_schema",
    "write_csv",
    "write_datapackage",
    "write_jsonl",
    "write_meta",
    "write_parquet",
]


def export_fieldnames(filters: object = None) -> list[str]:
    """The columns of an item export: EXPORT_COLUMNS, plus TOPIC_COLUMNS for a topic."""
    return names(export_columns(topic=bool(getattr(filters, "topic", None))))
