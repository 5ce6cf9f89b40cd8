"""``pykala sources probe URL``: fetch one or two pages of a site and name its platform.

The first page is fetched politely (harvester.http) and handed to the recognisers
(harvester.platforms.recognise). When it is none of them but links, on its own host, to
what looks like a platform's page or to PDF minutes, that one link is fetched too. The
answer is the platform with the base URL a source would use and a ``[[source]]`` entry
to paste (its municipality guessed from the page title or the host: to confirm), or, for a
page of no known platform, what was seen: title, generator and a few links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pykala.harvester.http import FetchError, PoliteClient
from pykala.harvester.platforms.pagefacts import (
    PageFacts,
    guess_municipality,
    host_words,
    page_facts,
)
from pykala.harvester.platforms.recognise import (
    Recognised,
    minutes_pdf_links,
    platform_links,
    recognise,
)
from pykala.parsers.urls import same_host


@dataclass(frozen=True)
class ProbeResult:
    url: str
    found: Recognised | None
    facts: PageFacts
    fetched: tuple[str, ...] = ()  # the pages fetched, in order
    municipality: tuple[str, str] | None = None  # (code, why it was guessed)
    hints: tuple[str, ...] = field(default=())  # platform-like links on other hosts


class ProbeError(Exception):
    """The page could not be fetched; the message is one line."""


def probe(client: PoliteClient, url: str, names: dict[str, str]) -> ProbeResult:
    """Fetch ``url`` (and at most one page it links to) and say which platform it is.

    ``names`` maps municipality codes to Finnish names, for the organisation guess.
    Raises ProbeError when the first page cannot be fetched.
    """
    try:
        page = client.get(url)
    except FetchError as exc:
        if exc.kind == "redirect" and exc.location is not None:
            # The client follows redirects on the same host only; say where it points.
            raise ProbeError(
                f"{url} redirects to {exc.location} (another host): probe that address"
            ) from None
        raise ProbeError(str(exc)) from None
    fetched = [page.final_url]
    facts = page_facts(page.final_url, page.content_type, page.body)
    found = recognise(page.final_url, page.content_type, page.body)
    if found is None:
        found = _second_page(client, page.final_url, facts, fetched)
    guess = guess_municipality(
        [(f"page title {facts.title!r}", facts.title or ""), ("host name", host_words(url))],
        names,
    )
    hints = () if found else _other_host_hints(page.final_url, facts)
    return ProbeResult(url, found, facts, tuple(fetched), guess, hints)


def _second_page(
    client: PoliteClient, url: str, facts: PageFacts, fetched: list[str]
) -> Recognised | None:
    """The platform of the one same-host link worth fetching, if any."""
    urls = [u for u, _ in facts.links if same_host(u, url)]
    candidates = platform_links(urls)
    pdfs = minutes_pdf_links([(u, t) for u, t in facts.links if same_host(u, url)])
    target = candidates[0] if candidates else (pdfs[0] if pdfs else None)
    if target is None:
        return None
    try:
        page = client.get(target)
    except FetchError:
        return None
    fetched.append(page.final_url)
    found = recognise(page.final_url, page.content_type, page.body)
    if found is not None and found.platform == "pdf" and not candidates:
        # A list of PDF minutes: every listed PDF is a start page of the source.
        return Recognised(
            "pdf",
            "PDF list",
            pdfs[0],
            start_urls=tuple(pdfs),
            evidence=f"a page listing {len(pdfs)} PDFs of minutes or agendas; "
            f"the first is {found.evidence.removeprefix('a ')}",
        )
    return found


def _other_host_hints(url: str, facts: PageFacts) -> tuple[str, ...]:
    urls = [u for u, _ in facts.links if not same_host(u, url)]
    return tuple(platform_links(urls)[:3])


_GENERIC = frozenset({"www", "http", "https", "publish", "paatokset", "asiakirjat", "kokous"})
_SLUG = str.maketrans("äöåÄÖÅ", "aoaAOA")


def source_name(result: ProbeResult, names: dict[str, str]) -> str:
    """A name for the entry: the guessed municipality's, else the host's first label."""
    if result.municipality is not None:
        base = names[result.municipality[0]]
    else:
        labels = [w for w in host_words(result.url).split() if w.lower() not in _GENERIC]
        base = labels[0] if labels else "source"
    slug = re.sub(r"[^a-z0-9]+", "-", base.translate(_SLUG).lower()).strip("-") or "source"
    platform = result.found.platform if result.found else ""
    return slug if platform in ("", "dynasty") else f"{slug}-{platform}"


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def source_entry(result: ProbeResult, names: dict[str, str]) -> str:
    """The ``[[source]]`` entry for a recognised page (commented out for Ahjo, which
    pykala cannot harvest)."""
    found = result.found
    assert found is not None
    lines = [
        "[[source]]",
        f"name = {_toml(source_name(result, names))}",
        f"platform = {_toml(found.platform)}",
        f"base_url = {_toml(found.base_url)}",
    ]
    if result.municipality is not None:
        code, why = result.municipality
        lines.append(f"organisation = {_toml(code)}  # guessed from {why}: confirm")
    else:
        lines.append('# organisation = "…"  # not found on the page: give its code')
    if found.start_urls:
        urls = ", ".join(_toml(u) for u in found.start_urls)
        lines.append(f"start_urls = [{urls}]")
    if not found.harvested:
        lines = ["# pykala parses this platform but cannot harvest it as a source:"] + [
            f"# {line}" for line in lines
        ]
    return "\n".join(lines) + "\n"
