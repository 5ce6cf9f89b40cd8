"""The command line against hostile data and hostile arguments (issue 12): terminal
escapes in stored text, huge queries and words, malformed and secret-bearing --db URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli import app, escape_controls
from storage.db import open_archive
from tests.storagekit import item, item_page, setup_sources, store

# Clear the screen, retitle the terminal (OSC … BEL), a C1 CSI, DEL, a CR that rewrites
# the line: what a page can put into a title or a text.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f\rX"
RAW = ("\x1b", "\x07", "\x9b", "\x7f", "\r")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def hostile_db(tmp_path: Path) -> str:
    """A SQLite archive with one item whose title and texts carry escape sequences."""
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    with open_archive(url) as archive:
        setup_sources(archive)
        record = item(
            title=f"Perhekeskus {HOSTILE} toimintamalli",
            selostus=f"Perhekeskus avataan {HOSTILE} syksyllä.",
        )
        store(archive, item_page(record))
    return url


def assert_escaped(text: str) -> None:
    assert not any(c in text for c in RAW), repr(text)
    assert "\\u001b[2J" in text and "\\u001b]0;pwned\\u0007" in text


def test_escape_controls_keeps_newline_and_tab() -> None:
    assert escape_controls("a\tb\nc") == "a\tb\nc"
    assert escape_controls(HOSTILE) == "\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u007f\\u000dX"


def test_show_prints_no_raw_escape_sequences(hostile_db: str) -> None:
    result = run("show", "kuopio:2024101-3", "--db", hostile_db)
    assert result.exit_code == 0, result.output
    assert_escaped(result.stdout)
    as_json = run("show", "kuopio:2024101-3", "--db", hostile_db, "--json")
    assert_escaped(as_json.stdout)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_search_prints_no_raw_escape_sequences(hostile_db: str, fmt: str) -> None:
    result = run("search", "perhekeskus", "--db", hostile_db, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "toimintamalli" in result.stdout
    assert_escaped(result.stdout)


def test_error_messages_print_no_raw_escape_sequences(tmp_path: Path) -> None:
    missing = tmp_path / f"nope{HOSTILE}.pdf"
    result = run("add", str(missing), "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert result.exit_code == 2
    assert result.stderr.startswith("pykala: error: cannot read")
    assert_escaped(result.stderr)
