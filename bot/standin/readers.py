"""SlackStandIn's accessors for streams, statuses, prompts, the Home tab and modals."""

from __future__ import annotations

import copy

from bot.standin.model import JSON, ApiError
from bot.standin.render import body_lines
from bot.standin.state import Workspace
from bot.standin.surfaces import Key


class SurfaceReaders:
    """What tests read besides messages; every method works on the live workspace."""

    workspace: Workspace

    # --- lifetimes ----------------------------------------------------------------------

    @property
    def stream_lifetime(self) -> float:
        """Seconds a stream may sit idle before it expires (Slack: about five minutes)."""
        return self.workspace.surfaces.stream_lifetime

    @stream_lifetime.setter
    def stream_lifetime(self, seconds: float) -> None:
        with self.workspace.changing():
            self.workspace.surfaces.stream_lifetime = seconds

    def expire_streams(self) -> None:
        """Every open stream expires now: appending or stopping answers
        message_not_in_streaming_state."""
        with self.workspace.changing():
            self.workspace.surfaces.expire_streams()

    def expire_statuses(self) -> None:
        """Every thread status clears now, as it does on its own after two minutes."""
        with self.workspace.changing():
            self.workspace.surfaces.expire_statuses()

    def expire_triggers(self) -> None:
        """Every trigger_id issued so far is now too old for views.open (three seconds)."""
        with self.workspace.changing():
            self.workspace.surfaces.expire_triggers()

    # --- streams, statuses, prompts -----------------------------------------------------

    def _key(self, channel: str, ts: str) -> Key:
        ws = self.workspace
        with ws.changed:
            channel_id = ws.channel(channel).id
            try:
                message = ws.find(channel_id, ts)
            except ApiError:
                return channel_id, ts
            return channel_id, message.thread_ts or message.ts

    def stream_state(self, channel: str, ts: str) -> str | None:
        """ "streaming", "stopped", "expired", or None when the message never streamed."""
        with self.workspace.changed:
            return self.workspace.surfaces.stream_state((self.workspace.channel(channel).id, ts))

    def stream_chunks(self, channel: str, ts: str) -> list[JSON]:
        """Every chunk the stream received (markdown_text, task_update, plan_update...)."""
        with self.workspace.changed:
            stream = self.workspace.surfaces.streams.get((self.workspace.channel(channel).id, ts))
            return copy.deepcopy(stream.chunks) if stream else []

    def statuses(self, channel: str, thread_ts: str) -> list[str]:
        """Every status the thread showed, in order; "" marks each time it cleared."""
        with self.workspace.changed:
            record = self.workspace.surfaces.status(self._key(channel, thread_ts))
            return list(record.history) if record else []

    def status(self, channel: str, thread_ts: str) -> str:
        """The status the thread shows now ("" for none)."""
        with self.workspace.changed:
            record = self.workspace.surfaces.status(self._key(channel, thread_ts))
            return record.status if record else ""

    def suggested_prompts(self, channel: str, thread_ts: str | None = None) -> JSON | None:
        """`{"title": str | None, "prompts": [{"title", "message"}, ...]}` last set, or None."""
        with self.workspace.changed:
            key = self._key(channel, thread_ts or "")
            return copy.deepcopy(self.workspace.surfaces.prompts.get(key))

    # --- views --------------------------------------------------------------------------

    def home_view(self, user: str) -> JSON | None:
        """The view last published as `user`'s Home tab, as views.publish returned it."""
        with self.workspace.changed:
            return copy.deepcopy(self.workspace.surfaces.homes.get(user))

    def home(self, user: str) -> str:
        """The person's Home tab as they would read it."""
        ws = self.workspace
        view = self.home_view(user)
        title = f"Home tab of {ws.name_of(user)}"
        if view is None:
            return f"{title}\n  (nothing published)"
        lines = body_lines("", view.get("blocks", []), [], ws.name_of)
        return "\n".join([title, *(f"  {line}" for line in lines)])

    def open_modals(self, user: str) -> list[JSON]:
        """The views of the person's open modals, the first opened first."""
        with self.workspace.changed:
            return [copy.deepcopy(m.view) for m in self.workspace.surfaces.open_modals(user)]

    def modal_errors(self, user: str, view: str) -> list[dict[str, str]]:
        """The `response_action: errors` the bot answered for an open modal (id or callback_id)."""
        with self.workspace.changed:
            return copy.deepcopy(self.workspace.surfaces.find_modal(user, view).errors)
