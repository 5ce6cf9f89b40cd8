"""Writing export rows: CSV (Excel-safe), JSON lines and Parquet, all streamed."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from pykala.storage.db import ArchiveError

from .columns import FIELDNAMES, Column
from .rows import ExportRow, row_values

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets skip what comes before a formula character: spaces and line breaks,
# control characters, zero-width spaces and a BOM; and read the fullwidth ＝＋－＠ as
# = + - @. So a cell is a formula when one follows any run of those.
_BLANKS = "\\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff"
_FORMULA_RE = re.compile(f"[{_BLANKS}]*[=+\\-@\uff1d\uff0b\uff0d\uff20]")
# A cell whose first character is none of these cannot be a formula (the fast path):
# letters and digits, most cells, skip the regular expression.
_SAFE_FIRST = re.compile(f"[^{_BLANKS}=+\\-@\uff1d\uff0b\uff0d\uff20]")
CSV_ROWS = 1000  # rows handed to csv.writer.writerows at a time
PARQUET_ROWS = 10_000  # rows per Parquet row group: memory stays at one group


class ExportError(ArchiveError):
    """An export that cannot be written as asked (a missing optional package)."""


def neutralise(cell: str) -> str:
    """Prefix ' to a cell a spreadsheet would run as a formula (CSV injection)."""
    if not cell or _SAFE_FIRST.match(cell):
        return cell
    if cell.startswith(FORMULA_STARTS) or _FORMULA_RE.match(cell):
        return "'" + cell
    return cell


def write_csv(
    rows: Iterable[ExportRow],
    out: TextIO,
    fieldnames: Sequence[str] = FIELDNAMES,
    *,
    delimiter: str = ",",
) -> int:
    """Write a header and the rows as CSV; returns the number of rows.

    Open ``out`` with newline="" (the writer emits CRLF itself, as RFC 4180 asks) and
    encoding "utf-8": a BOM is written first so Excel reads the file as UTF-8. Newlines
    inside cells are kept (the cell is quoted). ``delimiter`` ";" is what Excel in a
    Finnish locale expects.
    """
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(fieldnames)
    count = 0
    values = row_values(list(fieldnames))
    for chunk in _chunks(rows, CSV_ROWS):
        # One pass a row (csv writes None as empty); a cell that begins with a letter or
        # digit cannot be a formula, so most skip the check.
        writer.writerows(
            [c if not c or c[0].isalnum() else neutralise(c) for c in values(row)] for row in chunk
        )
        count += len(chunk)
    return count


def write_jsonl(
    rows: Iterable[ExportRow], out: TextIO, fieldnames: Sequence[str] = FIELDNAMES
) -> int:
    """One JSON object per line, values verbatim (no spreadsheet neutralising)."""
    count = 0
    for row in rows:
        record: dict[str, Any] = {name: row.get(name) for name in fieldnames}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _arrow_type(pa: Any, column: Column) -> Any:
    return {
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
        "number": pa.float64(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
    }.get(column.type, pa.string())


def _chunks(rows: Iterable[ExportRow], size: int) -> Iterator[list[ExportRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_parquet(rows: Iterable[ExportRow], path: Path, columns: Sequence[Column]) -> int:
    """Write the rows to a Parquet file, typed as the codebook says (dates as dates,
    times as UTC timestamps, scores as numbers), one row group per PARQUET_ROWS rows.
    Values are verbatim, as in JSON lines. ExportError when pyarrow is missing."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ExportError("--format parquet needs pyarrow: pip install 'pykala[parquet]'") from exc
    schema = pa.schema([pa.field(c.name, _arrow_type(pa, c)) for c in columns])
    count = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for chunk in _chunks(rows, PARQUET_ROWS):
            arrays = [
                pa.array([row.get(c.name) for row in chunk], pa.string()).cast(
                    schema.field(c.name).type
                )
                for c in columns
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            count += len(chunk)
    return count
