"""The embedded store's in-memory view of its documents and who may see them."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from ragtime.domain import Scope


@dataclass(frozen=True, slots=True)
class DocumentRow:
    doc_key: int
    document_id: str
    title: str
    link: str
    team_id: str
    conversations: frozenset[str]
    workspace_wide: bool


class Catalog:
    """Documents by key, plus the indexes that answer "what may this asker see?"."""

    def __init__(self) -> None:
        self._docs: dict[int, DocumentRow] = {}
        self._by_conversation: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
        self._workspace_wide: defaultdict[str, set[int]] = defaultdict(set)
        self._by_team: defaultdict[str, set[int]] = defaultdict(set)

    def load(self, conn: sqlite3.Connection, doc_key: int) -> None:
        """Re-read one document's row (it may be gone)."""
        self._forget(doc_key)
        row = conn.execute(
            "SELECT doc_key, document_id, title, link, team_id, conversations, workspace_wide "
            "FROM documents WHERE doc_key = ?",
            (doc_key,),
        ).fetchone()
        if row is None:
            return
        doc = DocumentRow(
            row[0], row[1], row[2], row[3], row[4], frozenset(json.loads(row[5])), bool(row[6])
        )
        self._docs[doc_key] = doc
        self._by_team[doc.team_id].add(doc_key)
        for conversation in doc.conversations:
            self._by_conversation[(doc.team_id, conversation)].add(doc_key)
        if doc.workspace_wide:
            self._workspace_wide[doc.team_id].add(doc_key)

    def visible(self, scope: Scope) -> set[int]:
        """Documents shared in the asker's conversation or published to their workspace.

        No conversation: every document of the workspace (the operator's view).
        """
        if scope.conversation is None:
            return set(self._by_team.get(scope.team_id, set()))
        return self._by_conversation.get(
            (scope.team_id, scope.conversation), set()
        ) | self._workspace_wide.get(scope.team_id, set())

    def get(self, doc_key: int) -> DocumentRow:
        return self._docs[doc_key]

    def rows(self) -> list[DocumentRow]:
        return sorted(self._docs.values(), key=lambda d: d.title)

    def _forget(self, doc_key: int) -> None:
        old = self._docs.pop(doc_key, None)
        if old is None:
            return
        for conversation in old.conversations:
            self._by_conversation[(old.team_id, conversation)].discard(doc_key)
        self._workspace_wide[old.team_id].discard(doc_key)
        self._by_team[old.team_id].discard(doc_key)
