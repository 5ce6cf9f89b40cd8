"""`pykala coverage --png`: meetings per month as a heat map, one row per source (its
organisation's name), one column per month, so a source that went quiet shows as a row
that fades out. matplotlib is optional (``pip install 'pykala[plot]'``), loaded by
linking.plot.pyplot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pykala.linking.plot import pyplot
from pykala.storage.coverage import BodyCoverage, source_months

MAX_MONTHS = 48  # the last four years: older months crowd the axis
DPI = 100


def write_coverage_png(bodies: Sequence[BodyCoverage], path: Path) -> int:
    """Draw meetings per month per source into ``path``; returns the number of rows."""
    plt = pyplot()
    months_by_source = source_months(bodies)
    labels = {
        b.source: f"{b.label} ({b.source})" if b.label != b.source else b.source for b in bodies
    }
    all_months = sorted({m.month for rows in months_by_source.values() for m in rows})
    columns = all_months[-MAX_MONTHS:] or ["-"]
    sources = sorted(months_by_source, key=lambda s: labels[s])
    grid = [
        [next((m.meetings for m in months_by_source[s] if m.month == ym), 0) for ym in columns]
        for s in sources
    ] or [[0] * len(columns)]
    width = max(6.0, 0.22 * len(columns) + 3.0)
    height = max(2.5, 0.3 * max(len(sources), 1) + 1.6)
    figure, axes = plt.subplots(figsize=(width, height), dpi=DPI)
    try:
        image = axes.imshow(grid, aspect="auto", cmap="Blues", interpolation="nearest")
        axes.set_yticks(range(len(sources)), [labels[s] for s in sources])
        step = max(1, len(columns) // 24)
        ticks = list(range(0, len(columns), step))
        axes.set_xticks(ticks, [columns[i] for i in ticks], rotation=45, ha="right")
        figure.colorbar(image, ax=axes, label="meetings")
        axes.set_title("Meetings per month")
        figure.tight_layout()
        figure.savefig(path, format="png")
    finally:
        plt.close(figure)
    return len(sources)
