"""How a failure reaches the user: one line on stderr and an exit code (documented in the
README), for the library's expected errors and for SIGINT/SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer

from pykala.harvester.sources import SourceConfigError
from pykala.parsers.urls import BadUrl
from pykala.render.console import err
from pykala.storage.db import ArchiveError
from pykala.storage.search import SearchQueryError
from pykala.storage.views import AmbiguousItemError

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_PARTIAL = 1  # the run finished but some sources or pages failed
EXIT_USAGE = 2  # bad command line, bad configuration or a bad query
EXIT_ARCHIVE = 3  # the archive cannot be opened
EXIT_LOCKED = 4  # another run holds the archive's lock
EXIT_INTERRUPTED = 130  # SIGINT or SIGTERM (128 + SIGINT, as shells report it)

EXIT_CODES_HELP = (
    "Exit codes (for cron): 0 every source harvested; 1 partial failure (a source "
    "unreachable, yielding nothing or failing more than --failure-threshold of its pages: "
    "see the summary); 2 bad command line or configuration; 3 the archive cannot be "
    "opened (or failed during the run: disk full, server gone); 4 another pykala run holds "
    "the archive's lock; 130 interrupted (SIGINT/SIGTERM; the run is recorded as such)."
)

T = TypeVar("T")


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr and an exit code: what every user-facing error looks like."""
    err.print(f"pykala: error: {message}", markup=False)
    raise typer.Exit(code)


def guarded(func: Callable[[], T]) -> T:
    """Turn the library's expected errors into one-line messages."""
    try:
        return func()
    except SourceConfigError as exc:
        fail(str(exc))
    except (SearchQueryError, AmbiguousItemError) as exc:
        fail(str(exc))
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    except BadUrl as exc:  # a URL typed on the command line (add, show)
        fail(f"{exc.url}: {exc.reason}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the run stops the way Ctrl-C stops it, and is recorded


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM (systemd stop, kill) ends a run like SIGINT: recorded, not just killed; an
    interrupt outside the run (migration, linking) is one line and exit 130."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
