"""Outcome counts per source for ``pykala status``: minutes items by outcome, how many
were voted on, and how many no rule could read (analysis.decisions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import models
from .filters import minutes_clause


@dataclass
class OutcomeCounts:
    minutes: int = 0  # items that are not agenda items
    voted: int = 0
    no_outcome: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)


def outcome_counts(session: Session) -> dict[str, OutcomeCounts]:
    """Per source name, its minutes items by outcome (None: no rule fitted)."""
    rows = session.execute(
        select(models.Source.name, models.Item.outcome, models.Item.voted, func.count())
        .join(models.Source, models.Source.id == models.Item.source_id)
        .where(minutes_clause())
        .group_by(models.Source.name, models.Item.outcome, models.Item.voted)
        .order_by(models.Source.name)
    ).all()
    out: dict[str, OutcomeCounts] = {}
    for name, outcome, voted, count in rows:
        counts = out.setdefault(name, OutcomeCounts())
        counts.minutes += count
        counts.voted += count if voted else 0
        if outcome is None:
            counts.no_outcome += count
        else:
            counts.by_outcome[outcome] = counts.by_outcome.get(outcome, 0) + count
    return out
