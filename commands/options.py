"""The options that several commands share, as typed aliases (their help texts are the
CLI's documentation).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pykala.render.formats import FORMAT_HELP

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    pass


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PYKALA_DB",
        help="Archive as an SQLAlchemy URL (sqlite:///file.db, postgresql+psycopg://…). "
        "Default: a SQLite file in the user's data directory.",
        show_default=False,
    ),
]
SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources",
        envvar="PYKALA_SOURCES",
        help="TOML file of [\\[source]] tables. Default: the sources shipped with pykala.",
        show_envvar=True,
        exists=False,
        dir_okay=False,
    ),
]
QualityOption = Annotated[
    str | None,
    typer.Option(
        help="ok: leave out items the parser read doubtfully (no title, the body's name or a "
        "handling line as title, minutes with no proposal and no decision); doubtful: only "
        "those.",
    ),
]
MunicipalityOption = Annotated[
    str | None,
    typer.Option(
        help="Only this municipality or other organisation (its code or name), or this source."
    ),
]
BodyOption = Annotated[
    str | None, typer.Option(help="Only bodies (toimielin) whose name contains this text.")
]
SinceOption = Annotated[
    str | None, typer.Option(help="Only meetings on or after this date (YYYY-MM-DD).")
]
UntilOption = Annotated[
    str | None, typer.Option(help="Only meetings on or before this date (YYYY-MM-DD).")
]
RegionOption = Annotated[
    str | None, typer.Option(help="Maakunta (name or its beginning, e.g. Pohjois-Savo).")
]
CountyOption = Annotated[
    str | None,
    typer.Option(help="Hyvinvointialue (name or its beginning, e.g. Pohjois-Savon)."),
]
SectionOption = Annotated[
    str | None,
    typer.Option(
        help="Match only inside this section kind: paatos, paatosehdotus, selostus, kasittely, …"
    ),
]
OutcomeOption = Annotated[
    str | None,
    typer.Option(
        help="Only decisions with this outcome: accepted, amended, rejected, tabled, "
        "returned, removed, noted; none: minutes no rule could read."
    ),
]
VotedOption = Annotated[
    bool | None,
    typer.Option("--voted/--not-voted", help="Only decisions that were (not) voted on."),
]

LogFileOption = Annotated[
    Path | None,
    typer.Option(
        "--log-file",
        help="Append timestamped progress and the summary to this file.",
        dir_okay=False,
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Seconds one request may take in all (connect, headers, the whole body); a "
        "page still arriving after that fails as timed out and is retried next run.",
        min=0.1,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only problems (for cron: silent when all is well)."),
]
FormatOption = Annotated[str, typer.Option("--format", help=FORMAT_HELP)]
JsonLinesFlag = Annotated[
    bool, typer.Option("--json", help="The old spelling of --format jsonl (still works).")
]
JsonDocumentFlag = Annotated[
    bool, typer.Option("--json", help="The old spelling of --format json (still works).")
]
TopicsOption = Annotated[
    Path | None,
    typer.Option(
        "--topics",
        envvar="PYKALA_TOPICS",
        help="TOML file of your own [\\[topic]] tables, added to the shipped ones (a topic "
        "with a shipped name replaces it). Stored topics stay in the archive.",
        dir_okay=False,
        show_default=False,
    ),
]


LookTimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Seconds one request may take in all (connect, headers, the whole body).",
        min=0.1,
    ),
]
