"""Revision 0002 keeps every row both ways, on SQLite and PostgreSQL.

On SQLite a batch operation that copied ``documents`` would drop the original table,
and with foreign keys on that deletes every share and unlinks every answer source.
"""

from __future__ import annotations

from sqlalchemy import text

from ragtime.db import make_engine
from ragtime.db.migrate import downgrade, upgrade

ROWS = [
    "INSERT INTO documents (id, team_id, title, status, attempts, workspace_wide, version,"
    " queued_at) VALUES ('d1', 'T1', 'guide.pdf', 'indexed', 1, false, 1, CURRENT_TIMESTAMP)",
    "INSERT INTO document_conversations (document_id, conversation_id, shared_at)"
    " VALUES ('d1', 'C1', CURRENT_TIMESTAMP)",
]


def scalar(url: str, sql: str) -> object:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def test_shares_and_documents_survive_the_upgrade_and_the_downgrade(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    upgrade(url, "0001")
    execute(url, *ROWS)

    upgrade(url, "0002")
    execute(
        url,
        "UPDATE document_conversations SET message_ts = '1.2'",
        "UPDATE documents SET permalink = 'https://acme.slack.com/files/F1'",
    )
    assert scalar(url, "SELECT message_ts FROM document_conversations") == "1.2"

    downgrade(url, "0001")
    assert scalar(url, "SELECT count(*) FROM document_conversations") == 1
    assert scalar(url, "SELECT title FROM documents") == "guide.pdf"
