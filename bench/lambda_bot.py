"""The bot on Lambda against the WSGI bot: cold import, memory, and warm request time.

    python -m bench.lambda_bot [--requests 200]

Cold: a fresh interpreter imports ``bot.lambda_handler`` (what a Lambda cold start
pays before the first byte of work), then builds the app on its first event; the
process's peak RSS afterwards, and whether torch, onnxruntime, weaviate or
sentence-transformers were loaded (they must not be). Warm: signed ``/ask`` events
handed to the handler in-process (Function URL shape), against the same request
through the WSGI app; both record, enqueue (the filesystem broker: SQS's own network
time is not here) and post the placeholder to a local Slack stand-in.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

COLD = r"""
import json, resource, sys, time
started = time.perf_counter()
import bot.lambda_handler as handler
imported = time.perf_counter() - started
built = time.perf_counter()
handler._slack_handler()
build = time.perf_counter() - built
heavy = sorted(m for m in ("torch", "onnxruntime", "weaviate", "sentence_transformers", "boto3")
               if m in sys.modules)
print(json.dumps({"import_s": imported, "build_s": build, "heavy": heavy,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cold(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", COLD], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def warm(env: dict[str, str], requests: int) -> tuple[list[float], list[float]]:
    os.environ.update(env)
    import bot.lambda_handler
    from bot.http import create_wsgi_app
    from tests.unit.test_bot_http import _call
    from tests.unit.test_lambda import Context, ask_body, function_url, signed_headers

    lambda_ms, wsgi_ms = [], []
    application = create_wsgi_app()
    for _ in range(requests):
        body = ask_body()
        event = function_url(body, signed_headers(body, secret=env["SLACK_SIGNING_SECRET"]))
        started = time.perf_counter()
        assert bot.lambda_handler.handler(event, Context())["statusCode"] == 200
        lambda_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        status, _ = _wsgi(application, body, env["SLACK_SIGNING_SECRET"], _call)
        assert status.startswith("200")
        wsgi_ms.append((time.perf_counter() - started) * 1000)
    return lambda_ms, wsgi_ms


def _wsgi(application: object, body: str, secret: str, call: object) -> tuple[str, bytes]:
    from io import BytesIO
    from wsgiref.util import setup_testing_defaults

    from tests.unit.test_lambda import signed_headers

    environ: dict[str, object] = {"PATH_INFO": "/slack/events", "REQUEST_METHOD": "POST"}
    setup_testing_defaults(environ)
    raw = body.encode()
    environ["wsgi.input"] = BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))
    for name, value in signed_headers(body, secret=secret).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    seen: list[str] = []
    chunks = application(environ, lambda status, headers, *_: seen.append(status))  # type: ignore[operator]
    return seen[0], b"".join(chunks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from bench.common import scratch_dir
    from bot.standin import SlackStandIn
    from tests.unit.slack_harness import _migrated

    work = scratch_dir("bench-lambda")
    _migrated(work / "ragtime.db")
    with SlackStandIn() as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAGTIME_")}
        env |= {
            "RAGTIME_DATA_DIR": str(work / "data"), "DATABASE_URL": f"sqlite:///{work / 'ragtime.db'}",
            "SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": "bench-secret",
            "RAGTIME_SLACK_API_URL": slack.api_url, "RAGTIME_LOG_LEVEL": "WARNING",
            "RAGTIME_RATE_LIMIT_USER_PER_HOUR": "1000000",
            "RAGTIME_RATE_LIMIT_WORKSPACE_PER_HOUR": "1000000",
        }  # fmt: skip
        runs = [cold(env) for _ in range(3)]
        print(
            "lambda cold start (3 fresh interpreters): import "
            + ", ".join(f"{r['import_s']:.2f}" for r in runs)
            + " s; first build "
            + ", ".join(f"{r['build_s']:.2f}" for r in runs)
            + f" s; peak RSS {max(float(r['rss_mb']) for r in runs):.0f} MB;"  # type: ignore[arg-type]
            + f" loaded of the heavy ones: {runs[0]['heavy'] or 'none'}"
        )
        lambda_ms, wsgi_ms = warm(env, args.requests)
    for label, measured in (("lambda handler", lambda_ms), ("wsgi app", wsgi_ms)):
        times = sorted(measured[10:])  # the first ones warm caches
        p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        print(f"warm signed /ask, in-process, {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
