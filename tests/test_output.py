"""Issue 14, items 5 and 7 and the small things: output that survives a pipe, one
--format on every command that lists things, -h, flags without <bool>, shell completion,
timelines with their empty periods, a PNG whose title fits, a pyproject setuptools reads
without deprecation warnings."""

from __future__ import annotations

import csv
import io
import json
import tomllib
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from pykala.cli import app
from pykala.harvester.report import RunReport, SourceReport
from pykala.harvester.sources import load_municipalities, load_sources
from pykala.linking.topicview import Timeline, every_period
from pykala.render.report import print_report
from pykala.storage.db import open_archive
from tests.linkingkit import KUOPIO_SEED, MIKKELI_SEED, load_acceptance_archive
from tests.test_cli import ROOT, _command_paths

NARROW = {"COLUMNS": "40"}  # what a cron mail or `| cat` from a small terminal gave


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('output') / 'archive.db'}"
    with open_archive(url) as archive:
        load_acceptance_archive(archive)
    return url


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


# -- tables into a pipe are never cut ---------------------------------------------------


def test_topics_show_into_a_pipe_keeps_whole_ids(db: str) -> None:
    code, stdout, stderr = run("topics", "show", "perhekeskus", "--db", db, env=NARROW)
    assert code == 0, stderr
    assert KUOPIO_SEED in stdout and MIKKELI_SEED in stdout, stdout
    assert "…" not in stdout


def test_sources_into_a_pipe_are_whole_and_show_the_wellbeing_county() -> None:
    code, stdout, stderr = run("sources", env=NARROW)
    assert code == 0, stderr
    assert "wellbeing county" in stdout and "…" not in stdout
    municipalities = load_municipalities()
    for config in load_sources(None)[:20]:
        assert config.base_url in stdout
        county = municipalities[config.municipality_code or ""].wellbeing_county
        assert county and county in stdout


def test_status_and_topics_list_into_a_pipe_are_whole(db: str) -> None:
    code, stdout, stderr = run("status", "--db", db, env=NARROW)
    assert code == 0, stderr
    assert "päätös" in stdout and "last fetched" in stdout and "…" not in stdout
    code, stdout, stderr = run("topics", "list", "--db", db, env=NARROW)
    assert code == 0, stderr
    assert "Perhekeskukset (family centres)" in stdout and "municipalities" in stdout


def test_the_harvest_summary_into_a_pipe_is_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    source = SourceReport("pohjois-savon-hyvinvointialue-asiakirjat", inserted=12345)
    report = RunReport("harvest", datetime.now(UTC), sources=[source])
    report.finished = report.started
    print_report(report, quiet=False)
    stderr = capsys.readouterr().err
    assert "pohjois-savon-hyvinvointialue-asiakirjat" in stderr and "12345" in stderr
    assert "unchanged" in stderr and "requests" in stderr and "…" not in stderr


# -- one --format on every command that lists things ---------------------------------------

LISTINGS = [
    ("sources",),
    ("status",),
    ("topics", "list"),
    ("topics", "show", "perhekeskus"),
    ("topics", "timeline", "perhekeskus"),
    ("links", KUOPIO_SEED),
    ("search", "perhekeskus"),
]


def _args(command: tuple[str, ...], db: str) -> list[str]:
    return [*command] if command == ("sources",) else [*command, "--db", db]


@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_every_listing_speaks_table_json_jsonl_and_csv(db: str, command: tuple[str, ...]) -> None:
    outputs = {}
    for fmt in ("table", "json", "jsonl", "csv"):
        code, stdout, stderr = run(*_args(command, db), "--format", fmt)
        assert code == 0, (fmt, stderr)
        outputs[fmt] = stdout
    json.loads(outputs["json"])  # one document
    lines = [json.loads(line) for line in outputs["jsonl"].splitlines()]
    assert lines and all(isinstance(line, dict) for line in lines)
    rows = list(csv.DictReader(io.StringIO(outputs["csv"], newline="")))
    assert len(rows) == len(lines)
    assert list(rows[0]) == list(lines[0])  # the same columns, in the same order
    assert outputs["csv"].splitlines()[0] == ",".join(lines[0])


