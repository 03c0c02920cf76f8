"""Retrieval quality with the real model on ../shared/eval: the same path `ragtime search` takes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from ragtime.cli import main
from tests.conftest import EVAL_DIR

pytestmark = pytest.mark.integration


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score", EVAL_DIR / "score_retrieval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recall_at_5_on_the_eval_set(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    assert main(["--index", index, "ingest", str(EVAL_DIR / "pdfs")]) == 0
    capsys.readouterr()

    questions = EVAL_DIR / "questions.jsonl"
    assert (
        main(["--index", index, "search", "--queries", str(questions), "--k", "5", "--json"]) == 0
    )
    results = tmp_path / "results.jsonl"
    results.write_text(capsys.readouterr().out)

    scorer = _scorer()
    by_id = {}
    for line in results.read_text().splitlines():
        row = json.loads(line)
        by_id[row["id"]] = row["results"]
    score = scorer.score(scorer.load_jsonl(str(questions)), by_id, 5)
    assert score["recall@5"] >= 0.95, score
    assert score["recall@1"] >= 0.75, score
