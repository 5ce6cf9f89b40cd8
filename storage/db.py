"""Opening an archive: URL resolution, engine setup, schema migration.

A migration is all or nothing: the whole upgrade runs in one transaction, on SQLite too
(see ``_sqlite_migration_engine``), so a run killed while creating the schema leaves the
archive as it was. Concurrent migrations wait for each other (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction-scoped advisory lock) instead of creating the same tables twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

ENV_VAR = "PYKALA_DB"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
PG_CONNECT_TIMEOUT_S = 5


class ArchiveError(Exception):
    """The archive cannot be opened or used; the message is one line, fit for a user."""


_PASSWORD_OPTION_RE = re.compile(r"(?i)([?&](?:password|passwd|pass)=)[^&]*")


def mask_url(url: str) -> str:
    """``url`` with its password written ``***``, whether or not it parses.

    SQLAlchemy's own masking needs a URL it can parse, and parses ``u:p@ss@host`` as the
    password ``p`` on the host ``ss@host``: here everything between the user's colon and
    the authority's last ``@`` is hidden, and a ``password=`` option too.
    """
    scheme, sep, rest = url.partition("://")
    if sep:
        query_at = rest.find("?")
        at = rest.rfind("@", 0, query_at if query_at >= 0 else len(rest))
        colon = rest.find(":", 0, at)
        if at >= 0 and colon >= 0 and "/" not in rest[:colon]:  # a user name has no "/"
            rest = f"{rest[:colon]}:***{rest[at:]}"
    return _PASSWORD_OPTION_RE.sub(r"\1***", f"{scheme}{sep}{rest}")


def default_db_url() -> str:
    """A SQLite file in the user's data directory (created if missing)."""
    data_dir = Path(platformdirs.user_data_dir("pykala"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'pykala.db'}"


def resolve_db_url(explicit: str | None) -> str:
    """Explicit URL (--db) > $PYKALA_DB > the default SQLite file."""
    if explicit:
        return explicit
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env
    return default_db_url()


class ArchiveSession(Session):
    """The sessions an Archive makes: pykala's event listeners (storage.sources) are
    registered on this class, never on SQLAlchemy's Session, so sessions made elsewhere
    in the process are not touched."""


class Archive:
    """An opened archive database (migrated, unless made by ``connect_archive``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url: str = mask_url(engine.url.render_as_string(hide_password=True))
        self._sessions = sessionmaker(engine, class_=ArchiveSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema up to date; ArchiveError with one line when that fails."""
        try:
            migrate(self.engine)
        except (SQLAlchemyError, CommandError) as exc:
            # CommandError: e.g. the database was migrated by a newer pykala.
            raise ArchiveError(f"cannot open archive {self.url}: {_one_line(exc)}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _one_line(exc: BaseException) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run during a harvest.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        connect_args["timeout"] = 30  # wait for a concurrent writer instead of failing
    elif url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    engine = create_engine(url, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    """Bring the schema to ``revision`` (the newest by default) in one transaction;
    ``down``: downgrade to it (tests and benchmarks of a migration start from the revision
    before). An archive already at the newest revision is only read."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if not down and revision == "head" and _at_head(engine, config):
        return  # the common case: no write lock taken, nobody waits
    target = _sqlite_migration_engine(engine) if _is_sqlite_file(engine) else engine
    try:
        with target.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Another process migrating the same schema: wait for it, then find the
                # schema done (DDL is transactional on PostgreSQL; this only serialises).
                connection.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATE_KEY})"))
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        if target is not engine:
            target.dispose()


_PG_MIGRATE_KEY = "hashtext('pykala.migrate:' || current_database() || ':' || current_schema())"


def _at_head(engine: Engine, config: Config) -> bool:
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def _is_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    return engine.dialect.name == "sqlite" and bool(database) and database != ":memory:"


def _sqlite_migration_engine(engine: Engine) -> Engine:
    """An engine on the same SQLite file whose transactions include DDL.

    pysqlite's default (legacy) transaction handling opens a transaction only before
    INSERT/UPDATE/DELETE, so every CREATE TABLE of a migration commits on its own and a
    kill between two of them leaves half a schema. With the driver's own handling off
    (``isolation_level = None``) and BEGIN emitted by us, SQLite's DDL is transactional
    (the recipe in SQLAlchemy's pysqlite documentation). IMMEDIATE takes the write lock
    at once, so a second process migrating waits, then sees the finished schema.
    """
    migration = create_engine(engine.url, connect_args={"timeout": 30}, poolclass=NullPool)

    @event.listens_for(migration, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)  # outside any transaction, as they must be
        dbapi_connection.isolation_level = None

    @event.listens_for(migration, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return migration


def connect_archive(url: str | None = None, *, create: bool = True) -> Archive:
    """The archive at ``url`` with its engine set up but the schema not yet migrated: for
    a caller that must take the run lock first (``Archive.migrate`` then). Raises
    ArchiveError like open_archive; with ``create`` False also for a SQLite file that does
    not exist (a read-only command on a typo'd path must not leave a new archive behind)."""
    resolved = resolve_db_url(url)
    shown = mask_url(resolved)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise ArchiveError(f"cannot open archive {shown}: not a database URL") from exc
    except ValueError as exc:  # make_url's int() of a port such as "notaport"
        raise ArchiveError(f"cannot open archive {shown}: bad URL ({_one_line(exc)})") from exc
    shown = mask_url(parsed.render_as_string(hide_password=True))
    try:
        engine = _create_engine(parsed)
    except NoSuchModuleError as exc:
        raise ArchiveError(f"cannot open archive {shown}: unknown database driver") from exc
    except ImportError as exc:
        raise ArchiveError(
            f"cannot open archive {shown}: database driver not installed ({exc})"
        ) from exc
    except (ArgumentError, ValueError, TypeError) as exc:
        # ValueError: a URL option of the wrong type (?timeout=abc, ?check_same_thread=maybe)
        raise ArchiveError(f"cannot open archive {shown}: {_one_line(exc)}") from exc
    if not create and _is_sqlite_file(engine) and not _sqlite_file_exists(engine.url):
        engine.dispose()
        raise ArchiveError(
            f"no archive at {engine.url.database}: the file does not exist (check --db; "
            "pykala harvest creates an archive)"
        )
    return Archive(engine)


def _sqlite_file_exists(url: URL) -> bool:
    """Whether a SQLite URL's file exists (a ``file:`` URI with ``uri=true``: its path)."""
    database = url.database or ""
    if url.query.get("uri") == "true" and database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database).exists()


def open_archive(url: str | None = None) -> Archive:
    """Open (creating or migrating as needed) the archive at ``url``.

    Raises ArchiveError with a one-line message for a malformed URL, an unknown driver,
    an unreachable server or a file that cannot be opened.
    """
    archive = connect_archive(url)
    try:
        archive.migrate()
    except ArchiveError:
        archive.close()
        raise
    return archive
