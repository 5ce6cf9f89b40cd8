"""Shared fixtures: archives on both databases.

``archive_url`` is parametrised over SQLite (a file in tmp_path) and PostgreSQL (a fresh
schema per test on 127.0.0.1:5432, dropped afterwards), so every test that uses it runs
on both. When PostgreSQL is unreachable the postgresql cases are skipped with the reason,
except under CI (env CI set), where silently losing half the suite must fail instead.
``archive`` gives an opened, migrated Archive on the same two backends; ``sqlite_archive``
gives just the SQLite one for tests that do not care about the database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from pykala.storage.db import Archive, open_archive

PG_ADMIN_URL = os.environ.get("PYKALA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def _pg_unreachable_reason() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per session)."""
    if "reason" not in _pg_state:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            _pg_state["reason"] = None
        except OperationalError:
            _pg_state["reason"] = "PostgreSQL not reachable at 127.0.0.1:5432"
        finally:
            engine.dispose()
    return _pg_state["reason"]


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    reason = _pg_unreachable_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: PostgreSQL tests must run, not skip)")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            # Fail instead of hanging if a test leaked an open transaction on the schema.
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def archive(archive_url: str) -> Iterator[Archive]:
    opened = open_archive(archive_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_archive(tmp_path: Path) -> Iterator[Archive]:
    opened = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        yield opened
    finally:
        opened.close()
