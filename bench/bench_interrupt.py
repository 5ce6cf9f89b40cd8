"""Ctrl-C during a harvest: this checkout against another one, side by side in one run.

    .venv/bin/python bench/bench_interrupt.py --old /path/to/dir [--rounds 3] [--retry-after 20]

``--old`` is a directory holding another checkout as ``pykala/`` (e.g. ``git archive main |
tar -x -C DIR/pykala``); it is put first on PYTHONPATH for its runs. Each round serves one
synthetic Dynasty site whose first three item pages are gone (404) and whose other item
pages answer 503 with ``Retry-After`` (the worker then waits in its backoff), harvests it
with each checkout in turn, sends SIGINT once the first 503 was served, and measures the
seconds from the signal to the process's exit, the lines it printed after the signal, and
whether the run row records the requests the server saw. Prints one row per checkout: the
median of the rounds.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, select

from pykala.harvester.fixturesite import Fault
from pykala.harvester.synthsite import serve_synthetic_sites
from pykala.storage import models

ROOT = Path(__file__).resolve().parent.parent


def one_run(pythonpath: str | None, retry_after: int, tmp: Path) -> tuple[float, int, bool]:
    """(seconds from SIGINT to exit, stderr lines after the signal, requests recorded right)"""
    db = tmp / f"archive-{time.monotonic_ns()}.db"
    with serve_synthetic_sites(1) as (site,):
        site.faults.add(Fault("*page=meetingitem&*", status=404, times=3))
        busy = site.faults.add(
            Fault("*page=meetingitem&*", status=503, retry_after=str(retry_after))
        )
        sources = tmp / "sources.toml"
        sources.write_text(site.source_toml(), encoding="utf-8")
        env = {**os.environ, "PYKALA_DB": ""}
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        proc = subprocess.Popen(
            [
                *(sys.executable, "-c", "from pykala.cli import app; app()", "harvest"),
                *("--db", f"sqlite:///{db}", "--sources", str(sources), "--delay", "0"),
                "--quiet",
            ],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        while busy.hits == 0:
            time.sleep(0.02)
        time.sleep(0.3)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate()
        took = time.monotonic() - sent
        served = len(site.requests)
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        counts = conn.execute(select(models.HarvestRun.counts)).scalar() or {}
    engine.dispose()
    recorded = sum(int(c.get("requests", 0)) for c in counts.values())
    return took, len(stderr.splitlines()), recorded == served


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", type=Path, required=True, help="directory holding pykala/")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--retry-after", type=int, default=20)
    args = ap.parse_args()
    results: dict[str, list[tuple[float, int, bool]]] = {"new": [], "old": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            results["new"].append(one_run(None, args.retry_after, Path(tmp)))
            results["old"].append(one_run(str(args.old), args.retry_after, Path(tmp)))
    print("| code | SIGINT to exit (median s) | lines printed | requests recorded right |")
    print("| --- | --- | --- | --- |")
    for name, runs in results.items():
        median = statistics.median(r[0] for r in runs)
        lines = sorted({r[1] for r in runs})
        right = sum(r[2] for r in runs)
        print(f"| {name} | {median:.1f} | {lines} | {right} of {len(runs)} |")
    new, old = (statistics.median(r[0] for r in results[k]) for k in ("new", "old"))
    print(f"\nold/new: {old / new:.0f}x")


if __name__ == "__main__":
    main()
