"""The ``ragtime`` command: ingest, search and ask on the embedded defaults."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ragtime.bootstrap import Services, build_services
from ragtime.db.commands import add_db_commands, run_db_command
from ragtime.domain import DocumentScope, Scope
from ragtime.errors import ServiceError
from ragtime.local_files import FileOutcome, RunProgress, find_pdfs, ingest_files
from ragtime.pipeline import answer_question, search
from ragtime.render import answer_text, hits_json, hits_text
from ragtime.settings import SettingsError, load_settings

LOCAL_TEAM = "local"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ragtime", description=__doc__)
    parser.add_argument("--index", type=Path, help="where the embedded index lives")
    parser.add_argument("--workspace", default=LOCAL_TEAM, help="Slack workspace (team) id")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="index PDF files or folders of PDFs")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--conversation", action="append", default=[], help="share in C")
    ingest.add_argument("--workspace-wide", action="store_true", help="visible everywhere")

    find = commands.add_parser("search", help="show the best passages for a question")
    find.add_argument("question", nargs="?")
    find.add_argument("--queries", type=Path, help='JSONL lines {"id": ..., "question": ...}')
    find.add_argument("--k", type=int, default=5)
    find.add_argument("--json", action="store_true")
    find.add_argument("--conversation", help="search as if asked in this conversation")

    ask = commands.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question")
    ask.add_argument("--conversation", help="answer as if asked in this conversation")

    add_db_commands(commands)
    for plugin in entry_points(group="ragtime.commands"):
        # The Slack edge and the worker add `bot`, `worker` and `demo` this way, so
        # the core never imports them.
        plugin.load()(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    overrides: dict[str, Any] = {"index_dir": args.index} if args.index else {}
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"ragtime: {exc}", file=sys.stderr)
        return 2
    if args.command == "db":
        return run_db_command(settings, args)
    if hasattr(args, "run"):
        return int(args.run(settings, args))
    services = build_services(settings)
    try:
        handler = {"ingest": run_ingest, "search": run_search, "ask": run_ask}[args.command]
        return handler(services, args)
    except ServiceError as exc:  # a store or model failed: its sentence, no traceback
        print(f"ragtime: {exc}", file=sys.stderr)
        return 1
    finally:
        services.close()


def _scope(args: argparse.Namespace) -> Scope:
    # No conversation: every document of the workspace (the operator's view).
    return Scope(args.workspace, args.conversation or None)


def run_ingest(services: Services, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    paths = find_pdfs(args.paths)
    if not paths:
        print("ragtime: no PDF files found under the given paths.", file=sys.stderr)
        return 1
    scope = DocumentScope(args.workspace, frozenset(args.conversation), args.workspace_wide)
    started = time.perf_counter()
    # One bar in pages across every file (its ETA is tqdm's, from the page rate so far).
    bar = tqdm(total=0, unit="page", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)

    def failure(outcome: FileOutcome) -> None:
        if outcome.error:
            bar.write(f"failed: {outcome.path}: {outcome.error}", file=sys.stderr)

    def progress(run: RunProgress) -> None:
        bar.total = run.pages_total
        bar.set_description_str(f"file {min(run.files_done + 1, run.files)}/{run.files}")
        bar.set_postfix_str(f"{run.chunks} chunks" + (", total estimated" if run.estimated else ""))
        bar.update(run.pages_done - bar.n)

    with bar:
        outcomes = ingest_files(services, paths, scope, on_done=failure, on_progress=progress)
    elapsed = time.perf_counter() - started
    failed = sum(1 for o in outcomes if o.error)
    pages = sum(o.result.pages for o in outcomes if o.result)
    chunks = sum(o.result.chunks for o in outcomes if o.result)
    print(
        f"Indexed {len(outcomes) - failed} of {len(outcomes)} files: {pages} pages, "
        f"{chunks} chunks in {elapsed:.1f} s "
        f"({pages / elapsed:.1f} pages/s, {chunks / elapsed:.1f} chunks/s)"
        + (f"; {failed} failed." if failed else ".")
    )
    return 1 if failed else 0


def run_search(services: Services, args: argparse.Namespace) -> int:
    if (args.question is None) == (args.queries is None):
        print("ragtime: give either a question or --queries FILE.", file=sys.stderr)
        return 2
    scope = _scope(args)
    if args.queries is not None:
        for line in args.queries.read_text(encoding="utf-8").splitlines():
            if line.strip():
                query = json.loads(line)
                hits, _ = search(services, question=query["question"], scope=scope, k=args.k)
                print(hits_json(query["id"], hits), flush=True)
        return 0
    hits, _ = search(services, question=args.question, scope=scope, k=args.k)
    print(hits_json(None, hits) if args.json else hits_text(hits))
    return 0


def run_ask(services: Services, args: argparse.Namespace) -> int:
    answer = answer_question(services, question=args.question, scope=_scope(args))
    print(answer_text(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
