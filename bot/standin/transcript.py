"""A conversation as a person would read it: who said what, threads indented beneath."""

from __future__ import annotations

from bot.standin.model import JSON, Command, Ephemeral, Message
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
        lines = [title]
        for entry in entries:
            if _thread_of(entry) in roots:
                continue
            lines += _entry_lines(ws, entry, "")
            for reply in entries:
                if entry.ts in roots and _thread_of(reply) == entry.ts:
                    lines += _entry_lines(ws, reply, THREAD_INDENT)
        return "\n".join(lines)


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
        lines = _with_files_and_reactions(ws, entry, lines)
        author = ws.name_of(entry.user)
    else:
        author = ws.name_of(entry.sender)
        lines = lines or [""]
        lines[0] = f"{lines[0]} (only visible to {ws.name_of(entry.user)})".lstrip()
    first, *rest = lines
    return [f"{indent}{author}: {first}"] + [f"{indent}  {line}" for line in rest]


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
