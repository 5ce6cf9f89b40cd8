"""``pykala parse FILE [--explain]``: a saved page's record and how each line was read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pykala.cli import app
from tests.golden import expected_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DYNASTY = FIXTURES / "dynasty"
ITEMS = [
    p
    for folder in (DYNASTY, FIXTURES / "cloudnc")
    for p in sorted(folder.rglob("*"))
    if expected_path(p).exists()
    and "opennc" not in str(p)
    and json.loads(expected_path(p).read_text(encoding="utf-8"))["result"]["page_kind"] == "item"
]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.mark.parametrize("page", ITEMS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_explain_gives_every_item_fixture_its_title_line(page: Path) -> None:
    spec = json.loads(expected_path(page).read_text(encoding="utf-8"))
    (item,) = spec["result"]["items"]
    platform = page.relative_to(FIXTURES).parts[0]
    args = ["parse", str(page), "--platform", platform, "--url", spec["url"], "--explain"]
    if spec["content_type"]:
        args += ["--content-type", spec["content_type"]]
    code, output = _run(*args)
    assert code == 0, output
    roles = {line.split("  ", 1)[0]: line for line in output.splitlines()}
    assert item["title"] in roles["title"]
    if item["meeting_kind"]:
        assert "title block" in roles
    if item["diary_number"]:
        assert "diary number" in roles


def test_parse_shows_the_record_and_its_flags() -> None:
    page = DYNASTY / "kuopio" / "meetingitem_2020362412-5.html"
    code, output = _run("parse", str(page))  # the URL is guessed from the file name
    assert code == 0, output
    assert "2020362412-5: Kuopion Perhekeskustoimintamalli" in output
    assert "§ 48, diary number 2361/06.00.00/2020" in output
    assert "quality flags: none" in output
    code, output = _run("parse", str(page), "--json")
    (item,) = json.loads(output)["items"]
    assert item["paragraph"] == "48" and item["quality_flags"] == []


def test_a_page_the_parser_cannot_read_is_a_warning_not_a_body_name_title(tmp_path: Path) -> None:
    page = tmp_path / "meetingitem_2024101-3.html"
    page.write_text(
        "<html><body><h1>Kaupunginhallitus</h1><h2>Pöytäkirja 12.03.2024/Pykälä 40</h2>"
        "<p>§ 40</p><p>Talousarvion muutos</p><p>Päätös Hyväksyttiin.</p></body></html>",
        encoding="utf-8",
    )
    code, output = _run("parse", str(page), "--json")
    assert code == 0, output
    (item,) = json.loads(output)["items"]
    assert (item["title"], item["body_name"], item["paragraph"]) == (
        "Talousarvion muutos",
        "Kaupunginhallitus",
        "40",
    )
    assert item["quality_flags"] == ["no_diary_number", "no_proposal"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "nosuch"], "unknown platform 'nosuch'"),
        (["--platform", "tweb"], "give the page's address with --url"),
        (["--platform", "ahjo", "--url", "https://x.invalid/a", "--explain"], "--explain reads"),
    ],
)
def test_bad_use_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<html></html>")
    code, output = _run("parse", str(page), *args)
    assert code == 2
    assert message in output and "Traceback" not in output
