"""The topics / links / export --topic commands over the acceptance archive (in process)."""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pykala.cli import app
from pykala.storage.db import open_archive
from pykala.storage.export import TOPIC_COLUMNS, export_meta
from tests.linkingkit import KUOPIO_SEED, MIKKELI_SEED, NEGATIVES, load_acceptance_archive

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('linking') / 'archive.db'}"
    with open_archive(url) as archive:
        load_acceptance_archive(archive)
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_export_topic_adds_score_and_terms_and_writes_a_meta_sidecar(
    db: str, tmp_path: Path
) -> None:
    out = tmp_path / "perhekeskus.csv"
    code, _, stderr = run("export", "--db", db, "--topic", "perhekeskus", "--output", str(out))
    assert code == 0, stderr
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["item_id"] for r in rows} == {KUOPIO_SEED, MIKKELI_SEED}
    assert list(rows[0])[-2:] == ["topic_score", "topic_terms"]
    kuopio = next(r for r in rows if r["item_id"] == KUOPIO_SEED)
    assert kuopio["topic_terms"].startswith("perhekeskustoimintamalli (title")
    assert float(kuopio["topic_score"]) >= 3.0
    meta = json.loads((tmp_path / "perhekeskus.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["filters"]["topic"] == "perhekeskus" and meta["rows"] == 2
    assert meta["archive"] == db and meta["columns"][-1] == "topic_terms"
    assert meta["topics"][0]["name"] == "perhekeskus" and meta["topics"][0]["definition_hash"]
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", meta["pykala_version"])
    assert "last_harvest" in meta and meta["last_fetch"]  # fixture pages were stored


def test_the_meta_sidecar_never_shows_a_password(db: str) -> None:
    with open_archive(db) as archive, archive.session() as session:
        meta = export_meta(
            session,
            archive_url="postgresql+psycopg://me:s3cret@db.example/minutes",
            command="search",
            query="perhekeskus",
        )
    assert "s3cret" not in json.dumps(meta)
    assert meta["archive"] == "postgresql+psycopg://me:***@db.example/minutes"


def test_topics_list_show_and_timeline(db: str) -> None:
    code, stdout, stderr = run("topics", "list", "--db", db, "--json")
    assert code == 0, stderr
    (summary,) = [json.loads(line) for line in stdout.splitlines()]
    assert (summary["name"], summary["members"], summary["municipalities"]) == ("perhekeskus", 2, 2)
    code, stdout, _ = run("topics", "show", "perhekeskus", "--db", db, "--json")
    shown = json.loads(stdout)
    assert [m["item_id"] for m in shown["members"]] == [MIKKELI_SEED, KUOPIO_SEED]
    assert shown["definition"]["exclude"][0]["term"] == "perhehoito"
    code, stdout, _ = run("topics", "timeline", "perhekeskus", "--db", db, "--by", "region")
    assert code == 0
    # 2018, the empty 2019, 2020 and the total (issue 14: empty periods are columns too)
    assert re.search(r"Etelä-Savo\s+│\s+1\s+│\s+│\s+│\s+1", stdout)
    assert re.search(r"Pohjois-Savo\s+│\s+│\s+│\s+1\s+│\s+1", stdout)


def test_timeline_png_puts_the_first_decision_top_left(db: str, tmp_path: Path) -> None:
    from matplotlib import image as image_module  # the plot extra, installed by .ci/setup
    from scipy import ndimage

    out = tmp_path / "timeline.png"
    code, stdout, stderr = run("topics", "timeline", "perhekeskus", "--db", db, "--png", str(out))
    assert code == 0, stderr
    assert f"wrote {out}" in stderr and "Mikkeli" in stdout  # the table is printed too
    pixels = image_module.imread(out)
    assert pixels.shape[:2] == (250, 600)  # plot.figure_inches: 2 groups, 2 years
    red, blue = pixels[..., 0], pixels[..., 2]
    dots, found = ndimage.label((blue - red) > 0.25)
    centres = sorted(ndimage.center_of_mass(dots, dots, range(1, found + 1)))
    # Two dots: Mikkeli 2018 on the first row, Kuopio 2020 below it and to the right.
    assert found == 2
    (top_y, top_x), (low_y, low_x) = centres
    assert top_y < low_y and top_x < low_x


def test_timeline_png_without_matplotlib_is_one_line(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    out = tmp_path / "timeline.png"
    code, _, stderr = run("topics", "timeline", "perhekeskus", "--db", db, "--png", str(out))
    assert code == 2 and not out.exists()
    assert stderr.strip() == (
        "pykala: error: --png needs matplotlib: pip install 'pykala[plot]' (or matplotlib)"
    )


def test_links_and_show_list_the_other_seed_and_no_negative(db: str) -> None:
    code, stdout, stderr = run("links", KUOPIO_SEED, "--db", db)
    assert code == 0, stderr
    assert "Similar decisions in other municipalities" in stdout and MIKKELI_SEED in stdout
    code, stdout, _ = run("show", MIKKELI_SEED, "--db", db, "--json")
    data = json.loads(stdout)
    assert [link["item_id"] for link in data["links"]] == [KUOPIO_SEED]
    assert data["topics"][0]["topic"] == "perhekeskus"
    assert not any(n in stdout for n in NEGATIVES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("topics", "show", "nope"), "no topic 'nope' (topics: perhekeskus)"),
        (("topics", "timeline", "perhekeskus", "--by", "street"), "--by must be"),
        (("links",), "give an item id, or --rebuild, --k or --threshold"),
    ],
)
def test_bad_topic_commands_fail_with_one_line(
    db: str, args: tuple[str, ...], message: str
) -> None:
    code, _, stderr = run(*args, "--db", db)
    assert code == 2
    assert message in stderr and len(stderr.strip().splitlines()) == 1


def test_a_bad_topics_file_is_a_one_line_usage_error(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "mine.toml"
    bad.write_text("[[topic]]\nname = 'x'\n", encoding="utf-8")
    code, _, stderr = run("topics", "list", "--db", db, "--topics", str(bad))
    assert code == 2
    assert stderr.strip() == f"pykala: error: {bad}: topic 'x': terms must be a non-empty list"


def test_readme_documents_the_topic_columns() -> None:
    for column in TOPIC_COLUMNS:
        assert f"| `{column.name}` | {column.description} |" in README


def test_links_with_other_settings_rebuilds_and_keeps_them(db: str, tmp_path: Path) -> None:
    copy = tmp_path / "archive.db"
    copy.write_bytes(Path(db.removeprefix("sqlite:///")).read_bytes())
    url = f"sqlite:///{copy}"
    code, _, stderr = run("links", "--threshold", "0.99", "--db", url)
    assert code == 0, stderr
    assert "similar links" in stderr  # the rebuild's one-line summary
    code, stdout, _ = run("links", KUOPIO_SEED, "--db", url)
    assert code == 0 and MIKKELI_SEED not in stdout  # ~0.3 apart: below 0.99
    with open_archive(url) as archive, archive.session() as session:
        from pykala.linking.links import stored_settings

        assert stored_settings(session).threshold == 0.99
