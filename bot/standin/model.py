"""Plain values the stand-in keeps: users, channels, messages, files and the call log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0STANDIN"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0STANDIN"
SLACKBOT_ID = "USLACKBOT"
DEFAULT_TOKEN = "xoxb-standin-token"
VERIFICATION_TOKEN = "standin-verification-token"

# Slack gives up on a request to the app after three seconds (and then retries events).
SLACK_TIMEOUT = 3.0

JSON = dict[str, Any]


class ApiError(Exception):
    """A Slack Web API error: becomes {"ok": false, "error": code} at the HTTP boundary.

    `errors` are Slack's details, e.g. "must be less than 3001 characters
    [json-pointer:/blocks/0/text]": sent as `errors` and `response_metadata.messages`.
    """

    def __init__(self, code: str, errors: list[str] | None = None) -> None:
        super().__init__(code if not errors else f"{code}: {'; '.join(errors)}")
        self.code = code
        self.errors = list(errors or [])

    def body(self) -> JSON:
        """The JSON Slack answers with."""
        body: JSON = {"ok": False, "error": self.code}
        if self.errors:
            body["errors"] = list(self.errors)
            body["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in self.errors]}
        return body


@dataclass
class Team:
    """The one workspace the stand-in hosts."""

    id: str = TEAM_ID
    name: str = "Ragtime Demo"
    domain: str = "ragtime-demo"


@dataclass
class User:
    """A workspace member; admins may change what the bot knows."""

    id: str
    name: str
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    tz: str = "Europe/London"
    team_id: str | None = None  # another organisation's member (Slack Connect); None: ours


@dataclass
class Channel:
    """A public or private channel, or the direct-message channel between a user and the bot."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the person on the other side of an IM
    members: list[str] = field(default_factory=list)
    created: int = 1700000000
    is_ext_shared: bool = False  # a Slack Connect channel shared with another organisation

    @property
    def kind(self) -> str:
        """Slack's `channel_type` in events: channel, group (private) or im."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"


@dataclass
class Message:
    """A message in a channel's history; thread replies carry their parent's `thread_ts`."""

    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    files: list[str] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: JSON | None = None
    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    latest_reply: str | None = None
    metadata: JSON | None = None
    username: str | None = None  # a classic bot's display name (it has no user)

    @property
    def is_reply(self) -> bool:
        """True for a message inside a thread (not the thread's parent)."""
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Ephemeral:
    """A message only `user` can see; Slack never stores it in the channel's history."""

    channel: str
    user: str
    ts: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    sender: str = BOT_USER_ID
    source: str = "chat.postEphemeral"


@dataclass
class Command:
    """A slash command as the person typed it: shown in transcripts, absent from history."""

    channel: str
    user: str
    ts: str
    command: str
    text: str


@dataclass
class File:
    """An uploaded file; `shares` maps each channel to the ts of the messages sharing it."""

    id: str
    name: str
    title: str
    mimetype: str
    filetype: str
    data: bytes
    user: str
    created: int
    shares: dict[str, list[str]] = field(default_factory=dict)
    deleted: bool = False

    @property
    def size(self) -> int:
        """Size in bytes, as files.info reports it."""
        return len(self.data)

    @property
    def channels(self) -> list[str]:
        """The conversations the file is shared in."""
        return list(self.shares)


@dataclass(frozen=True)
class Call:
    """One request the stand-in served: Web API methods, file downloads, response_url posts."""

    method: str
    params: JSON
    status: int
    error: str | None
    at: float

    @property
    def ok(self) -> bool:
        """Whether Slack would have answered ok."""
        return self.error is None and self.status == 200


@dataclass
class ResponseHook:
    """Where a response_url posts: the conversation, the person, and the message acted on."""

    id: str
    channel: str
    user: str
    thread_ts: str | None = None
    source_ts: str | None = None
    source_ephemeral: bool = False
    last_ts: str | None = None
    last_ephemeral: bool = True
    uses: int = 0
    answer_ts: str = ""  # a command's HTTP answer shows right after the command itself
