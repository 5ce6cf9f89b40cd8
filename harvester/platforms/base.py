"""What a platform is: one ``Platform`` record (parse, classify, crawl rules, forms)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pykala.parsers.guard import Classifier, Parser, guard_classifier, guard_parser
from pykala.parsers.records import Link, PageKind
from pykala.parsers.urls import same_host

# A page a platform fetches by POST: URL → (POST URL, form fields), None for a GET.
Form = Callable[[str], "tuple[str, dict[str, str]] | None"]


def no_form(url: str) -> tuple[str, dict[str, str]] | None:
    """Every page of the platform is fetched by GET."""
    return None


@dataclass(frozen=True)
class Crawl:
    """Where a platform's sources are walked, as the harvester sees it (URL knowledge only).

    ``check_base_url`` returns None for a usable base URL, else a short reason;
    ``start_urls(base_url, extra)`` gives the first pages of a source (``extra`` are the
    source's own ``start_urls`` and replace the defaults when given);
    ``follow(link, base_url, fetch_documents)`` decides whether a parsed link is fetched;
    ``backfill_urls(base_url, extra)`` are the pages that lead to every meeting list (walked
    when a feed overflowed and on a full walk; none when the start pages already are lists).
    """

    check_base_url: Callable[[str], str | None]
    start_urls: Callable[[str, Sequence[str]], list[str]]
    follow: Callable[[Link, str, bool], bool]
    backfill_urls: Callable[[str, Sequence[str]], list[str]] = field(default=lambda b, e: [])


@dataclass(frozen=True)
class Platform:
    """One publishing platform (Dynasty, CloudNC, ...): everything pykala knows of it.

    ``parse`` and ``classify`` are the parser module's functions, guarded here
    (parsers.guard: a parser bug fails one page, a bad URL classifies as UNKNOWN);
    ``crawl`` is None for a platform no source is harvested as (a parser reached through
    another platform's pages, or only by ``pykala parse``); ``form`` names the pages
    fetched by a form POST; ``needs_municipality`` is False for document platforms whose
    sources need not belong to one municipality (national or regional documents).
    """

    name: str
    parse: Parser
    classify: Classifier
    crawl: Crawl | None = None
    form: Form = no_form
    needs_municipality: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "parse", guard_parser(self.parse))
        object.__setattr__(self, "classify", guard_classifier(self.classify))


def own_host_follower(kinds: frozenset[PageKind]) -> Callable[[Link, str, bool], bool]:
    """A ``follow`` for a platform walked on its own host: links to pages of ``kinds``,
    and to documents (attachments, PDFs) only when the source fetches documents."""

    def follow(link: Link, base_url: str, fetch_documents: bool = False) -> bool:
        if not same_host(link.url, base_url):
            return False
        if link.kind == PageKind.DOCUMENT:
            return fetch_documents
        return link.kind in kinds

    return follow
