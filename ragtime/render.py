"""Answers and search results as text, the way the bot posts them."""

from __future__ import annotations

import json
from pathlib import Path

from ragtime.domain import Answer, Hit


def answer_text(answer: Answer) -> str:
    if not answer.found:
        return answer.text
    sources = [
        f"[{c.number}] {c.title}, {c.pages}" + (f" <{c.link}>" if c.link else "")
        for c in answer.citations
    ]
    return "\n".join([answer.text, "", "Sources:", *sources])


def hit_record(hit: Hit) -> dict[str, object]:
    """One result in the stable ``ragtime search --json`` format (pages are 1-based)."""
    return {
        "doc": hit.title,
        "page_start": hit.chunk.page_start,
        "page_end": hit.chunk.page_end,
        "text": hit.chunk.text,
        "score": round(hit.score, 6),
    }


def hits_json(query_id: object, hits: list[Hit]) -> str:
    return json.dumps({"id": query_id, "results": [hit_record(h) for h in hits]})


def hits_text(hits: list[Hit]) -> str:
    if not hits:
        return "No results."
    lines = []
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        pages = (
            f"p. {chunk.page_start}"
            if chunk.page_start == chunk.page_end
            else f"pp. {chunk.page_start}-{chunk.page_end}"
        )
        snippet = " ".join(chunk.text.split())[:160]
        lines.append(f"{rank}. {hit.score:.3f}  {Path(hit.title).name}, {pages}\n   {snippet}")
    return "\n".join(lines)
