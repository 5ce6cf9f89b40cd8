"""`pykala sources probe` and `pykala sources check` against loopback fixture sites: every
platform's pages are recognised with the right base URL, no page of fixtures/probe/nonplatform
is taken for a platform, and a check tells found, moved, unreachable and unrecognised apart."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pykala.cli import app
from pykala.harvester.check import (
    FOUND,
    MOVED,
    UNREACHABLE,
    UNRECOGNISED,
    check_sources,
    confirmed_toml,
)
from pykala.harvester.fixturesite import Fault, FixtureSite, closed_port_url
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.platforms.pagefacts import guess_municipality
from pykala.harvester.platforms.recognise import recognise
from pykala.harvester.probe import probe, source_entry
from pykala.harvester.sources import load_municipalities, parse_sources
from tests.probekit import PROBE_DIR, Expected, expected_probes, nonplatform_urls, serve_probe_site
from tests.templates import CLOUD_TEMPLATES, TEMPLATES, render, render_cloudnc
from tests.test_invariance import CLOUD_ITEMS, ITEMS, _record

NAMES = {code: m.name_fi for code, m in load_municipalities().items()}


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    with serve_probe_site() as served:
        yield served


@pytest.fixture()
def client() -> Iterator[PoliteClient]:
    with PoliteClient(Politeness(min_interval=0, tries=1)) as polite:
        yield polite


def local(site: FixtureSite, url: str) -> str:
    return site.url_for(url).rstrip("/")


@pytest.mark.parametrize("expected", expected_probes(), ids=lambda e: e.url[:70])
def test_probe_names_platform_and_base_url(
    site: FixtureSite, client: PoliteClient, expected: Expected
) -> None:
    result = probe(client, site.url_for(expected.url), NAMES)
    assert result.found is not None, f"not recognised: {result.facts}"
    assert result.found.platform == expected.platform
    assert result.found.base_url.rstrip("/") == local(site, expected.base_url)
    assert result.found.start_urls == tuple(site.url_for(u) for u in expected.start_urls)
    if expected.municipality is not None:
        assert result.municipality is not None
        assert result.municipality[0] == expected.municipality


def test_every_platform_is_covered() -> None:
    platforms = {e.platform for e in expected_probes()}
    assert platforms == {"dynasty", "cloudnc", "tweb", "pdf", "ahjo"}
    variants = {e.url for e in expected_probes()}
    assert any("/kokous/TELIMET.HTM" in u for u in variants)
    assert any("/api/opennc/v1" in u for u in variants)


def test_nonplatform_pages_are_at_least_twenty() -> None:
    assert len(nonplatform_urls()) >= 20


@pytest.mark.parametrize("url", nonplatform_urls(), ids=lambda u: u[:60])
def test_probe_of_a_nonplatform_page_finds_nothing(
    site: FixtureSite, client: PoliteClient, url: str
) -> None:
    result = probe(client, site.url_for(url), NAMES)
    assert result.found is None, f"false positive: {result.found}"


def test_entry_loads_as_a_sources_file(site: FixtureSite, client: PoliteClient) -> None:
    """The printed entry is a valid sources file once its guessed municipality is kept."""
    for expected in expected_probes():
        if expected.platform == "ahjo":
            continue
        result = probe(client, site.url_for(expected.url), NAMES)
        text = source_entry(result, NAMES)
        (source,) = parse_sources(text, "probe", load_municipalities())
        assert source.platform == expected.platform
        assert source.base_url.rstrip("/") == local(site, expected.base_url)
        if expected.municipality:
            assert source.municipality_code == expected.municipality
            assert "confirm" in text


def test_ahjo_entry_is_commented_out(site: FixtureSite, client: PoliteClient) -> None:
    (ahjo,) = [e for e in expected_probes() if e.url.endswith("/content")]
    text = source_entry(probe(client, site.url_for(ahjo.url), NAMES), NAMES)
    assert all(line.startswith("#") for line in text.splitlines())
    assert parse_sources(text, "probe", load_municipalities()) == []


def test_cloudnc_needs_its_own_page_not_only_its_path() -> None:
    """A Sitefinity site's /fi-FI/Toimielimet is not CloudNC; the same page with CaseM's
    script is."""
    page = (PROBE_DIR / "nonplatform/12_sitefinity_toimielimet.html").read_bytes()
    url = "https://www.esimerkkilankaupunki.fi/fi-FI/Toimielimet"
    assert recognise(url, "text/html", page) is None
    marked = page.replace(b"</head>", b'<script src="/casem.public.js"></script></head>')
    found = recognise(url, "text/html", marked)
    assert found is not None and found.platform == "cloudnc"


def test_front_page_hints_at_a_platform_on_another_host(
    site: FixtureSite, client: PoliteClient
) -> None:
    result = probe(client, site.url_for("https://www.esimerkkila.fi/"), NAMES)
    assert result.found is None
    assert result.hints == (
        "https://esimerkkila.oncloudos.com/cgi/DREQUEST.PHP?page=meeting_frames",
    )
    assert len(result.fetched) == 1  # another host is never fetched


def test_a_minutes_named_link_to_a_slide_deck_is_no_pdf_source(
    site: FixtureSite, client: PoliteClient
) -> None:
    result = probe(client, site.url_for("https://www.sotekeskisuomi.fi/lape-tyoryhma"), NAMES)
    assert result.found is None
    assert len(result.fetched) == 2  # the PDF was fetched and read: a deck, not minutes


def test_guess_municipality_reads_inflected_names() -> None:
    assert guess_municipality([("title", "Helsingin kaupunki")], NAMES) == (
        "091",
        "Helsinki in the title",
    )
    oulu = guess_municipality([("title", "Kokousasiakirjat - Oulun kaupunki")], NAMES)
    assert oulu is not None and oulu[0] == "564"
    assert guess_municipality([("title", "Tapahtumat ja uutiset")], NAMES) is None


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_cli_probe_prints_entry_and_exit_codes(site: FixtureSite) -> None:
    result = run(
        "sources", "probe", site.url_for("http://espoo04.hosting.documenta.fi/kokous/TELIMET.HTM")
    )
    assert result.exit_code == 0, result.output
    assert "old static Dynasty export" in result.output
    assert "[[source]]" in result.output
    assert 'organisation = "049"' in result.output
    doc = json.loads(
        run(
            "sources",
            "probe",
            "--format",
            "json",
            site.url_for("https://mikkeli.cloudnc.fi/fi-FI/Toimielimet"),
        ).output
    )
    assert (doc["platform"], doc["variant"], doc["organisation_code"]) == (
        "cloudnc", "CloudNC pages", "491",
    )  # fmt: skip
    none = run("sources", "probe", site.url_for("https://valtuustoblogi.fi/"))
    assert none.exit_code == 1
    assert "no known platform" in none.output
    assert "WordPress 6.4.3" in none.output
    assert "Valtuustoryhmän blogi" in none.output


def test_cli_probe_bad_input_is_one_line(site: FixtureSite) -> None:
    bad = run("sources", "probe", "ftp://example.org/")
    assert bad.exit_code == 2 and "must start with http" in bad.output
    creds = run("sources", "probe", "https://user:secret@example.org/")
    assert creds.exit_code == 2 and "secret" not in creds.output
    missing = run("sources", "probe", site.url_for("https://www.esimerkkila.fi/nope"))
    assert missing.exit_code == 1 and "HTTP 404" in missing.output
    assert len(missing.output.strip().splitlines()) == 1


def test_cli_probe_names_a_redirect_to_another_host(site: FixtureSite) -> None:
    site.faults.add(Fault("/kunta.example.fi/*", redirect="https://www.kunta.example.fi/x"))
    try:
        result = run("sources", "probe", site.url_for("https://kunta.example.fi/paatokset"))
    finally:
        site.faults.clear()
    assert result.exit_code == 1
    assert "redirects to https://www.kunta.example.fi/x (another host): probe that" in result.output


def _sources_file(site: FixtureSite, tmp_path: Path) -> Path:
    extra = f"""
