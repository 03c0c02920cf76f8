"""Which workspace a request belongs to: the one the app is installed in.

In a Slack Connect channel the envelope's ``team_id`` (and a payload's ``team``) can
be the other organisation's; storing or scoping by it would file a shared PDF under
the wrong workspace. Bolt's authorization knows the installed one (auth.test, else
``authorizations[0]``).
"""

from __future__ import annotations

from slack_bolt import BoltContext


def installed_team(context: BoltContext) -> str:
    result = context.authorize_result
    team = (result.team_id if result is not None else None) or context.team_id
    return str(team or "")
