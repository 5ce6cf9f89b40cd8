"""Unit tests of the export writers and the codebook columns, with no archive: exact CSV
text (BOM, CRLF, delimiter, quoting, formula guard), JSON lines, Parquet row groups and
types, and which columns each export mode has (README and the Table Schema agree)."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from pykala.parsers.records import MeetingKind, SectionKind
from pykala.storage.export import (
    EXPORT_COLUMNS,
    FIELDNAMES,
    LONG_COLUMNS,
    SECTION_COLUMNS,
    TOPIC_COLUMNS,
    Column,
    ExportError,
    ExportRow,
    export_columns,
    names,
    neutralise,
    table_schema,
    write_csv,
    write_jsonl,
    write_parquet,
)

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BOM = "\ufeff"


def _csv(rows: list[ExportRow], fieldnames: list[str], **kwargs: str) -> tuple[int, str]:
    out = io.StringIO(newline="")
    count = write_csv(rows, out, fieldnames, **kwargs)
    return count, out.getvalue()


def test_csv_is_bom_header_and_crlf_rows() -> None:
    rows: list[ExportRow] = [{"a": "1", "b": "Kuopio"}, {"a": "2", "b": None}]
    assert _csv(rows, ["a", "b"]) == (2, f"{BOM}a,b\r\n1,Kuopio\r\n2,\r\n")


def test_csv_of_no_rows_is_the_header_alone() -> None:
    assert _csv([], ["item_id", "title"]) == (0, f"{BOM}item_id,title\r\n")


def test_csv_writes_the_given_columns_in_their_order_and_empty_for_missing_keys() -> None:
    rows: list[ExportRow] = [{"a": "x", "b": "y", "c": "z"}]
    assert _csv(rows, ["c", "a", "d"]) == (1, f"{BOM}c,a,d\r\nz,x,\r\n")


def test_csv_semicolon_delimiter_quotes_only_what_needs_it() -> None:
    rows: list[ExportRow] = [{"a": "1,5", "b": "x;y"}]
    assert _csv(rows, ["a", "b"], delimiter=";") == (1, f'{BOM}a;b\r\n1,5;"x;y"\r\n')
    assert _csv(rows, ["a", "b"]) == (1, f'{BOM}a,b\r\n"1,5",x;y\r\n')


def test_csv_keeps_newlines_and_quotes_inside_cells() -> None:
    rows: list[ExportRow] = [{"a": 'Päätös\n"hyväksyttiin"'}]
    assert _csv(rows, ["a"]) == (1, f'{BOM}a\r\n"Päätös\n""hyväksyttiin"""\r\n')


def test_csv_neutralises_formula_cells_and_leaves_the_rest() -> None:
    rows: list[ExportRow] = [
        {"a": "=SUM(A1)", "b": "-5", "c": "Kuopio", "d": "2024-01-01", "e": "", "f": " @x"}
    ]
    count, text = _csv(rows, ["a", "b", "c", "d", "e", "f"])
    assert (count, text) == (1, f"{BOM}a,b,c,d,e,f\r\n'=SUM(A1),'-5,Kuopio,2024-01-01,,' @x\r\n")


def test_csv_empty_cells_between_others() -> None:
    # An empty cell is never looked at for a formula (it has no first character).
    rows: list[ExportRow] = [{"a": "", "b": "=1", "c": ""}]
    assert _csv(rows, ["a", "b", "c"]) == (1, f"{BOM}a,b,c\r\n,'=1,\r\n")


@pytest.mark.parametrize(
    "cell", ["\tcmd", "\rcmd", "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", " \r\n=1"]
)
def test_neutralise_a_cell_that_begins_with_a_formula_start(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["", "X=1", "XX=1", "a-b", "1+1", "Kaupunginhallitus", "'=1", " Kuopio", "\u200bx"]
)
def test_neutralise_leaves_cells_that_are_no_formula(cell: str) -> None:
    assert neutralise(cell) == cell


def test_jsonl_is_one_object_a_line_with_every_column_and_nulls() -> None:
    out = io.StringIO()
    rows: list[ExportRow] = [{"a": "=1", "b": "Päätös"}, {"a": None}]
    assert write_jsonl(rows, out, ["a", "b"]) == 2
    assert out.getvalue() == '{"a": "=1", "b": "Päätös"}\n{"a": null, "b": null}\n'
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        {"a": "=1", "b": "Päätös"},
        {"a": None, "b": None},
    ]


def test_jsonl_default_columns_are_the_codebook() -> None:
    out = io.StringIO()
    assert write_jsonl([{"item_id": "k:1"}], out) == 1
    record = json.loads(out.getvalue())
    assert list(record) == FIELDNAMES
    assert record["item_id"] == "k:1" and record["title"] is None


