"""A conversation as a person would read it: who said what, threads indented beneath."""

from __future__ import annotations

from bot.standin.model import BOT_USER_ID, JSON, Command, Ephemeral, Message
from bot.standin.render import body_lines
from bot.standin.state import Workspace

Entry = Message | Ephemeral | Command
THREAD_INDENT = "    "


def transcript(ws: Workspace, channel_id: str) -> str:
    """The channel's messages, ephemerals and commands in order, thread replies indented."""
    with ws.changed:
        channel = ws.channel(channel_id)
        title = f"#{channel.name}" if channel.name else f"DM with {ws.name_of(channel.user or '')}"
        entries = _entries(ws, channel.id)
        roots = {e.ts for e in entries if isinstance(e, Message) and not e.is_reply}
        lines = [title, *_thread_extras(ws, channel.id, "", "")]
        for entry in entries:
            if _thread_of(entry) in roots:
                continue
            lines += _entry_lines(ws, entry, "")
            for reply in entries:
                if entry.ts in roots and _thread_of(reply) == entry.ts:
                    lines += _entry_lines(ws, reply, THREAD_INDENT)
            if isinstance(entry, Message):
                lines += _thread_extras(ws, channel.id, entry.ts, THREAD_INDENT)
        return "\n".join(lines)


def _thread_extras(ws: Workspace, channel_id: str, ts: str, indent: str) -> list[str]:
    """A thread's suggested prompts, then the bot's status under it (or that it cleared)."""
    lines = []
    prompts = ws.surfaces.prompts.get((channel_id, ts))
    if prompts:
        shown = " ".join(f"[{p.get('title')}]" for p in prompts["prompts"])
        lines.append(f"{indent}{prompts['title'] or 'Suggested prompts'}: {shown}")
    record = ws.surfaces.status((channel_id, ts))
    if record and record.status:
        lines.append(f"{indent}{ws.name_of(BOT_USER_ID)} {record.status}")
    elif record:
        lines.append(f"{indent}(status cleared)")
    return lines


def _entries(ws: Workspace, channel_id: str) -> list[Entry]:
    found: list[Entry] = list(ws.history(channel_id))
    found += [r for m in found if isinstance(m, Message) and m.reply_count for r in _replies(ws, m)]
    found += [e for e in ws.ephemerals if e.channel == channel_id]
    found += [c for c in ws.commands if c.channel == channel_id]
    unique = {(type(e).__name__, e.ts): e for e in found}
    return sorted(unique.values(), key=lambda e: e.ts)


def _replies(ws: Workspace, parent: Message) -> list[Message]:
    return [m for m in ws.thread(parent.channel, parent.ts) if m.is_reply]


def _thread_of(entry: Entry) -> str | None:
    if isinstance(entry, Message):
        return entry.thread_ts if entry.is_reply else None
    return entry.thread_ts if isinstance(entry, Ephemeral) else None


def _entry_lines(ws: Workspace, entry: Entry, indent: str) -> list[str]:
    if isinstance(entry, Command):
        return [f"{indent}{ws.name_of(entry.user)}: {entry.command} {entry.text}".rstrip()]
    lines = body_lines(entry.text, entry.blocks, _attachments(entry), ws.name_of)
    if isinstance(entry, Message):
        lines = _with_files_and_reactions(ws, entry, _special_lines(ws, entry) or lines)
        author = entry.username or ws.name_of(entry.user)
    else:
        author = ws.name_of(entry.sender)
        lines = lines or [""]
        lines[0] = f"{lines[0]} (only visible to {ws.name_of(entry.user)})".lstrip()
    first, *rest = lines
    return [f"{indent}{author}: {first}"] + [f"{indent}  {line}" for line in rest]


def _special_lines(ws: Workspace, message: Message) -> list[str]:
    """A streamed message (its text, then its stop blocks), or an assistant thread's root."""
    if message.subtype == "assistant_app_thread":
        return ["(opened an assistant thread)"]
    state = ws.surfaces.stream_state((message.channel, message.ts))
    if state is None:
        return []
    lines = body_lines(message.text, [], [], ws.name_of)
    lines += body_lines("", message.blocks, [], ws.name_of) if message.blocks else []
    if state == "streaming":
        lines = lines or [""]
        lines[-1] = f"{lines[-1].rstrip()} (writing…)".lstrip()
    return lines or [""]


def _attachments(entry: Message | Ephemeral) -> list[JSON]:
    return entry.attachments if isinstance(entry, Message) else []


def _with_files_and_reactions(ws: Workspace, message: Message, lines: list[str]) -> list[str]:
    markers = []
    for file_id in message.files:
        file = ws.files[file_id]
        markers.append("[deleted file]" if file.deleted else f"[shared file {file.name}]")
    if markers:
        last = lines.pop() + " " if lines else ""
        lines.append(last + " ".join(markers))
    lines = lines or [""]
    if message.subtype == "thread_broadcast":
        lines[-1] += " (also sent to the channel)"
    if message.reactions:
        shown = " ".join(
            f"(:{name}: {', '.join(ws.name_of(u) for u in users)})"
            for name, users in message.reactions.items()
        )
        if len(lines) == 1:
            lines[0] += " " + shown
        else:
            lines.append(shown)
    return lines
