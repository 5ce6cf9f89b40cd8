"""One run at a time per archive: a file lock for SQLite, an advisory lock on PostgreSQL.

A run takes the lock before it migrates the schema (``storage.db.connect_archive``, then
``Archive.migrate``), so of two first runs on a new archive the second exits "locked".

Both locks belong to the process (an open file, a database session), so the kernel or the
server releases them when the process dies, even by ``kill -9``: a crashed run never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from .db import Archive, ArchiveError, _one_line

# Namespaced so other tools' advisory locks on the same database do not collide; the
# schema is part of the key so archives in different schemas lock independently.
_PG_KEY = "hashtext('pykala.run:' || current_database() || ':' || current_schema())"


class ArchiveLocked(ArchiveError):
    """Another pykala run holds the lock on this archive."""


def lock_path(archive: Archive) -> Path | None:
    """The lock file of a SQLite archive (next to the database file); None for in-memory."""
    database = archive.engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".lock")


@contextmanager
def run_lock(archive: Archive) -> Iterator[None]:
    """Hold the archive's run lock for the block; ArchiveLocked at once if it is taken."""
    if archive.dialect == "sqlite":
        with _file_lock(archive):
            yield
    elif archive.dialect == "postgresql":
        with _advisory_lock(archive):
            yield
    else:  # no known locking primitive: run unlocked rather than refuse
        yield


@contextmanager
def _file_lock(archive: Archive) -> Iterator[None]:
    path = lock_path(archive)
    if path is None:
        yield
        return
    try:
        handle: IO[str] = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise ArchiveError(f"cannot create lock file {path}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown process"
            raise ArchiveLocked(
                f"another pykala run is using {archive.url} ({holder}; lock file {path})"
            ) from None
        # Who holds it, for the message a second run prints. Informational only: the
        # flock is the lock, the text is not.
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


@contextmanager
def _advisory_lock(archive: Archive) -> Iterator[None]:
    # A dedicated connection: the lock lives as long as this session, independent of the
    # pooled connections the run commits on.
    try:  # the lock comes before the migration: this may be the first contact
        connection: Connection = archive.engine.connect()
        got = connection.execute(text(f"SELECT pg_try_advisory_lock({_PG_KEY})")).scalar()
        connection.commit()
    except SQLAlchemyError as exc:
        raise ArchiveError(f"cannot open archive {archive.url}: {_one_line(exc)}") from exc
    try:
        if not got:
            raise ArchiveLocked(f"another pykala run is using {archive.url} (advisory lock held)")
        try:
            yield
        finally:
            connection.execute(text(f"SELECT pg_advisory_unlock({_PG_KEY})"))
            connection.commit()
    finally:
        connection.close()
