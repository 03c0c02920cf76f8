"""StandInDriver: what people do in Slack, sent to the bot as Slack would send it.

Every person's message is first written into the stand-in's history, then delivered as the
events the bot subscribes to. For a channel message that mentions the bot, Slack delivers
two events with different event_ids: `message` (message.channels / message.groups) and
`app_mention`, in no guaranteed order; the driver sends `message` first unless told
otherwise, and the bot must answer once. Direct messages fire `message` only (channel_type
"im"). A file share fires a file_share `message` and `file_shared`. Slack tells an app
nothing about conversations it is not a member of.
"""

from __future__ import annotations

from typing import Unpack

from bot.standin import actions
from bot.standin.defaults import ALICE, GENERAL
from bot.standin.driver_core import DEFAULT_SUBSCRIPTIONS, FORM
from bot.standin.driver_interactions import Interactions
from bot.standin.driver_messages import MessageVariants
from bot.standin.model import BOT_USER_ID
from bot.standin.payloads import file_shared_event, file_unshared_event
from bot.standin.transport import SendOptions, Sent

__all__ = ["DEFAULT_SUBSCRIPTIONS", "FORM", "StandInDriver"]


class StandInDriver(Interactions, MessageVariants):
    """Sends correctly signed Slack requests to the bot at `bot_url` (e.g. .../slack/events).

    Every send takes SendOptions (retry_num, retry_reason, event_id, timestamp, secret,
    legacy_envelope). Someone from another organisation posting in a Slack Connect
    channel (see `defaults.add_slack_connect`) is delivered in the Slack Connect envelope.
    """

    # --- messages -----------------------------------------------------------------------

    def say(
        self,
        text: str,
        user: str = ALICE,
        channel: str = GENERAL,
        thread_ts: str | None = None,
        *,
        mention_first: bool = False,
        concurrent: bool = False,
        broadcast: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """A person posts a message; the bot gets `message` / `app_mention` events as subscribed.

        `mention_first` sends app_mention before message; `concurrent` sends them at once;
        `broadcast` ("Also send to #channel") makes a thread reply a thread_broadcast.
        """
        conversation, posted = actions.post_as(
            self.ws, text, user, channel, thread_ts, broadcast=broadcast
        )
        events = actions.message_events(self.ws, posted, conversation, self.subscriptions)
        if mention_first:
            events.reverse()
        deliveries = self._sender.post_events(events, options, concurrent=concurrent)
        return Sent(conversation.id, posted.ts, deliveries)

    def mention(
        self,
        text: str,
        user: str = ALICE,
        channel: str = GENERAL,
        thread_ts: str | None = None,
        *,
        mention_first: bool = False,
        concurrent: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """`@ragtime <text>` in a channel: both a `message` and an `app_mention` event."""
        if f"<@{BOT_USER_ID}>" not in text:
            text = f"<@{BOT_USER_ID}> {text}"
        flags = {"mention_first": mention_first, "concurrent": concurrent}
        return self.say(text, user, channel, thread_ts, **flags, **options)

    def dm(self, text: str, user: str = ALICE, **options: Unpack[SendOptions]) -> Sent:
        """A direct message to the bot: one `message` event with channel_type "im"."""
        return self.say(text, user, self.ws.channel(user).id, **options)

    def thread_reply(
        self,
        text: str,
        user: str,
        channel: str,
        thread_ts: str,
        *,
        concurrent: bool = False,
        broadcast: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """A reply in a thread: a `message` event with thread_ts (+ app_mention if it mentions).

        `broadcast` is "Also send to #channel": subtype thread_broadcast, with the `root`.
        """
        flags = {"concurrent": concurrent, "broadcast": broadcast}
        return self.say(text, user, channel, thread_ts, **flags, **options)

    # --- files --------------------------------------------------------------------------

    def share_file(
        self,
        name: str,
        data: bytes,
        user: str = ALICE,
        channel: str = GENERAL,
        *,
        mimetype: str = "application/pdf",
        initial_comment: str = "",
        file_shared_first: bool = False,
        concurrent: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """Upload and share a file: a file_share `message` event and a `file_shared` event.

        The returned Sent carries `file_id` and the share message's `ts`.
        """
        conversation, posted, file = actions.upload_and_share(
            self.ws, name, data, user, channel, mimetype=mimetype, comment=initial_comment
        )
        events = actions.message_events(self.ws, posted, conversation, self.subscriptions)
        if actions.tells_bot(conversation, "file_shared", self.subscriptions):
            events.append(file_shared_event(file.id, conversation.id, user, self.ws.next_ts()))
        if file_shared_first:
            events.reverse()
        deliveries = self._sender.post_events(events, options, concurrent=concurrent)
        return Sent(conversation.id, posted.ts, deliveries, file.id)

    def delete_file(self, file_id: str, **options: Unpack[SendOptions]) -> Sent:
        """Delete a file everywhere: a `file_deleted` event."""
        seen = actions.delete_file(self.ws, file_id)
        event = {"type": "file_deleted", "file_id": file_id, "event_ts": self.ws.next_ts()}
        events = [event] if seen and "file_deleted" in self.subscriptions else []
        deliveries = self._sender.post_events(events, options, concurrent=False)
        return Sent("", event["event_ts"], deliveries, file_id)

    def unshare_file(
        self, file_id: str, channel: str, user: str = ALICE, **options: Unpack[SendOptions]
    ) -> Sent:
        """Take a file out of one channel: a `file_unshared` event."""
        conversation = self.ws.channel(channel)
        self.ws.unshare(file_id, conversation.id)
        event = file_unshared_event(file_id, conversation.id, user, self.ws.next_ts())
        wanted = actions.tells_bot(conversation, "file_unshared", self.subscriptions)
        deliveries = self._sender.post_events([event] if wanted else [], options, concurrent=False)
        return Sent(conversation.id, event["event_ts"], deliveries, file_id)
