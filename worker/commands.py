"""`ragtime worker`, added to the core's command through an entry point."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(commands: Any) -> None:
    worker = commands.add_parser("worker", help="run a Celery worker (answers, ingests, upkeep)")
    worker.add_argument("--queues", default="answer,ingest,maintenance")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    worker.add_argument("--loglevel", default="INFO")
    worker.add_argument(
        "--metrics-port", type=int, default=None,
        help="serve /metrics, /healthz, /readyz here (default RAGTIME_METRICS_PORT; 0: off)",
    )  # fmt: skip
    worker.set_defaults(run=run)
    add_reconcile(commands)


def run(settings: Any, args: argparse.Namespace) -> int:
    from worker.main import run_worker

    run_worker(
        settings,
        queues=[q.strip() for q in args.queues.split(",") if q.strip()],
        concurrency=args.concurrency,
        pool=args.pool,
        loglevel=args.loglevel,
        metrics_port=settings.metrics_port if args.metrics_port is None else args.metrics_port,
    )
    return 0


def add_reconcile(commands: Any) -> None:
    reconcile = commands.add_parser(
        "reconcile", help="make the index match the database now, and say what was fixed"
    )
    reconcile.set_defaults(run=run_reconcile)


def run_reconcile(settings: Any, args: argparse.Namespace) -> int:
    from ragtime.db.migrate import schema_state
    from worker.context import build_context
    from worker.reconciling import reconcile_index

    if not schema_state(settings.resolved_database_url).up_to_date:
        print("The database's schema is not current; run `ragtime db upgrade` first.")
        return 1
    ctx = build_context(settings)
    try:
        print(reconcile_index(ctx).summary())
    finally:
        ctx.close()
    return 0
