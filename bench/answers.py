"""Answers that answer, refusals that refuse: what `ragtime ask` prints on ../shared/eval.

    python -m bench.answers [--show]

Both public sets' PDFs in one index, the laptop defaults (local model, extractive
generator). For every answerable question: is its expected answer string in the
printed answer, and in the answer's first sentence? For the unanswerable ones in
bench/unanswerable.jsonl (questions written for this, many on a nearby topic: a
sibling library's function, an option a tool doesn't have, a rule of another
game): does it say it couldn't find it? Prints the counts; ``--show`` prints every
answer too.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from bench.common import EVAL_SETS, all_eval_pdfs, eval_questions, scratch_dir
from ragtime.bootstrap import build_services
from ragtime.domain import DocumentScope, Scope
from ragtime.local_files import ingest_files
from ragtime.pipeline import answer_question
from ragtime.settings import load_settings

UNANSWERABLE = Path(__file__).resolve().parent / "unanswerable.jsonl"
_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip().lower()


def unanswerable() -> list[dict[str, Any]]:
    return [json.loads(x) for x in UNANSWERABLE.read_text().splitlines() if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    services = build_services(load_settings(data_dir=scratch_dir("bench-answers")))
    ingest_files(services, all_eval_pdfs(), DocumentScope("local"))
    scope = Scope("local", None)
    for set_name in EVAL_SETS:
        questions = eval_questions(set_name)
        found = first = refused = 0
        for q in questions:
            answer = answer_question(services, question=q["question"], scope=scope)
            text = norm(answer.text)
            lead = norm(re.split(r"(?<=[.!?])\s|\[\d+\]", answer.text, maxsplit=1)[0])
            found += norm(q["answer"]) in text
            first += norm(q["answer"]) in lead
            refused += not answer.found
            if args.show:
                mark = "OK " if norm(q["answer"]) in text else "-- "
                print(f"{mark}{q['id']} {q['question']}\n    {answer.text[:300]!r}")
        n = len(questions)
        print(
            f"{set_name}: expected answer printed {found}/{n}, in the first sentence {first}/{n};"
            f" refused {refused}/{n}"
        )
    out = unanswerable()
    wrongly = []
    for q in out:
        answer = answer_question(services, question=q["question"], scope=scope)
        if answer.found:
            wrongly.append(q["id"])
            if args.show:
                print(f"ANSWERED {q['id']} {q['question']}\n    {answer.text[:200]!r}")
    print(f"unanswerable: refused {len(out) - len(wrongly)}/{len(out)}; answered: {wrongly or '-'}")
    services.close()


if __name__ == "__main__":
    main()
