"""The stand-in's HTTP surface: /api/<method>, /files-pri/... downloads and /response/<id>."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import SplitResult, parse_qsl, urlsplit

from bot.standin.api import call_method
from bot.standin.hooks import respond
from bot.standin.model import JSON, ApiError
from bot.standin.state import Workspace

Reply = tuple[int, dict[str, str], bytes]
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}
_FAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}

# What Slack serves for a private file URL fetched without the bot token: a sign-in page
# with HTTP 200, which is why a downloader must check what it got.
LOGIN_PAGE = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Slack</title></head><body><h1>Sign in to Ragtime Demo</h1>
<form action="/signin" method="post"><input type="email" name="email">
<button type="submit">Sign in with email</button></form></body></html>
"""


@dataclass
class Fault:
    """An injected failure: the next `remaining` requests for `method` get `status`."""

    method: str
    status: int
    retry_after: int
    remaining: int

    def reply(self) -> Reply:
        """Slack's answer when rate limited (429 + Retry-After) or failing (5xx)."""
        headers = dict(JSON_TYPE)
        if self.status == 429:
            headers["Retry-After"] = str(self.retry_after)
        body = {"ok": False, "error": _FAULT_ERRORS.get(self.status, "fatal_error")}
        return self.status, headers, json.dumps(body).encode()


class Faults:
    """Pending injected failures, consumed in order."""

    def __init__(self, lock: threading.Condition) -> None:
        self._lock = lock
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a failure."""
        with self._lock:
            self._pending.append(fault)

    def take(self, method: str) -> Fault | None:
        """Use up one failure queued for this method, if any."""
        with self._lock:
            for fault in self._pending:
                if fault.method == method:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._pending.remove(fault)
                    return replace(fault)
            return None


class StandInHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that knows the workspace it fronts."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], ws: Workspace, faults: Faults) -> None:
        super().__init__(address, StandInHandler)
        self.ws, self.faults = ws, faults


class StandInHandler(BaseHTTPRequestHandler):
    """One request: route it, and turn any stand-in bug into a 500 rather than a hang."""

    server_version = "SlackStandIn/1.0"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the call log records every request instead."""

    def _serve(self) -> None:
        server = cast(StandInHTTPServer, self.server)
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self.rfile.read(int(headers.get("content-length") or 0))
        try:
            status, out_headers, payload = route(server, self.command, url, headers, body)
        except Exception as error:  # the HTTP boundary: answer, and leave a trace in the log
            server.ws.record(url.path, {}, 500, repr(error))
            status, out_headers = 500, dict(JSON_TYPE)
            detail = {"ok": False, "error": "internal_error", "detail": repr(error)}
            payload = json.dumps(detail).encode()
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def route(
    server: StandInHTTPServer, verb: str, url: SplitResult, headers: dict[str, str], body: bytes
) -> Reply:
    """Send a request to the Web API, the file host or a response_url."""
    path, query = url.path, url.query
    if path.startswith("/api/"):
        return web_api(server, path.removeprefix("/api/"), query, headers, body)
    if verb == "GET" and path.startswith("/files-pri/"):
        return download(server, path, headers)
    if verb == "POST" and path.startswith("/response/"):
        return response_url(server, path.removeprefix("/response/"), body)
    return 404, {"Content-Type": "text/plain"}, b"not found"


def _bearer(headers: dict[str, str]) -> str:
    return headers.get("authorization", "").removeprefix("Bearer ").strip()


def read_params(query: str, content_type: str, body: bytes) -> JSON:
    """The arguments from the query string and a form, multipart or JSON body."""
    values: JSON = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if kind == "application/json" and body.strip():
        parsed = json.loads(body)
        if not isinstance(parsed, dict):
            raise ApiError("invalid_json")
        values.update(parsed)
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        for part in BytesParser(policy=policy.HTTP).parsebytes(head + body).iter_parts():
            data = cast(bytes, part.get_payload(decode=True))
            name = part.get_param("name", header="content-disposition")
            values[str(name)] = data if part.get_filename() else data.decode()
    elif body:
        values.update(parse_qsl(body.decode(), keep_blank_values=True))
    return values


def web_api(
    server: StandInHTTPServer, method: str, query: str, headers: dict[str, str], body: bytes
) -> Reply:
    """POST /api/<method>: Slack answers errors with HTTP 200 and ok: false."""
    params: JSON = {}
    try:
        params = read_params(query, headers.get("content-type", ""), body)
        fault = server.faults.take(method)
        if fault is not None:
            server.ws.record(method, params, fault.status, _FAULT_ERRORS.get(fault.status))
            return fault.reply()
        token = _bearer(headers) or str(params.get("token") or "")
        result = call_method(server.ws, method, params, token)
    except ApiError as failure:
        result = failure.body()
    except json.JSONDecodeError:
        result = {"ok": False, "error": "invalid_json"}
    server.ws.record(method, params, 200, None if result.get("ok") else str(result["error"]))
    return 200, dict(JSON_TYPE), json.dumps(result).encode()


def download(server: StandInHTTPServer, path: str, headers: dict[str, str]) -> Reply:
    """GET /files-pri/<team>-<file>/[download/]<name>: the bytes, for the bot token only."""
    ws, parts = server.ws, path.split("/")
    file_id = parts[2].rpartition("-")[2] if len(parts) > 3 else ""
    fault = server.faults.take("file.download")
    authorized = _bearer(headers) == ws.token
    params: JSON = {"file": file_id, "authorized": authorized}
    if fault is not None:
        ws.record("file.download", params, fault.status, _FAULT_ERRORS.get(fault.status))
        return fault.reply()
    if not authorized:
        ws.record("file.download", params, 200, "login_page")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, LOGIN_PAGE
    with ws.changed:
        file = ws.files.get(file_id)
        if file is None or file.deleted:
            ws.record("file.download", params, 404, "file_not_found")
            return 404, {"Content-Type": "text/plain"}, b"file not found"
        ws.record("file.download", params, 200, None)
        return 200, {"Content-Type": file.mimetype}, file.data


def response_url(server: StandInHTTPServer, hook_id: str, body: bytes) -> Reply:
    """POST /response/<id>: a JSON message for the conversation a command or click came from."""
    status, answer = 200, b"ok"
    fault = server.faults.take("response_url")
    payload: JSON = {}
    if fault is not None:
        server.ws.record("response_url", {"hook": hook_id}, fault.status, "fault")
        return fault.reply()
    try:
        parsed = json.loads(body or b"{}")
        payload = parsed if isinstance(parsed, dict) else {}
        respond(server.ws, hook_id, payload)
    except ApiError as failure:
        status, answer = (404 if failure.code.endswith("_url") else 400), failure.code.encode()
    except json.JSONDecodeError:
        status, answer = 400, b"invalid_payload"
    error = None if status == 200 else answer.decode()
    server.ws.record("response_url", {"hook": hook_id, **payload}, status, error)
    return status, {"Content-Type": "text/plain"}, answer
