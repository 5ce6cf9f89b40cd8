"""A topic's timeline as a PNG: one row per municipality (region, county), one column per
year or month, a dot sized by the member decisions there.

A dot matrix rather than stacked bars: with 300 municipalities a bar chart is unreadable,
while rows of dots show at a glance who decided first and who has not yet. matplotlib is
an optional dependency (``pip install 'pykala[plot]'``); it is imported only here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pykala.linking.topicview import Timeline

ROW_INCHES = 0.32  # height per group row
COLUMN_INCHES = 0.55  # width per period column
DPI = 100


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def pyplot() -> Any:
    """matplotlib's pyplot on a backend that only writes files, or PlotUnavailable."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: write files only
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotUnavailable(
            "--png needs matplotlib: pip install 'pykala[plot]' (or matplotlib)"
        ) from exc
    return plt


def figure_inches(timeline: Timeline) -> tuple[float, float]:
    """(width, height) of the figure: grows with the periods and the groups."""
    label = max((len(group) for group in timeline.rows), default=10)
    width = max(6.0, COLUMN_INCHES * len(timeline.periods) + 0.09 * label + 1.6)
    height = max(2.5, ROW_INCHES * len(timeline.rows) + 1.6)
    return width, height


def write_timeline_png(timeline: Timeline, path: Path) -> None:
    """Draw ``timeline`` into ``path`` (PNG). Groups are ordered by their first member
    decision, so the plot reads as a diffusion: who came first is at the top."""
    plt = pyplot()
    column = {period: n for n, period in enumerate(timeline.periods)}
    groups = sorted(
        timeline.rows,
        key=lambda g: (min(column[p] for p in timeline.rows[g]), g),
    )
    largest = max((c for counts in timeline.rows.values() for c in counts.values()), default=1)
    figure, axes = plt.subplots(figsize=figure_inches(timeline), dpi=DPI)
    try:
        for row, group in enumerate(groups):
            for period, count in timeline.rows[group].items():
                x, y = column[period], row
                axes.scatter(x, y, s=60 + 340 * count / largest, color="#1f5f8b", alpha=0.85)
                axes.annotate(
                    str(count), (x, y), ha="center", va="center", color="white", fontsize=7
                )
        axes.set_xticks(range(len(timeline.periods)), timeline.periods, rotation=45, ha="right")
        axes.set_yticks(
            range(len(groups)), [f"{g} ({sum(timeline.rows[g].values())})" for g in groups]
        )
        axes.set_xlim(-0.7, max(len(timeline.periods) - 0.3, 0.7))
        axes.set_ylim(len(groups) - 0.5, -0.7)  # first group at the top
        axes.grid(True, color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.set_title(f"{timeline.topic}: member decisions by {timeline.by}")
        figure.tight_layout()
        # tight_layout fits the axes' labels but not a title wider than the figure (a
        # month plot of few groups): the saved image grows to hold every label instead.
        figure.savefig(path, format="png", bbox_inches="tight", pad_inches=0.15)
    finally:
        plt.close(figure)
