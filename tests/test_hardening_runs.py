"""Issue 12 (runs): what a harvest stores, how a run starts and how it always ends.

Credentials in a source URL, NUL and other control characters in parsed text, a page
too large to parse, robots.txt disallowing everything, atomic SQLite migrations, the run
lock before migrating, and a run row that always gets its end state.
"""

from __future__ import annotations

from pathlib import Path

from harvester.http import PoliteClient, Politeness
from harvester.run import harvest
from harvester.sources import load_sources
from harvester.synthsite import serve_synthetic_sites
from storage.db import Archive
from tests.test_cli import assert_one_line_error, pykala


def test_credentials_in_a_source_url_are_refused_and_never_printed(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nname = "leaky"\nplatform = "dynasty"\n'
        'base_url = "https://user:s3cret@kuopio.oncloudos.com/cgi/DREQUEST.PHP"\n'
        'municipality = "297"\n',
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    result = pykala("harvest", "--db", f"sqlite:///{db}", "--sources", str(sources))
    line = assert_one_line_error(result, 2)
    assert "source #1 (leaky)" in line and "credentials" in line
    assert "s3cret" not in result.stderr + result.stdout
    assert not db.exists()  # refused before the archive was even opened


def test_a_robots_txt_disallowing_everything_is_named_in_the_report(
    sqlite_archive: Archive, tmp_path: Path
) -> None:
    with serve_synthetic_sites(1) as (site,):
        site.robots_txt = "User-agent: *\nDisallow: /\n"
        path = tmp_path / "sources.toml"
        path.write_text(site.source_toml(), encoding="utf-8")
        with PoliteClient(Politeness(min_interval=0)) as client:
            report = harvest(sqlite_archive, load_sources(path), client)
    assert report.exit_status == 1
    assert report.sources[0].flags == ["blocked by robots.txt"]
    assert report.error_lines() == [
        "synth1: no items: robots.txt refused every page tried "
        "(2 skipped; disallowed by robots.txt)"
    ]
