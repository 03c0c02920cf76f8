"""The HTTP side: Bedrock Runtime's REST-JSON routes, error headers and the event stream."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from tests.standins.bedrock import replies
from tests.standins.bedrock.replies import ServiceError

if TYPE_CHECKING:
    from tests.standins.bedrock.standin import BedrockStandIn

OPERATIONS = {"converse": "Converse", "converse-stream": "ConverseStream", "invoke": "InvokeModel"}
_ROUTE = re.compile(r"^/model/([^/]+)/(converse|converse-stream|invoke)$")
_CORAL = "http://internal.amazon.com/coral/"
EVENT_STREAM = "application/vnd.amazon.eventstream"


class Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads

    def __init__(self, standin: BedrockStandIn) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.standin = standin
        self.connections: set[socket.socket] = set()

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that closes a stream early (as a caller does after an error) is normal.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self) -> None:
        """Drop kept-alive client connections so their handler threads end with the server."""
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked transfer encoding, as the service
    server: Server

    def setup(self) -> None:
        super().setup()
        # Headers, body and stream frames are separate writes: without this, delayed ACKs
        # add ~40 ms to every response, which a real endpoint does not.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``standin.requests`` instead."""

    def do_GET(self) -> None:
        self._read_body()
        self._error(ServiceError("UnknownOperationException", "Unknown operation"))

    def do_POST(self) -> None:
        raw = self._read_body()
        route = _ROUTE.match(urlsplit(self.path).path)
        if route is None:
            self._error(ServiceError("UnknownOperationException", "Unknown operation"))
            return
        operation, model_id = OPERATIONS[route.group(2)], unquote(route.group(1))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        standin = self.server.standin
        headers = dict(self.headers.items())
        standin._record(operation, model_id, body if isinstance(body, dict) else {}, headers)
        started = time.monotonic()
        try:
            self._check_auth()
            failure = standin._failure(operation)
            if failure is not None:
                raise failure
            if not isinstance(body, dict):
                raise ServiceError("ValidationException", "Malformed request body: not JSON")
            if operation == "InvokeModel":
                self._invoke(model_id, body)
                return
            replies.validate_converse(body)
            answer = standin._answer(operation, body)
        except ServiceError as error:
            self._error(error)
            return
        if operation == "Converse":
            self._json(200, answer.converse_body(body, started))
        else:
            self._stream(answer.events(body, started, standin.stream_delay))

    # -- operations ---------------------------------------------------------------------------

    def _check_auth(self) -> None:
        authorization = self.headers.get("Authorization", "")
        if not authorization.startswith(("AWS4-HMAC-SHA256 Credential=", "Bearer ")):
            raise ServiceError(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )

    def _invoke(self, model_id: str, body: dict[str, Any]) -> None:
        if not model_id.startswith("amazon.titan-embed-text-v2"):
            raise ServiceError("ValidationException", "The provided model identifier is invalid.")
        replies.validate_titan(body)
        self._json(200, replies.titan_reply(body))

    # -- writing ------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _start(self, status: int, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))

    def _json(self, status: int, document: dict[str, Any], error_type: str = "") -> None:
        payload = json.dumps(document).encode("utf-8")
        self._start(status, "application/json")
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, error: ServiceError) -> None:
        namespace = "com.amazon.bedrock/"
        if error.error_type in ("UnknownOperationException", "UnrecognizedClientException"):
            namespace = "com.amazon.coral.service/"
        header = f"{error.error_type}:{_CORAL}{namespace}"
        self._json(error.status, {"message": error.message}, error_type=header)

    def _stream(self, frames: Iterator[bytes]) -> None:
        """HTTP 200 at once, then each frame as its own chunk, flushed as it is made."""
        self._start(200, EVENT_STREAM)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for frame in frames:
                self.wfile.write(b"%X\r\n%s\r\n" % (len(frame), frame))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading; so do we
