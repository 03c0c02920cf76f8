"""The baseline for the ack benchmark: a bare Bolt app whose /ask listener only acks."""

from __future__ import annotations

import os
from wsgiref.types import WSGIApplication

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def create_wsgi_app() -> WSGIApplication:
    app = App(
        client=WebClient(
            token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["RAGTIME_SLACK_API_URL"]
        ),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
    )

    @app.command("/ask")
    def ask(ack: Ack) -> None:
        ack()

    return SlackRequestHandler(app)
