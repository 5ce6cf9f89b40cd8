"""The command line against hostile data and hostile arguments (issue 12): terminal
escapes in stored text, huge queries and words, malformed and secret-bearing --db URLs."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pykala.cli import app
from pykala.render.console import escape_controls
from pykala.storage.db import open_archive
from tests.storagekit import item, item_page, setup_sources, store

# Clear the screen, retitle the terminal (OSC … BEL), a C1 CSI, DEL, a CR that rewrites
# the line: what a page can put into a title or a text.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f\rX"
RAW = ("\x1b", "\x07", "\x9b", "\x7f", "\r")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def hostile_db(tmp_path: Path) -> str:
    """A SQLite archive with one item whose title and texts carry escape sequences.

    Storage now drops C0 controls on the way in (storage.clean), so the hostile text is
    written with sqlite3 directly, as an archive from before that change holds it: the
    output must be safe whatever the archive contains.
    """
    path = tmp_path / "hostile.db"
    with open_archive(f"sqlite:///{path}") as archive:
        setup_sources(archive)
        store(archive, item_page(item()))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE item SET title = ?", (f"Perhekeskus {HOSTILE} toimintamalli",))
        conn.execute(
            "UPDATE section SET text = ? WHERE kind = 'selostus'",
            (f"Perhekeskus avataan {HOSTILE} syksyllä.",),
        )
        # The search index keeps its own copy of the words (found by "perhekeskus").
    return f"sqlite:///{path}"


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


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
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


# --- long words and huge queries: one short error, the same on both databases ---------


def one_error_line(result: Result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pykala: error: "), result.stderr
    assert len(lines[0]) < 200  # the query is not echoed whole
    return lines[0]


@pytest.mark.parametrize("kind", ["all", "item", "document"])
def test_long_word_and_huge_query_are_one_short_error(archive_url: str, kind: str) -> None:
    open_archive(archive_url).close()  # migrated, empty
    word = "perhekeskus" * 187  # 2,057 characters: PostgreSQL refuses 2,048 bytes
    line = one_error_line(run("search", word, "--kind", kind, "--db", archive_url))
    assert "word too long in the query: 2,057 characters (at most 100)" in line
    huge = " ".join(["neuvola"] * 12_500)  # 100 kB
    line = one_error_line(run("search", huge, "--kind", kind, "--db", archive_url))
    assert "query too long: 99,999 characters (at most 1,000)" in line


def test_longest_allowed_word_is_searched_on_both_databases(archive_url: str) -> None:
    open_archive(archive_url).close()
    for word in ("a" * 100, "ä" * 100, "perhekeskus " + "x" * 100):
        result = run("search", word, "--db", archive_url)
        assert result.exit_code == 0, result.output
        assert "no matches" in result.stderr


def test_nothing_to_search_for_does_not_echo_a_long_query(tmp_path: Path) -> None:
    line = one_error_line(run("search", "§ " * 400, "--db", f"sqlite:///{tmp_path / 'a.db'}"))
    assert "nothing to search for in '§ § §" in line and "…" in line


# --- --db URLs: malformed is one line and exit 3; a password is never printed ---------

MALFORMED_URLS = [
    "postgresql+psycopg://u:secret@127.0.0.1:notaport/x",
    "postgresql+psycopg://u:secret@[::1/x",
    "postgresql+psycopg://u:se:cr@et@h:notaport/x",
    "://u:secret@h/x",
    "nonsense://u:secret@",
    "sqlite:///x.db?timeout=abc&password=secret",
    "sqlite:///x.db?check_same_thread=maybe&password=secret",
]


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_malformed_db_url_is_one_line_exit_3_without_the_password(url: str) -> None:
    line = one_error_line(run("status", "--db", url), code=3)
    assert line.startswith("pykala: error: cannot open archive ")
    assert "secret" not in line and "cr@et" not in line and "***" in line


def test_mask_url() -> None:
    from pykala.storage.db import mask_url

    assert mask_url("postgresql+psycopg://u:pw@h:5432/db") == "postgresql+psycopg://u:***@h:5432/db"
    assert mask_url("postgresql://u:p@ss/w@rd@h/db") == "postgresql://u:***@h/db"
    assert mask_url("postgresql://h/db?user=u&password=pw&x=1") == (
        "postgresql://h/db?user=u&password=***&x=1"
    )
    for unchanged in ("postgresql://u@h/db", "sqlite:///a:b@c.db", "sqlite://", "x"):
        assert mask_url(unchanged) == unchanged


def test_demo_does_not_print_the_password(pg_schema_url: str) -> None:
    url = pg_schema_url.replace("://postgres@", "://postgres:s3cret-pw@")  # trust auth
    assert "s3cret-pw" in url
    result = run("demo", "--db", url)
    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output
    assert "postgres:***@127.0.0.1" in result.stdout


def test_search_csv_neutralises_hidden_formulas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'formula.db'}"
    with open_archive(url) as archive:
        setup_sources(archive)
        titles = [" =1+1 perhekeskus", "\u200b＝HYPERLINK(1) perhekeskus", "\n＠SUM perhekeskus"]
        store(archive, item_page(*(item(f"2024300-{n}", t) for n, t in enumerate(titles, 1))))
    result = run("search", "perhekeskus", "--db", url, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and all(r["title"].startswith("'") for r in rows), rows


@pytest.mark.parametrize("command", ["show", "add"])
def test_a_bad_url_typed_on_the_command_line_is_one_line(command: str, tmp_path: Path) -> None:
    url = "http://h.fi:notaport/x"
    line = one_error_line(run(command, url, "--db", f"sqlite:///{tmp_path / 'a.db'}"))
    assert url in line


def test_tables_and_markup_are_escaped_even_on_a_colour_terminal() -> None:
    """status, sources, topics and links print rich tables: cells and titles pass through
    SafeConsole.render_str too; rich's own colour codes still work."""
    from rich.table import Table

    from pykala.render.console import SafeConsole

    buffer = io.StringIO()
    console = SafeConsole(
        file=buffer, force_terminal=True, color_system="standard", width=200, highlight=False
    )
    table = Table("source", f"title {HOSTILE}", title=f"Sources {HOSTILE}")
    table.add_row(f"kuopio{HOSTILE}", "[bold]x[/bold]")
    console.print(table)
    console.print(f"[bold]{HOSTILE}[/bold]")
    text = buffer.getvalue()
    assert "\x1b[1m" in text  # bold: rich's styling is untouched
    for raw in ("\x1b[2J", "\x1b]0;", "\x07", "\x9b", "\x7f", "\r"):
        assert raw not in text, raw
    assert text.count("\\u001b[2J") == 4  # title, header, cell, line