@pytest.mark.parametrize(
    ("command", "means"),
    [
        (("sources",), "jsonl"),
        (("topics", "list"), "jsonl"),
        (("links", KUOPIO_SEED), "jsonl"),
        (("topics", "show", "perhekeskus"), "json"),
        (("topics", "timeline", "perhekeskus"), "json"),
    ],
)
def test_the_old_json_flag_still_works(db: str, command: tuple[str, ...], means: str) -> None:
    assert run(*_args(command, db), "--json")[1] == run(*_args(command, db), "--format", means)[1]


def test_status_json_carries_the_sources_and_runs(db: str) -> None:
    code, stdout, stderr = run("status", "--db", db, "--format", "json")
    assert code == 0, stderr
    status = json.loads(stdout)
    assert status["archive"] == db and status["items"] > 0
    assert {s["source"] for s in status["sources"]} >= {"kuopio", "mikkeli"}
    assert {"share_title", "queued", "last_fetched"} <= set(status["sources"][0])
    assert isinstance(status["runs"], list)


def test_search_json_is_one_document_and_jsonl_one_hit_a_line(db: str) -> None:
    _, as_json, _ = run("search", "perhekeskus", "--db", db, "--format", "json")
    _, as_jsonl, _ = run("search", "perhekeskus", "--db", db, "--format", "jsonl")
    assert json.loads(as_json) == [json.loads(line) for line in as_jsonl.splitlines()]


def test_a_bad_format_is_one_line(db: str) -> None:
    code, _, stderr = run("status", "--db", db, "--format", "xml")
    assert code == 2
    assert stderr.strip() == (
        "pykala: error: --format must be table, json, jsonl or csv, not 'xml'"
    )


# -- help --------------------------------------------------------------------------------


def test_dash_h_works_and_flags_show_no_bool_metavar() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    runner = CliRunner()
    for path in [(), *_command_paths(root)]:
        result = runner.invoke(app, [*path, "-h"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        assert "<bool>" not in result.output, (path, result.output)


def test_shell_completion_can_be_installed() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert "--install-completion" in result.output and "--show-completion" in result.output


def test_demo_help_names_its_real_default_archive() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert "temporary SQLite file" in result.output
    assert "data directory" not in result.output


def test_setuptools_reads_the_project_without_deprecation_warnings() -> None:
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert [str(w.message).splitlines()[0] for w in caught] == []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "MIT"


# -- timelines ---------------------------------------------------------------------------


def test_every_period_fills_the_empty_years_and_months() -> None:
    assert every_period({"2018", "2020"}, "year") == ["2018", "2019", "2020"]
    assert every_period({"2019-11", "2020-02", "(no date)"}, "month") == [
        "2019-11",
        "2019-12",
        "2020-01",
        "2020-02",
        "(no date)",
    ]


def test_the_timeline_shows_the_empty_year_between_two_decisions(db: str) -> None:
    code, stdout, stderr = run("topics", "timeline", "perhekeskus", "--db", db, "--format", "csv")
    assert code == 0, stderr
    rows = list(csv.DictReader(io.StringIO(stdout, newline="")))
    assert [r["year"] for r in rows] == ["2018", "2019", "2020"] * 2
    assert {(r["municipality"], r["year"], r["members"]) for r in rows} >= {
        ("Mikkeli", "2018", "1"),
        ("Mikkeli", "2019", "0"),
        ("Kuopio", "2020", "1"),
    }


def test_the_png_holds_its_whole_title(tmp_path: Path) -> None:
    from matplotlib import image as image_module  # the plot extra, installed by .ci/setup

    from pykala.linking.plot import write_timeline_png

    months = ["2018-03", "2018-04"]
    timeline = Timeline(
        "perhekeskus",
        "county",
        months,
        {
            "Etelä-Savon hyvinvointialue": {months[0]: 1},
            "Pohjois-Savon hyvinvointialue": {months[1]: 2},
        },
    )
    out = tmp_path / "timeline.png"
    write_timeline_png(timeline, out)
    pixels = image_module.imread(out)
    dark = pixels[..., :3].max(axis=2) < 0.5
    # A clipped title (or label) runs into the image's edge; a fitted one leaves a margin.
    assert not dark[:, :3].any() and not dark[:, -3:].any()
    assert not dark[:3, :].any() and not dark[-3:, :].any()
