"""Source configuration: a TOML file of ``[[source]]`` tables, each belonging to an
organisation (harvester.organisations) whose members are rows of the municipality table.

A source is one publisher on one platform::

    [[source]]
    name = "kuopio"                      # unique; used on the command line
    platform = "dynasty"                 # a harvested platform (harvester.platforms)
    base_url = "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP"
    organisation = "297"                 # its code: a municipality, county ("13") or Business ID
    enabled = true                       # optional
    disabled_reason = "…"                # optional, only with enabled = false
    start_urls = ["…/kokous/TELIMET.HTM"]  # optional; replaces the platform's default start pages

``municipality = "297"`` (the older key) means the same as ``organisation = "297"`` for a
municipality. Codes are strings ("005" keeps its zeros). The organisation may be left out
for "pdf" and "webpage" sources (documents of a region or of the whole country). The file
may declare further organisations in ``[[organisation]]`` tables. Every mistake is reported
as one line naming the file, the entry and the field, so a user editing the file by hand
knows where to look.
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

from pykala.harvester.organisations import (
    MUNICIPALITY,
    Organisation,
    parse_organisation,
    shipped_organisations,
)
from pykala.harvester.platforms import PLATFORMS, crawl_rules, harvested

DATA_DIR = Path(__file__).parent / "data"
SHIPPED_SOURCES = DATA_DIR / "sources.toml"
MUNICIPALITIES_CSV = DATA_DIR / "municipalities.csv"

_REQUIRED = ("name", "platform", "base_url", "organisation")
_OPTIONAL = ("municipality", "enabled", "disabled_reason", "start_urls")
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
    # The organisation's code when it is a municipality, else None (a county, a joint
    # authority, or a document source without an organisation).
    municipality_code: str | None
    enabled: bool = True
    start_urls: tuple[str, ...] = ()
    # Filled in from the organisation and its members when the file is loaded.
    municipality_name: str | None = None
    region: str | None = None  # the members' regions, "; "-joined when several
    wellbeing_county: str | None = None
    organisation: Organisation | None = None  # None only for a document source
    disabled_reason: str | None = None

    @property
    def organisation_code(self) -> str | None:
        return self.organisation.code if self.organisation else None


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
    unknown_top = sorted(set(doc) - {"source", "organisation"})
    if unknown_top:
        raise SourceConfigError(
            f"{filename}: unknown top-level key {unknown_top[0]!r} "
            "(expected [[source]] and [[organisation]] tables)"
        )
    organisations = _organisations(doc, filename, municipalities)
    entries = _tables(doc, "source", filename)
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        source = _parse_entry(entry, index, filename, municipalities, organisations)
        if source.name in seen:
            raise SourceConfigError(
                f"{filename}: source #{index} ({source.name}): field 'name': duplicate name, "
                f"already used by source #{seen[source.name]}"
            )
        seen[source.name] = index
        sources.append(source)
    return sources


def _tables(doc: dict[str, Any], key: str, filename: str) -> list[dict[str, Any]]:
    entries = doc.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourceConfigError(f"{filename}: {key!r} must be an array of tables ([[{key}]])")
    return entries


def _organisations(
    doc: dict[str, Any], filename: str, municipalities: dict[str, Municipality]
) -> dict[str, Organisation]:
    """The shipped organisations and those the file declares."""
    known = shipped_organisations(municipalities)
    for index, entry in enumerate(_tables(doc, "organisation", filename), start=1):
        code = entry.get("code")
        label = code.strip() if isinstance(code, str) and code.strip() else "no code"

        def fail(field: str, problem: str, index: int = index, label: str = label) -> Exception:
            where = f"{filename}: organisation #{index} ({label})"
            return SourceConfigError(f"{where}: field {field!r}: {problem}")

        organisation = parse_organisation(entry, known, fail)
        known[organisation.code] = organisation
    return known


def _joined(values: list[str]) -> str | None:
    distinct = sorted({v for v in values if v})
    return "; ".join(distinct) if distinct else None


def _parse_entry(
    entry: dict[str, Any],
    index: int,
    filename: str,
    municipalities: dict[str, Municipality],
    organisations: dict[str, Organisation],
) -> SourceConfig:
    label = entry.get("name") if isinstance(entry.get("name"), str) else "unnamed"

    def fail(field: str, problem: str) -> SourceConfigError:
        where = f"{filename}: source #{index} ({label})"
        return SourceConfigError(f"{where}: field {field!r}: {problem}")

    known = PLATFORMS.get(str(entry.get("platform")))
    optional = ("organisation",) if known is not None and not known.needs_municipality else ()
    if "municipality" in entry:
        if "organisation" in entry:
            raise fail("municipality", "give organisation or municipality, not both")
        optional = ("organisation",)  # the older key names the organisation
    for key in _REQUIRED:
        if key not in entry and key not in optional:
            older = ' (organisation = "CODE", or as before municipality = "CODE")'
            raise fail(key, "missing" + (older if key == "organisation" else ""))
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

    field = "municipality" if "municipality" in entry else "organisation"
    code = entry.get(field)
    organisation = None if code is None else _organisation(code, field, organisations, fail)
    members = [municipalities[m] for m in organisation.members] if organisation else []

    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", "must be true or false")
    reason = entry.get("disabled_reason")
    if reason is not None:
        if not isinstance(reason, str) or not reason.strip():
            raise fail("disabled_reason", "must be a non-empty string")
        if enabled:
            raise fail("disabled_reason", "given for an enabled source: add enabled = false")
        reason = " ".join(reason.split())
    extra = entry.get("start_urls", [])
    if not isinstance(extra, list) or not all(isinstance(u, str) and u for u in extra):
        raise fail("start_urls", "must be a list of URL strings")
    for url in extra:
        if has_credentials(url):
            raise fail("start_urls", CREDENTIALS_REFUSED)
        if not url.startswith(("http://", "https://")):
            raise fail("start_urls", f"malformed URL {url!r}: must start with http:// or https://")

    is_municipality = organisation is not None and organisation.type == MUNICIPALITY
    return SourceConfig(
        name=name,
        platform=platform,
        base_url=base_url,
        municipality_code=organisation.code if organisation and is_municipality else None,
        enabled=enabled,
        start_urls=tuple(extra),
        municipality_name=organisation.name_fi if organisation and is_municipality else None,
        region=_joined([m.region_fi for m in members]),
        wellbeing_county=_joined([m.wellbeing_county_fi for m in members]),
        organisation=organisation,
        disabled_reason=reason,
    )


def _organisation(
    code: object,
    field: str,
    organisations: dict[str, Organisation],
    fail: Callable[[str, str], SourceConfigError],
) -> Organisation:
    if isinstance(code, int) and not isinstance(code, bool):
        raise fail(
            field,
            f'must be a quoted string: write {field} = "{code:03d}", not {code} '
            "(codes keep their leading zeros)",
        )
    if not isinstance(code, str):
        raise fail(field, 'must be a quoted string such as "297"')
    organisation = organisations.get(code.strip())
    if field == "municipality" and (organisation is None or organisation.type != MUNICIPALITY):
        raise fail(field, f"unknown municipality code {code!r}")
    if organisation is None:
        raise fail(
            field,
            f"unknown organisation code {code!r} (a municipality or county code, or the "
            "code of an [[organisation]] table in this file)",
        )
    return organisation
