"""CSV / JSONL export: codebook columns, Excel-safe CSV that round-trips, real JSON."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update

from pykala.parsers.records import MeetingKind, Section, SectionKind
from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.export import (
    EXPORT_COLUMNS,
    FIELDNAMES,
    LONG_COLUMNS,
    SECTION_COLUMNS,
    ExportError,
    ExportRow,
    export_columns,
    iter_export_rows,
    iter_section_rows,
    neutralise,
    write_csv,
    write_jsonl,
    write_parquet,
)
from pykala.storage.filters import ItemFilters
from pykala.storage.search import SearchQueryError, search_items
from tests.storagekit import item, item_page, setup_sources, store

MULTILINE_PAATOS = "Kaupunginhallitus päätti:\n\n1. hyväksyä mallin\n2. esittää sen valtuustolle"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","Äänestys")'


@pytest.fixture
def filled(archive: Archive) -> Archive:
    setup_sources(archive)
    store(
        archive,
        item_page(
            item(
                "2024101-3",
                'Perhekeskustoimintamallin käyttöönotto; "pilotti", Kuopio',
                paatos=MULTILINE_PAATOS,
            ),
            item("2024101-4", FORMULA_TITLE, kind=MeetingKind.ESITYSLISTA, paatos=""),
            item(
                "2023900-1",
                "-10 % määrärahoihin",
                meeting_date=date(2023, 5, 2),
                extra_sections=(Section(SectionKind.PAATOS, "Päätös", "Toinen päätös."),),
            ),
        ),
    )
    return archive


def _rows(archive: Archive, filters: ItemFilters | None = None) -> list[ExportRow]:
    with archive.session() as session:
        return list(iter_export_rows(session, filters))


def test_codebook_is_complete_and_stable() -> None:
    assert FIELDNAMES[:3] == ["item_id", "source", "municipality_code"]
    assert len(set(FIELDNAMES)) == len(FIELDNAMES) == 28
    assert FIELDNAMES[-8:-5] == ["organisation_code", "organisation", "organisation_type"]
    assert FIELDNAMES[-5:] == ["outcome", "voted", "vote_counts", "disqualified", "dissent"]
    assert all(c.description and "\n" not in c.description for c in EXPORT_COLUMNS)


def test_rows_hold_item_context_and_section_texts(filled: Archive) -> None:
    rows = _rows(filled)
    assert [r["item_id"] for r in rows] == [
        "kuopio:2023900-1",
        "kuopio:2024101-3",
        "kuopio:2024101-4",
    ]
    first, second, third = rows
    assert set(first) == set(FIELDNAMES)
    assert first["paatos"] == "Hyväksyttiin.\n\nToinen päätös."  # several päätös sections joined
    assert second["municipality"] == "Kuopio" and second["region"] == "Pohjois-Savo"
    assert second["wellbeing_county"] == "Pohjois-Savon hyvinvointialue"
    assert second["meeting_date"] == "2024-02-26" and second["meeting_kind"] == "poytakirja"
    assert second["presenter"] == "Kaupunginjohtaja Soile Lahti"
    assert second["paatosehdotus"] == "Kaupunginhallitus hyväksyy toimintamallin."
    assert second["paatos"] == MULTILINE_PAATOS
    assert third["paatos"] is None and third["meeting_kind"] == "esityslista"
    assert second["first_seen"] == "2024-03-01T12:00:00+00:00"
    assert _rows(filled, ItemFilters(since=date(2024, 1, 1)))[0]["item_id"] == "kuopio:2024101-3"


def test_timestamps_are_iso_utc_as_python_writes_them(filled: Archive) -> None:
    """The database formats the timestamps: microseconds only when not zero, UTC, and
    (SQLite) a stored offset converted, as datetime.isoformat() gives them."""
    moments = {
        "2024101-3": datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "2024101-4": datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    }
    with filled.session() as session:
        for external_id, moment in moments.items():
            session.execute(
                update(models.Item)
                .where(models.Item.external_id == external_id)
                .values(first_seen=moment, last_changed=moment)
            )
        if filled.engine.dialect.name == "sqlite":  # text with an offset, as a script writes
            session.execute(
                text(
                    "UPDATE item SET last_changed = '2024-01-02 03:04:05+02:00'"
                    " WHERE external_id = '2023900-1'"
                )
            )
        session.commit()
    rows = {r["item_id"]: r for r in _rows(filled)}
    assert rows["kuopio:2024101-3"]["first_seen"] == "2024-01-02T03:04:05.678901+00:00"
    assert rows["kuopio:2024101-3"]["last_changed"] == "2024-01-02T03:04:05.678901+00:00"
    assert rows["kuopio:2024101-4"]["first_seen"] == "1999-12-31T23:59:59+00:00"
    assert rows["kuopio:2023900-1"]["meeting_date"] == "2023-05-02"
    if filled.engine.dialect.name == "sqlite":
        assert rows["kuopio:2023900-1"]["last_changed"] == "2024-01-02T01:04:05+00:00"


def test_csv_of_rows_missing_a_column_leaves_it_empty(tmp_path: Path) -> None:
    out = io.StringIO()
    rows: list[ExportRow] = [{"item_id": "a:1", "title": "=1+1"}, {"item_id": "a:2"}]
    assert write_csv(rows, out, ["item_id", "title", "paatos"]) == 2
    assert out.getvalue() == "\ufeffitem_id,title,paatos\r\na:1,'=1+1,\r\na:2,,\r\n"


def test_csv_round_trips_and_neutralises_formulas(filled: Archive, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        assert write_csv(_rows(filled), out) == 3
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    assert raw.split(b"\r\n", 1)[0].decode("utf-8-sig") == ",".join(FIELDNAMES)
    with path.open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.DictReader(f))
    assert [r["item_id"] for r in back] == [r["item_id"] for r in _rows(filled)]
    by_id = {r["item_id"]: r for r in back}
    assert by_id["kuopio:2024101-3"]["title"] == (
        'Perhekeskustoimintamallin käyttöönotto; "pilotti", Kuopio'
    )
    assert by_id["kuopio:2024101-3"]["paatos"] == MULTILINE_PAATOS
    assert by_id["kuopio:2024101-4"]["title"] == "'" + FORMULA_TITLE
    assert by_id["kuopio:2023900-1"]["title"] == "'-10 % määrärahoihin"
    assert by_id["kuopio:2024101-4"]["paatos"] == ""
    if importlib.util.find_spec("pandas") is not None:
        import pandas as pd

        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert list(frame.columns) == FIELDNAMES
        assert frame.loc[frame["item_id"] == "kuopio:2024101-3", "paatos"].item() == (
            MULTILINE_PAATOS
        )


def test_jsonl_is_real_json_without_neutralising(filled: Archive) -> None:
    out = io.StringIO()
    assert write_jsonl(_rows(filled), out) == 3
    lines = out.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(lines) == 3 and list(records[0]) == FIELDNAMES
    by_id = {r["item_id"]: r for r in records}
    assert by_id["kuopio:2024101-4"]["title"] == FORMULA_TITLE
    assert by_id["kuopio:2024101-4"]["paatos"] is None
    assert by_id["kuopio:2024101-3"]["paatos"] == MULTILINE_PAATOS
    assert "Äänestys" in out.getvalue()  # UTF-8 text, not \\u escapes


def test_export_streams_in_batches(filled: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pykala.storage.export.rows.BATCH", 2)
    rows = _rows(filled)
    assert len(rows) == 3 and all(r["paatosehdotus"] for r in rows)


# Issue 12: what spreadsheets skip before a formula character, and fullwidth forms.
HIDDEN_FORMULAS = {
    "space": " =1+1",
    "spaces and tab": "  \t+A1",
    "line feed": "\n=HYPERLINK(1)",
    "carriage return and line feed": "\r\n-1",
    "no-break space": "\xa0@SUM(A1)",
    "ideographic space": "\u3000=1",
    "NUL": "\x00=1",
    "escape": "\x1b=1",
    "C1 control": "\x85+1",
    "zero-width space": "\u200b=1",
    "byte-order mark": "\ufeff=1",
    "word joiner": "\u2060@x",
    "fullwidth equals": "＝1+1",
    "fullwidth plus": "＋1",
    "fullwidth minus": "－1",
    "fullwidth at": "＠SUM(A1)",
    "space and fullwidth equals": " ＝HYPERLINK(1)",
    "zero-width space and fullwidth at": "\u200b＠x",
}


@pytest.mark.parametrize("name", sorted(HIDDEN_FORMULAS))
def test_neutralise_sees_a_formula_behind_blanks_controls_and_fullwidth_forms(name: str) -> None:
    cell = HIDDEN_FORMULAS[name]
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "Kuopio", " Kuopio", "2-1", "a=1", "\u200b§ 48", "a＝1"])
def test_neutralise_leaves_text_alone(cell: str) -> None:
    assert neutralise(cell) == cell


def test_csv_export_neutralises_hidden_formulas(archive: Archive) -> None:
    setup_sources(archive)
    # NUL aside: PostgreSQL refuses it in text (cleaned before storage, not here).
    cells = [c for c in HIDDEN_FORMULAS.values() if "\x00" not in c]
    titles = {f"2024200-{n}": title for n, title in enumerate(cells, 1)}
    store(archive, item_page(*(item(i, t) for i, t in titles.items())))
    out = io.StringIO(newline="")
    write_csv(_rows(archive), out)
    back = {r["item_id"]: r["title"] for r in csv.DictReader(io.StringIO(out.getvalue()[1:]))}
    for external_id in titles:
        stored = back[f"kuopio:{external_id}"]
        assert stored.startswith("'"), repr(stored)


# --- issue 14: export is search without the limit -----------------------------------------

QUERIES = [
    ("perhekeskus", None),
    ('"toinen päätös"', None),  # a phrase: checked in Python, batch by batch
    ('"päätös toinen"', None),  # the same words, not adjacent in this order: nothing
    ("hyväksyttiin -perhekeskus", None),
    ("määräraha*", None),
    ("toinen", "paatos"),  # only inside päätös sections
    ("toinen", "selostus"),
    ("2361/06.00.00/2020", None),  # a diary number
    ("koulu", None),
]


@pytest.mark.parametrize(("query", "section"), QUERIES)
def test_export_with_a_query_is_search_without_the_limit(
    filled: Archive, monkeypatch: pytest.MonkeyPatch, query: str, section: str | None
) -> None:
    monkeypatch.setattr("pykala.storage.export.rows.BATCH", 1)  # phrases checked per batch
    filters = ItemFilters(section=section)
    with filled.session() as session:
        found = {h.item_id for h in search_items(session, query, filters, limit=1000)}
        exported = [r["item_id"] for r in iter_export_rows(session, filters, query)]
    assert set(exported) == found
    assert len(exported) == len(set(exported))
    everything = [r["item_id"] for r in _rows(filled)]
    assert exported == [i for i in everything if i in found]  # export order, not rank


def test_export_query_and_filters_combine(filled: Archive) -> None:
    with filled.session() as session:

        def ids(query: str | None, **filters: object) -> list[str | None]:
            rows = iter_export_rows(session, ItemFilters(**filters), query)  # type: ignore[arg-type]
            return [r["item_id"] for r in rows]

        assert ids("hyväksyttiin", since=date(2024, 1, 1)) == [
            "kuopio:2024101-3",
            "kuopio:2024101-4",
        ]
        assert ids("hyväksyttiin", region="Pohjois-Savo") == ids("hyväksyttiin")
        assert ids("hyväksyttiin", county="Pohjois-Savon") == ids("hyväksyttiin")
        assert ids("hyväksyttiin", region="Uusimaa") == []
        assert ids(None, section="paatos", until=date(2023, 12, 31)) == ["kuopio:2023900-1"]
        assert ids(None, section="kasittely") == []


def test_a_bad_query_fails_before_any_row_is_read(filled: Archive) -> None:
    with filled.session() as session, pytest.raises(SearchQueryError):
        iter_export_rows(session, None, '"("')  # no next(): raised when called


def test_sections_wide_adds_a_column_per_kind(filled: Archive) -> None:
    with filled.session() as session:
        rows = list(iter_export_rows(session, sections="wide"))
    columns = export_columns(sections="wide")
    assert [c.name for c in columns[: len(FIELDNAMES)]] == FIELDNAMES  # the codebook first
    assert [c.name for c in columns[len(FIELDNAMES) :]] == [c.name for c in SECTION_COLUMNS]
    assert {f"section_{k.value}" for k in SectionKind} == {c.name for c in SECTION_COLUMNS}
    by_id = {r["item_id"]: r for r in rows}
    first = by_id["kuopio:2023900-1"]
    assert set(first) == {c.name for c in columns}
    assert first["section_selostus"] == "Asia on valmisteltu yhteistyössä."
    assert first["section_paatos"] == "Hyväksyttiin.\n\nToinen päätös."
    assert first["section_kasittely"] is None
    assert by_id["kuopio:2024101-4"]["section_paatos"] is None  # an empty päätös


def test_sections_long_is_one_row_per_section_in_printed_order(filled: Archive) -> None:
    with filled.session() as session:
        rows = list(iter_section_rows(session, None, "määräraha*"))
    assert [(r["item_id"], r["ordinal"], r["kind"], r["heading"]) for r in rows] == [
        ("kuopio:2023900-1", "1", "selostus", "Selostus"),
        ("kuopio:2023900-1", "2", "paatosehdotus", "Päätösehdotus"),
        ("kuopio:2023900-1", "3", "paatos", "Päätös"),
        ("kuopio:2023900-1", "4", "paatos", "Päätös"),
    ]
    assert rows[3]["text"] == "Toinen päätös."
    assert [c.name for c in LONG_COLUMNS] == list(rows[0])


def test_csv_with_a_semicolon_for_finnish_excel(filled: Archive) -> None:
    out = io.StringIO(newline="")
    write_csv(_rows(filled), out, delimiter=";")
    text = out.getvalue()
    assert text.startswith("\ufeffitem_id;source;municipality_code;")
    back = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    by_id = {r["item_id"]: r for r in back}
    assert by_id["kuopio:2024101-3"]["title"] == (
        'Perhekeskustoimintamallin käyttöönotto; "pilotti", Kuopio'  # ; inside is quoted
    )


def test_parquet_is_typed_as_the_codebook_says(filled: Archive, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "out.parquet"
    columns = export_columns(sections="wide")
    with filled.session() as session:
        assert write_parquet(iter_export_rows(session, sections="wide"), path, columns) == 3
    table = pq.read_table(path)
    assert table.column_names == [c.name for c in columns]
    rows = {r["item_id"]: r for r in table.to_pylist()}
    second = rows["kuopio:2024101-3"]
    assert second["meeting_date"] == date(2024, 2, 26)
    assert second["first_seen"].isoformat() == "2024-03-01T12:00:00+00:00"
    assert second["municipality_code"] == "297" and second["paatos"] == MULTILINE_PAATOS
    assert rows["kuopio:2024101-4"]["title"] == FORMULA_TITLE  # verbatim, as JSON lines


def test_parquet_without_pyarrow_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    with pytest.raises(ExportError, match=r"pykala\[parquet\]"):
        write_parquet(iter([]), tmp_path / "out.parquet", EXPORT_COLUMNS)
    assert not (tmp_path / "out.parquet").exists()
