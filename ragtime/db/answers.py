"""Answers, their timings and the passages they cite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ragtime import domain
from ragtime.db.models import Answer, AnswerSource, Document


@dataclass(frozen=True, slots=True)
class CitedSource:
    """A passage an answer cites, as the pipeline hands it over; rank is its position."""

    document_id: str | None
    title: str
    page_start: int
    page_end: int
    score: float | None = None


@dataclass(frozen=True, slots=True)
class SourceView:
    """A cited passage as it reads now: ``removed`` when its document is gone."""

    rank: int
    document_id: str | None
    title: str
    page_start: int
    page_end: int
    score: float | None
    removed: bool


@dataclass(frozen=True, slots=True)
class AnswerWithSources:
    answer: Answer
    sources: tuple[SourceView, ...]


def sources_from_answer(answer: domain.Answer) -> list[CitedSource]:
    """The citations of a pipeline answer, each with the best score of its hits."""

    def score(citation: domain.Citation) -> float | None:
        scores = [
            hit.score
            for hit in answer.hits
            if hit.chunk.document_id == citation.document_id
            and hit.chunk.page_start <= citation.page_end
            and citation.page_start <= hit.chunk.page_end
        ]
        return max(scores, default=None)

    return [
        CitedSource(c.document_id, c.title, c.page_start, c.page_end, score(c))
        for c in answer.citations
    ]


def record_answer(
    session: Session,
    *,
    question_id: str,
    text: str,
    generator: str,
    embed_ms: float,
    search_ms: float,
    generate_ms: float,
    total_ms: float,
    model: str = "",
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    sources: Sequence[CitedSource] = (),
) -> Answer:
    """Store the answer and its sources (ranked 1, 2, ... in the order given).

    A source whose document was hard-deleted meanwhile is stored without the link,
    as it would have been had the deletion come a moment later.
    """
    answer = Answer(
        question_id=question_id,
        text=text,
        generator=generator,
        model=model,
        embed_ms=embed_ms,
        search_ms=search_ms,
        generate_ms=generate_ms,
        total_ms=total_ms,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )
    session.add(answer)
    session.flush()
    existing = _existing_documents(session, [s.document_id for s in sources if s.document_id])
    session.add_all(
        AnswerSource(
            answer_id=answer.id,
            rank=rank,
            document_id=source.document_id if source.document_id in existing else None,
            document_title=source.title,
            page_start=source.page_start,
            page_end=source.page_end,
            score=source.score,
        )
        for rank, source in enumerate(sources, start=1)
    )
    session.flush()
    return answer


def _existing_documents(session: Session, document_ids: list[str]) -> set[str]:
    if not document_ids:
        return set()
    return set(session.scalars(select(Document.id).where(Document.id.in_(document_ids))))


def answer_with_sources(session: Session, *, answer_id: str) -> AnswerWithSources | None:
    """The answer and its sources; a source is ``removed`` once its document is
    deleted, softly (status) or for good (the link was set to NULL)."""
    answer = session.get(Answer, answer_id)
    if answer is None:
        return None
    statement = (
        select(AnswerSource, Document.status)
        .outerjoin(Document, Document.id == AnswerSource.document_id)
        .where(AnswerSource.answer_id == answer_id)
        .order_by(AnswerSource.rank)
        # ON DELETE SET NULL happens in the database: never trust a cached row.
        .execution_options(populate_existing=True)
    )
    sources = tuple(
        SourceView(
            rank=source.rank,
            document_id=source.document_id,
            title=source.document_title,
            page_start=source.page_start,
            page_end=source.page_end,
            score=source.score,
            removed=status is None or status == "deleted",
        )
        for source, status in session.execute(statement)
    )
    return AnswerWithSources(answer=answer, sources=sources)


def answer_for_question(session: Session, *, question_id: str) -> Answer | None:
    """The answer recorded for a question, if any (there is at most one)."""
    return session.scalar(select(Answer).where(Answer.question_id == question_id))
