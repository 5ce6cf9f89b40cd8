"""`pykala export`: what search finds, without the limit, to CSV, JSON lines or Parquet
with its codebook.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from pykala.commands.common import (
    archive_for,
    check_filters_or_fail,
    item_filters,
    update_linking,
)
from pykala.commands.options import (
    BodyOption,
    CountyOption,
    DbOption,
    MunicipalityOption,
    OutcomeOption,
    QualityOption,
    RegionOption,
    SectionOption,
    SinceOption,
    TopicsOption,
    UntilOption,
    VotedOption,
)
from pykala.render.errors import (
    fail,
    guarded,
)
from pykala.storage.filters import ItemFilters

if TYPE_CHECKING:  # linking imports scikit-learn: loaded only by the commands using it
    pass


def export(
    query: Annotated[
        str | None,
        typer.Argument(
            help="Only the items search finds for these words (same query language as "
            "search, every match, oldest meeting first). Default: every item.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv (UTF-8 with BOM), jsonl or parquet (needs pykala[parquet] and --output). "
            "Default: from the --output file's extension, else csv.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here instead of stdout, with datapackage.json (the codebook) and "
            "FILE.meta.json beside it.",
        ),
    ] = None,
    municipality: MunicipalityOption = None,
    region: RegionOption = None,
    county: CountyOption = None,
    body: BodyOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    topic: Annotated[
        str | None,
        typer.Option(help="Only members of this topic; adds topic_score and topic_terms."),
    ] = None,
    section: SectionOption = None,
    kind: Annotated[
        str,
        typer.Option(
            help="item: decisions (documents are not exported; see search --kind document)."
        ),
    ] = "item",
    quality: QualityOption = None,
    outcome: OutcomeOption = None,
    voted: VotedOption = None,
    sections: Annotated[
        str,
        typer.Option(
            help="none: the codebook's columns; wide: also one section_<kind> column per "
            "section kind (selostus, kasittely, …); long: one row per section instead "
            "(item_id, ordinal, kind, heading, text)."
        ),
    ] = "none",
    excel: Annotated[
        bool,
        typer.Option("--excel", help="CSV for Excel in a Finnish locale: ; between cells."),
    ] = False,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV cell delimiter, one character (default ,).")
    ] = None,
    topics_file: TopicsOption = None,
) -> None:
    """Export every item search finds (or every item), one row each: columns in the README's
    codebook and in datapackage.json.

    With --output FILE, datapackage.json beside it (a Frictionless Data Package: each
    column's type, description and constraints, the query, filters, archive, last harvest
    and each source's coverage) and FILE.meta.json record what the file was made of, so a
    study can cite exactly what it used.
    """

    from pykala.storage.export import SECTIONS_MODES, export_columns

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in ("jsonl", "parquet") else "csv"
    if fmt not in ("csv", "jsonl", "parquet"):
        fail(f"--format must be csv, jsonl or parquet, not {fmt!r}")
    if fmt == "parquet" and output is None:
        fail("--format parquet writes a binary file: give --output FILE")
    if sections not in SECTIONS_MODES:
        fail(f"--sections must be {', '.join(SECTIONS_MODES)}, not {sections!r}")
    if kind != "item":
        fail(f"--kind must be item, not {kind!r}: export writes items (decisions) only")
    sep = _delimiter(delimiter, excel)
    filters = item_filters(
        municipality,
        body,
        since,
        until,
        region=region,
        county=county,
        section=section,
        topic=topic,
        quality=quality,
        outcome=outcome,
        voted=voted,
    )
    columns = export_columns(topic=bool(topic), sections=sections)
    with archive_for(db) as archive:
        if topic:
            update_linking(archive, topics_file, topic=topic)
        with archive.session() as session:
            check_filters_or_fail(session, filters)
            _export(
                session,
                archive.url,
                _ExportJob(query, filters, fmt, sections, sep, columns),
                output,
            )


def _delimiter(delimiter: str | None, excel: bool) -> str:
    if excel and delimiter not in (None, ";"):
        fail(f"--excel means --delimiter ';', not {delimiter!r}: give one of them")
    sep = ";" if excel else (delimiter if delimiter is not None else ",")
    if len(sep) != 1 or sep in '"\r\n':
        fail(f"--delimiter must be one character other than a quote or line break, not {sep!r}")
    return sep


class _ExportJob(NamedTuple):
    query: str | None
    filters: ItemFilters
    fmt: str
    sections: str
    delimiter: str
    columns: tuple[Any, ...]


def _export(session: Any, archive_url: str, job: _ExportJob, output: Path | None) -> None:
    """Stream the rows to stdout, or to ``output`` (written under a temporary name and
    renamed when complete, so a failed export never replaces a good one) with its
    codebook and sidecar."""
    from pykala.storage.export import (
        Coverage,
        ExportError,
        export_meta,
        iter_export_rows,
        iter_section_rows,
        names,
        resource,
        write_csv,
        write_datapackage,
        write_jsonl,
        write_meta,
        write_parquet,
    )

    fieldnames = names(job.columns)
    rows = guarded(
        lambda: (
            iter_section_rows(session, job.filters, job.query)
            if job.sections == "long"
            else iter_export_rows(session, job.filters, job.query, sections=job.sections)
        )
    )
    if output is None:
        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]  # CSV: \r\n
        if job.fmt == "csv":
            guarded(lambda: write_csv(rows, sys.stdout, fieldnames, delimiter=job.delimiter))
        else:
            guarded(lambda: write_jsonl(rows, sys.stdout, fieldnames))
        return
    coverage = Coverage(fieldnames)
    partial = output.with_name(output.name + ".partial")
    try:
        if job.fmt == "parquet":
            count = write_parquet(coverage.observe(rows), partial, job.columns)
        else:
            with partial.open("w", encoding="utf-8", newline="") as handle:
                if job.fmt == "csv":
                    count = guarded(
                        lambda: write_csv(
                            coverage.observe(rows), handle, fieldnames, delimiter=job.delimiter
                        )
                    )
                else:
                    count = guarded(lambda: write_jsonl(coverage.observe(rows), handle, fieldnames))
        partial.replace(output)
        meta = export_meta(
            session,
            archive_url=archive_url,
            command="export",
            query=job.query,
            filters=job.filters,
            fmt=job.fmt,
            rows=count,
            columns=fieldnames,
            sections=job.sections,
        )
        write_meta(output, meta)
        entry = resource(output, job.columns, meta, coverage.report(), delimiter=job.delimiter)
        write_datapackage(output, entry)
    except ExportError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    finally:
        partial.unlink(missing_ok=True)
