"""``pykala sources check``: is each source still where its file says, on its platform?

Each source's first start page is fetched politely (harvester.http: robots.txt, the
per-host interval, the total deadline) and read by the recognisers
(harvester.platforms.recognise). A source is

- ``found``: the page answers and is its platform's (for a ``pdf``/``webpage`` source:
  the file answers, a PDF for ``pdf``),
- ``moved``: the page redirects to another host, or is now another platform's page or
  another base URL's,
- ``unreachable``: no answer (connection refused, timed out, DNS), or an error status,
- ``unrecognised``: it answers, but with no page of its platform.

``confirmed_toml`` writes the checked sources back as a sources file, enabled where found.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from pykala.harvester.http import FetchError, PoliteClient
from pykala.harvester.platforms import crawl_rules
from pykala.harvester.platforms.recognise import Recognised, recognise
from pykala.harvester.sources import SourceConfig
from pykala.parsers.urls import normalise_url

FOUND, MOVED, UNREACHABLE, UNRECOGNISED = "found", "moved", "unreachable", "unrecognised"
_DOCUMENT_PLATFORMS = ("pdf", "webpage")


@dataclass(frozen=True)
class SourceCheck:
    source: SourceConfig
    status: str  # FOUND, MOVED, UNREACHABLE or UNRECOGNISED
    url: str  # the start page fetched
    detail: str  # one line: what was seen
    moved_to: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.status == FOUND


def start_page(source: SourceConfig) -> str:
    return crawl_rules(source.platform).start_urls(source.base_url, source.start_urls)[0]


def check_source(client: PoliteClient, source: SourceConfig) -> SourceCheck:
    """Fetch the source's first start page and say what it is."""
    url = start_page(source)
    try:
        page = client.get(url)
    except FetchError as exc:
        if exc.kind == "redirect" and exc.location is not None:
            return SourceCheck(source, MOVED, url, exc.reason, exc.location)
        return SourceCheck(source, UNREACHABLE, url, exc.reason)
    found = recognise(page.final_url, page.content_type, page.body)
    if source.platform in _DOCUMENT_PLATFORMS:
        return _document_check(source, url, page.body, found)
    if found is None:
        what = page.content_type or "no content type"
        return SourceCheck(
            source, UNRECOGNISED, url, f"answers ({what}) but is no {source.platform} page"
        )
    if found.platform != source.platform or not _same_base(found.base_url, source.base_url):
        return SourceCheck(
            source, MOVED, url, f"now {found.variant} at {found.base_url}", found.base_url
        )
    return SourceCheck(source, FOUND, url, f"{found.variant} ({found.evidence})")


def _same_base(a: str, b: str) -> bool:
    return normalise_url(a).rstrip("/").lower() == normalise_url(b).rstrip("/").lower()


def _document_check(
    source: SourceConfig, url: str, body: bytes, found: Recognised | None
) -> SourceCheck:
    if source.platform == "pdf" and not body.lstrip().startswith(b"%PDF-"):
        return SourceCheck(source, UNRECOGNISED, url, "answers, but not with a PDF")
    what = found.variant if found is not None else f"{source.platform} answers"
    return SourceCheck(source, FOUND, url, what)


def check_sources(
    client: PoliteClient, sources: Sequence[SourceConfig], workers: int = 8
) -> list[SourceCheck]:
    """Every source checked, in the given order; hosts in parallel (the client keeps each
    host polite)."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(sources)))) as pool:
        return list(pool.map(lambda s: check_source(client, s), sources))


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def confirmed_toml(checks: Sequence[SourceCheck], today: date) -> str:
    """The checked sources as a sources file: enabled where the check found the platform,
    else disabled with what the check saw as the reason; each entry headed by it."""
    out = [f"# Sources checked by `pykala sources check` on {today.isoformat()}.", ""]
    for check in checks:
        s = check.source
        seen = f"{check.status}: {check.detail}".replace("\n", " ")
        out.append(f"# {seen}")
        out += [
            "[[source]]",
            f"name = {_toml(s.name)}",
            f"platform = {_toml(s.platform)}",
            f"base_url = {_toml(s.base_url)}",
        ]
        if s.organisation_code is not None:
            out.append(f"organisation = {_toml(s.organisation_code)}")
        if check.confirmed:
            out.append("enabled = true")
        else:
            out.append("enabled = false")
            reason = f"sources check {today.isoformat()}: {seen}"
            out.append(f"disabled_reason = {_toml(reason)}")
        if s.start_urls:
            out.append(f"start_urls = [{', '.join(_toml(u) for u in s.start_urls)}]")
        out.append("")
    return "\n".join(out)
