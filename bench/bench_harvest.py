"""Nightly harvest figures (issue 5) against generated Dynasty sites on 127.0.0.1.

    PYTHONPATH=. .venv/bin/python bench/bench_harvest.py throughput [--hosts 10]
    PYTHONPATH=. .venv/bin/python bench/bench_harvest.py rate [--hosts 10 --pages 25]
    PYTHONPATH=. .venv/bin/python bench/bench_harvest.py nightly [--items 10000]
    PYTHONPATH=. .venv/bin/python bench/bench_harvest.py faults

throughput: 10 hosts, rate limit lifted (--delay 0): pages/s and per-page overhead.
rate: the default limit (1 request/s per host), 10 hosts: achieved versus theoretical.
nightly: a 10,000-item site harvested by `pykala harvest` in a child process (its peak
memory from wait4); then the requests of a nightly run when nothing changed, and when 1 %
of the items is new (published between two runs); also --full for comparison.
faults: the fault run through the CLI: faults injected, items lost after a second run,
duplicates, tracebacks.
The sites are served by this process; harvests run in child processes (`pykala harvest`)
so the figures include nothing of the server.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from pykala.harvester.fixturesite import Fault
from pykala.harvester.synthsite import SyntheticSite, serve_synthetic_sites, sources_toml
from pykala.storage import models

ROOT = Path(__file__).resolve().parents[1]


def harvest(
    sites: list[SyntheticSite], db: str, tmp: Path, *extra: str
) -> tuple[dict[str, Any], float, float, str]:
    """Run `pykala harvest` in a child; (report, seconds, peak RSS MiB, stderr)."""
    sources = tmp / "sources.toml"
    sources.write_text(sources_toml(sites), encoding="utf-8")
    report = tmp / "report.json"
    args = [
        "harvest",
        "--db",
        db,
        "--sources",
        str(sources),
        "--quiet",
        "--report-json",
        str(report),
        *extra,
    ]
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app()", *args],
        cwd=ROOT,
        env={**os.environ, "PYKALA_DB": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    took = time.monotonic() - start
    return json.loads(report.read_text("utf-8")), took, usage.ru_maxrss / 1024, err


def throughput(hosts: int) -> None:
    with (
        tempfile.TemporaryDirectory() as d,
        serve_synthetic_sites(hosts, bodies=4, meetings_per_body=10, items_per_meeting=5) as sites,
    ):
        for site in sites:
            site.log_requests = False
        tmp = Path(d)
        report, took, rss, _ = harvest(sites, f"sqlite:///{tmp / 'a.db'}", tmp, "--delay", "0")
        pages = report["totals"]["pages"]
        inner = report["duration_s"]
        print(
            f"{hosts} hosts, delay 0: {pages} pages in {inner:.1f} s (harvest) / {took:.1f} s "
            f"(process): {pages / inner:.0f} pages/s, {inner / pages * 1000:.1f} ms/page "
            f"wall, {inner * min(hosts, 32) / pages * 1000:.0f} ms/page per worker; "
            f"peak RSS {rss:.0f} MiB"
        )


def rate(hosts: int, pages_per_host: int) -> None:
    items = pages_per_host - 5  # 2 feeds, body list, list, meeting
    with (
        tempfile.TemporaryDirectory() as d,
        serve_synthetic_sites(
            hosts, bodies=1, meetings_per_body=1, items_per_meeting=items
        ) as sites,
    ):
        tmp = Path(d)
        report, _, _, _ = harvest(sites, f"sqlite:///{tmp / 'a.db'}", tmp)
        requests = report["totals"]["requests"]
        # n requests to a host at 1 request/s take at least n - 1 seconds
        ideal = max(s["requests"] - 1 for s in report["sources"].values())
        took = report["duration_s"]
        print(
            f"{hosts} hosts, default delay 1 s: {requests} requests in {took:.1f} s "
            f"({requests / took:.2f} req/s); the limit allows them in {ideal} s: achieved "
            f"{ideal / took:.1%} of the theoretical rate"
        )


def nightly(items: int) -> None:
    bodies, per_meeting = 20, 10
    meetings = items // (bodies * per_meeting)
    with (
        tempfile.TemporaryDirectory() as d,
        serve_synthetic_sites(
            1, bodies=bodies, meetings_per_body=meetings, items_per_meeting=per_meeting
        ) as (site,),
    ):
        site.log_requests = False
        tmp = Path(d)
        db = f"sqlite:///{tmp / 'a.db'}"
        report, took, rss, _ = harvest([site], db, tmp, "--delay", "0")
        t = report["totals"]
        print(
            f"first harvest of {items} items: {t['inserted']} items, {t['pages']} pages, "
            f"{t['requests']} requests in {took:.0f} s; peak RSS {rss:.0f} MiB"
        )
        report, took, rss, _ = harvest([site], db, tmp, "--delay", "0")
        t = report["totals"]
        print(
            f"nightly, nothing changed: {t['requests']} requests, {t['bytes']:,} bytes, "
            f"{t['inserted']} new, {took:.1f} s; peak RSS {rss:.0f} MiB"
        )
        site.publish(items // 100 // per_meeting, minutes=True)  # 1 % new items
        report, took, rss, _ = harvest([site], db, tmp, "--delay", "0")
        t = report["totals"]
        print(
            f"nightly, 1 % new ({items // 100} items): {t['requests']} requests, "
            f"{t['bytes']:,} bytes, {t['inserted']} new, {took:.1f} s; peak RSS {rss:.0f} MiB"
        )
        report, took, rss, _ = harvest([site], db, tmp, "--delay", "0", "--full")
        t = report["totals"]
        print(
            f"--full, nothing changed: {t['requests']} requests, {t['bytes']:,} bytes, "
            f"{took:.0f} s; peak RSS {rss:.0f} MiB"
        )


def faults() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'.encode() for n in range(8)
        )
        + b"]><rss><channel><title>&i;</title></channel></rss>"
    )
    with tempfile.TemporaryDirectory() as d, serve_synthetic_sites(1) as (site,):
        tmp = Path(d)
        items = site.item_ids()
        injected = [
            Fault(f"*id={items[0]}", status=500),
            Fault(f"*id={items[1]}", status=502),
            Fault(f"*id={items[2]}", status=503),
            Fault(f"*id={items[3]}", status=429, retry_after="1", times=1),
            Fault(f"*id={items[4]}", reset=True),
            Fault(f"*id={items[5]}", close=True),
            Fault(f"*id={items[6]}", delay=35.0, times=3),  # beyond the 30 s read timeout
            Fault(f"*id={items[7]}", drip=0.2),
            Fault(f"*id={items[8]}", truncate=100),
            Fault(f"*id={items[9]}", charset="x-unknown"),
            Fault(f"*id={items[10]}", charset=""),
            Fault(f"*id={items[11]}", redirect="http://muu.example/x"),
            Fault(f"*id={items[12]}", body=b"x" * (21 * 1024 * 1024)),  # over the 20 MB cap
            Fault("*rss/meetingitems*", body=bomb),
        ]
        for fault in injected:
            site.faults.add(fault)
        db = f"sqlite:///{tmp / 'a.db'}"
        first, took1, _, err1 = harvest([site], db, tmp, "--delay", "0")
        site.faults.clear()
        second, _, _, err2 = harvest([site], db, tmp, "--delay", "0")
        engine = create_engine(db)
        with engine.connect() as conn:
            stored = conn.execute(select(func.count(models.Item.id))).scalar()
            distinct = conn.execute(select(func.count(func.distinct(models.Item.external_id))))
            dup = (stored or 0) - (distinct.scalar() or 0)
        tracebacks = (err1 + err2).count("Traceback")
        print(
            f"faults injected: {len(injected)} kinds on {len(injected)} URLs "
            f"({sum(f.hits for f in injected)} faulty answers); first run: "
            f"{first['totals']['failed']} failed pages reported, exit {first['exit_status']}, "
            f"{took1:.0f} s; second run: {second['totals']['inserted']} new, exit "
            f"{second['exit_status']}; items lost {len(items) - (stored or 0)}, "
            f"duplicates {dup}, tracebacks {tracebacks}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["throughput", "rate", "nightly", "faults"])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--pages", type=int, default=25)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    if args.what == "throughput":
        throughput(args.hosts)
    elif args.what == "rate":
        rate(args.hosts, args.pages)
    elif args.what == "nightly":
        nightly(args.items)
    else:
        faults()


if __name__ == "__main__":
    main()
