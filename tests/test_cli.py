"""The command line as a user runs it: a real `pykala` process, real files, the fixture site."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from pykala.cli import app
from pykala.harvester.fixturesite import FixtureSite, closed_port_url, serve_fixture_site
from pykala.storage.export import EXPORT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def pykala(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point's code in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env={**os.environ, "PYKALA_DB": "", "COLUMNS": "120", **(env or {})},
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pykala: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    with serve_fixture_site() as running:
        yield running


@pytest.fixture(scope="module")
def harvested(site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An archive harvested from the fixture site with `pykala harvest`."""
    tmp = tmp_path_factory.mktemp("cli")
    sources = tmp / "sources.toml"
    sources.write_text(site.sources_toml(), encoding="utf-8")
    db = f"sqlite:///{tmp / 'archive.db'}"
    # The site is a sample: pages it links to but did not save answer 404, so this
    # harvest reports failures (exit 1); the items the site has are all stored.
    result = pykala("harvest", "--db", db, "--sources", str(sources), "--delay", "0")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return db


def _command_paths(group: TyperGroup, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        paths.append((*prefix, name))
        if isinstance(command, TyperGroup):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


def test_every_command_is_documented_and_has_help() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    paths = _command_paths(root)
    assert len(paths) >= 8, paths
    runner = CliRunner()
    for path in paths:
        assert f"`pykala {path[0]}" in README, f"README does not document `pykala {path[0]}`"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_help_shows_toml_table_names_literally() -> None:
    # Rich markup would eat "[source]" as a style tag and print "TOML file of [] tables".
    runner = CliRunner()
    for path, table_name in (
        (["sources"], "[[source]]"),
        (["topics", "update"], "[[topic]]"),
        (["topics", "timeline"], "pykala[plot]"),
    ):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert table_name in result.output, result.output


def test_readme_codebook_matches_export_columns() -> None:
    block = README.split("<!-- codebook:start -->")[1].split("<!-- codebook:end -->")[0]
    documented = re.findall(r"^\| `(\w+)` \| (.+?) \|$", block, flags=re.M)
    assert documented == [(c.name, c.description) for c in EXPORT_COLUMNS]


def test_version() -> None:
    result = pykala("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"pykala \S+\n", result.stdout)


def test_demo_runs_offline_and_shows_the_seed_item(tmp_path: Path) -> None:
    result = pykala("demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "kuopio:2020362412-5" in result.stdout
    assert "Kuopion Perhekeskustoimintamalli" in result.stdout
    assert "Apulaiskaupunginjohtaja Jari Saarinen" in result.stdout
    assert "2361/06.00.00/2020" in result.stdout
    # --db keeps the archive: the same item can be shown again afterwards.
    again = pykala("show", "kuopio:2020362412-5", "--db", f"sqlite:///{tmp_path / 'demo.db'}")
    assert again.returncode == 0 and "§" in again.stdout


def test_search_finds_compound_by_prefix(harvested: str) -> None:
    result = pykala("search", "perhekeskus", "--db", harvested, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["item_id"] for h in hits] == ["kuopio:2020362412-5"]
    assert hits[0]["paragraph"] == "48" and hits[0]["meeting_date"] == "2020-05-19"
    assert "«" in hits[0]["snippet"]


def test_search_filters(harvested: str) -> None:
    def ids(*args: str) -> list[str]:
        result = pykala("search", *args, "--db", harvested, "--format", "jsonl")
        assert result.returncode == 0, result.stderr
        return [json.loads(line)["item_id"] for line in result.stdout.splitlines()]

    assert ids("kaupunginhallitus", "--municipality", "Espoo") == ["espoo:2017406946-3"]
    assert ids("perhekeskus", "--municipality", "297") == ["kuopio:2020362412-5"]
    assert ids("perhekeskus", "--municipality", "Espoo") == []
    assert ids("perhekeskus", "--body", "kaupunginhallitus") == []
    assert ids("perhekeskus", "--since", "2020-05-19", "--until", "2020-05-19") == [
        "kuopio:2020362412-5"
    ]
    assert ids("perhekeskus", "--since", "2020-05-20") == []
    assert ids("perhekeskus", "--until", "2020-05-18") == []


@pytest.mark.parametrize("query", ['"(', "*", "§", "---", ""])
def test_search_bad_query_is_one_line(harvested: str, query: str) -> None:
    assert_one_line_error(pykala("search", "--db", harvested, "--", query), 2)


def test_search_hostile_but_meaningful_queries_work(harvested: str) -> None:
    for query in ("§ 48", "NEAR perhekeskus", "2361/06.00.00/2020", "perhe*"):
        result = pykala("search", query, "--db", harvested, "--format", "jsonl")
        assert result.returncode == 0, (query, result.stderr)


def test_export_csv_opens_cleanly(harvested: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = pykala("export", "--db", harvested, "--format", "csv", "--output", str(out))
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == [c.name for c in EXPORT_COLUMNS]
    seed = next(r for r in rows if r["item_id"] == "kuopio:2020362412-5")
    assert seed["paragraph"] == "48"
    assert seed["diary_number"] == "2361/06.00.00/2020"
    assert seed["municipality"] == "Kuopio" and seed["region"] == "Pohjois-Savo"
    assert seed["wellbeing_county"] == "Pohjois-Savon hyvinvointialue"
    assert seed["presenter"] == "Apulaiskaupunginjohtaja Jari Saarinen"
    assert seed["paatos"].startswith("Perusturva- ja terveyslautakunta hyväksyi")
    assert "poistuivat kokouksesta" in seed["paatos"]
    assert seed["meeting_kind"] == "poytakirja"
    assert len({r["item_id"] for r in rows}) == len(rows)


def test_export_to_stdout_matches_file(harvested: str, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    to_file = pykala("export", "--db", harvested, "--format", "jsonl", "--output", str(out))
    to_stdout = pykala("export", "--db", harvested, "--format", "jsonl")
    assert to_file.returncode == 0 and to_stdout.returncode == 0
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
    records = [json.loads(line) for line in to_stdout.stdout.splitlines()]
    assert {r["item_id"] for r in records} >= {"kuopio:2020362412-5", "espoo:2017406946-3"}


def test_show_unknown_item_is_one_line(harvested: str) -> None:
    line = assert_one_line_error(pykala("show", "kuopio:nope", "--db", harvested), 2)
    assert "kuopio:nope" in line


def test_show_json(harvested: str) -> None:
    result = pykala("show", "kuopio:2020362412-5", "--db", harvested, "--json")
    assert result.returncode == 0, result.stderr
    view = json.loads(result.stdout)
    kinds = [s["kind"] for s in view["sections"]]
    assert kinds[-2:] == ["paatosehdotus", "paatos"]


def test_status(harvested: str) -> None:
    result = pykala("status", "--db", harvested)
    assert result.returncode == 0, result.stderr
    assert "kuopio" in result.stdout and "espoo" in result.stdout


def test_bad_sources_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[source]]\nname = "x"\nplatform = "nosuch"\n'
        'base_url = "https://x.oncloudos.com/cgi/DREQUEST.PHP"\nmunicipality = "297"\n',
        encoding="utf-8",
    )
    line = assert_one_line_error(pykala("sources", "--sources", str(bad)), 2)
    assert str(bad) in line and "platform" in line
    line = assert_one_line_error(
        pykala("harvest", "--sources", str(bad), "--db", f"sqlite:///{tmp_path / 'a.db'}"), 2
    )
    assert "platform" in line


def test_bad_db_url_is_one_line() -> None:
    assert_one_line_error(pykala("search", "x", "--db", "nosuchdriver://x"), 3)
    assert_one_line_error(
        pykala("status", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"), 3
    )


def test_unreachable_source_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "gone"\nplatform = "dynasty"\n'
        f'base_url = "{closed_port_url()}/cgi/DREQUEST.PHP"\nmunicipality = "297"\n',
        encoding="utf-8",
    )
    result = pykala(
        "harvest",
        "--sources",
        str(sources),
        "--db",
        f"sqlite:///{tmp_path / 'a.db'}",
        "--delay",
        "0",
        "--quiet",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gone: "), result.stderr


def test_shipped_sources_list() -> None:
    result = pykala("sources", "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) > 300
    assert {r["platform"] for r in rows} == {"dynasty", "cloudnc", "tweb", "pdf"}
    kuopio = [r for r in rows if r["municipality_code"] == "297"]
    assert kuopio and kuopio[0]["wellbeing_county"] == "Pohjois-Savon hyvinvointialue"
    assert kuopio[0]["organisation_type"] == "municipality"
    # A disabled source says why, in JSON and in the table.
    haapajarvi = next(r for r in rows if r["name"] == "haapajarvi")
    assert haapajarvi["enabled"] is False
    assert "2 addresses for Haapajärvi" in haapajarvi["disabled_reason"]
    table = pykala("sources", env={"COLUMNS": "400"}).stdout
    assert "disabled: not confirmed: the reference gives 2 addresses for Haapajärvi" in table
    assert closed_port_url().startswith("http://127.0.0.1:")


def test_search_finnish_forms_filters_and_snippets(harvested: str) -> None:
    """Issue 3 through the CLI: an elided compound, --section/--region, marked snippets."""

    def hits(*args: str) -> list[dict[str, str]]:
        result = pykala("search", *args, "--db", harvested, "--format", "jsonl")
        assert result.returncode == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    # "Perusturva- ja terveyslautakunta hyväksyi …" in the seed's päätös.
    found = hits("lautakunta", "--section", "päätös")
    assert "kuopio:2020362412-5" in [h["item_id"] for h in found]
    seed = next(h for h in found if h["item_id"] == "kuopio:2020362412-5")
    assert "«Perusturva»- ja «terveyslautakunta»" in seed["snippet"]
    assert [h["item_id"] for h in hits("perhekeskus", "--region", "Pohjois-Savo")] == [
        "kuopio:2020362412-5"
    ]
    assert hits("perhekeskus", "--county", "Länsi-Uudenmaan") == []
    assert_one_line_error(pykala("search", "kunta", "--section", "x", "--db", harvested), 2)


def test_harvest_brings_topics_up_to_date(harvested: str) -> None:
    """A nightly harvest alone keeps topic membership current: no separate step to forget."""
    from sqlalchemy import select

    from pykala.storage import models
    from pykala.storage.db import open_archive

    with open_archive(harvested) as archive, archive.session() as session:
        members = session.scalars(
            select(models.Item.external_id)
            .join(models.ItemTopic, models.ItemTopic.item_id == models.Item.id)
            .join(models.Topic, models.Topic.id == models.ItemTopic.topic_id)
            .where(models.Topic.name == "perhekeskus")
        ).all()
    assert "2020362412-5" in members  # the Kuopio seed, § 48
    assert "2020362412-3" not in members  # foster-care fees are not family centres


def test_harvest_names_a_disabled_source_it_skips(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[source]]\nname = "x"\nplatform = "dynasty"\n'
        'base_url = "http://127.0.0.1:9/cgi/DREQUEST.PHP"\norganisation = "297"\n'
        'enabled = false\ndisabled_reason = "moved to CloudNC"\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'a.db'}"
    result = pykala("harvest", "--sources", str(mine), "--source", "x", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "pykala: skipping x: disabled (moved to CloudNC)" in result.stderr
