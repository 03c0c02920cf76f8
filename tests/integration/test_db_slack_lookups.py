"""A file shared again after it was forgotten or failed goes back to the queue, once."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ragtime.db import session_scope
from ragtime.db.documents import (
    create_or_get_document_for_file,
    document_scope,
    mark_document_deleted,
    mark_document_failed,
    share_document,
)
from ragtime.db.slack_lookups import forget_shares, requeue_document


def test_a_deleted_document_is_requeued_once_and_starts_with_no_old_shares(
    db_sessions: sessionmaker[Session], team: str
) -> None:
    with session_scope(db_sessions) as session:
        document, _ = create_or_get_document_for_file(
            session, team_id=team, slack_file_id="F1", title="a.pdf", shared_by="U1"
        )
        share_document(session, document_id=document.id, conversation_id="C-old")
        mark_document_deleted(session, document_id=document.id)
    with session_scope(db_sessions) as session:
        again, created = create_or_get_document_for_file(
            session, team_id=team, slack_file_id="F1", title="a.pdf", shared_by="U2"
        )
        assert not created and again.status == "deleted"
        forget_shares(session, document_id=again.id)
        assert requeue_document(session, document_id=again.id)
        assert not requeue_document(session, document_id=again.id)  # the second event of the share
        share_document(session, document_id=again.id, conversation_id="C-new")
        scope = document_scope(session, document_id=again.id)
    assert scope is not None and scope.conversations == frozenset({"C-new"})


def test_a_failed_document_is_requeued_but_an_indexed_one_is_not(
    db_sessions: sessionmaker[Session], team: str
) -> None:
    with session_scope(db_sessions) as session:
        document, _ = create_or_get_document_for_file(
            session, team_id=team, slack_file_id="F2", title="b.pdf", shared_by="U1"
        )
        assert not requeue_document(session, document_id=document.id)  # queued: nothing to do
        mark_document_failed(session, document_id=document.id, error="damaged")
        assert requeue_document(session, document_id=document.id)
