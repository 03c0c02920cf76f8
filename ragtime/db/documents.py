"""Documents, where they are shared, and their indexing lifecycle.

State changes are single UPDATE statements (``attempts + 1``, ``version + 1``) so two
workers never lose each other's increments. Functions that change a document return
it, or ``None`` when it does not exist or was deleted: the caller should stop.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from ragtime.db.models import Document, DocumentConversation, DocumentStatus
from ragtime.db.types import new_id, utcnow
from ragtime.db.upsert import insert_for
from ragtime.domain import DocumentScope

_LIVE = Document.status != "deleted"


def create_document(
    session: Session,
    *,
    team_id: str,
    title: str,
    shared_by: str | None = None,
    slack_file_id: str | None = None,
) -> Document:
    """A queued document that is not (or not yet) tied to a Slack file."""
    document = Document(
        team_id=team_id, title=title, shared_by=shared_by, slack_file_id=slack_file_id
    )
    session.add(document)
    session.flush()
    return document


def create_or_get_document_for_file(
    session: Session, *, team_id: str, slack_file_id: str, title: str, shared_by: str | None
) -> tuple[Document, bool]:
    """The document for a Slack file, and whether this call created it.

    Safe when the two events of one share arrive together: the unique
    (team_id, slack_file_id) constraint lets exactly one INSERT through.
    """
    statement = (
        insert_for(session, Document)
        .values(
            id=new_id(),
            team_id=team_id,
            slack_file_id=slack_file_id,
            title=title,
            shared_by=shared_by,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "slack_file_id"])
        .returning(Document.id)
    )
    created_id = session.execute(statement).scalar_one_or_none()
    document = session.scalars(
        select(Document).where(Document.team_id == team_id, Document.slack_file_id == slack_file_id)
    ).one()
    return document, created_id is not None


def get_document(session: Session, *, document_id: str) -> Document | None:
    return session.get(Document, document_id)


def _update_live(session: Session, document_id: str, **values: Any) -> Document | None:
    statement = (
        update(Document)
        .where(Document.id == document_id, _LIVE)
        .values(**values)
        .returning(Document)
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).one_or_none()


def start_document_indexing(session: Session, *, document_id: str) -> Document | None:
    """Mark the document as being indexed and count the attempt."""
    return _update_live(
        session, document_id, status="indexing", attempts=Document.attempts + 1, error=None
    )


def mark_document_indexed(
    session: Session,
    *,
    document_id: str,
    pages: int,
    chunk_count: int,
    sha256: str | None = None,
    size_bytes: int | None = None,
    blob_key: str | None = None,
) -> Document | None:
    """Indexing finished: record the figures and move to the next version."""
    known = {"sha256": sha256, "size_bytes": size_bytes, "blob_key": blob_key}
    return _update_live(
        session,
        document_id,
        status="indexed",
        pages=pages,
        chunk_count=chunk_count,
        error=None,
        indexed_at=utcnow(),
        version=Document.version + 1,
        **{name: value for name, value in known.items() if value is not None},
    )


def mark_document_failed(session: Session, *, document_id: str, error: str) -> Document | None:
    return _update_live(session, document_id, status="failed", error=error)


def queue_document_reindex(session: Session, *, document_id: str) -> Document | None:
    return _update_live(session, document_id, status="queued", queued_at=utcnow())


def mark_document_deleted(session: Session, *, document_id: str) -> Document | None:
    """Soft delete: the row stays so answers that cited it keep their history."""
    return _update_live(
        session, document_id, status="deleted", deleted_at=utcnow(), workspace_wide=False
    )


def delete_document(session: Session, *, document_id: str) -> bool:
    """Hard delete: shares go with it; answer sources keep their title snapshot."""
    deleted = session.execute(
        delete(Document).where(Document.id == document_id).returning(Document.id)
    ).scalar_one_or_none()
    return deleted is not None


def share_document(
    session: Session,
    *,
    document_id: str,
    conversation_id: str,
    shared_by: str | None = None,
    message_ts: str | None = None,
) -> bool:
    """Record that the document is shared in a conversation; True if it is new there.

    ``message_ts`` is the share message, in whose thread the worker replies; a second
    share in the same conversation keeps the first message.
    """
    statement = (
        insert_for(session, DocumentConversation)
        .values(
            document_id=document_id,
            conversation_id=conversation_id,
            shared_by=shared_by,
            shared_at=utcnow(),
            message_ts=message_ts,
        )
        .on_conflict_do_nothing(index_elements=["document_id", "conversation_id"])
        .returning(DocumentConversation.document_id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def unshare_document(session: Session, *, document_id: str, conversation_id: str) -> bool:
    statement = (
        delete(DocumentConversation)
        .where(
            DocumentConversation.document_id == document_id,
            DocumentConversation.conversation_id == conversation_id,
        )
        .returning(DocumentConversation.document_id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def publish_document(
    session: Session, *, document_id: str, workspace_wide: bool = True
) -> Document | None:
    """An admin makes the document visible in every conversation of its workspace (or not)."""
    return _update_live(session, document_id, workspace_wide=workspace_wide)


def document_scope(session: Session, *, document_id: str) -> DocumentScope | None:
    """Where the document's chunks may be retrieved; what the vector store filters on."""
    document = session.get(Document, document_id)
    if document is None:
        return None
    conversations = session.scalars(
        select(DocumentConversation.conversation_id).where(
            DocumentConversation.document_id == document_id
        )
    )
    return DocumentScope(
        team_id=document.team_id,
        conversations=frozenset(conversations),
        workspace_wide=document.workspace_wide,
    )


def documents_visible_in(session: Session, *, team_id: str, conversation_id: str) -> list[Document]:
    """What a question asked in this conversation may draw on, for ``/ragtime docs``."""
    shared_here = exists().where(
        DocumentConversation.document_id == Document.id,
        DocumentConversation.conversation_id == conversation_id,
    )
    statement = (
        select(Document)
        .where(Document.team_id == team_id, _LIVE, Document.workspace_wide | shared_here)
        .order_by(Document.title, Document.id)
    )
    return list(session.scalars(statement))


def workspace_documents(
    session: Session, *, team_id: str | None, statuses: Collection[DocumentStatus] | None = None
) -> list[Document]:
    """The workspace's documents (all but deleted ones unless ``statuses`` says otherwise).

    ``team_id`` None: every workspace's (rebuilding an index they all share).
    """
    wanted = Document.status.in_(statuses) if statuses is not None else _LIVE
    statement = select(Document).where(wanted).order_by(Document.queued_at)
    if team_id is not None:
        statement = statement.where(Document.team_id == team_id)
    return list(session.scalars(statement))


def workspaces_with_documents(session: Session) -> list[str]:
    """Every workspace with a document row, in any status."""
    return list(session.scalars(select(Document.team_id).distinct().order_by(Document.team_id)))


def documents_with_sha256(session: Session, *, team_id: str, sha256: str) -> list[Document]:
    """Live documents of the workspace with exactly these bytes."""
    statement = select(Document).where(
        Document.team_id == team_id, Document.sha256 == sha256, _LIVE
    )
    return list(session.scalars(statement))
