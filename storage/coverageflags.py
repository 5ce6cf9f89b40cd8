"""Which sources publish less than they used to, measured against their own history.

Three flags per source (``kind``):

- ``no_new_meeting``: its last meeting is older than GAP_FACTOR times its usual gap (the
  median gap between its meeting dates in the two years before it) and at least
  MIN_GAP_DAYS, while the source answers ("Kuopio: no new minutes for 9 weeks (usually 2)");
- ``fewer_meetings``: meetings a month in the last RECENT_MONTHS full months below
  DROP_SHARE of both the mean of the HISTORY_MONTHS before and the same months a year
  earlier (so a quiet July is no alarm);
- ``fewer_items``: items per meeting in those months below DROP_SHARE of the history's.

A harvest records the flags it reported with each source's counts in its run row
(``coverage``); ``reported`` reads them back, so a flag is *new* only the first time.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.storage import models
from pykala.storage.coverage import CoverageData, Month, collect, source_months

GAP_FACTOR = 3.0
MIN_GAP_DAYS = 14
MIN_DATES = 5  # meeting dates needed to know a source's usual gap
GAP_HISTORY_DAYS = 730
RECENT_MONTHS = 3
HISTORY_MONTHS = 12
MIN_HISTORY_MONTHS = 6
MIN_MEETINGS_A_MONTH = 2.0  # a history quieter than this is too thin to judge
MIN_RECENT_MEETINGS = 3  # for items per meeting
DROP_SHARE = 0.5
RUNS_SCANNED = 50


@dataclass(frozen=True)
class CoverageFlag:
    source: str
    label: str
    kind: str  # no_new_meeting, fewer_meetings, fewer_items
    message: str  # without the label: "no new minutes for 9 weeks (usually 2)"

    @property
    def line(self) -> str:
        return f"{self.label}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message, "line": self.line}


def _span(days: float, unit: int) -> str:
    n = max(1, round(days / unit))
    word = "week" if unit == 7 else "day"
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def gap_flag(source: str, label: str, dates: Sequence[date], today: date) -> CoverageFlag | None:
    """``no_new_meeting`` when the last meeting is long overdue by the source's own rhythm."""
    if len(dates) < MIN_DATES:
        return None
    last = dates[-1]
    window = [d for d in dates if d >= last - timedelta(days=GAP_HISTORY_DAYS)]
    gaps = [(b - a).days for a, b in itertools.pairwise(window)]
    if len(gaps) < MIN_DATES - 1:
        return None
    usual = statistics.median(gaps)
    since = (today - last).days
    if since < MIN_GAP_DAYS or since <= GAP_FACTOR * usual:
        return None
    unit = 7 if usual >= 7 else 1
    usual_text = _span(usual, unit).split()[0]
    message = f"no new minutes for {_span(since, unit)} (usually {usual_text})"
    return CoverageFlag(source, label, "no_new_meeting", message)


def _month_before(ym: str, n: int) -> str:
    year, month = int(ym[:4]), int(ym[5:7])
    index = year * 12 + month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def drop_flags(source: str, label: str, months: Sequence[Month], today: date) -> list[CoverageFlag]:
    """``fewer_meetings`` and ``fewer_items`` from the source's months (oldest first)."""
    if not months:
        return []
    by_month = {m.month: m for m in months}
    this_month = f"{today.year:04d}-{today.month:02d}"
    recent = [_month_before(this_month, n) for n in range(1, RECENT_MONTHS + 1)]
    first = months[0].month
    history = [
        ym
        for n in range(RECENT_MONTHS + 1, RECENT_MONTHS + HISTORY_MONTHS + 1)
        if (ym := _month_before(this_month, n)) >= first
    ]
    if len(history) < MIN_HISTORY_MONTHS:
        return []

    def total(yms: Sequence[str], what: str) -> int:
        return sum(getattr(by_month[ym], what) for ym in yms if ym in by_month)

    flags: list[CoverageFlag] = []
    recent_meetings = total(recent, "meetings") / len(recent)
    usual = total(history, "meetings") / len(history)
    year_before = [_month_before(ym, 12) for ym in recent]
    last_year = total(year_before, "meetings") / len(recent) if year_before[-1] >= first else usual
    if usual >= MIN_MEETINGS_A_MONTH and recent_meetings < DROP_SHARE * min(usual, last_year):
        flags.append(
            CoverageFlag(
                source,
                label,
                "fewer_meetings",
                f"{recent_meetings:.1f} meetings a month in the last {len(recent)} months "
                f"(usually {usual:.1f})",
            )
        )
    history_meetings = total(history, "meetings")
    recent_total = total(recent, "meetings")
    if recent_total >= MIN_RECENT_MEETINGS and history_meetings >= MIN_HISTORY_MONTHS:
        per_now = total(recent, "items") / recent_total
        per_usual = total(history, "items") / history_meetings
        if per_now < DROP_SHARE * per_usual:
            flags.append(
                CoverageFlag(
                    source,
                    label,
                    "fewer_items",
                    f"{per_now:.1f} items per meeting in the last {len(recent)} months "
                    f"(usually {per_usual:.1f})",
                )
            )
    return flags


def coverage_flags(
    session: Session,
    today: date,
    sources: Sequence[str] | None = None,
    silent: Collection[str] = (),
    data: CoverageData | None = None,
) -> list[CoverageFlag]:
    """Every coverage flag of the sources (None: all); ``silent`` are sources that did not
    answer (their harvest flags say so already: no gap flag for them); ``data``: what
    storage.coverage.collect gave for them, when the caller has it already."""
    if data is None:
        data = collect(session, sources)
    bodies = data.bodies
    labels = {b.source: b.label for b in bodies}
    flags: list[CoverageFlag] = []
    # Every date, not only recent ones: a source that stopped years ago is flagged too.
    for found in data.dates:
        if found.source in silent:
            continue
        flag = gap_flag(found.source, found.label, found.dates, today)
        if flag is not None:
            flags.append(flag)
    for source, months in source_months(bodies).items():
        flags.extend(drop_flags(source, labels[source], months, today))
    flags.sort(key=lambda f: (f.label, f.source, f.kind))
    return flags


def reported(session: Session, runs_scanned: int = RUNS_SCANNED) -> set[tuple[str, str]]:
    """(source, kind) of the flags each source's latest run recorded."""
    seen: set[str] = set()
    out: set[tuple[str, str]] = set()
    runs = session.scalars(
        select(models.HarvestRun.counts)
        .where(models.HarvestRun.finished.is_not(None))
        .order_by(models.HarvestRun.started.desc(), models.HarvestRun.id.desc())
        .limit(runs_scanned)
    )
    for counts in runs:
        for name, data in (counts or {}).items():
            if name in seen or not isinstance(data, dict):
                continue
            seen.add(name)
            out |= {(name, f["kind"]) for f in _recorded(data) if "kind" in f}
    return out


def _recorded(data: dict[str, Any]) -> list[dict[str, Any]]:
    flags = data.get("coverage")
    return [f for f in flags if isinstance(f, dict)] if isinstance(flags, list) else []
