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
