"""How a parser read a page, line by line: ``pykala parse --explain`` and ``show --explain``.

Each line a browser shows gets the role the parser gave it (title block, §, diary number,
title, history, section heading, section text, skipped), so a user adding a municipality
sees why a field is missing. Pure, like the parsers.
"""

from __future__ import annotations

from collections.abc import Callable

from pykala.parsers import cloudnc, dynasty
from pykala.parsers.records import ParseError

Explainer = Callable[[bytes, str, "str | None"], list[tuple[str, str]]]
EXPLAINERS: dict[str, Explainer] = {"dynasty": dynasty.explain, "cloudnc": cloudnc.explain}


def explain(
    platform: str, body: bytes, url: str, content_type: str | None
) -> list[tuple[str, str]]:
    """(role, text) of every line of a page; ParseError when the platform has no reader."""
    explainer = EXPLAINERS.get(platform)
    if explainer is None:
        known = ", ".join(sorted(EXPLAINERS))
        raise ParseError(url, f"--explain reads pages of {known}, not {platform}")
    return explainer(body, url, content_type)
