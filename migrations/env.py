"""Alembic environment: the URL comes from ragtime's settings unless the caller set one."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection

from ragtime.db import make_engine, normalize_database_url
from ragtime.db.models import Base
from ragtime.settings import load_settings

config = context.config
target_metadata = Base.metadata

# `ragtime db ...` and the tests keep their own logging; the `alembic` command uses the ini's.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url") or load_settings().resolved_database_url
    return normalize_database_url(url).render_as_string(hide_password=False)


def configure(*, sqlite: bool, **kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=sqlite,
        **kwargs,
    )


def run_migrations_offline() -> None:
    url = database_url()
    configure(
        sqlite=url.startswith("sqlite"),
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_with_connection(connection: Connection) -> None:
    configure(sqlite=connection.dialect.name == "sqlite", connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with_connection(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            run_with_connection(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
