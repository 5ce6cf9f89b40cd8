"""The platform registry: one ``Platform`` record per publishing platform.

A record (harvester.platforms.base.Platform) holds all pykala knows of a platform: its
name (``SourceConfig.platform``), its parser's parse and classify functions (guarded:
parsers.guard), its crawl rules and start pages, the pages it fetches by form POST, and
whether its sources need a municipality code.

Adding a platform is one module per package — ``parsers/<name>.py`` (parse, classify)
and ``harvester/platforms/<name>.py`` (its ``PLATFORM`` record) — plus one line in
``_REGISTERED`` below and its fixtures (``fixtures/<name>/``, the fixture site's map).
A platform that is parsed but not harvested (yet) needs only its parser and its line.
Names are checked to be unique when this module is imported.
"""

from __future__ import annotations

from collections.abc import Iterable

from pykala.harvester.platforms import cloudnc, documents, dynasty, tweb
from pykala.harvester.platforms.base import Crawl, Form, Platform
from pykala.parsers import ahjo, opennc


def registry(platforms: Iterable[Platform]) -> dict[str, Platform]:
    """Platforms by name; ValueError when two share a name."""
    by_name: dict[str, Platform] = {}
    for platform in platforms:
        if platform.name in by_name:
            raise ValueError(f"two platforms are named {platform.name!r}")
        by_name[platform.name] = platform
    return by_name


_REGISTERED = (
    dynasty.PLATFORM,
    cloudnc.PLATFORM,  # CloudNC web pages and the OpenNC API
    tweb.PLATFORM,  # meeting lists by form POST
    documents.PDF,  # PDF files: minutes, one item, or a document
    documents.WEBPAGE,  # web pages that are not minutes → documents
    # Parsed, not harvested as a platform of their own:
    Platform("opennc", opennc.parse, opennc.classify),  # reached through cloudnc's API
    Platform("ahjo", ahjo.parse, ahjo.classify),  # `pykala parse` only, for now
)
PLATFORMS: dict[str, Platform] = registry(_REGISTERED)


def harvested() -> list[str]:
    """The names a source may give as its platform (those with crawl rules)."""
    return [name for name, platform in PLATFORMS.items() if platform.crawl is not None]


def crawl_rules(name: str) -> Crawl:
    """The crawl rules of a harvested platform; KeyError for any other name."""
    crawl = PLATFORMS[name].crawl
    if crawl is None:
        raise KeyError(f"platform {name!r} is not harvested")
    return crawl


__all__ = ["PLATFORMS", "Crawl", "Form", "Platform", "crawl_rules", "harvested", "registry"]
