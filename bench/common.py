"""Helpers shared by the benchmarks: the eval set, a scratch index, the scorer."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"


def eval_pdfs() -> list[Path]:
    return sorted((EVAL / "pdfs").glob("*.pdf"))


def eval_questions(set_name: str = "pdfs") -> list[dict[str, Any]]:
    """The questions of one public set: "pdfs" (questions.jsonl) or "manuals"."""
    path = EVAL / "questions.jsonl" if set_name == "pdfs" else EVAL / "manuals" / "questions.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def all_eval_pdfs() -> list[Path]:
    """Both sets' PDFs: they go into one index, each the other's distractors."""
    return [*eval_pdfs(), *sorted((EVAL / "manuals" / "pdfs").glob("*.pdf"))]


EVAL_SETS = ("pdfs", "manuals")


def scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_retrieval", EVAL / "score_retrieval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"ragtime-{prefix}-"))
