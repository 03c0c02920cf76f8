"""The keyword (BM25) leg of the embedded store, and the scope tokens every chunk carries.

Scope is part of the FTS5 query itself: each chunk's ``scope`` column holds one
token per conversation it was shared in (and one for "workspace-wide"), and a
question must match one of its asker's tokens. The column weighs nothing in BM25.
"""

from __future__ import annotations

import hashlib
import sqlite3

from ragtime.domain import DocumentScope, Scope
from ragtime.vectorstore.keywords import keywords, match_expression

# Words in more than 5% of an index of more than 2,000 chunks are left out of the keyword leg.
COMMON_FRACTION = 0.05
COMMON_FLOOR = 2000


def scope_tokens(scope: DocumentScope) -> str:
    tokens = [_token("c", scope.team_id, c) for c in sorted(scope.conversations)]
    if scope.workspace_wide:
        tokens.append(_token("w", scope.team_id))
    return " ".join(tokens)


def asker_tokens(scope: Scope) -> list[str]:
    assert scope.conversation is not None
    return [_token("c", scope.team_id, scope.conversation), _token("w", scope.team_id)]


def _token(*parts: str) -> str:
    # Hashed so that any id survives FTS5 tokenisation as one alphanumeric word.
    return "s" + hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()


def keyword_leg(
    conn: sqlite3.Connection, text: str, scope: Scope | None, limit: int, index_size: int
) -> dict[int, float]:
    expression = match_expression(_discriminating(conn, keywords(text), index_size))
    if expression is None:
        return {}
    where, params = "", []
    if scope is not None and scope.conversation is not None:
        expression = f"scope : ({' OR '.join(asker_tokens(scope))}) AND {expression}"
    elif scope is not None:  # the operator's view of one workspace
        where = (
            " AND rowid IN (SELECT rowid FROM chunks WHERE doc_key IN"
            " (SELECT doc_key FROM documents WHERE team_id = ?))"
        )
        params = [scope.team_id]
    rows = conn.execute(
        # bm25() is lower-is-better and the scope column weighs nothing.
        f"SELECT rowid, -bm25(chunks_fts, 1.0, 0.0) FROM chunks_fts WHERE chunks_fts MATCH ?"
        f"{where} ORDER BY bm25(chunks_fts, 1.0, 0.0) LIMIT ?",
        (expression, *params, limit),
    ).fetchall()
    return {int(rowid): float(score) for rowid, score in rows}


def _discriminating(conn: sqlite3.Connection, words: list[str], rows: int) -> list[str]:
    """Drop words found in more than COMMON_FRACTION of a large index.

    Their BM25 weight is small, yet ranking them means scoring a large part of
    the index (the same trade Lucene's common-terms query makes). Counting stops
    at the cut-off, so the check costs little. If every word is common, all stay.
    """
    cutoff = max(COMMON_FLOOR, int(rows * COMMON_FRACTION))
    if rows <= cutoff or len(words) < 2:
        return words
    kept = [
        word
        for word in words
        if conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
            (f'text : "{word}"', cutoff + 1),
        ).fetchone()[0]
        <= cutoff
    ]
    return kept or words
