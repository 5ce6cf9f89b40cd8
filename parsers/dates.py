"""Dates printed in Finnish text: "1.10.2020", "24.08.2022", ranges "13.1.–30.9.2020".

Rules (decisions, see fixtures/README.md "documents"):
* A date is day.month.year with a four-digit year; it must be a real calendar date.
* A range "13.1.–30.9.2020" / "1.1.-28.2.2017" gives both ends; the first end takes the
  year of the second (and the month too in "1.–3.6.2020").
* Not dates: a year alone or a span of years ("2016–2018", "vuosille 2023-2025"), a month
  ("4/2016", "toukokuu 2016"), a season ("syksyllä 2020"), a day without a year ("7.4."),
  slashed forms ("6/21/2016", PowerPoint's US footer), clock times ("12.30-13.00").
  DocumentRecord.dates holds days; vaguer times stay in the text.
* Each date once, in order of first appearance.
"""

from __future__ import annotations

import re
from datetime import date

_DASH = r"\s*[-–—]\s*"
_DATE_RE = re.compile(
    r"(?<![\d.])"
    rf"(?:(?P<d1>\d{{1,2}})\.(?:(?P<m1>\d{{1,2}})\.)?{_DASH})?"  # "13.1.–" / "1.–" range start
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"
    r"(?![\d])"
)


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str) -> tuple[date, ...]:
    """Every calendar date printed in ``text``, ranges giving both ends, no repeats."""
    seen: dict[date, None] = {}
    for m in _DATE_RE.finditer(text):
        year, month = int(m.group("y")), int(m.group("m"))
        if m.group("d1"):
            start = _make(year, int(m.group("m1") or month), int(m.group("d1")))
            if start is not None:
                seen.setdefault(start, None)
        end = _make(year, month, int(m.group("d")))
        if end is not None:
            seen.setdefault(end, None)
    return tuple(seen)
