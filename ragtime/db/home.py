"""What App Home shows: the documents a person can see, and the admin's dashboard figures."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ragtime.db.models import Document, DocumentConversation, Question

_LIVE = Document.status != "deleted"


def documents_visible_to(
    session: Session, *, team_id: str, conversation_ids: Collection[str]
) -> list[Document]:
    """Live documents published workspace-wide or shared in one of these conversations."""
    shared = exists().where(
        DocumentConversation.document_id == Document.id,
        DocumentConversation.conversation_id.in_(list(conversation_ids)),
    )
    statement = (
        select(Document)
        .where(Document.team_id == team_id, _LIVE, Document.workspace_wide | shared)
        .order_by(Document.title, Document.id)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True, slots=True)
class Gap:
    """A question the documents could not answer, and how often it was asked."""

    question: str
    times: int


def unanswered_questions(
    session: Session,
    *,
    team_id: str,
    conversation_ids: Collection[str],
    since: datetime,
    limit: int = 5,
) -> list[Gap]:
    """The most-asked questions that got "I couldn't find this", from these conversations."""
    text = func.lower(func.trim(Question.text))
    statement = (
        select(func.min(Question.text), func.count())
        .where(
            Question.team_id == team_id,
            Question.status == "not_found",
            Question.asked_at >= since,
            Question.text != "",
            Question.conversation_id.in_(list(conversation_ids)),
        )
        .group_by(text)
        .order_by(func.count().desc(), func.min(Question.text))
        .limit(limit)
    )
    return [Gap(str(question), int(times)) for question, times in session.execute(statement)]
