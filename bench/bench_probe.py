"""Probe accuracy for issue 16: `pykala sources probe` on every fixture platform page and on
the pages of no platform (fixtures/probe/nonplatform), over a loopback server.

Run:
  PYTHONPATH=. .venv/bin/python bench/bench_probe.py

Each platform page (fixtures/probe/expected.toml) must give its platform, its base URL and
its start URLs; each non-platform page must give no platform (a false positive otherwise).
Prints one line per page that went wrong, the counts, and the time per probe.
"""

from __future__ import annotations

import statistics
import time

from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.probe import probe
from pykala.harvester.sources import load_municipalities
from tests.probekit import expected_probes, nonplatform_urls, serve_probe_site


def main() -> None:
    names = {code: m.name_fi for code, m in load_municipalities().items()}
    right = wrong_platform = wrong_base = 0
    false_positives: list[str] = []
    times: list[float] = []
    with (
        serve_probe_site() as site,
        PoliteClient(Politeness(min_interval=0, tries=1)) as client,
    ):
        for expected in expected_probes():
            started = time.perf_counter()
            result = probe(client, site.url_for(expected.url), names)
            times.append(time.perf_counter() - started)
            found = result.found
            if found is None or found.platform != expected.platform:
                wrong_platform += 1
                print(f"wrong platform: {expected.url}: {found}")
                continue
            base_ok = found.base_url.rstrip("/") == site.url_for(expected.base_url).rstrip("/")
            starts_ok = found.start_urls == tuple(site.url_for(u) for u in expected.start_urls)
            if not (base_ok and starts_ok):
                wrong_base += 1
                print(f"wrong base or start URLs: {expected.url}: {found}")
                continue
            right += 1
        pages = nonplatform_urls()
        for url in pages:
            started = time.perf_counter()
            result = probe(client, site.url_for(url), names)
            times.append(time.perf_counter() - started)
            if result.found is not None:
                false_positives.append(url)
                print(f"false positive: {url}: {result.found}")
    platforms = sorted({e.platform for e in expected_probes()})
    print(
        f"platform pages: {right} of {len(expected_probes())} right (platform, base URL and "
        f"start URLs; platforms {', '.join(platforms)}); wrong platform {wrong_platform}, "
        f"wrong base URL {wrong_base}"
    )
    print(f"non-platform pages: {len(false_positives)} false positives of {len(pages)}")
    print(
        f"time per probe (loopback): median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
