"""Alembic environment: run with the connection handed over by storage.db.migrate.

The alembic CLI also works for writing new revisions: pass -x url=<database URL>.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from pykala.storage.models import Base

config = context.config
target_metadata = Base.metadata


# The full-text index is dialect-specific DDL in the migrations, not a model.
SEARCH_TABLES = ("item_fts", "item_search")


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLES))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode recreates tables instead.
        render_as_batch=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database URL: alembic -x url=sqlite:///archive.db ...")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
