"""The queries, on SQLite and PostgreSQL, one transaction per step as the bot and worker do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ragtime.db import session_scope
from ragtime.db.answers import CitedSource, answer_with_sources, record_answer
from ragtime.db.audit import claim_event, forget_events_before, recent_audit, record_audit
from ragtime.db.documents import (
    create_document,
    create_or_get_document_for_file,
    delete_document,
    document_scope,
    documents_visible_in,
    documents_with_sha256,
    get_document,
    mark_document_deleted,
    mark_document_failed,
    mark_document_indexed,
    publish_document,
    queue_document_reindex,
    share_document,
    start_document_indexing,
    unshare_document,
)
from ragtime.db.feedback import record_feedback, user_vote, vote_counts
from ragtime.db.models import Feedback, Question, Vote
from ragtime.db.questions import (
    get_question,
    mark_question,
    purge_question_text,
    record_question,
    set_answer_message,
    thread_history,
)
from ragtime.db.stats import WorkspaceStats, workspace_stats
from ragtime.domain import DocumentScope

Factory = sessionmaker[Session]


def ask(
    db_sessions: Factory, team: str, text: str, *, thread_ts: str | None = None,
    asked_at: datetime | None = None,
) -> str:  # fmt: skip
    with session_scope(db_sessions) as session:
        question = record_question(
            session, team_id=team, conversation_id="C1", user_id="U1", text=text,
            asked_via="mention", thread_ts=thread_ts, asked_at=asked_at,
        )  # fmt: skip
        return question.id


def answer(
    db_sessions: Factory, question_id: str, text: str, *, total_ms: float = 100.0,
    sources: list[CitedSource] | None = None,
) -> str:  # fmt: skip
    with session_scope(db_sessions) as session:
        recorded = record_answer(
            session, question_id=question_id, text=text, generator="extractive",
            embed_ms=5.0, search_ms=10.0, generate_ms=total_ms - 15.0, total_ms=total_ms,
            sources=sources or [],
        )  # fmt: skip
        mark_question(session, question_id=question_id, status="answered")
        return recorded.id


def indexed_document(db_sessions: Factory, team: str, title: str) -> str:
    with session_scope(db_sessions) as session:
        document = create_document(session, team_id=team, title=title, shared_by="U1")
        mark_document_indexed(session, document_id=document.id, pages=3, chunk_count=7)
        return document.id


def test_the_two_events_of_one_share_make_one_document(db_sessions: Factory, team: str) -> None:
    results = []
    for _ in range(2):
        with session_scope(db_sessions) as session:
            document, created = create_or_get_document_for_file(
                session, team_id=team, slack_file_id="F1", title="Rules.pdf", shared_by="U1"
            )
            share_document(session, document_id=document.id, conversation_id="C1")
            results.append((document.id, created, document.status))
    assert results[0][0] == results[1][0]
    assert [created for _, created, _ in results] == [True, False]
    assert results[0][2] == "queued"
    with session_scope(db_sessions) as session:
        scope = document_scope(session, document_id=results[0][0])
    assert scope == DocumentScope(team_id=team, conversations=frozenset({"C1"}))


def test_a_question_sees_documents_of_its_conversation_and_published_ones(
    db_sessions: Factory, team: str
) -> None:
    private = indexed_document(db_sessions, team, "A private plan")
    published = indexed_document(db_sessions, team, "B handbook")
    forgotten = indexed_document(db_sessions, team, "C old deck")
    with session_scope(db_sessions) as session:
        assert share_document(session, document_id=private, conversation_id="G-private")
        assert not share_document(session, document_id=private, conversation_id="G-private")
        share_document(session, document_id=published, conversation_id="C-general")
        share_document(session, document_id=forgotten, conversation_id="G-private")
        publish_document(session, document_id=published)
        mark_document_deleted(session, document_id=forgotten)
    with session_scope(db_sessions) as session:
        in_private = documents_visible_in(session, team_id=team, conversation_id="G-private")
        elsewhere = documents_visible_in(session, team_id=team, conversation_id="C-random")
        other_team = documents_visible_in(session, team_id="T-other", conversation_id="G-private")
        scope = document_scope(session, document_id=published)
    assert [d.title for d in in_private] == ["A private plan", "B handbook"]
    assert [d.title for d in elsewhere] == ["B handbook"]
    assert other_team == []
    assert scope == DocumentScope(team, frozenset({"C-general"}), workspace_wide=True)
    with session_scope(db_sessions) as session:
        assert unshare_document(session, document_id=private, conversation_id="G-private")
        assert documents_visible_in(session, team_id=team, conversation_id="G-private") == [
            get_document(session, document_id=published)
        ]


def test_indexing_counts_attempts_and_re_indexing_raises_the_version(
    db_sessions: Factory, team: str
) -> None:
    with session_scope(db_sessions) as session:
        document_id = create_document(session, team_id=team, title="Manual.pdf").id
    with session_scope(db_sessions) as session:
        started = start_document_indexing(session, document_id=document_id)
        assert started is not None and (started.status, started.attempts) == ("indexing", 1)
        failed = mark_document_failed(session, document_id=document_id, error="Not a PDF.")
        assert failed is not None and (failed.status, failed.error) == ("failed", "Not a PDF.")
    for expected_version in (1, 2):
        with session_scope(db_sessions) as session:
            queue_document_reindex(session, document_id=document_id)
            start_document_indexing(session, document_id=document_id)
            done = mark_document_indexed(
                session, document_id=document_id, pages=12, chunk_count=40,
                sha256="ab" * 32, size_bytes=123_456, blob_key=f"{team}/{document_id}.pdf",
            )  # fmt: skip
            assert done is not None
            assert (done.status, done.version, done.error) == ("indexed", expected_version, None)
    with session_scope(db_sessions) as session:
        document = get_document(session, document_id=document_id)
        assert document is not None
        assert (document.attempts, document.pages, document.chunk_count) == (3, 12, 40)
        assert document.indexed_at is not None and document.indexed_at.tzinfo is not None
        assert documents_with_sha256(session, team_id=team, sha256="ab" * 32) == [document]
        mark_document_deleted(session, document_id=document_id)
    with session_scope(db_sessions) as session:
        # A stale ingest task must not bring a deleted document back.
        assert start_document_indexing(session, document_id=document_id) is None
        assert mark_document_indexed(
            session, document_id=document_id, pages=1, chunk_count=1
        ) is None  # fmt: skip


@pytest.mark.parametrize("deletion", ["soft", "hard"])
def test_answers_stay_readable_after_their_document_is_deleted(
    db_sessions: Factory, team: str, deletion: str
) -> None:
    kept = indexed_document(db_sessions, team, "Kept.pdf")
    doomed = indexed_document(db_sessions, team, "Doomed.pdf")
    question_id = ask(db_sessions, team, "What is the refund policy?")
    answer_id = answer(db_sessions, question_id, "Thirty days [1][2].", sources=[
        CitedSource(doomed, "Doomed.pdf", 4, 5, 0.91),
        CitedSource(kept, "Kept.pdf", 2, 2, 0.5),
    ])  # fmt: skip
    with session_scope(db_sessions) as session:
        if deletion == "soft":
            mark_document_deleted(session, document_id=doomed)
        else:
            assert delete_document(session, document_id=doomed)
    with session_scope(db_sessions) as session:
        view = answer_with_sources(session, answer_id=answer_id)
    assert view is not None and view.answer.text == "Thirty days [1][2]."
    first, second = view.sources
    assert (first.rank, first.title, first.page_start, first.page_end) == (1, "Doomed.pdf", 4, 5)
    assert first.removed and first.score == pytest.approx(0.91)
    assert first.document_id == (doomed if deletion == "soft" else None)
    assert (second.title, second.document_id, second.removed) == ("Kept.pdf", kept, False)


def test_a_source_whose_document_is_already_gone_is_stored_as_removed(
    db_sessions: Factory, team: str
) -> None:
    question_id = ask(db_sessions, team, "Where did it go?")
    answer_id = answer(db_sessions, question_id, "Here.", sources=[
        CitedSource("no-such-document", "Gone.pdf", 1, 1, None)
    ])  # fmt: skip
    with session_scope(db_sessions) as session:
        view = answer_with_sources(session, answer_id=answer_id)
    assert view is not None
    assert [(s.title, s.document_id, s.removed) for s in view.sources] == [("Gone.pdf", None, True)]


def test_a_second_click_changes_the_vote_and_never_adds_a_row(
    db_sessions: Factory, team: str
) -> None:
    answer_id = answer(db_sessions, ask(db_sessions, team, "Is it good?"), "Yes.")
    votes: list[Vote] = ["up", "up", "down"]
    for vote in votes:
        with session_scope(db_sessions) as session:
            record_feedback(session, answer_id=answer_id, user_id="U7", vote=vote)
    with session_scope(db_sessions) as session:
        record_feedback(session, answer_id=answer_id, user_id="U8", vote="down")
    with session_scope(db_sessions) as session:
        rows = session.scalars(
            select(Feedback).where(Feedback.answer_id == answer_id).order_by(Feedback.user_id)
        ).all()
        assert [(row.user_id, row.vote) for row in rows] == [("U7", "down"), ("U8", "down")]
        assert rows[0].changed_at > rows[0].voted_at
        assert rows[1].changed_at == rows[1].voted_at
        assert user_vote(session, answer_id=answer_id, user_id="U7") == "down"
        assert vote_counts(session, answer_id=answer_id) == {"up": 0, "down": 2}


def test_an_event_id_is_claimed_once(db_sessions: Factory, team: str) -> None:
    event_id = f"Ev{team}"
    outcomes = []
    for _ in range(3):
        with session_scope(db_sessions) as session:
            outcomes.append(claim_event(session, event_id=event_id))
    assert outcomes == [True, False, False]
    with session_scope(db_sessions) as session:
        assert forget_events_before(session, older_than=datetime.now(UTC) + timedelta(1)) >= 1
        assert claim_event(session, event_id=event_id)


def test_thread_history_gives_earlier_turns_oldest_first(db_sessions: Factory, team: str) -> None:
    start = datetime.now(UTC) - timedelta(minutes=10)
    for n in range(7):
        question_id = ask(
            db_sessions, team, f"q{n}", thread_ts="111.1", asked_at=start + timedelta(n)
        )
        answer(db_sessions, question_id, f"a{n}")
    ask(db_sessions, team, "the current one, not answered yet", thread_ts="111.1")
    ask(db_sessions, team, "another thread", thread_ts="222.2")
    with session_scope(db_sessions) as session:
        turns = thread_history(
            session, team_id=team, conversation_id="C1", thread_ts="111.1", limit=5
        )
    assert [(t.question, t.answer) for t in turns] == [(f"q{n}", f"a{n}") for n in range(2, 7)]


def test_a_question_records_where_its_answer_was_posted(db_sessions: Factory, team: str) -> None:
    question_id = ask(db_sessions, team, "Who signs off?")
    with session_scope(db_sessions) as session:
        set_answer_message(session, question_id=question_id, channel="C1", ts="1700.0001")
        mark_question(session, question_id=question_id, status="failed", error="Timed out.")
    with session_scope(db_sessions) as session:
        question = get_question(session, question_id=question_id)
    assert question is not None
    assert (question.answer_channel, question.answer_ts) == ("C1", "1700.0001")
    assert (question.status, question.error, question.asked_via) == (
        "failed",
        "Timed out.",
        "mention",
    )
    assert question.asked_at.tzinfo is not None


def test_purging_old_question_text_keeps_counts_answers_and_votes(
    db_sessions: Factory, team: str
) -> None:
    old = ask(
        db_sessions, team, "my salary question", asked_at=datetime.now(UTC) - timedelta(days=40)
    )
    recent = ask(db_sessions, team, "a fresh question")
    old_answer = answer(db_sessions, old, "Salaries are on page 3.")
    with session_scope(db_sessions) as session:
        record_feedback(session, answer_id=old_answer, user_id="U1", vote="down")
    before = _stats(db_sessions, team)
    cutoff = datetime.now(UTC) - timedelta(days=30)
    with session_scope(db_sessions) as session:
        purged = purge_question_text(session, older_than=cutoff)
    with session_scope(db_sessions) as session:
        assert purged == 1
        old_question, recent_question = (session.get(Question, i) for i in (old, recent))
        assert old_question is not None and recent_question is not None
        assert (old_question.text, old_question.status) == ("", "answered")
        assert old_question.text_purged_at is not None
        assert recent_question.text == "a fresh question"
        view = answer_with_sources(session, answer_id=old_answer)
        assert view is not None and view.answer.text == "Salaries are on page 3."
        assert purge_question_text(session, older_than=cutoff) == 0
    after = _stats(db_sessions, team)
    assert (after.questions, after.answered, after.downvotes) == (
        before.questions, before.answered, before.downvotes,
    )  # fmt: skip


def _stats(db_sessions: Factory, team: str) -> WorkspaceStats:
    with session_scope(db_sessions) as session:
        return workspace_stats(session, team_id=team)


def test_workspace_stats_give_the_answer_rate_votes_and_the_worst_answers(
    db_sessions: Factory, team: str
) -> None:
    answered = []
    for n, total_ms in enumerate([120.0, 900.0, 300.0, 50.0, 700.0, 400.0]):
        answered.append(
            answer(db_sessions, ask(db_sessions, team, f"q{n}"), f"a{n}", total_ms=total_ms)
        )
    with session_scope(db_sessions) as session:
        not_found = record_question(session, team_id=team, conversation_id="C1", user_id="U2",
                                    text="capital of France?", asked_via="slash_command")  # fmt: skip
        mark_question(session, question_id=not_found.id, status="not_found")
        votes: dict[tuple[str, str], Vote] = {(answered[0], "U1"): "down", (answered[0], "U2"): "down",
                 (answered[1], "U1"): "down", (answered[1], "U2"): "up",
                 (answered[2], "U1"): "up"}  # fmt: skip
        for (answer_id, user), vote in votes.items():
            record_feedback(session, answer_id=answer_id, user_id=user, vote=vote)
    ask(db_sessions, "T-someone-else", "not counted")
    stats = _stats(db_sessions, team)
    assert (stats.questions, stats.answered, stats.not_found, stats.failed) == (7, 6, 1, 0)
    assert stats.answer_rate == pytest.approx(6 / 7)
    assert (stats.upvotes, stats.downvotes) == (2, 3)
    assert [s.total_ms for s in stats.slowest] == [900.0, 700.0, 400.0, 300.0, 120.0]
    assert stats.slowest[0].question == "q1"
    worst = [(d.question, d.downvotes, d.upvotes) for d in stats.most_downvoted]
    assert worst == [("q0", 2, 0), ("q1", 1, 1)]
    empty = _stats(db_sessions, "T-nobody")
    assert (empty.questions, empty.answer_rate, empty.slowest) == (0, 0.0, ())


def test_admin_actions_are_audited(db_sessions: Factory, team: str) -> None:
    with session_scope(db_sessions) as session:
        record_audit(session, team_id=team, user_id="UADMIN", action="reindex", target="all",
                     outcome="succeeded", detail="12 documents")  # fmt: skip
        record_audit(session, team_id=team, user_id="U9", action="forget", target="D1",
                     outcome="denied")  # fmt: skip
    with session_scope(db_sessions) as session:
        entries = recent_audit(session, team_id=team)
    assert [(e.user_id, e.action, e.target, e.outcome) for e in entries] == [
        ("U9", "forget", "D1", "denied"),
        ("UADMIN", "reindex", "all", "succeeded"),
    ]
    assert all(e.at.tzinfo is not None for e in entries)


def test_a_failing_block_leaves_nothing_behind(db_sessions: Factory, team: str) -> None:
    with pytest.raises(RuntimeError), session_scope(db_sessions) as session:
        create_document(session, team_id=team, title="Half-made.pdf")
        raise RuntimeError("the worker crashed")
    with session_scope(db_sessions) as session:
        count = session.scalar(select(func.count()).select_from(Question).where(
            Question.team_id == team))  # fmt: skip
        assert count == 0
        assert documents_visible_in(session, team_id=team, conversation_id="C1") == []
