"""Alembic through its Python API: the one way the schema is created or changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from ragtime.db import make_engine, normalize_database_url

# ragtime/db/migrate.py -> the checkout root, where alembic.ini and migrations/ live.
REPO_ROOT = Path(__file__).resolve().parents[2]


class MigrationsNotFoundError(Exception):
    """alembic.ini is not beside the ragtime package (an install without the sources)."""


def find_alembic_ini() -> Path:
    for folder in (REPO_ROOT, Path.cwd()):
        candidate = folder / "alembic.ini"
        if candidate.is_file() and (folder / "migrations" / "env.py").is_file():
            return candidate
    raise MigrationsNotFoundError(
        f"Cannot find alembic.ini and migrations/ in {REPO_ROOT} or the current folder; "
        "run ragtime db from a checkout of ragtime."
    )


def alembic_config(url: str | URL) -> Config:
    """An Alembic config for ``url`` that leaves the caller's logging alone."""
    config = Config(str(find_alembic_ini()))
    rendered = normalize_database_url(url).render_as_string(hide_password=False)
    # The ini file's interpolation reads "%" as a reference; URLs may contain it.
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str | URL, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | URL, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(url: str | URL) -> SchemaState:
    """Which revision the database is at, and the newest one the code knows."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if head is None:
        raise MigrationsNotFoundError("The migrations folder holds no revisions.")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return SchemaState(current=current, head=head)
