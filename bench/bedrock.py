"""What an answer costs on Bedrock, and what the worker adds around the model.

    python -m bench.bedrock [--questions 33]

1. Prompt size at k=5 on ../shared/eval (the three PDFs and the two manuals in one
   index, the local model, retrieval as in production): characters of the system
   prompt + passages + question, and tokens estimated at 4 characters a token
   (Anthropic's rule of thumb for English; the real count depends on the model's
   tokenizer). Then dollars per thousand questions at the prices given.
2. The worker's own time per question with the Bedrock generator, against the local
   Bedrock stand-in (which answers at once): load the question, embed, search, build
   the request, the HTTP round trip through real boto3, parse the stream, record the
   answer, post it to a local fake of Slack. Beside it the same with the extractive
   generator: the difference is what the Bedrock path adds besides the model's time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import EVAL, scratch_dir
from ragtime.generation.bedrock import BedrockSettings, converse_request

CHARS_PER_TOKEN = 4.0


def questions() -> list[dict[str, Any]]:
    import json

    lines = []
    for path in (EVAL / "questions.jsonl", EVAL / "manuals" / "questions.jsonl"):
        lines += [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    return lines


def prompt_sizes(work: Path, asked: list[dict[str, Any]]) -> list[int]:
    from ragtime.bootstrap import build_services
    from ragtime.domain import DocumentScope, Scope
    from ragtime.local_files import find_pdfs, ingest_files
    from ragtime.pipeline import search
    from ragtime.settings import load_settings

    services = build_services(load_settings(data_dir=work / "data"))
    pdfs = find_pdfs([EVAL / "pdfs", EVAL / "manuals" / "pdfs"])
    ingest_files(services, pdfs, DocumentScope("local"))
    config = BedrockSettings(model="any", region="us-east-1")
    sizes = []
    for q in asked:
        hits, _ = search(services, question=q["question"], scope=Scope("local", None), k=5)
        request = converse_request(config, q["question"], hits, [])
        text = request["system"][0]["text"] + request["messages"][-1]["content"][0]["text"]
        sizes.append(len(text))
    services.close()
    return sizes


def worker_times(work: Path, asked: list[dict[str, Any]], generator: str) -> list[float]:
    from ragtime.bootstrap import build_services
    from ragtime.db import session_scope
    from ragtime.db.questions import record_question, set_answer_message
    from tests.standins.bedrock import BedrockStandIn
    from tests.unit.test_worker_fake_slack import (
        FakeSlack,
        migrate,
        shared_document,
        worker_settings,
    )
    from worker.answering import answer_slack_question
    from worker.context import build_context
    from worker.ingesting import ingest_slack_file

    times = []
    with FakeSlack() as slack, BedrockStandIn() as bedrock:
        os.environ.update(
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME=bedrock.url,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
        )
        settings = worker_settings(
            work / generator, slack, embedder="local", generator=generator, aws_region="us-east-1"
        )
        migrate(settings)
        ctx = build_context(settings, services=build_services(settings))
        for i, pdf in enumerate(sorted((EVAL / "pdfs").glob("*.pdf"))):
            slack.add_file(f"F{i}", pdf.read_bytes(), name=pdf.name)
            ingest_slack_file(ctx, shared_document(ctx, file_id=f"F{i}", title=pdf.name))
        ctx.services.embedder.embed_query("warm up")
        for n, q in enumerate(asked * 3):
            with session_scope(ctx.sessions) as session:
                row = record_question(
                    session, team_id="T1", conversation_id="C1", user_id="U1",
                    text=q["question"], asked_via="mention", thread_ts=f"1700000000.{n:06d}",
                )  # fmt: skip
                set_answer_message(session, question_id=row.id, channel="C1", ts="1700000001.0")
            started = time.perf_counter()
            answer_slack_question(ctx, row.id)
            times.append((time.perf_counter() - started) * 1000)
        ctx.close()
    return times[len(asked) :]  # the first round warms every path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--input-price", type=float, default=0.80, help="$ per million input tokens"
    )
    parser.add_argument("--output-price", type=float, default=4.00, help="$ per million output")
    parser.add_argument("--output-tokens", type=int, default=120, help="assumed per answer")
    args = parser.parse_args()
    asked = questions()
    work = scratch_dir("bench-bedrock")

    sizes = prompt_sizes(work, asked)
    tokens = [s / CHARS_PER_TOKEN for s in sizes]
    mean = statistics.mean(tokens)
    cost = (mean * args.input_price + args.output_tokens * args.output_price) / 1000
    print(
        f"prompt at k=5, {len(asked)} eval questions: {statistics.mean(sizes):.0f} chars mean,"
        f" max {max(sizes)}; ~{mean:.0f} tokens mean (at {CHARS_PER_TOKEN:.0f} chars/token)"
    )
    print(
        f"cost per 1000 questions at ${args.input_price}/M in, ${args.output_price}/M out,"
        f" {args.output_tokens} tokens out: ${cost:.2f}"
    )

    for generator in ("extractive", "bedrock"):
        times = worker_times(work, asked[:21], generator)
        p50 = statistics.median(times)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(
            f"worker per question ({generator}, {len(times)} asked): p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )


if __name__ == "__main__":
    main()
