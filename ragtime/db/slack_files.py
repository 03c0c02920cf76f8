"""Where a document lives in Slack: the messages that shared it and its permalink.

The worker replies in the thread of the share message and links citations to the
permalink, which it learns from ``files.info`` when it downloads the file.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ragtime.db.models import Document, DocumentConversation


@dataclass(frozen=True, slots=True)
class ShareMessage:
    """Where a document was shared: the conversation and the share message (if known)."""

    conversation_id: str
    message_ts: str | None


def share_message(session: Session, *, document_id: str, conversation_id: str) -> str | None:
    """The ts of the message that shared the document in this conversation, if known."""
    return session.scalar(
        select(DocumentConversation.message_ts).where(
            DocumentConversation.document_id == document_id,
            DocumentConversation.conversation_id == conversation_id,
        )
    )


def first_share(session: Session, *, document_id: str) -> ShareMessage | None:
    """The earliest share of the document: where the worker reports on indexing it."""
    row = session.execute(
        select(DocumentConversation.conversation_id, DocumentConversation.message_ts)
        .where(DocumentConversation.document_id == document_id)
        .order_by(DocumentConversation.shared_at, DocumentConversation.conversation_id)
        .limit(1)
    ).one_or_none()
    return ShareMessage(conversation_id=row[0], message_ts=row[1]) if row else None


def set_document_permalink(session: Session, *, document_id: str, permalink: str) -> bool:
    """Remember the file's Slack permalink, which citations link to; False if it is gone."""
    statement = (
        update(Document)
        .where(Document.id == document_id, Document.status != "deleted")
        .values(permalink=permalink)
        .returning(Document.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def document_links(session: Session, *, document_ids: Collection[str]) -> dict[str, str]:
    """The Slack permalinks of these documents, for those that have one."""
    if not document_ids:
        return {}
    rows = session.execute(
        select(Document.id, Document.permalink).where(
            Document.id.in_(document_ids), Document.permalink.is_not(None)
        )
    )
    return {document_id: str(link) for document_id, link in rows}
