"""Lookups the Slack edge needs: answer threads, documents by file id or by name."""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ragtime.db.models import Document, DocumentConversation, Question


def is_answer_thread(
    session: Session, *, team_id: str, conversation_id: str, thread_ts: str
) -> bool:
    """True when an earlier question lives in this thread or its answer started it."""
    statement = (
        select(Question.id)
        .where(
            Question.team_id == team_id,
            Question.conversation_id == conversation_id,
            or_(Question.thread_ts == thread_ts, Question.answer_ts == thread_ts),
        )
        .limit(1)
    )
    return session.scalar(statement) is not None


def document_for_file(session: Session, *, team_id: str, slack_file_id: str) -> Document | None:
    """The live document made from a Slack file, if any."""
    statement = select(Document).where(
        Document.team_id == team_id,
        Document.slack_file_id == slack_file_id,
        Document.status != "deleted",
    )
    return session.scalars(statement).one_or_none()


def find_workspace_document(session: Session, *, team_id: str, name: str) -> list[Document]:
    """Live documents whose id is ``name`` or whose title matches it (case-insensitively).

    An exact title wins over titles that merely start with ``name``.
    """
    wanted = name.strip().lower()
    live = session.scalars(
        select(Document).where(Document.team_id == team_id, Document.status != "deleted")
    ).all()
    exact = [d for d in live if d.id == name.strip() or d.title.lower() == wanted]
    return exact or [d for d in live if d.title.lower().startswith(wanted)]


def requeue_document(session: Session, *, document_id: str) -> bool:
    """A deleted or failed document shared again goes back to the queue.

    True only for the one caller whose UPDATE moved it, so the two events of one
    share queue one ingest. A deleted document starts over: its old shares go.
    """
    moved = session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status.in_(("deleted", "failed")))
        .values(status="queued", error=None, deleted_at=None)
        .returning(Document.status)
    ).scalar_one_or_none()
    return moved is not None


def forget_shares(session: Session, *, document_id: str) -> None:
    session.execute(
        delete(DocumentConversation).where(DocumentConversation.document_id == document_id)
    )
