"""Source configuration: a TOML file of ``[[source]]`` tables joined to the municipality table.

A source is one publisher on one platform::

    [[source]]
    name = "kuopio"                      # unique; used on the command line
    platform = "dynasty"                 # a harvested platform (harvester.platforms)
    base_url = "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP"
    municipality = "297"                 # Statistics Finland code, a string ("005" keeps its zeros)
    enabled = true                       # optional
    start_urls = ["…/kokous/TELIMET.HTM"]  # optional; replaces the platform's default start pages

``municipality`` may be left out for "pdf" and "webpage" sources (documents of a region
or of the whole country). Every mistake is reported as one line naming the file, the
entry and the field, so a user editing the file by hand knows where to look.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pykala.harvester.platforms import PLATFORMS, crawl_rules, harvested

DATA_DIR = Path(__file__).parent / "data"
SHIPPED_SOURCES = DATA_DIR / "sources.toml"
MUNICIPALITIES_CSV = DATA_DIR / "municipalities.csv"

_REQUIRED = ("name", "platform", "base_url", "municipality")
_OPTIONAL = ("enabled", "start_urls")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # typed on the command line


CREDENTIALS_REFUSED = (
    "credentials (user:password@) are not allowed in a URL: pykala neither stores nor "
    "sends them; give the URL without them"
)


def has_credentials(url: str) -> bool:
    """True when ``url`` names a user or password before its host (``user:pw@host``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # unparsable: the URL check that follows reports it
        return "@" in url.partition("://")[2].partition("/")[0]
    return "@" in parts.netloc


class SourceConfigError(Exception):
    """A sources file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Municipality:
    """A row of Statistics Finland's municipality classification (see data/README.md)."""

    code: str
    name_fi: str
    name_sv: str
    region_code: str
    region_fi: str
    wellbeing_county_fi: str

    # The names storage.sources.sync_sources reads.
    @property
    def region(self) -> str:
        return self.region_fi

    @property
    def wellbeing_county(self) -> str:
        return self.wellbeing_county_fi


@dataclass(frozen=True)
class SourceConfig:
    name: str
    platform: str
    base_url: str
    municipality_code: str | None  # None only for a document source (Platform.needs_municipality)
    enabled: bool = True
    start_urls: tuple[str, ...] = ()
    # Filled in from the municipality table when the file is loaded.
    municipality_name: str | None = None
    region: str | None = None
    wellbeing_county: str | None = None


@cache
def _shipped_municipalities() -> dict[str, Municipality]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as f:
        return {row["code"]: Municipality(**row) for row in csv.DictReader(f)}


def load_municipalities() -> dict[str, Municipality]:
    """The shipped municipality table keyed on the three-digit code (e.g. "005", "297")."""
    return dict(_shipped_municipalities())


def load_sources(
    path: Path | None = None, municipalities: dict[str, Municipality] | None = None
) -> list[SourceConfig]:
    """Read and validate a sources file (None = the file shipped with pykala).

    Raises SourceConfigError naming file, entry and field for the first problem found.
    """
    path = SHIPPED_SOURCES if path is None else path
    munis = load_municipalities() if municipalities is None else municipalities
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SourceConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return parse_sources(text, str(path), munis)


def parse_sources(
    text: str, filename: str, municipalities: dict[str, Municipality]
) -> list[SourceConfig]:
    """Validate the text of a sources file; ``filename`` is only used in messages."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends in "(at line N, column M)".
        raise SourceConfigError(f"{filename}: TOML syntax error: {exc}") from exc
    unknown_top = sorted(set(doc) - {"source"})
    if unknown_top:
        raise SourceConfigError(
            f"{filename}: unknown top-level key {unknown_top[0]!r} (expected [[source]] tables)"
        )
    entries = doc.get("source", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourceConfigError(f"{filename}: 'source' must be an array of tables ([[source]])")
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        source = _parse_entry(entry, index, filename, municipalities)
        if source.name in seen:
            raise SourceConfigError(
                f"{filename}: source #{index} ({source.name}): field 'name': duplicate name, "
                f"already used by source #{seen[source.name]}"
            )
        seen[source.name] = index
        sources.append(source)
    return sources


def _parse_entry(
    entry: dict[str, Any], index: int, filename: str, municipalities: dict[str, Municipality]
) -> SourceConfig:
    label = entry.get("name") if isinstance(entry.get("name"), str) else "unnamed"

    def fail(field: str, problem: str) -> SourceConfigError:
        where = f"{filename}: source #{index} ({label})"
        return SourceConfigError(f"{where}: field {field!r}: {problem}")

    known = PLATFORMS.get(str(entry.get("platform")))
    optional = ("municipality",) if known is not None and not known.needs_municipality else ()
    for key in _REQUIRED:
        if key not in entry and key not in optional:
            raise fail(key, "missing")
    for key in entry:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise fail(key, f"unknown key (allowed: {', '.join(_REQUIRED + _OPTIONAL)})")
    for key in ("name", "platform", "base_url"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise fail(key, "must be a non-empty string")
    name, platform, base_url = (entry[k].strip() for k in ("name", "platform", "base_url"))
    if not _NAME.fullmatch(name):
        raise fail("name", f"{name!r} may only use letters, digits, '-', '_' and '.'")

    if platform not in harvested():
        known_names = ", ".join(harvested())
        raise fail("platform", f"unknown platform {platform!r} (known: {known_names})")
    # Before any message that quotes the URL: a password must never be printed or stored.
    if has_credentials(base_url):
        raise fail("base_url", CREDENTIALS_REFUSED)
    problem = crawl_rules(platform).check_base_url(base_url)
    if problem is not None:
        raise fail("base_url", f"malformed URL {base_url!r}: {problem}")

    code = entry.get("municipality")
    municipality = None if code is None else _municipality(code, municipalities, fail)

    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", "must be true or false")
    extra = entry.get("start_urls", [])
    if not isinstance(extra, list) or not all(isinstance(u, str) and u for u in extra):
        raise fail("start_urls", "must be a list of URL strings")
    for url in extra:
        if has_credentials(url):
            raise fail("start_urls", CREDENTIALS_REFUSED)
        if not url.startswith(("http://", "https://")):
            raise fail("start_urls", f"malformed URL {url!r}: must start with http:// or https://")

    return SourceConfig(
        name=name,
        platform=platform,
        base_url=base_url,
        municipality_code=municipality.code if municipality else None,
        enabled=enabled,
        start_urls=tuple(extra),
        municipality_name=municipality.name_fi if municipality else None,
        region=municipality.region_fi if municipality else None,
        wellbeing_county=municipality.wellbeing_county_fi if municipality else None,
    )


def _municipality(
    code: object,
    municipalities: dict[str, Municipality],
    fail: Callable[[str, str], SourceConfigError],
) -> Municipality:
    if isinstance(code, int) and not isinstance(code, bool):
        raise fail(
            "municipality",
            f'must be a quoted string: write municipality = "{code:03d}", not {code} '
            "(codes keep their leading zeros)",
        )
    if not isinstance(code, str):
        raise fail("municipality", 'must be a quoted string such as "297"')
    municipality = municipalities.get(code.strip())
    if municipality is None:
        raise fail("municipality", f"unknown municipality code {code!r}")
    return municipality
