"""reparse(): parse every stored raw page again and upsert the result; no network."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from pykala.harvester.pageparse import parse_and_save
from pykala.harvester.platforms import PLATFORMS
from pykala.harvester.report import Progress, RunReport, SourceReport
from pykala.harvester.runrecord import aborted, finish, first_line, storage_errors
from pykala.storage.db import Archive
from pykala.storage.harvestview import source_platforms
from pykala.storage.pages import iter_pages
from pykala.storage.runs import start_run


def reparse(
    archive: Archive, progress: Progress | None = None, *, source_name: str | None = None
) -> RunReport:
    """Parse every stored raw page again and upsert the result; no network.

    Run after a parser fix: the archive becomes what a fresh harvest of the same pages
    would give. Each page is committed on its own, so an interrupted reparse keeps its work.
    """
    progress = progress or Progress()
    report = RunReport(kind="reparse", started=datetime.now(UTC))
    with storage_errors(), archive.session() as session:
        report.run_id = start_run(session, report.started)
    try:
        with storage_errors():
            _reparse_pages(archive, report, progress, source_name)
        for source_report in report.sources:
            progress.on_source_done(source_report)
        finish(archive, report)
    except (KeyboardInterrupt, Exception) as exc:  # SIGINT/SIGTERM, disk full, a bug
        raise aborted(archive, report, exc) from exc
    return report


def _reparse_pages(
    archive: Archive, report: RunReport, progress: Progress, source_name: str | None
) -> None:
    by_source: dict[str, SourceReport] = {}
    with archive.session() as session:
        platforms = source_platforms(session)
        for n, page in enumerate(iter_pages(session, source_name), start=1):
            source_report = by_source.get(page.source_name)
            if source_report is None:
                source_report = by_source[page.source_name] = SourceReport(page.source_name)
                report.sources.append(source_report)
                progress.on_source(page.source_name, len(by_source), 0)
            progress.on_page(page.source_name, page.url, n, 0)
            source_report.pages += 1
            parse = PLATFORMS[platforms.get(page.source_name, "dynasty")].parse
            try:
                parse_and_save(
                    session,
                    page.source_name,
                    page.page_id,
                    page.url,
                    page.body,
                    page.content_type,
                    datetime.now(UTC),
                    parse,
                    source_report,
                    progress,
                )
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                    raise
                source_report.failed += 1
                source_report.error(f"cannot save {page.url}: {first_line(exc)}", progress)


__all__ = ["reparse"]
