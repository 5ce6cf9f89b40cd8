"""Helpers shared by the fault, kill and nightly tests: a canonical dump of an archive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage import models
from storage.db import Archive


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


def harvest_in_child(sources: str, tmp: Path, *extra: str) -> tuple[dict[str, Any], int, float]:
    """`pykala harvest` of ``sources`` (TOML text) into a SQLite archive in ``tmp``, in a
    child process: (its --report-json, its exit code, its own peak RSS in MiB via wait4)."""
    path = tmp / "sources.toml"
    path.write_text(sources, encoding="utf-8")
    report = tmp / "report.json"
    args = ["harvest", "--db", f"sqlite:///{tmp / 'a.db'}", "--sources", str(path)]
    args += ["--quiet", "--delay", "0", "--report-json", str(report), *extra]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app()", *args],
        cwd=ROOT,
        env={**os.environ, "PYKALA_DB": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)  # this child's rusage, no other child's
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    return json.loads(report.read_text("utf-8")), code, usage.ru_maxrss / 1024
