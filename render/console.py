"""The consoles every command prints on, the control-character escaping that makes their
output safe for a terminal, and the small formatting helpers the renderers share."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.text import Text

# Control characters but newline and tab: C0 (ESC starts CSI/OSC sequences, CR rewrites
# a line, BEL…), DEL, and C1 (U+009B is a one-character CSI on some terminals).
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """``text`` with every control character but newline and tab written as ``\\uXXXX``.

    Titles, snippets, URLs and error reasons come from the pages harvested: printed raw,
    ``ESC[2J`` clears the user's screen and ``ESC]0;…`` retitles the terminal. ``\\uXXXX``
    is visible and, inside a JSON string, the same character.
    """
    if _CONTROL_RE.search(text) is None:
        return text
    return _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


PIPE_WIDTH = 1_000_000  # columns when the output is not a terminal: never cut


class SafeConsole(Console):
    """A Console that escapes control characters in every string it renders.

    Every str printed, every table cell and title passes through ``render_str``: the one
    place the CLI's output is made safe for a terminal. Rich's own styling codes are
    added after it, so colours still work.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(escape_controls(text), **kwargs)

    def _size(self) -> ConsoleDimensions:
        """The terminal's size; into a pipe or a file, a width no table needs to cut.

        Rich asks every standard stream for a terminal size (then COLUMNS), so
        ``pykala status | cat`` from a terminal was cut to the terminal's width, and
        into a cron mail to 80 columns: ids shortened to ``mikkeli:1…``. A table that
        is not expanded is only as wide as its cells, so the large width costs nothing.
        """
        if not self.is_terminal:  # COLUMNS too is the terminal's, not the pipe's
            return ConsoleDimensions(PIPE_WIDTH, 25)
        return Console.size.fget(self)  # type: ignore[attr-defined,no-any-return]

    size = property(_size, Console.size.fset)  # type: ignore[attr-defined]


out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def day(day: date | None) -> str:
    return day.isoformat() if day else ""


def marked(snippet: str) -> str:
    return escape(snippet).replace("«", "[bold yellow]").replace("»", "[/bold yellow]")


def joined(*parts: str | None, sep: str = " · ") -> str:
    """The parts that are not empty, joined: "Kuopio · Kaupunginhallitus · § 5"."""
    return sep.join(p for p in parts if p)


def print_json(data: Any, *, indent: int | None = None) -> None:
    """One JSON document (``indent``: pretty) or, without indent, one JSON line."""
    out.print(json.dumps(data, ensure_ascii=False, indent=indent), markup=False)


def print_facts(facts: list[tuple[str, str]]) -> None:
    """The right-aligned "label  value" lines under a title; empty values left out."""
    for label, value in facts:
        if value:
            out.print(f"[dim]{label:>13}[/dim]  {escape(value)}")


def print_versions(versions: Sequence[Any]) -> None:
    """The "Earlier versions" block of an item or a document (nothing when none)."""
    if versions:
        out.print("\n[bold cyan]Earlier versions[/bold cyan]")
        for version in versions:
            out.print(
                f"  {version.version}: {version.valid_from:%Y-%m-%d %H:%M} – "
                f"{version.valid_to:%Y-%m-%d %H:%M} {version.content.get('title', '')}",
                markup=False,
            )
