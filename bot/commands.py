"""`ragtime bot` and `ragtime demo`, added to the core's command through an entry point."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(commands: Any) -> None:
    bot = commands.add_parser("bot", help="run the Slack bot (HTTP under gunicorn, or Socket Mode)")
    bot.add_argument("--socket-mode", action="store_true", help="connect with SLACK_APP_TOKEN")
    bot.add_argument("--host", default="0.0.0.0")
    bot.add_argument("--workers", type=int, default=2)
    bot.add_argument("--threads", type=int, default=16)
    bot.set_defaults(run=run_bot)

    demo = commands.add_parser(
        "demo", help="run the whole product offline against the local Slack stand-in"
    )
    demo.add_argument("--pdf", help="the PDF to share (default: the eval set's client guide)")
    demo.add_argument("--question", help="the question to ask")
    demo.set_defaults(run=run_demo)


def run_bot(settings: Any, args: argparse.Namespace) -> int:
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            ("SLACK_APP_TOKEN", settings.slack_app_token if args.socket_mode else "-"),
        )
        if value is None
    ]
    if missing:
        print(
            f"ragtime: set {' and '.join(missing)} to run the bot; "
            "`ragtime demo` runs it offline against a local Slack stand-in.",
            file=sys.stderr,
        )
        return 2
    if args.socket_mode:
        from bot.socket_mode import run_socket_mode

        run_socket_mode(settings)
    else:
        from bot.http import serve

        serve(settings, host=args.host, workers=args.workers, threads=args.threads)
    return 0


def run_demo(settings: Any, args: argparse.Namespace) -> int:
    from bot.demo import run

    return int(run(settings, pdf=args.pdf, question=args.question))
