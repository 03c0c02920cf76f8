"""Messages that are not a member typing in a channel: assistant threads, other bots, echoes.

- An assistant thread lives in the person's DM with the app. Slack opens it with a
  root message of subtype `assistant_app_thread` ("New chat") whose author is the
  person (replies name them as `parent_user_id`), then sends `assistant_thread_started`.
  The person's messages in it are `message` events with channel_type "im", thread_ts,
  parent_user_id, user_team and source_team (bolt-python's user_message_event_body).
- Another app's bot posts with `bot_id`, its bot user and a `bot_profile` naming its
  app; a classic bot (or incoming webhook) posts with subtype `bot_message`, a
  `username` and a bot_id, and no user (bolt-python's test_message_bot.py).
- Slack also tells the bot about its own messages; `echo_own_message` sends that event.
"""

from __future__ import annotations

from typing import Unpack

from bot.standin import actions
from bot.standin.defaults import ALICE, GENERAL
from bot.standin.driver_core import DriverCore
from bot.standin.model import BOT_ID, BOT_USER_ID, JSON, Message, User
from bot.standin.payloads import message_event
from bot.standin.surfaces import OtherBot
from bot.standin.transport import SendOptions, Sent

OTHER_BOT = OtherBot("B0OTHERAPP", "other-app", app_id="A0OTHERAPP", user_id="U0OTHERBOT")
CLASSIC_BOT = OtherBot("B0CLASSIC", "classic-bot")
NEW_CHAT = "New chat"


class MessageVariants(DriverCore):
    """Assistant threads, messages from other apps' bots and the bot's own echoes."""

    def start_assistant_thread(
        self,
        user: str = ALICE,
        *,
        context_channel: str | None = None,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """The person opens a new chat with the app; `context_channel` is where they were.

        Returns the thread as Sent(channel=the DM, ts=the thread's ts).
        """
        im = actions.member_channel(self.ws, self.ws.channel(user).id, user)
        root = Message(im.id, "", user, NEW_CHAT, subtype="assistant_app_thread")
        posted = self.ws.post(root)
        context: JSON = {"team_id": self.ws.team.id}
        if context_channel is not None:
            context = {"channel_id": self.ws.channel(context_channel).id, **context}
        thread = {"user_id": user, "context": context, "channel_id": im.id}
        thread["thread_ts"] = posted.ts
        event = {"type": "assistant_thread_started", "assistant_thread": thread}
        event["event_ts"] = self.ws.next_ts()
        wanted = "assistant_thread_started" in self.subscriptions
        deliveries = self._sender.post_events([event] if wanted else [], options, concurrent=False)
        return Sent(im.id, posted.ts, deliveries)

    def assistant_thread_message(
        self,
        user: str,
        thread: Sent | tuple[str, str],
        text: str,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """The person writes in an assistant thread: a `message` event in the DM thread."""
        channel, thread_ts = (thread.channel, thread.ts) if isinstance(thread, Sent) else thread
        conversation, posted = actions.post_as(self.ws, text, user, channel, thread_ts)
        events = actions.message_events(self.ws, posted, conversation, self.subscriptions)
        for event in events:
            team = event.get("team", self.ws.team.id)
            event |= {"user_team": event.get("user_team", team), "source_team": team}
            event.setdefault("user_profile", {})
        deliveries = self._sender.post_events(events, options, concurrent=False)
        return Sent(conversation.id, posted.ts, deliveries)

    def bot_message(
        self,
        text: str,
        channel: str = GENERAL,
        thread_ts: str | None = None,
        *,
        classic: bool = False,
        bot: OtherBot | None = None,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """Another app's bot posts; a mention of ragtime also fires `app_mention` with bot_id.

        `classic` posts as a classic bot / webhook (subtype bot_message, no user).
        """
        other = bot or (CLASSIC_BOT if classic else OTHER_BOT)
        conversation = self.ws.channel(channel)
        with self.ws.changing():
            self.ws.surfaces.bots[other.bot_id] = other
            if other.user_id and other.user_id not in self.ws.users:
                bot_user = User(other.user_id, other.name, other.name, is_bot=True)
                bot_user.bot_id = other.bot_id
                self.ws.add_user(bot_user)
        message = Message(conversation.id, "", other.user_id or "", text, thread_ts=thread_ts)
        message.bot_id, message.username = other.bot_id, None if other.user_id else other.name
        message.subtype = None if other.user_id else "bot_message"
        posted = self.ws.post(message)
        events = actions.message_events(self.ws, posted, conversation, self.subscriptions)
        deliveries = self._sender.post_events(events, options, concurrent=False)
        return Sent(conversation.id, posted.ts, deliveries)

    def echo_own_message(self, message: Message, **options: Unpack[SendOptions]) -> Sent:
        """The `message` event Slack sends about a message the bot itself posted.

        Bolt drops it (its bot_id and user are the bot's); a bot handling raw events must too.
        """
        conversation = self.ws.channel(message.channel)
        with self.ws.changed:
            stored = self.ws.find(conversation.id, message.ts)
            if stored.bot_id != BOT_ID or stored.user != BOT_USER_ID:
                raise ValueError("echo_own_message() takes a message the bot posted.")
            event = message_event(self.ws, stored, conversation)
        subscription = actions.MESSAGE_SUBSCRIPTION[conversation.kind]
        events = (
            [event] if actions.tells_bot(conversation, subscription, self.subscriptions) else []
        )
        deliveries = self._sender.post_events(events, options, concurrent=False)
        return Sent(conversation.id, message.ts, deliveries)
