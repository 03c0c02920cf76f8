"""Races the bot really runs: double clicks, Slack retries, the two events of one share.

Each contender has its own session and connection; a barrier fires them together.
On PostgreSQL the unique constraint makes one wait for the other; SQLite runs writers
one at a time and the busy timeout makes the second wait instead of failing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ragtime.db import session_scope
from ragtime.db.answers import record_answer
from ragtime.db.audit import claim_event
from ragtime.db.documents import create_or_get_document_for_file
from ragtime.db.feedback import record_feedback
from ragtime.db.models import Document, Feedback, Vote
from ragtime.db.questions import record_question

ROUNDS = 5
T = TypeVar("T")
Factory = sessionmaker[Session]


def race(db_sessions: Factory, *contenders: Callable[[Session], T]) -> list[T]:
    """Run each contender in its own thread and transaction, all released at once."""
    barrier = threading.Barrier(len(contenders))

    def run(contender: Callable[[Session], T]) -> T:
        with session_scope(db_sessions) as session:
            barrier.wait(timeout=10)
            return contender(session)

    with ThreadPoolExecutor(len(contenders)) as pool:
        futures = [pool.submit(run, contender) for contender in contenders]
        return [future.result(timeout=30) for future in futures]


def new_answer(db_sessions: Factory, team: str) -> str:
    with session_scope(db_sessions) as session:
        question = record_question(
            session, team_id=team, conversation_id="C1", user_id="U1", text="Why?",
            asked_via="dm",
        )  # fmt: skip
        return record_answer(
            session, question_id=question.id, text="Because.", generator="extractive",
            embed_ms=1.0, search_ms=1.0, generate_ms=1.0, total_ms=3.0,
        ).id  # fmt: skip


def votes_of(db_sessions: Factory, answer_id: str) -> list[tuple[str, Vote]]:
    with session_scope(db_sessions) as session:
        rows = session.execute(
            select(Feedback.user_id, Feedback.vote).where(Feedback.answer_id == answer_id)
        )
        return [(user, vote) for user, vote in rows]


def test_two_concurrent_votes_by_one_user_leave_one_row(db_sessions: Factory, team: str) -> None:
    for _ in range(ROUNDS):
        answer_id = new_answer(db_sessions, team)

        def vote(choice: Vote, answer_id: str = answer_id) -> Callable[[Session], None]:
            return lambda session: record_feedback(
                session, answer_id=answer_id, user_id="U1", vote=choice
            )

        race(db_sessions, vote("up"), vote("down"))
        rows = votes_of(db_sessions, answer_id)
        assert len(rows) == 1
        assert rows[0][1] in ("up", "down")


def test_the_later_of_two_overlapping_votes_wins(db_sessions: Factory, team: str) -> None:
    # The first transaction is still open when the second vote arrives: the second
    # must wait for it and then change the vote, not fail and not add a row.
    answer_id = new_answer(db_sessions, team)
    first_voted = threading.Event()

    def first(session: Session) -> None:
        record_feedback(session, answer_id=answer_id, user_id="U1", vote="up")
        first_voted.set()
        time.sleep(0.3)

    def second(session: Session) -> None:
        assert first_voted.wait(timeout=10)
        record_feedback(session, answer_id=answer_id, user_id="U1", vote="down")

    race(db_sessions, first, second)
    assert votes_of(db_sessions, answer_id) == [("U1", "down")]


def test_two_concurrent_deliveries_of_one_event_are_processed_once(
    db_sessions: Factory, team: str
) -> None:
    for round_number in range(ROUNDS):
        event_id = f"Ev{team}{round_number}"

        def deliver(session: Session, event_id: str = event_id) -> bool:
            return claim_event(session, event_id=event_id)

        assert sorted(race(db_sessions, deliver, deliver, deliver)) == [False, False, True]


def test_the_two_events_of_one_share_racing_make_one_document(
    db_sessions: Factory, team: str
) -> None:
    for round_number in range(ROUNDS):
        file_id = f"F{round_number}"

        def share(session: Session, file_id: str = file_id) -> tuple[str, bool]:
            document, created = create_or_get_document_for_file(
                session, team_id=team, slack_file_id=file_id, title="Deck.pdf", shared_by="U1"
            )
            return document.id, created

        outcomes = race(db_sessions, share, share)
        assert len({document_id for document_id, _ in outcomes}) == 1
        assert sorted(created for _, created in outcomes) == [False, True]
    with session_scope(db_sessions) as session:
        count = session.scalar(
            select(func.count()).select_from(Document).where(Document.team_id == team)
        )
    assert count == ROUNDS
