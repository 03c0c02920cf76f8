"""``ragtime db ...``: migrate the schema, show its revision, purge old question text."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ragtime.db.types import utcnow
from ragtime.settings import Settings

Handler = Callable[[Settings, argparse.Namespace], int]


def add_db_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="create, migrate and purge the database")
    actions = db.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate the schema up (default: to head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = actions.add_parser("downgrade", help="migrate down to REVISION (base: empty)")
    downgrade.add_argument("revision")
    actions.add_parser("current", help="show the schema's revision; exit 1 if not at head")
    purge = actions.add_parser("purge", help="empty the text of questions past retention")
    purge.add_argument(
        "--days", type=int, help="keep this many days (default RAGTIME_QUESTION_RETENTION_DAYS)"
    )


def run_db_command(settings: Settings, args: argparse.Namespace) -> int:
    handlers: dict[str, Handler] = {
        "upgrade": run_upgrade,
        "downgrade": run_downgrade,
        "current": run_current,
        "purge": run_purge,
    }
    from ragtime.db.migrate import MigrationsNotFoundError

    try:
        return handlers[args.db_command](settings, args)
    except MigrationsNotFoundError as exc:
        return _fail(str(exc))
    except OperationalError as exc:
        first_line = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return _fail(f"The database at {_shown(settings)} refused: {first_line}.")


def _shown(settings: Settings) -> str:
    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def _fail(sentence: str) -> int:
    print(f"ragtime: {sentence}", file=sys.stderr)
    return 2


def _report(settings: Settings) -> int:
    from ragtime.db.migrate import schema_state

    state = schema_state(settings.resolved_database_url)
    where = f"The database at {_shown(settings)}"
    if state.up_to_date:
        print(f"{where} is at revision {state.head} (head).")
        return 0
    if state.current is None:
        print(f"{where} has no schema yet; run `ragtime db upgrade`.")
    else:
        print(
            f"{where} is at revision {state.current}, not {state.head}; run `ragtime db upgrade`."
        )
    return 1


def run_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from ragtime.db.migrate import upgrade

    upgrade(settings.resolved_database_url, args.revision)
    _report(settings)
    return 0


def run_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from ragtime.db.migrate import downgrade

    downgrade(settings.resolved_database_url, args.revision)
    _report(settings)
    return 0


def run_current(settings: Settings, args: argparse.Namespace) -> int:
    return _report(settings)


def run_purge(settings: Settings, args: argparse.Namespace) -> int:
    from ragtime.db import make_engine, session_factory, session_scope
    from ragtime.db.migrate import schema_state
    from ragtime.db.questions import purge_question_text

    days = args.days if args.days is not None else settings.question_retention_days
    if days is None:
        return _fail("No retention period: pass --days N or set RAGTIME_QUESTION_RETENTION_DAYS.")
    if days < 1:
        return _fail("--days must be at least 1.")
    if not schema_state(settings.resolved_database_url).up_to_date:
        return _fail(
            f"The database at {_shown(settings)} is not at head; run `ragtime db upgrade`."
        )
    cutoff = utcnow() - timedelta(days=days)
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            purged = purge_question_text(session, older_than=cutoff)
    finally:
        engine.dispose()
    print(f"Emptied the text of {purged} questions asked before {cutoff:%Y-%m-%d %H:%M} UTC.")
    return 0
