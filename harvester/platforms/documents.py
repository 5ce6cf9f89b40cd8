"""Sources that are a list of files, not a site to walk: "pdf" (PDF minutes, or a PDF that
is a document such as a slide deck) and "webpage" (programme pages and other web pages
that are not minutes). Each start URL (``start_urls``, else the base URL itself) is
fetched and parsed; no link is followed.
"""

from __future__ import annotations

from collections.abc import Sequence

from harvester.platforms.base import Platform
from harvester.platforms.urlcheck import check_http_url
from parsers.records import Link
from parsers.urls import normalise_url


def start_urls(base_url: str, extra: Sequence[str] = ()) -> list[str]:
    return [normalise_url(u, base_url) for u in extra] if extra else [normalise_url(base_url)]


def follow(link: Link, base_url: str, fetch_documents: bool = False) -> bool:
    return False  # the files are the whole source


PDF = Platform(name="pdf", check_base_url=check_http_url, start_urls=start_urls, follow=follow)
WEBPAGE = Platform(
    name="webpage", check_base_url=check_http_url, start_urls=start_urls, follow=follow
)
