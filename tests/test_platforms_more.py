"""URL knowledge of the CloudNC, Tweb, PDF and web-page platforms, and their sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from pykala.harvester.fixturesite import Request, serve_fixture_site
from pykala.harvester.http import FetchError, PoliteClient, Politeness
from pykala.harvester.platforms import PLATFORMS, Platform, crawl_rules, harvested, registry
from pykala.harvester.run import harvest
from pykala.harvester.sources import (
    SourceConfigError,
    load_municipalities,
    load_sources,
    parse_sources,
)
from pykala.parsers.records import Link, PageKind, ParserCrash, ParseResult
from pykala.storage import models
from pykala.storage.db import Archive

OULU = "http://asiakirjat.ouka.fi/ktwebbin/dbisa.dll/ktwebscr"


def test_one_record_per_platform_with_unique_names() -> None:
    assert all(name == platform.name for name, platform in PLATFORMS.items())
    assert set(PLATFORMS) == {"dynasty", "cloudnc", "tweb", "pdf", "webpage", "opennc", "ahjo"}
    assert harvested() == ["dynasty", "cloudnc", "tweb", "pdf", "webpage"]
    assert [n for n, p in PLATFORMS.items() if not p.needs_municipality] == ["pdf", "webpage"]
    with pytest.raises(ValueError, match="two platforms are named 'tweb'"):
        registry([PLATFORMS["tweb"], PLATFORMS["dynasty"], PLATFORMS["tweb"]])
    with pytest.raises(KeyError):
        crawl_rules("ahjo")  # parsed, not harvested


def test_a_platform_guards_its_parser() -> None:
    def buggy(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
        raise ValueError("a bug")

    platform = Platform("x", buggy, lambda url: PageKind.UNKNOWN)
    with pytest.raises(ParserCrash, match="parser crashed: ValueError: a bug"):
        platform.parse(b"", "http://a.fi/", None)
    assert PLATFORMS["dynasty"].classify("http://[::1/cgi/DREQUEST.PHP") is PageKind.UNKNOWN


def test_cloudnc_starts_at_the_body_list_or_the_api_nodes() -> None:
    cloudnc = crawl_rules("cloudnc")
    assert cloudnc.start_urls("https://mikkeli.cloudnc.fi", ()) == [
        "https://mikkeli.cloudnc.fi/fi-FI/Toimielimet"
    ]
    assert cloudnc.start_urls("http://mikkeli.cloudnc.fi/api/opennc/v1", ()) == [
        "http://mikkeli.cloudnc.fi/api/opennc/v1/Nodes?$format=json"
    ]
    item = Link("https://mikkeli.cloudnc.fi/fi-FI/Toimielimet/X/Kokous_1/Y(1)", PageKind.ITEM)
    other = Link("https://www.mikkeli.fi/fi-FI/Toimielimet", PageKind.BODY_LIST)
    pdf = Link("https://mikkeli.cloudnc.fi/download/noname/{x}/1", PageKind.DOCUMENT)
    base = "https://mikkeli.cloudnc.fi"
    assert cloudnc.follow(item, base, False) and not cloudnc.follow(other, base, False)
    assert not cloudnc.follow(pdf, base, False) and cloudnc.follow(pdf, base, True)
    assert cloudnc.check_base_url("https://mikkeli.cloudnc.fi/?x=1") is not None


def test_tweb_names_the_form_of_its_meeting_lists() -> None:
    tweb = crawl_rules("tweb")
    assert tweb.start_urls(OULU, ()) == [f"{OULU}/pk_tek_tweb.htm"]
    assert tweb.check_base_url(OULU) is None
    assert tweb.check_base_url("http://asiakirjat.ouka.fi/") is not None
    form = PLATFORMS["tweb"].form
    assert form(f"{OULU}/pk_kokl_tweb.htm?oper=where&kirjaamo=690") == (
        f"{OULU}/pk_kokl_tweb.htm",
        {"oper": "where", "kirjaamo": "690", "pvm1": "", "pvm2": ""},
    )
    assert form(f"{OULU}/pk_asil_tweb.htm?+bid=12867") is None
    pdf = Link("http://asiakirjat.ouka.fi/ktwebbin/ktproxy2.dll?doctype=3&docid=1", PageKind.ITEM)
    assert tweb.follow(pdf, OULU, False)  # the item's text: always fetched


def test_document_platforms_fetch_their_start_urls_only() -> None:
    for name in ("pdf", "webpage"):
        platform = crawl_rules(name)
        assert platform.start_urls("https://a.fi/x.pdf", ()) == ["https://a.fi/x.pdf"]
        assert platform.start_urls("https://a.fi/", ("https://b.fi/y",)) == ["https://b.fi/y"]
        assert not platform.follow(Link("https://a.fi/z", PageKind.DOCUMENT), "https://a.fi/", True)


def test_harvest_posts_the_tweb_meeting_lists(sqlite_archive: Archive, tmp_path: Path) -> None:
    """The meeting lists of Tweb are sent as the form POST the server wants, with its
    fields, never asked for by GET (the fixture site answers that 405, as a form-only
    page would); their meetings and items arrive."""
    polite = Politeness(min_interval=0, tries=1, backoff=0.01)
    with serve_fixture_site() as site, PoliteClient(polite) as client:
        path = tmp_path / "sources.toml"
        path.write_text(site.sources_toml(groups=("platforms",)), encoding="utf-8")
        tweb = [s for s in load_sources(path) if s.platform == "tweb"]
        assert [s.name for s in tweb] == ["oulu", "vantaa"]
        report = harvest(sqlite_archive, tweb, client, scope=site.covers)
        with pytest.raises(FetchError, match="HTTP 405"):  # what the old code got
            client.get(site.url_for(f"{OULU}/pk_kokl_tweb.htm?oper=where&kirjaamo=690"))
    blank = {"pvm1": "", "pvm2": ""}
    vantaa = "/paatokset.vantaa.fi/ktwebbin/dbisa.dll/ktwebscr"
    assert sorted(site.posts(), key=lambda r: r.target) == [
        Request(
            "POST", f"/{OULU[7:]}/pk_kokl_tweb.htm", {"oper": "where", "kirjaamo": "690"} | blank
        ),
        Request(
            "POST",
            f"{vantaa}/epj_kokl_tweb.htm",
            {"oper": "where", "kirjaamo": "55015.000000"} | blank,
        ),
    ]
    lists = [r for r in site.log if "kokl_tweb" in r.target]
    assert [r.method for r in lists] == ["POST", "POST", "GET"]  # the GET is ours, above
    assert report.exit_status == 0, report.error_lines()
    with sqlite_archive.session() as session:
        items = session.scalar(select(func.count()).select_from(models.Item))
    assert items and report.totals()["failed"] == 0


def test_document_sources_may_leave_out_the_municipality() -> None:
    munis = load_municipalities()
    text = '[[source]]\nname = "lape"\nplatform = "webpage"\nbase_url = "https://a.fi/"\n'
    (source,) = parse_sources(text, "s.toml", munis)
    assert source.municipality_code is None and source.region is None
    with pytest.raises(SourceConfigError, match="field 'organisation': missing \\(organisation ="):
        parse_sources(text.replace("webpage", "tweb").replace("a.fi/", OULU[7:]), "s", munis)


def test_post_is_as_polite_as_get() -> None:
    import httpx

    from pykala.harvester.http import FetchError, PoliteClient, Politeness

    seen: list[tuple[str, str, bytes]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), request.content))
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /private/\n")
        if request.url.path.endswith("/busy"):
            return httpx.Response(503)
        return httpx.Response(200, content=b"<html>lista</html>")

    waits: list[float] = []
    polite = Politeness(min_interval=1.0, tries=2, backoff=0.5)
    with PoliteClient(polite, transport=httpx.MockTransport(answer), sleep=waits.append) as c:
        key = f"{OULU}/pk_kokl_tweb.htm?oper=where&kirjaamo=690"
        fetched = c.post(f"{OULU}/pk_kokl_tweb.htm", {"oper": "where", "kirjaamo": "690"}, key=key)
        assert (fetched.url, fetched.body) == (key, b"<html>lista</html>")
        assert seen[-1] == ("POST", f"{OULU}/pk_kokl_tweb.htm", b"oper=where&kirjaamo=690")
        with pytest.raises(FetchError, match="HTTP 503 after 2 tries"):
            c.post(f"{OULU}/busy", {})
        with pytest.raises(FetchError, match="robots"):
            c.post("http://asiakirjat.ouka.fi/private/x", {})
    assert seen[0][1].endswith("/robots.txt")
    assert waits  # the per-host interval and the backoff were honoured
