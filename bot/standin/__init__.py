"""A local Slack stand-in: Web API, file hosting, response_urls and a driver for the bot.

with SlackStandIn() as slack:
    client = WebClient(base_url=slack.api_url, token=slack.token)
    driver = StandInDriver(slack, "http://127.0.0.1:3000/slack/events", signing_secret)
    shared = driver.share_file("rules.pdf", pdf_bytes)
    slack.wait_for_message("C0GENERAL", thread_ts=shared.ts, contains="Indexed")
    print(slack.transcript("C0GENERAL"))
"""

from bot.standin.defaults import (
    ALICE,
    BOB,
    CAROL,
    GENERAL,
    HR,
    PARTNER,
    PARTNER_TEAM,
    SALES,
    SHARED,
    add_slack_connect,
    default_workspace,
)
from bot.standin.driver import DEFAULT_SUBSCRIPTIONS, StandInDriver
from bot.standin.driver_messages import CLASSIC_BOT, OTHER_BOT
from bot.standin.model import (
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_TOKEN,
    TEAM_ID,
    ApiError,
    Call,
    Channel,
    Ephemeral,
    File,
    Message,
    Team,
    User,
)
from bot.standin.server import SlackStandIn, StandInTimeoutError
from bot.standin.state import Workspace
from bot.standin.surfaces import OtherBot
from bot.standin.transport import Delivery, SendOptions, Sent, signature

__all__ = [
    "ALICE",
    "BOB",
    "BOT_ID",
    "BOT_USER_ID",
    "CAROL",
    "CLASSIC_BOT",
    "DEFAULT_SUBSCRIPTIONS",
    "DEFAULT_TOKEN",
    "GENERAL",
    "HR",
    "OTHER_BOT",
    "PARTNER",
    "PARTNER_TEAM",
    "SALES",
    "SHARED",
    "TEAM_ID",
    "ApiError",
    "Call",
    "Channel",
    "Delivery",
    "Ephemeral",
    "File",
    "Message",
    "OtherBot",
    "SendOptions",
    "Sent",
    "SlackStandIn",
    "StandInDriver",
    "StandInTimeoutError",
    "Team",
    "User",
    "Workspace",
    "add_slack_connect",
    "default_workspace",
    "signature",
]
