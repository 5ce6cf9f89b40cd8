"""The fixture site (a real server on 127.0.0.1) and the crawl frontier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pykala.harvester.crawl import Frontier
from pykala.harvester.fixturesite import Fault, FixtureSite, closed_port_url, serve_fixture_site
from pykala.harvester.http import FetchError, PoliteClient, Politeness, Validators
from pykala.harvester.sources import SourceConfig, load_sources
from pykala.parsers.records import Link, PageKind

ORIGIN = "http://publish.example.fi"
BASE = f"{ORIGIN}/cgi/DREQUEST.PHP"
FEED = f"{BASE}?page=rss/meetingitems&show=100"
ITEM = f"{BASE}?page=meetingitem&id=2021792181-4"

FEED_XML = (
    "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel>"
    "<link><![CDATA[http://publish.example.fi:80/cgi/DREQUEST.PHP?page=meeting_frames]]></link>"
    "<item><title><![CDATA[Kaupunginhallitus 08.03.2021 / S\xe4hk\xf6]]></title>"
    "<link><![CDATA[https://publish.example.fi:443/cgi/DREQUEST.PHP?page=meetingitem&id=2021792181-4]]>"
    "</link></item></channel></rss>"
).encode("latin-1")
ITEM_HTML = (
    b"<html><body><a href='http://publish.example.fi:80/cgi/DREQUEST.PHP?page=meeting&amp;id=2021792181'>"
    b"kokous</a> <a href='https://www.other.fi/x'>muu</a>"
    b" <a href='../kokous/2021792181-4.PDF'>pdf</a>"
    b"</body></html>"
)


def build_site(root: Path) -> Path:
    (root / "pages").mkdir(parents=True)
    (root / "pages" / "feed.xml").write_bytes(FEED_XML)
    (root / "pages" / "item.html").write_bytes(ITEM_HTML)
    (root / "site.toml").write_text(
        f"""
[[page]]
url = "{FEED}"
file = "pages/feed.xml"
content_type = "text/xml; charset=iso-8859-1"

[[page]]
url = "{ITEM.replace("?page=meetingitem&id=2021792181-4", "?id=2021792181-4&page=meetingitem")}"
file = "pages/item.html"
content_type = "text/html; charset=utf-8"

