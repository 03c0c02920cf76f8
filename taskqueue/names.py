"""Task names and queues: the contract between the bot (which enqueues) and the worker.

Kept free of imports so the bot can enqueue by name without loading the tasks.
"""

from __future__ import annotations

ANSWER_QUEUE = "answer"
INGEST_QUEUE = "ingest"
MAINTENANCE_QUEUE = "maintenance"

# kwargs: question_id, and reply_url (a response_url) when the bot can't post there
ANSWER_QUESTION = "ragtime.answer_question"
# kwargs: document_id
INGEST_DOCUMENT = "ragtime.ingest_document"
# kwargs: document_id  (file deleted or unshared in Slack, or `/ragtime forget`)
FORGET_DOCUMENT = "ragtime.forget_document"
# kwargs: document_id  (shared in another conversation, or published workspace-wide)
SYNC_DOCUMENT_SCOPE = "ragtime.sync_document_scope"
# kwargs: team_id, user_id, target ("all" or a document id), channel_id, message_ts
REINDEX = "ragtime.reindex"
# no kwargs  (periodic: the index made to match the database, see worker.reconciling)
RECONCILE = "ragtime.reconcile"
# no kwargs  (every minute: questions whose task was lost are failed, see worker.sweeping)
SWEEP_QUESTIONS = "ragtime.sweep_questions"

QUEUE_OF = {
    ANSWER_QUESTION: ANSWER_QUEUE,
    INGEST_DOCUMENT: INGEST_QUEUE,
    FORGET_DOCUMENT: MAINTENANCE_QUEUE,
    SYNC_DOCUMENT_SCOPE: MAINTENANCE_QUEUE,
    REINDEX: MAINTENANCE_QUEUE,
    RECONCILE: MAINTENANCE_QUEUE,
    SWEEP_QUESTIONS: MAINTENANCE_QUEUE,
}

# The bot takes this lock (ragtime.db.locks.acquire_lock, holder=the admin's user id) when
# it accepts `/ragtime reindex`; the REINDEX task releases it when done. The time to live
# outlasts the maintenance queue's hard time limit, so a killed worker frees it too.
# Longer than a re-index may wait in the queue (1 h) plus its hard time limit (55 min).
REINDEX_LOCK_TTL_SECONDS = 2 * 3600


def reindex_lock_name(team_id: str) -> str:
    """The lock that allows one re-index per workspace at a time."""
    return f"reindex:{team_id}"
