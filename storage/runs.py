"""Harvest and reparse runs: started, then finished with their counts and errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pykala.storage import models
from pykala.storage.db import ArchiveError


def start_run(session: Session, started: datetime) -> int:
    """Record a harvest or reparse run as running; returns its id."""
    run = models.HarvestRun(started=started, status="running")
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    finished: datetime,
    status: str,
    counts: Mapping[str, Any],
    errors: Sequence[Any],
) -> None:
    """Record how a run ended (counts per source, error lines)."""
    run = session.get(models.HarvestRun, run_id)
    if run is None:
        raise ArchiveError(f"no harvest run with id {run_id}")
    run.finished = finished
    run.status = status
    run.counts = dict(counts)
    run.errors = list(errors)
    session.flush()
