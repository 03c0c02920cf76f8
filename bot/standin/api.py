"""Web API dispatch: the method table and Slack's token rules."""

from __future__ import annotations

from bot.standin.api_ai import AI_METHODS
from bot.standin.api_read import READ_METHODS
from bot.standin.api_views import VIEW_METHODS
from bot.standin.api_write import WRITE_METHODS
from bot.standin.model import JSON, ApiError
from bot.standin.params import Params
from bot.standin.state import Workspace

METHODS = {**READ_METHODS, **WRITE_METHODS, **AI_METHODS, **VIEW_METHODS}
NO_TOKEN_NEEDED = frozenset({"api.test"})


def call_method(ws: Workspace, method: str, values: JSON, token: str) -> JSON:
    """Run one Web API method; Slack's errors are raised as ApiError.

    As on Slack, a missing token is `not_authed` and a wrong one `invalid_auth`.
    """
    handler = METHODS.get(method)
    if handler is None:
        raise ApiError("unknown_method")
    if method not in NO_TOKEN_NEEDED and not token:
        raise ApiError("not_authed")
    if method not in NO_TOKEN_NEEDED and token != ws.token:
        raise ApiError("invalid_auth")
    return handler(ws, Params(values))
