"""The probe fixtures (fixtures/probe) served with the platforms' saved pages, and what a
probe of each must answer; shared by tests/test_probe.py and bench/bench_probe.py."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pykala.harvester.fixturesite import SITE_DIR, Faults, FixtureSite, load_site, serve

PROBE_DIR = SITE_DIR.parent / "probe"


@dataclass(frozen=True)
class Expected:
    url: str  # original
    platform: str
    base_url: str  # original
    start_urls: tuple[str, ...] = ()
    municipality: str | None = None


@contextmanager
def serve_probe_site() -> Iterator[FixtureSite]:
    """One loopback server for ../site and fixtures/probe together."""
    pages, sources = load_site(SITE_DIR)
    probe_pages, _ = load_site(PROBE_DIR)
    site = FixtureSite(pages + probe_pages, sources, Faults())
    with serve(site):
        yield site


def expected_probes() -> list[Expected]:
    doc = tomllib.loads((PROBE_DIR / "expected.toml").read_text(encoding="utf-8"))
    return [
        Expected(
            e["url"],
            e["platform"],
            e["base_url"],
            tuple(e.get("start_urls", ())),
            e.get("municipality"),
        )
        for e in doc["probe"]
    ]


def nonplatform_urls() -> list[str]:
    """The original URLs of every page in fixtures/probe/nonplatform/."""
    pages, _ = load_site(PROBE_DIR)
    return [p.url for p in pages if p.file.parent.name == "nonplatform"]
