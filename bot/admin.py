"""`/ragtime help | docs | stats | reindex [all|<doc>] | forget <doc> | publish <doc>`.

Everyone may ask for help, docs and stats; only admins change anything, and
every admin action is audited, refusals included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import BotDeps
from bot.feedback import REASON_LABELS
from ragtime.db.audit import record_audit
from ragtime.db.documents import (
    documents_visible_in,
    get_document,
    mark_document_deleted,
    publish_document,
)
from ragtime.db.locks import acquire_lock, release_lock
from ragtime.db.models import AuditOutcome, Document
from ragtime.db.slack_lookups import find_workspace_document
from ragtime.db.stats import workspace_stats
from slackkit.blocks import escape
from slackkit.text import unescape
from taskqueue.names import REINDEX_LOCK_TTL_SECONDS

HELP = """*ragtime* answers questions from the PDFs shared in this conversation.
• `/ask &lt;question&gt;` (or @mention me, DM me, or reply in my answer's thread)
• Share a PDF here to index it for this conversation.
• `/ragtime docs`: the documents questions here can use
• `/ragtime stats`: questions, answer rate, 👍/👎, slowest and most-downvoted answers
Admins: `/ragtime reindex [all|&lt;document&gt;]`, `/ragtime forget &lt;document&gt;`, `/ragtime publish &lt;document&gt;`"""
ADMIN_ONLY = {"reindex", "forget", "publish"}


@dataclass(frozen=True, slots=True)
class Command:
    team_id: str
    channel_id: str
    user_id: str
    verb: str
    argument: str
    # Set by App Home's buttons, which name the document by id rather than by name.
    document_id: str | None = None


def parse(text: str, *, team_id: str, channel_id: str, user_id: str) -> Command:
    verb, _, argument = unescape(text).strip().partition(" ")
    return Command(team_id, channel_id, user_id, verb.lower() or "help", argument.strip())


def run_admin_command(
    deps: BotDeps, client: WebClient, command: Command, tell: Callable[[str], object]
) -> None:
    """Answer ``command`` privately through ``tell``; refuse politely what isn't allowed."""
    if command.verb in ADMIN_ONLY and not deps.admins.is_admin(
        client, command.user_id, team_id=command.team_id
    ):
        _audit(deps, command, "denied")
        tell(f"Only workspace admins can {command.verb} documents; ask one of them to do it.")
        return
    handlers: dict[str, Callable[[], str]] = {
        "help": lambda: HELP,
        "docs": lambda: _docs(deps, command),
        "stats": lambda: _stats(deps, command),
        "reindex": lambda: _reindex(deps, client, command),
        "forget": lambda: _forget(deps, command),
        "publish": lambda: _publish(deps, command),
    }
    handler = handlers.get(command.verb)
    if handler is None:
        tell(f"I don't know `/ragtime {command.verb}`; try `/ragtime help`.")
        return
    tell(handler())


def _docs(deps: BotDeps, command: Command) -> str:
    with deps.session() as session:
        documents = documents_visible_in(
            session, team_id=command.team_id, conversation_id=command.channel_id
        )
    if not documents:
        return "No documents are shared here yet; share a PDF in this conversation to add one."
    lines = [f"• *{escape(d.title)}*: {escape(_status(d))}" for d in documents]
    return "Documents questions here can use:\n" + "\n".join(lines)


def _status(document: Document) -> str:
    if document.status == "indexed":
        scope = ", workspace-wide" if document.workspace_wide else ""
        return f"indexed ({document.pages} pages, {document.chunk_count} chunks{scope})"
    if document.status == "failed":
        return f"failed: {document.error}"
    return str(document.status)


def _stats(deps: BotDeps, command: Command) -> str:
    with deps.session() as session:
        stats = workspace_stats(session, team_id=command.team_id)
    votes = stats.upvotes + stats.downvotes
    lines = [
        f"*Questions:* {stats.questions} ({stats.answer_rate:.0%} answered from the documents)",
        f"*Feedback:* 👍 {stats.upvotes} / 👎 {stats.downvotes}"
        + (f" ({stats.upvotes / votes:.0%} positive)" if votes else ""),
    ]
    if stats.slowest:
        lines.append("*Slowest answers:*")
        lines += [
            f"• {s.total_ms / 1000:.1f} s: {_shown(s.question, s.conversation_id, command)}"
            for s in stats.slowest
        ]
    if stats.downvote_reasons:
        given = ", ".join(f"{REASON_LABELS.get(r, r)} {n}" for r, n in stats.downvote_reasons)
        lines.append(f"*What 👎 said was wrong:* {given}")
    if stats.most_downvoted:
        lines.append("*Most downvoted:*")
        lines += [
            f"• 👎 {d.downvotes}: {_shown(d.question, d.conversation_id, command)}"
            for d in stats.most_downvoted
        ]
    return "\n".join(lines)


def _shown(question: str, conversation_id: str, command: Command) -> str:
    """A question's text only where it was asked: stats must not leak other conversations."""
    if conversation_id != command.channel_id:
        return "(asked in another conversation)"
    return escape(question) or "(text purged)"


def _one_document(deps: BotDeps, command: Command) -> Document | str:
    if command.document_id is not None:
        with deps.session() as session:
            document = get_document(session, document_id=command.document_id)
        if document is None or document.team_id != command.team_id or document.status == "deleted":
            return "That document is not in this workspace any more."
        return document
    if not command.argument:
        return f"Say which document: `/ragtime {command.verb} &lt;document name&gt;`."
    with deps.session() as session:
        found = find_workspace_document(session, team_id=command.team_id, name=command.argument)
    if not found:
        return f"I can't find a document called “{command.argument}”; `/ragtime docs` lists them."
    if len(found) > 1:
        names = ", ".join(f"“{d.title}”" for d in found[:5])
        return f"“{command.argument}” matches several documents ({names}); use the full name."
    return found[0]


def _reindex(deps: BotDeps, client: WebClient, command: Command) -> str:
    target = "all" if command.argument.lower() in ("", "all") else _one_document(deps, command)
    if isinstance(target, str) and target != "all":
        return target
    target_id = target if isinstance(target, str) else target.id
    lock = f"reindex:{command.team_id}"
    with deps.session() as session:
        taken = acquire_lock(
            session, name=lock, holder=command.user_id, ttl_seconds=REINDEX_LOCK_TTL_SECONDS
        )
    if not taken:
        _audit(deps, command, "denied", "a re-index is already running")
        return "A re-index is already running; I'll post its progress where it was started."
    try:
        posted = client.chat_postMessage(channel=command.channel_id, text="Re-indexing: starting…")
        deps.enqueuer.reindex(
            command.team_id, command.user_id, target_id, command.channel_id, str(posted["ts"])
        )
    except Exception:
        with deps.session() as session:
            release_lock(session, name=lock, holder=command.user_id)
        raise
    _audit(deps, command, "succeeded", "queued")
    return "Re-indexing started; I'm reporting progress in this conversation."


def _forget(deps: BotDeps, command: Command) -> str:
    return _change_document(
        deps, command, lambda session, doc_id: mark_document_deleted(session, document_id=doc_id),
        deps.enqueuer.forget, "Forgot *{title}*: it no longer answers questions anywhere.",
    )  # fmt: skip


def _publish(deps: BotDeps, command: Command) -> str:
    return _change_document(
        deps, command, lambda session, doc_id: publish_document(session, document_id=doc_id),
        deps.enqueuer.sync_scope,
        "Published *{title}*: questions anywhere in this workspace can use it now.",
    )  # fmt: skip


def _change_document(
    deps: BotDeps,
    command: Command,
    change: Callable[[Session, str], object],
    then: Callable[[str], None],
    done: str,
) -> str:
    """Find the named document, change it in the database, tell the worker, audit it."""
    document = _one_document(deps, command)
    if isinstance(document, str):
        return document
    with deps.session() as session:
        change(session, document.id)
    then(document.id)
    _audit(deps, command, "succeeded", document.id)
    return done.format(title=document.title)


def _audit(deps: BotDeps, command: Command, outcome: AuditOutcome, detail: str = "") -> None:
    with deps.session() as session:
        record_audit(
            session,
            team_id=command.team_id,
            user_id=command.user_id,
            action=command.verb,
            target=command.argument or None,
            outcome=outcome,
            detail=detail or None,
        )
