"""Issue 12 figures (network and runs) against loopback sites; nothing leaves 127.0.0.1.

    PYTHONPATH=. .venv/bin/python bench/bench_hardening.py memory [--pages 10 --mb 19]
    PYTHONPATH=. .venv/bin/python bench/bench_hardening.py drip [--deadline 5]

memory: a generated Dynasty site whose item pages include ``--pages`` pages of ``--mb`` MB
of HTML (under the 20 MB fetch cap), harvested by `pykala harvest` in a child process;
its own peak RSS (goal: at most 300 MB; taken through a small intermediate process, since
wait4 would also count this process's memory), the pages failed as too large to parse.
``--no-parse-limit``: the same with every page parsed (the behaviour before issue 12).
drip: a page sent one byte per second; how long the client takes to give it up with a
deadline of D seconds (goal: at most D + 1 s), and how much longer a whole
`pykala harvest --timeout D` of the site takes than the same harvest without the drip.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from pykala.harvester.fixturesite import Fault
from pykala.harvester.http import FetchError, PoliteClient, Politeness
from pykala.harvester.synthsite import SyntheticSite, big_page, serve_synthetic_sites
from tests.harvestkit import harvest_in_child

# "Before": the same harvest with the parse limit lifted (every page parsed).
NO_PARSE_LIMIT = "import harvester.pageparse; harvester.pageparse.MAX_PARSE_BYTES = 1 << 40"
MB = 1024 * 1024


def run_harvest(
    site: SyntheticSite, tmp: Path, *extra: str, prelude: str = ""
) -> tuple[dict[str, Any], float, float]:
    """`pykala harvest` of ``site`` in a child: (report, wall seconds, its peak RSS in MiB,
    measured through a small intermediate process: see tests.harvestkit.MEASURED_SPAWN)."""
    start = time.monotonic()
    report, _, peak = harvest_in_child(site.source_toml(), tmp, *extra, prelude=prelude)
    return report, time.monotonic() - start, peak


def memory(pages: int, mb: float, no_limit: bool) -> None:
    with tempfile.TemporaryDirectory() as d, serve_synthetic_sites(1) as (site,):
        site.log_requests = False
        body = big_page(int(mb * MB))
        for item in site.item_ids()[:pages]:
            site.faults.add(Fault(f"*meetingitem&id={item}", body=body))
        report, took, rss = run_harvest(site, Path(d), prelude=NO_PARSE_LIMIT if no_limit else "")
        source = report["sources"][site.name]
        too_large = sum("too large to parse" in e for e in report["errors"])
        print(
            f"{pages} item pages of {len(body) / MB:.1f} MB (+ {source['pages'] - pages} "
            f"normal pages): peak RSS {rss:.0f} MiB; {too_large} failed as too large to "
            f"parse; {source['inserted']} items stored; {took:.1f} s"
        )


def drip(deadline: float) -> None:
    with tempfile.TemporaryDirectory() as d, serve_synthetic_sites(1, bodies=1) as (site,):
        slow = site.item_ids()[0]
        site.faults.add(Fault(f"*meetingitem&id={slow}", trickle=1.0))
        # The client alone: from the request to the FetchError.
        politeness = Politeness(min_interval=0, total_timeout=deadline)
        with PoliteClient(politeness) as client:
            start = time.monotonic()
            try:
                client.get(f"{site.cgi_url}?page=meetingitem&id={slow}")
            except FetchError as exc:
                reason = exc.reason
            given_up = time.monotonic() - start
        print(f"client, deadline {deadline:g} s: gave up after {given_up:.2f} s ({reason})")
        # A whole `pykala harvest --timeout`: the source's duration with the dripping page
        # minus a clean run's (the other pages are the same and quick).
        report, took, _ = run_harvest(site, Path(d), "--timeout", f"{deadline:g}")
        site.faults.clear()
        with tempfile.TemporaryDirectory() as d2:
            clean, _, _ = run_harvest(site, Path(d2), "--timeout", f"{deadline:g}")
        dripping = report["sources"][site.name]["duration_s"]
        baseline = clean["sources"][site.name]["duration_s"]
        failed = [e for e in report["errors"] if slow in e]
        print(
            f"harvest, --timeout {deadline:g}: the source took {dripping:.2f} s with the "
            f"dripping page, {baseline:.2f} s without: {dripping - baseline:.2f} s spent on "
            f"it; child wall {took:.1f} s; {failed}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    m = sub.add_parser("memory")
    m.add_argument("--pages", type=int, default=10)
    m.add_argument("--mb", type=float, default=19.0)
    m.add_argument("--no-parse-limit", action="store_true", help="before: parse every page")
    dr = sub.add_parser("drip")
    dr.add_argument("--deadline", type=float, default=5.0)
    args = parser.parse_args()
    if args.what == "memory":
        memory(args.pages, args.mb, args.no_parse_limit)
    else:
        drip(args.deadline)


if __name__ == "__main__":
    main()
