"""Helpers shared by the fault, kill and nightly tests: a canonical dump of an archive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pykala.storage import models
from pykala.storage.db import Archive


def canonical_dump(archive: Archive) -> dict[str, Any]:
    """Everything a harvest stores that does not depend on when it ran: items with their
    sections, meetings, bodies, and the URLs of the stored pages.

    URLs lose their loopback origin (each test serves the site on a new port; for the same
    reason the pages' bytes are not compared: feeds carry absolute URLs).
    """

    def local(url: str | None) -> str | None:
        return None if url is None else url.split("/", 3)[-1]

    with archive.session() as session:
        items = []
        for source, item in session.execute(
            select(models.Source.name, models.Item).join(
                models.Source, models.Source.id == models.Item.source_id
            )
        ).all():
            sections = session.scalars(
                select(models.Section)
                .where(models.Section.item_id == item.id)
                .order_by(models.Section.ordinal)
            ).all()
            meeting = session.get(models.Meeting, item.meeting_id) if item.meeting_id else None
            body = session.get(models.Body, item.body_id) if item.body_id else None
            items.append(
                (
                    source,
                    item.external_id,
                    meeting.external_id if meeting else None,
                    body.name if body else None,
                    str(item.meeting_date),
                    item.meeting_kind,
                    item.paragraph,
                    item.diary_number,
                    item.title,
                    local(item.url),
                    tuple((s.kind, s.heading, s.text, s.presenter) for s in sections),
                )
            )
        meetings = sorted(
            (m.external_id, str(m.date), m.kind, local(m.url))
            for m in session.scalars(select(models.Meeting))
        )
        bodies = sorted(b.name for b in session.scalars(select(models.Body)))
        pages = sorted(
            url.split("/", 3)[-1]
            for url in session.scalars(
                select(models.Page.url).where(models.Page.raw_page_id.is_not(None))
            )
        )
    return {"items": sorted(items), "meetings": meetings, "bodies": bodies, "pages": pages}


ROOT = Path(__file__).resolve().parents[1]


# wait4's ru_maxrss of a child counts the memory of whoever spawned it (Linux records the
# pre-exec address space's high-water mark): spawned from a big pytest or bench process, a
# 10 MB child reads as 300 MB. So a small interpreter spawns the command and reports the
# command's own peak and exit code.
MEASURED_SPAWN = (
    "import os, sys\n"
    "pid = os.posix_spawn(sys.executable, [sys.executable, *sys.argv[1:]], dict(os.environ))\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))\n"
)


def run_measured(args: list[str], cwd: Path) -> tuple[int, float]:
    """Run ``python *args`` in ``cwd``: (exit code, its own peak RSS in MiB)."""
    out = subprocess.run(
        [sys.executable, "-c", MEASURED_SPAWN, *args],
        cwd=cwd,
        env={**os.environ, "PYKALA_DB": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[1]), int(out[0]) / 1024


def harvest_in_child(
    sources: str, tmp: Path, *extra: str, prelude: str = ""
) -> tuple[dict[str, Any], int, float]:
    """`pykala harvest` of ``sources`` (TOML text) into a SQLite archive in ``tmp``, in a
    child process: (its --report-json, its exit code, its own peak RSS in MiB).
    ``prelude``: Python run in the child first (a benchmark's "before" setting)."""
    path = tmp / "sources.toml"
    path.write_text(sources, encoding="utf-8")
    report = tmp / "report.json"
    args = ["harvest", "--db", f"sqlite:///{tmp / 'a.db'}", "--sources", str(path)]
    args += ["--quiet", "--delay", "0", "--report-json", str(report), *extra]
    code, peak = run_measured(["-c", f"{prelude}\nfrom cli import app; app()", *args], ROOT)
    return json.loads(report.read_text("utf-8")), code, peak