[[source]]
name = "esimerkki"
platform = "dynasty"
base_url = "{BASE}"
municipality = "297"
""",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def site(tmp_path: Path) -> Iterator[FixtureSite]:
    with serve_fixture_site(build_site(tmp_path / "site")) as running:
        yield running


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    fast = Politeness(min_interval=0, tries=3, backoff=0.01, read_timeout=2.0, retry_after_cap=0.05)
    with PoliteClient(fast) as c:
        yield c


def test_pages_are_served_at_loopback_paths_of_their_original_urls(
    site: FixtureSite, client: PoliteClient
) -> None:
    local = site.url_for(FEED.replace("example.fi/", "example.fi:80/"))
    assert (
        local
        == f"{site.base_url}/publish.example.fi/cgi/DREQUEST.PHP?page=rss/meetingitems&show=100"
    )
    got = client.get(local)
    assert got.headers["content-type"] == "text/xml; charset=iso-8859-1"
    # query parameters in another order than in the site map still find the page
    assert client.get(site.url_for(ITEM)).status == 200
    assert site.original_for(site.url_for(FEED)) == FEED


def test_original_origins_in_bodies_lead_back_to_the_server(
    site: FixtureSite, client: PoliteClient
) -> None:
    feed = client.get(site.url_for(FEED)).body
    local_item = site.url_for(ITEM).encode()
    assert local_item in feed  # https + :443 variant rewritten
    assert b"publish.example.fi:" not in feed and b"://publish.example.fi" not in feed
    assert "Sähkö".encode("latin-1") in feed  # bytes otherwise untouched
    item = client.get(site.url_for(ITEM)).body
    assert (
        f"{site.base_url}/publish.example.fi/cgi/DREQUEST.PHP?page=meeting&amp;id=2021792181".encode()
        in item
    )
    assert b"https://www.other.fi/x" in item  # other hosts stay as they were
    assert b"'../kokous/2021792181-4.PDF'" in item


def test_unknown_url_is_404(site: FixtureSite, client: PoliteClient) -> None:
    with pytest.raises(FetchError) as err:
        client.get(site.url_for(f"{BASE}?page=meetingitem&id=1-1"))
    assert err.value.reason == "HTTP 404"


def test_sources_toml_points_at_the_server(site: FixtureSite, tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(), encoding="utf-8")
    (source,) = load_sources(path)
    assert source.name == "esimerkki"
    assert source.base_url == f"{site.base_url}/publish.example.fi/cgi/DREQUEST.PHP"


def test_transient_500_is_retried(site: FixtureSite, client: PoliteClient) -> None:
    fault = site.faults.add(Fault("*id=2021792181-4*", status=500, times=1))
    assert client.get(site.url_for(ITEM)).status == 200
    assert fault.hits == 1
    assert sum("2021792181-4" in r for r in site.requests) == 2


def test_persistent_503_gives_up(site: FixtureSite, client: PoliteClient) -> None:
    site.faults.add(Fault("*meetingitem*", status=503))
    with pytest.raises(FetchError, match="HTTP 503 after 3 tries"):
        client.get(site.url_for(ITEM))


def test_429_with_retry_after(site: FixtureSite, client: PoliteClient) -> None:
    fault = site.faults.add(Fault("*meetingitem*", status=429, retry_after="1", times=2))
    assert client.get(site.url_for(ITEM)).status == 200
    assert fault.hits == 2


def test_closed_connection_and_truncated_body(site: FixtureSite, client: PoliteClient) -> None:
    site.faults.add(Fault("*meetingitem*", close=True))
    with pytest.raises(FetchError) as err:
        client.get(site.url_for(ITEM))
    assert err.value.reason == "connection closed without a response after 3 tries"
    site.faults.clear()
    site.faults.add(Fault("*rss*", truncate=20))
    with pytest.raises(FetchError) as err:
        client.get(site.url_for(FEED))
    assert err.value.reason == "connection closed before the response was complete after 3 tries"


def test_delay_beyond_read_timeout(site: FixtureSite) -> None:
    site.faults.add(Fault("*meetingitem*", delay=0.5))
    impatient = Politeness(min_interval=0, tries=1, read_timeout=0.1)
    with PoliteClient(impatient) as c, pytest.raises(FetchError) as err:
        c.get(site.url_for(ITEM))
    assert err.value.reason == "timed out"


def test_wrong_charset_header(site: FixtureSite, client: PoliteClient) -> None:
    site.faults.add(Fault("*rss*", charset="utf-8"))
    assert client.get(site.url_for(FEED)).headers["content-type"] == "text/xml; charset=utf-8"


def test_swapped_content_and_conditional_get(site: FixtureSite, client: PoliteClient) -> None:
    first = client.get(site.url_for(ITEM))
    same = client.get(site.url_for(ITEM), Validators(etag=first.headers["etag"]))
    assert same.not_modified
    site.set_content(ITEM, b"<html>korjattu https://publish.example.fi/x</html>")
    changed = client.get(site.url_for(ITEM), Validators(etag=first.headers["etag"]))
    assert changed.status == 200
    assert changed.body == f"<html>korjattu {site.base_url}/publish.example.fi/x</html>".encode()
    site.reset_content()
    assert client.get(site.url_for(ITEM)).body == first.body


def test_robots_txt_of_the_site_is_obeyed(site: FixtureSite, client: PoliteClient) -> None:
    site.robots_txt = (
        "User-agent: pykala\nDisallow: /publish.example.fi/cgi/DREQUEST.PHP?page=meetingitem\n"
    )
    with pytest.raises(FetchError, match=r"disallowed by robots\.txt"):
        client.get(site.url_for(ITEM))
    assert client.get(site.url_for(FEED)).status == 200


def test_closed_port_is_connection_refused(client: PoliteClient) -> None:
    with pytest.raises(FetchError) as err:
        client.get(closed_port_url() + "/cgi/DREQUEST.PHP?page=rss/meetings&show=100")
    assert err.value.kind == "connect"
    assert err.value.reason.startswith("connection refused")


# -- frontier ----------------------------------------------------------------------------

SOURCE = SourceConfig(name="esimerkki", platform="dynasty", base_url=BASE, municipality_code="297")


def classify(url: str) -> PageKind:
    if "rss/meetingitems" in url:
        return PageKind.FEED_ITEMS
    if "rss/meetings" in url:
        return PageKind.FEED_MEETINGS
    return PageKind.UNKNOWN


def test_frontier_starts_with_both_feeds() -> None:
    frontier = Frontier(SOURCE, classify)
    assert frontier.seed() == [FEED, f"{BASE}?page=rss/meetings&show=100"]
    first, second = frontier.pop(), frontier.pop()
    assert first is not None and first.kind == PageKind.FEED_ITEMS
    assert second is not None and second.kind == PageKind.FEED_MEETINGS
    assert frontier.pop() is None


def test_frontier_orders_by_kind_and_dedupes() -> None:
    frontier = Frontier(SOURCE, classify)
    links = [
        Link(f"{BASE}?page=meetingitem&id=1-1", PageKind.ITEM),
        Link(f"{BASE}?page=meeting&id=1", PageKind.MEETING),
        Link(f"{ORIGIN}:80/cgi/DREQUEST.PHP?page=meetingitem&amp;id=1-1", PageKind.ITEM),  # same
        Link(f"{BASE}?page=meetings&id=7", PageKind.MEETING_LIST),
        Link("https://elsewhere.fi/cgi/DREQUEST.PHP?page=meeting&id=2", PageKind.MEETING),
        Link(f"{ORIGIN}/kokous/1-1.PDF", PageKind.DOCUMENT),
    ]
    assert frontier.add_links(links) == 3
    order = [t.kind for t in iter(frontier.pop, None)]
    assert order == [PageKind.MEETING_LIST, PageKind.MEETING, PageKind.ITEM]


def test_frontier_documents_only_when_asked() -> None:
    frontier = Frontier(SOURCE, classify, fetch_documents=True)
    assert frontier.add_links([Link(f"{ORIGIN}/kokous/1-1.PDF", PageKind.DOCUMENT)]) == 1


def test_frontier_page_budget() -> None:
    frontier = Frontier(SOURCE, classify, max_pages=2)
    frontier.seed()
    frontier.add_links([Link(f"{BASE}?page=meeting&id=1", PageKind.MEETING)])
    assert [t.kind for t in iter(frontier.pop, None)] == [
        PageKind.FEED_ITEMS,
        PageKind.FEED_MEETINGS,
    ]
    assert frontier.truncated


def test_source_start_urls_replace_the_feeds() -> None:
    static = SourceConfig(
        name="espoo",
        platform="dynasty",
        base_url="http://espoo04.hosting.documenta.fi/cgi/DREQUEST.PHP",
        municipality_code="049",
        start_urls=("http://espoo04.hosting.documenta.fi:80/kokous/TELIMET.HTM",),
    )
    assert Frontier(static, classify).seed() == [
        "http://espoo04.hosting.documenta.fi/kokous/TELIMET.HTM"
    ]
