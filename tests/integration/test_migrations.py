"""The migrations build the schema the models describe, and every step can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from ragtime.db import make_engine
from ragtime.db.migrate import alembic_config, downgrade, schema_state, upgrade
from ragtime.db.models import Base

TABLES = {
    "documents",
    "document_conversations",
    "questions",
    "answers",
    "answer_sources",
    "feedback",
    "maintenance_locks",
    "audit_log",
    "processed_events",
}


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_then_downgrade_to_base_then_upgrade_again(empty_database_url: str) -> None:
    url = empty_database_url
    upgrade(url)
    assert table_names(url) == TABLES | {"alembic_version"}
    downgrade(url, "base")
    assert table_names(url) == {"alembic_version"}
    assert schema_state(url).current is None
    upgrade(url)
    assert table_names(url) == TABLES | {"alembic_version"}
    assert schema_state(url).up_to_date


def test_every_revision_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    url = empty_database_url
    scripts = ScriptDirectory.from_config(alembic_config(url))
    revisions = list(reversed(list(scripts.walk_revisions("base", "heads"))))
    assert revisions, "the migrations folder holds no revisions"
    for revision in revisions:
        upgrade(url, revision.revision)
        downgrade(url, str(revision.down_revision or "base"))
        upgrade(url, revision.revision)
    assert schema_state(url).up_to_date


def test_the_models_and_the_migrations_agree(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_constraints_are_named_by_the_convention(empty_database_url: str) -> None:
    # Named constraints are what later migrations (and SQLite batch mode) refer to.
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        inspector = inspect(engine)
        for table in TABLES:
            assert inspector.get_pk_constraint(table)["name"] in (f"pk_{table}", None)
            for foreign_key in inspector.get_foreign_keys(table):
                assert str(foreign_key["name"]).startswith(f"fk_{table}_")
            for unique in inspector.get_unique_constraints(table):
                assert str(unique["name"]).startswith(f"uq_{table}_")
            for check in inspector.get_check_constraints(table):
                assert str(check["name"]).startswith(f"ck_{table}_")
        checks = {c["name"] for c in inspector.get_check_constraints("questions")}
        assert checks == {"ck_questions_status", "ck_questions_asked_via"}
    finally:
        engine.dispose()