[[source]]
name = "gone"
platform = "dynasty"
base_url = "{closed_port_url()}/cgi/DREQUEST.PHP"
municipality = "297"

[[source]]
name = "now-elsewhere"
platform = "dynasty"
base_url = "{site.url_for("http://siirretty.example.fi/cgi/DREQUEST.PHP")}"
municipality = "297"

[[source]]
name = "changed-platform"
platform = "dynasty"
base_url = "{site.url_for("http://asiakirjat.ouka.fi/ktwebbin/dbisa.dll/ktwebscr/x/cgi/DREQUEST.PHP")}"
municipality = "564"
start_urls = ["{site.url_for("http://asiakirjat.ouka.fi/ktwebbin/dbisa.dll/ktwebscr/pk_tek_tweb.htm")}"]

[[source]]
name = "blog"
platform = "dynasty"
base_url = "{site.url_for("https://valtuustoblogi.fi/cgi/DREQUEST.PHP")}"
municipality = "297"
start_urls = ["{site.url_for("https://valtuustoblogi.fi/")}"]
"""
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(None) + extra, encoding="utf-8")
    return path


def test_check_tells_found_moved_unreachable_unrecognised(
    site: FixtureSite, client: PoliteClient, tmp_path: Path
) -> None:
    site.faults.add(Fault("/siirretty.example.fi/*", redirect="https://new.example.org/x"))
    try:
        configs = parse_sources(
            _sources_file(site, tmp_path).read_text(), "s", load_municipalities()
        )
        checks = {c.source.name: c for c in check_sources(client, configs)}
    finally:
        site.faults.clear()
    for name in ("kuopio", "espoo", "kokkola", "mikkeli", "mikkeli-opennc", "oulu", "vantaa"):
        assert checks[name].status == FOUND, checks[name]
    assert checks["esimerkkila"].status == FOUND
    assert checks["gone"].status == UNREACHABLE
    assert checks["now-elsewhere"].status == MOVED
    assert checks["now-elsewhere"].moved_to == "https://new.example.org/x"
    assert checks["changed-platform"].status == MOVED
    assert "Tweb" in checks["changed-platform"].detail
    assert checks["blog"].status == UNRECOGNISED

    written = confirmed_toml(list(checks.values()), date(2026, 12, 6))
    reloaded = {s.name: s for s in parse_sources(written, "w", load_municipalities())}
    assert set(reloaded) == set(checks)
    assert reloaded["kuopio"].enabled and not reloaded["gone"].enabled
    assert reloaded["kuopio"].disabled_reason is None
    assert reloaded["gone"].disabled_reason == (
        "sources check 2026-12-06: unreachable: " + checks["gone"].detail
    )
    assert reloaded["oulu"].organisation_code == "564"
    assert reloaded["espoo"].start_urls == configs[1].start_urls
    assert "# moved: redirected to another host (new.example.org)" in written


def test_cli_check_writes_confirmed_file(site: FixtureSite, tmp_path: Path) -> None:
    sources = _sources_file(site, tmp_path)
    out = tmp_path / "confirmed.toml"
    result = run(
        "sources", "check", "--sources", str(sources), "--source", "kuopio", "--source",
        "gone", "--delay", "0", "--write", str(out), "--json",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    doc = tomllib.loads(out.read_text())
    assert {s["name"]: s["enabled"] for s in doc["source"]} == {"kuopio": True, "gone": False}
    table = run(
        "sources", "check", "--sources", str(sources), "--source", "kuopio", "--delay", "0",
        "--format", "csv",
    )  # fmt: skip
    (row,) = csv.DictReader(io.StringIO(table.output))
    assert (row["name"], row["status"]) == ("kuopio", "found")
    only_found = run(
        "sources", "check", "--sources", str(sources), "--source", "kuopio", "--delay", "0"
    )
    assert only_found.exit_code == 0, only_found.output
    unknown = run("sources", "check", "--sources", str(sources), "--source", "nope")
    assert unknown.exit_code == 2 and "no source named nope" in unknown.output


def test_sources_without_subcommand_still_lists(tmp_path: Path, site: FixtureSite) -> None:
    result = run("sources", "--sources", str(_sources_file(site, tmp_path)), "--json")
    assert result.exit_code == 0, result.output
    assert '"name": "kuopio"' in result.output


# -- recognition does not depend on the template ----------------------------------------


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
def test_a_dynasty_item_is_recognised_in_every_template(template: Any) -> None:
    for page in ITEMS:
        item = _record(page)
        data, content_type = render(item, template)
        found = recognise(item.url, content_type, data)
        assert found is not None and found.platform == "dynasty", (page.name, template.name)
        assert found.base_url.endswith("/cgi/DREQUEST.PHP")


@pytest.mark.parametrize("template", CLOUD_TEMPLATES, ids=lambda t: t.name)
def test_a_cloudnc_item_is_recognised_in_every_layout(template: Any) -> None:
    for page in CLOUD_ITEMS:
        item = _record(page)
        data, content_type = render_cloudnc(item, template)
        found = recognise(item.url, content_type, data)
        assert found is not None and found.platform == "cloudnc", (page.name, template.name)
