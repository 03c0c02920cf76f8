"""The embedded store's SQLite file: its schema, its pragmas, and whose vectors it holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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


class IndexMismatchError(Exception):
    """The index on disk was built by a different embedder than the one configured."""


def open_index(path: Path, embedder: str) -> sqlite3.Connection:
    """Open (creating if needed) the index at ``path``, built by ``embedder`` ("name/dim")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 60000")
    # WAL: one writer and many readers in other processes at once.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('embedder', ?)", (embedder,))
    found = conn.execute("SELECT value FROM meta WHERE key = 'embedder'").fetchone()[0]
    if found != embedder:
        conn.close()
        raise IndexMismatchError(
            f"The index at {path.parent} was built with the {found} embedder, not "
            f"{embedder}; use another index directory or re-index every document."
        )
    return conn
