"""Sources that are a list of files, not a site to walk: "pdf" (PDF minutes, or a PDF that
is a document such as a slide deck) and "webpage" (programme pages and other web pages
that are not minutes). Each start URL (``start_urls``, else the base URL itself) is
fetched and parsed; no link is followed.
"""

from __future__ import annotations

from collections.abc import Sequence

from pykala.harvester.platforms.base import Crawl, Platform
from pykala.harvester.platforms.urlcheck import check_http_url
from pykala.parsers import minutes_pdf, webpage
from pykala.parsers.records import Link
from pykala.parsers.urls import normalise_url


def start_urls(base_url: str, extra: Sequence[str] = ()) -> list[str]:
    return [normalise_url(u, base_url) for u in extra] if extra else [normalise_url(base_url)]


def follow(link: Link, base_url: str, fetch_documents: bool = False) -> bool:
    return False  # the files are the whole source


CRAWL = Crawl(check_base_url=check_http_url, start_urls=start_urls, follow=follow)
# Document sources need not belong to one municipality (national or regional documents).
PDF = Platform(
    name="pdf",  # PDF minutes, one item, or a document
    parse=minutes_pdf.parse,
    classify=minutes_pdf.classify,
    crawl=CRAWL,
    needs_municipality=False,
)
WEBPAGE = Platform(
    name="webpage",  # a web page that is not minutes → DocumentRecord
    parse=webpage.parse,
    classify=webpage.classify,
    crawl=CRAWL,
    needs_municipality=False,
)
