"""The workspace `ragtime demo` and the end-to-end tests start from."""

from __future__ import annotations

from bot.standin.model import BOT_USER_ID, DEFAULT_TOKEN, Channel, User
from bot.standin.state import Workspace

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
GENERAL, SALES, HR = "C0GENERAL", "C0SALES", "C0HR"


def default_workspace(token: str = DEFAULT_TOKEN) -> Workspace:
    """alice and bob (members), carol (admin); #general, #sales, #private-hr; DMs with the bot.

    The bot is in all three channels so that shares anywhere reach it; bob is not in
    #private-hr, so tests can check a private document never reaches him.
    """
    ws = Workspace(token=token)
    ws.add_user(User(ALICE, "alice", "Alice Archer"))
    ws.add_user(User(BOB, "bob", "Bob Baker"))
    ws.add_user(User(CAROL, "carol", "Carol Chen", is_admin=True))
    everyone = [ALICE, BOB, CAROL, BOT_USER_ID]
    ws.add_channel(Channel(GENERAL, "general", members=list(everyone)))
    ws.add_channel(Channel(SALES, "sales", members=list(everyone)))
    ws.add_channel(Channel(HR, "private-hr", is_private=True, members=[CAROL, ALICE, BOT_USER_ID]))
    return ws


PARTNER, PARTNER_TEAM, SHARED = "U0PARTNER", "T0PARTNER", "C0SHARED"


def add_slack_connect(
    ws: Workspace, *, channel: str = SHARED, user: str = PARTNER, team: str = PARTNER_TEAM
) -> tuple[str, str]:
    """A Slack Connect channel #shared-partners shared with another organisation.

    pat (`user`, of team `team`) is in it with alice and the bot; whatever pat does there
    reaches the bot in the Slack Connect envelope. Returns (channel id, user id).
    """
    if user not in ws.users:
        ws.add_user(User(user, "pat", "Pat Partner", team_id=team))
    if channel not in ws.channels:
        members = [ALICE, user, BOT_USER_ID]
        ws.add_channel(Channel(channel, "shared-partners", members=members, is_ext_shared=True))
    return channel, user
