"""pykala command line: the typer app, assembled from the command modules in ``commands/``.

Each command parses its options, calls the library and hands the result to a renderer in
``render/`` (``render.errors``: one-line errors and the exit codes). The commands live in
``commands/`` by group (runs, search, export, archive, topics, sources; their shared options
and helpers in ``commands.options`` and ``commands.common``); this module only names them,
in the order ``pykala --help`` lists them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pykala.commands.archive import add, status
from pykala.commands.common import QueryCommand, pykala_version
from pykala.commands.export import export
from pykala.commands.runs import demo, harvest, reparse
from pykala.commands.search import parse_page, search, show
from pykala.commands.sources import coverage, sources_app
from pykala.commands.topics import links, topics_app
from pykala.render.console import out
from pykala.render.errors import EXIT_CODES_HELP
from pykala.render.help import CONTEXT_SETTINGS, PlainFlagsGroup

app = typer.Typer(
    name="pykala",
    help="Harvest, search and export Finnish municipal meeting minutes (pöytäkirjat).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
    cls=PlainFlagsGroup,
    context_settings=CONTEXT_SETTINGS,
)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"pykala {pykala_version()}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Harvest, search and export Finnish municipal meeting minutes (pöytäkirjat)."""


app.add_typer(sources_app, name="sources")
app.command(epilog=EXIT_CODES_HELP)(harvest)
app.command(epilog=EXIT_CODES_HELP)(reparse)
app.command(cls=QueryCommand)(search)
app.command()(show)
app.command("parse")(parse_page)
app.command(cls=QueryCommand)(export)
app.command()(add)
app.command()(status)
app.command()(demo)
app.add_typer(topics_app, name="topics")
app.command()(links)
app.command()(coverage)


if __name__ == "__main__":  # pragma: no cover
    app()