def test_parquet_row_groups_and_types(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from pykala.storage.export import writers

    columns = (
        Column("d", "", "date"),
        Column("t", "", "datetime"),
        Column("n", "", "number"),
        Column("i", "", "integer"),
        Column("b", "", "boolean"),
        Column("s", ""),
    )
    row: ExportRow = {
        "d": "2024-03-12",
        "t": "2024-03-12T10:00:00+00:00",
        "n": "1.5",
        "i": "7",
        "b": "true",
        "s": "=x",
    }
    path = tmp_path / "out.parquet"
    rows = writers.PARQUET_ROWS + 1
    assert write_parquet((dict(row) for _ in range(rows)), path, columns) == rows
    meta = pq.ParquetFile(path).metadata
    assert (meta.num_rows, meta.num_row_groups) == (10_001, 2)
    table = pq.read_table(path)
    assert [str(f.type) for f in table.schema] == [
        "date32[day]",
        "timestamp[us, tz=UTC]",
        "double",
        "int64",
        "bool",
        "string",
    ]
    first = table.slice(0, 1).to_pylist()[0]
    assert (first["n"], first["i"], first["b"], first["s"]) == (1.5, 7, True, "=x")


def test_parquet_without_pyarrow_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ExportError, match=r"^--format parquet needs pyarrow: pip install"):
        write_parquet(iter([]), tmp_path / "x.parquet", EXPORT_COLUMNS)


def test_export_columns_per_mode() -> None:
    assert export_columns() == EXPORT_COLUMNS
    assert export_columns(sections="none") == EXPORT_COLUMNS
    assert export_columns(topic=True) == EXPORT_COLUMNS + TOPIC_COLUMNS
    assert export_columns(sections="wide") == EXPORT_COLUMNS + SECTION_COLUMNS
    assert export_columns(topic=True, sections="wide") == (
        EXPORT_COLUMNS + TOPIC_COLUMNS + SECTION_COLUMNS
    )
    assert export_columns(sections="long") == LONG_COLUMNS
    assert export_columns(topic=True, sections="long") == LONG_COLUMNS
    assert names(TOPIC_COLUMNS) == ["topic_score", "topic_terms"]
    assert names(SECTION_COLUMNS) == [f"section_{k.value}" for k in SectionKind]


def test_readme_names_the_long_columns_and_the_topic_columns() -> None:
    # README: "`--sections long` writes one row per section instead (`item_id`, …)".
    long_names = re.search(
        r"`--sections long` writes one row per section instead\s*\(([^)]*)\)", README
    )
    assert long_names is not None
    assert re.findall(r"`(\w+)`", long_names.group(1)) == names(LONG_COLUMNS)
    block = README.split("A topic export adds two columns")[1].split("###")[0]
    documented = re.findall(r"^\| `(\w+)` \| (.+?) \|$", block, flags=re.M)
    assert documented == [(c.name, c.description) for c in TOPIC_COLUMNS]


def _fields(columns: tuple[Column, ...]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in table_schema(columns)["fields"]}


def test_table_schema_types_and_constraints_of_the_item_columns() -> None:
    fields = _fields(EXPORT_COLUMNS)
    required = [n for n, f in fields.items() if f.get("constraints", {}).get("required")]
    assert required == ["item_id", "source", "first_seen", "last_changed"]
    assert fields["municipality_code"]["constraints"] == {"pattern": "[0-9]{3}"}
    assert fields["meeting_kind"]["constraints"] == {"enum": [k.value for k in MeetingKind]}
    assert fields["organisation_type"]["constraints"] == {
        "enum": ["municipality", "wellbeing_county", "joint_authority", "other"]
    }
    typed = {n: f["type"] for n, f in fields.items() if f["type"] != "string"}
    assert typed == {
        "meeting_date": "date",
        "first_seen": "datetime",
        "last_changed": "datetime",
        "voted": "boolean",
    }
    assert "constraints" not in fields["title"]


def test_table_schema_of_the_long_and_topic_columns() -> None:
    fields = _fields(LONG_COLUMNS)
    assert fields["item_id"]["constraints"] == {"required": True}
    assert (fields["ordinal"]["type"], fields["ordinal"]["constraints"]) == (
        "integer",
        {"required": True},
    )
    assert fields["kind"]["constraints"] == {
        "required": True,
        "enum": [k.value for k in SectionKind],
    }
    assert "constraints" not in fields["heading"] and "constraints" not in fields["text"]
    assert _fields(TOPIC_COLUMNS)["topic_score"]["type"] == "number"
