"""pykala export as a researcher uses it (issue 14): a query and every filter of search,
--sections, --excel, Parquet, and the datapackage.json codebook that validates with
frictionless and gives pandas the column types."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pykala.cli import app
from pykala.parsers.records import Section, SectionKind
from pykala.storage.db import open_archive
from pykala.storage.export import FIELDNAMES, SECTION_COLUMNS
from tests.storagekit import item, item_page, setup_sources, store

frictionless = pytest.importorskip("frictionless")
pd = pytest.importorskip("pandas")


@pytest.fixture
def db(archive_url: str) -> str:
    with open_archive(archive_url) as archive:
        setup_sources(archive)
        store(
            archive,
            item_page(
                item("2024101-3", "Perhekeskustoimintamallin käyttöönotto"),
                item("2024101-4", "=1+1 määrärahat", paatos=""),
                item(
                    "2023900-1",
                    "Koulukuljetukset",
                    meeting_date=date(2023, 5, 2),
                    diary_number=None,
                    extra_sections=(Section(SectionKind.KASITTELY, "Käsittely", "Keskusteltiin."),),
                ),
            ),
        )
    return archive_url


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """An empty directory for the export files (the SQLite archive is in tmp_path)."""
    directory = tmp_path / "exports"
    directory.mkdir()
    return directory


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return str(lines[0])


def package(directory: Path) -> dict[str, Any]:
    return dict(json.loads((directory / "datapackage.json").read_text(encoding="utf-8")))


def test_the_codebook_validates_and_carries_provenance_and_coverage(db: str, exports: Path) -> None:
    out = exports / "items.csv"
    result = run("export", "hyväksyttiin", "--db", db, "--region", "Pohjois-Savo", "-o", str(out))
    assert result.exit_code == 0, result.output
    report = frictionless.validate(exports / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    (resource,) = package(exports)["resources"]
    assert resource["path"] == "items.csv" and resource["dialect"]["delimiter"] == ","
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert list(fields) == FIELDNAMES
    assert fields["municipality_code"]["constraints"] == {"pattern": "[0-9]{3}"}
    assert fields["meeting_date"]["type"] == "date"
    assert fields["first_seen"]["type"] == "datetime"
    assert all(f["description"] for f in fields.values())
    meta = resource["pykala"]
    assert meta["command"] == "export" and meta["query"] == "hyväksyttiin"
    assert meta["filters"]["region"] == "Pohjois-Savo" and meta["rows"] == 3
    assert meta["pykala_version"] and "last_harvest" in meta and meta["last_fetch"]
    (kuopio,) = meta["coverage"]
    assert (kuopio["source"], kuopio["rows"]) == ("kuopio", 3)
    assert (kuopio["first_meeting_date"], kuopio["last_meeting_date"]) == (
        "2023-05-02",
        "2024-02-26",
    )
    assert kuopio["filled_share"]["diary_number"] == pytest.approx(2 / 3, abs=1e-4)
    assert kuopio["filled_share"]["paatos"] == pytest.approx(2 / 3, abs=1e-4)
    assert kuopio["filled_share"]["item_id"] == 1.0
    # The sidecar stays, for scripts that read it.
    sidecar = json.loads((exports / "items.csv.meta.json").read_text(encoding="utf-8"))
    assert sidecar["query"] == "hyväksyttiin" and sidecar["rows"] == 3


def test_a_typo_in_a_cell_fails_validation(db: str, exports: Path) -> None:
    # The schema is checked against the data, not only carried: a bad code is caught.
    out = exports / "items.csv"
    assert run("export", "--db", db, "-o", str(out)).exit_code == 0
    raw = out.read_text(encoding="utf-8-sig").replace(",297,", ",97,", 1)
    out.write_text(raw, encoding="utf-8-sig", newline="")
    report = frictionless.validate(exports / "datapackage.json")
    assert not report.valid
    assert "constraint-error" in {e[0] for e in report.flatten(["type"])}


def _pandas_frame(directory: Path, name: str) -> Any:
    """As the README shows: types from datapackage.json."""
    meta = next(r for r in package(directory)["resources"] if r["path"] == name)
    fields = meta["schema"]["fields"]
    return pd.read_csv(
        directory / name,
        encoding="utf-8-sig",
        sep=meta["dialect"]["delimiter"],
        dtype={f["name"]: "string" for f in fields if f["type"] == "string"},
        parse_dates=[f["name"] for f in fields if f["type"] in ("date", "datetime")],
    )


def test_pandas_loads_the_types_from_the_codebook(db: str, exports: Path) -> None:
    out = exports / "items.csv"
    assert run("export", "--db", db, "--excel", "-o", str(out)).exit_code == 0
    assert out.read_bytes().startswith("\ufeffitem_id;source;".encode())
    frame = _pandas_frame(exports, "items.csv")
    assert list(frame["municipality_code"]) == ["297"] * 3  # not 297 as a number
    assert str(frame["meeting_date"].dtype).startswith("datetime64")
    assert frame["meeting_date"].min() == pd.Timestamp(2023, 5, 2)
    assert str(frame["first_seen"].dtype).startswith("datetime64")
    assert set(frame["title"]) >= {"'=1+1 määrärahat"}  # formula guard kept
    assert frictionless.validate(exports / "datapackage.json").valid


def test_exports_into_one_directory_share_one_package(db: str, exports: Path) -> None:
    for name, extra in (
        ("items.csv", ()),
        ("wide.jsonl", ("--sections", "wide")),
        ("sections.csv", ("--sections", "long")),
    ):
        result = run("export", "--db", db, "-o", str(exports / name), *extra)
        assert result.exit_code == 0, result.output
    resources = {r["path"]: r for r in package(exports)["resources"]}
    assert list(resources) == ["items.csv", "wide.jsonl", "sections.csv"]
    wide = [f["name"] for f in resources["wide.jsonl"]["schema"]["fields"]]
    assert wide == FIELDNAMES + [c.name for c in SECTION_COLUMNS]
    assert resources["items.csv"]["schema"]["primaryKey"] == ["item_id"]
    assert "primaryKey" not in resources["sections.csv"]["schema"]
    with (exports / "sections.csv").open(encoding="utf-8-sig", newline="") as handle:
        kinds = [(r["item_id"], r["kind"]) for r in csv.DictReader(handle)]
    assert ("kuopio:2023900-1", "kasittele") not in kinds
    assert ("kuopio:2023900-1", "kasittely") in kinds and len(kinds) == 10
    # Again, and one file removed: replaced, and dropped.
    (exports / "wide.jsonl").unlink()
    assert run("export", "--db", db, "-o", str(exports / "items.csv")).exit_code == 0
    assert [r["path"] for r in package(exports)["resources"]] == ["sections.csv", "items.csv"]
    assert frictionless.validate(exports / "datapackage.json").valid


def test_parquet_export_and_its_codebook(db: str, exports: Path) -> None:
    pytest.importorskip("pyarrow")
    out = exports / "items.parquet"
    result = run("export", "määräraha*", "--db", db, "-o", str(out))  # format from the name
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert list(frame["item_id"]) == ["kuopio:2024101-4"]
    assert frame["title"].item() == "=1+1 määrärahat"  # verbatim
    (resource,) = package(exports)["resources"]
    assert resource["format"] == "parquet" and "dialect" not in resource
    assert frictionless.validate(exports / "datapackage.json").valid
    assert "--output" in one_line_error(run("export", "--db", db, "--format", "parquet"))


def test_export_to_stdout_with_a_query_and_filters(db: str) -> None:
    result = run("export", "hyväksyttiin", "--db", db, "--since", "2024-01-01", "--body", "halli")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"), newline="")))
    assert [r["item_id"] for r in rows] == ["kuopio:2024101-3", "kuopio:2024101-4"]
    result = run("export", "--db", db, "--county", "Pohjois-Savon", "--format", "jsonl")
    assert len(result.stdout.splitlines()) == 3
    result = run("export", "--db", db, "--section", "käsittely", "--format", "jsonl")
    assert [json.loads(line)["item_id"] for line in result.stdout.splitlines()] == [
        "kuopio:2023900-1"
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (('"(',), "nothing to search for"),
        (("--format", "xlsx"), "--format"),
        (("--sections", "tall"), "--sections"),
        (("--excel", "--delimiter", ","), "--excel"),
        (("--delimiter", "ab"), "--delimiter"),
        (("--kind", "document"), "--kind"),
        (("--section", "paatoz"), "unknown section"),
    ],
)
def test_bad_export_options_are_one_line_and_write_nothing(
    db: str, exports: Path, args: tuple[str, ...], words: str
) -> None:
    out = exports / "items.csv"
    assert words in one_line_error(run("export", *args, "--db", db, "-o", str(out)))
    assert list(exports.iterdir()) == []


def test_a_failed_export_keeps_the_previous_file(
    db: str, exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = exports / "items.csv"
    assert run("export", "--db", db, "-o", str(out)).exit_code == 0
    before = out.read_bytes()

    def full_disk(*_args: object, **_kwargs: object) -> Any:
        yield {"item_id": "kuopio:x"}
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pykala.storage.export.iter_export_rows", full_disk)
    line = one_line_error(run("export", "--db", db, "-o", str(out)))
    assert "No space left on device" in line
    assert out.read_bytes() == before
    assert sorted(p.name for p in exports.iterdir()) == [
        "datapackage.json",
        "items.csv",
        "items.csv.meta.json",
    ]


def test_a_foreign_datapackage_is_left_alone(db: str, exports: Path) -> None:
    (exports / "datapackage.json").write_text("[1, 2]", encoding="utf-8")
    line = one_line_error(run("export", "--db", db, "-o", str(exports / "items.csv")))
    assert "datapackage.json" in line and "not a data package" in line
    assert (exports / "datapackage.json").read_text(encoding="utf-8") == "[1, 2]"


def test_outcome_filters_and_the_boolean_column(db: str, exports: Path) -> None:
    def records(*args: str) -> list[dict[str, Any]]:
        result = run("export", "--db", db, "--format", "jsonl", *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines()]

    everything = records()
    accepted = [r for r in everything if r["outcome"] == "accepted"]
    assert accepted and len(accepted) < len(everything)  # the agenda item has no outcome
    assert records("--outcome", "accepted") == accepted
    assert records("--not-voted") == everything and records("--voted") == []
    assert "unknown outcome" in one_line_error(run("export", "--db", db, "--outcome", "won"))
    out = exports / "items.csv"
    assert run("export", "--db", db, "-o", str(out)).exit_code == 0
    (resource,) = package(exports)["resources"]
    voted = next(f for f in resource["schema"]["fields"] if f["name"] == "voted")
    assert voted["type"] == "boolean"
    assert frictionless.validate(exports / "datapackage.json").valid
