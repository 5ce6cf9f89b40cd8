"""Triplan KTweb ("Tweb"): search form → meeting list (POST) → item list → item PDFs.

The base URL is the script folder, ``http://asiakirjat.ouka.fi/ktwebbin/dbisa.dll/ktwebscr``;
the walk starts at the minutes search form ``pk_tek_tweb.htm`` (a source that publishes
agendas only gives ``epj_tek_tweb.htm`` as its start URL). The form's body list yields
one link per body, ``<action>?oper=where&kirjaamo=<id>``: that URL is the page's key in
the archive, and :func:`form` (the platform's ``form``) turns it into
the POST the server answers (parsers.tweb.meeting_list_request). Item documents
(``ktproxy2.dll?doctype=3&docid=``) are the items' text, so they are always followed; a
Word .doc among them is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from pykala.harvester.platforms.base import Crawl, Platform
from pykala.harvester.platforms.urlcheck import check_http_url
from pykala.parsers import tweb
from pykala.parsers.records import Link, PageKind
from pykala.parsers.urls import normalise_url, same_host

_FOLLOWED = {PageKind.BODY_LIST, PageKind.MEETING_LIST, PageKind.MEETING, PageKind.ITEM}
SEARCH_PAGE = "pk_tek_tweb.htm"


def check_base_url(url: str) -> str | None:
    problem = check_http_url(url)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return "must not carry a query or fragment"
    if "/ktwebbin/" not in parts.path.lower() + "/" and "ktwebscr" not in parts.path.lower():
        return "must be the KTweb script folder (…/ktwebbin/dbisa.dll/ktwebscr)"
    return None


def start_urls(base_url: str, extra: Sequence[str] = ()) -> list[str]:
    """The source's own start pages, else the minutes search form."""
    if extra:
        return [normalise_url(u, base_url) for u in extra]
    return [normalise_url(f"{base_url.rstrip('/')}/{SEARCH_PAGE}")]


def follow(link: Link, base_url: str, fetch_documents: bool = False) -> bool:
    return same_host(link.url, base_url) and link.kind in _FOLLOWED


def form(url: str) -> tuple[str, dict[str, str]] | None:
    """(POST URL, form fields) for a meeting list; None for a page fetched by GET."""
    if tweb.classify(url) is PageKind.MEETING_LIST:
        return tweb.meeting_list_request(url)
    return None


PLATFORM = Platform(
    name="tweb",
    parse=tweb.parse,
    classify=tweb.classify,
    crawl=Crawl(check_base_url=check_base_url, start_urls=start_urls, follow=follow),
    form=form,
)
