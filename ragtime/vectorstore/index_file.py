"""The embedded store's SQLite file: its schema, its pragmas, and whose vectors it holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ragtime.errors import IndexMismatchError
from ragtime.vectorstore import mismatch_sentence

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_key INTEGER PRIMARY KEY, document_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
    link TEXT NOT NULL, team_id TEXT NOT NULL, conversations TEXT NOT NULL,
    workspace_wide INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL UNIQUE,
    doc_key INTEGER NOT NULL, ordinal INTEGER NOT NULL, page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_key);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, scope, tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_key INTEGER NOT NULL);
"""


def open_index(path: Path, embedder: str, *, reset: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the index at ``path``, built by ``embedder`` ("name/dim").

    ``reset`` empties it first and records ``embedder`` (after a change of embedder).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 60000")
    # WAL: one writer and many readers in other processes at once.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    if reset:
        _empty(conn, embedder)
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('embedder', ?)", (embedder,))
    found = conn.execute("SELECT value FROM meta WHERE key = 'embedder'").fetchone()[0]
    if found != embedder:
        conn.close()
        raise IndexMismatchError(mismatch_sentence(f"at {path.parent}", found, embedder))
    return conn


def _empty(conn: sqlite3.Connection, embedder: str) -> None:
    # Rows are deleted, not tables dropped: the change log tells other processes
    # sharing the index that every document is gone, and rowids keep ascending.
    conn.executescript(
        "BEGIN IMMEDIATE;"
        "INSERT INTO changes (doc_key) SELECT doc_key FROM documents;"
        "DELETE FROM chunks_fts; DELETE FROM chunks; DELETE FROM documents;"
        "DELETE FROM meta WHERE key = 'embedder';"
    )
    conn.execute("INSERT INTO meta (key, value) VALUES ('embedder', ?)", (embedder,))
    conn.execute("COMMIT")
