"""Signed `/ask` requests at a fixed concurrency; prints the latencies (ms) as JSON.

    python -m bench.loadgen URL SECRET CONCURRENCY REQUESTS

Each request is freshly signed and opens its own connection, as Slack's do.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
import urllib.parse
import uuid
from urllib.parse import urlencode


def signed(secret: str, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def body(n: int, response_url: str) -> bytes:
    return urlencode({
        "token": "x", "team_id": "T0STANDIN", "team_domain": "standin", "channel_id": "C0GENERAL",
        "channel_name": "general", "user_id": f"U0LOAD{n % 50}", "user_name": "load",
        "command": "/ask", "text": f"How much does a landing page cost? ({n})",
        "response_url": response_url, "trigger_id": f"t{n}.{uuid.uuid4().hex}",
        "api_app_id": "A0STANDIN",
    }).encode()  # fmt: skip


def main() -> None:
    url, secret, concurrency, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    response_url = sys.argv[5] if len(sys.argv) > 5 else "http://127.0.0.1:9/response/x"
    parts = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    errors: list[int] = []
    counter = iter(range(total))
    lock = threading.Lock()

    def run() -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            payload = body(n, response_url)
            headers = signed(secret, payload)
            started = time.perf_counter()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("POST", parts.path, payload, headers)
            status = connection.getresponse().status
            elapsed = (time.perf_counter() - started) * 1000
            connection.close()
            with lock:
                (latencies if status == 200 else errors).append(
                    elapsed if status == 200 else status
                )

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"latencies": latencies, "errors": errors}))


if __name__ == "__main__":
    main()
