"""``BedrockStandIn``: a scriptable Bedrock Runtime on 127.0.0.1 that real boto3 talks to.

Point boto3 at it with ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME=standin.url`` (or ``endpoint_url=``)
and any dummy credentials. Scripted steps (``reply``, ``fail``, ``fail_mid_stream``) are used
in the order they were given, each by the first request it applies to; with none left, the
``responder`` writes the reply.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from tests.standins.bedrock import eventstream, replies
from tests.standins.bedrock.replies import ServiceError
from tests.standins.bedrock.server import Server

TEXT_OPERATIONS = frozenset({"Converse", "ConverseStream"})
_Step = TypeVar("_Step", "_Fail", "_Answer")
_PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 4


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request as it arrived: JSON body parsed, header names lower-cased."""

    operation: str  # "Converse" | "ConverseStream" | "InvokeModel"
    model_id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Fail:
    error_type: str
    status: int | None
    message: str
    operation: str | None

    def applies(self, operation: str) -> bool:
        return self.operation in (None, operation)

    def error(self) -> ServiceError:
        return ServiceError(self.error_type, self.message, self.status)


@dataclass(frozen=True, slots=True)
class _Answer:
    """What the model says; with ``stream_error`` set, the stream breaks off after some deltas."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    stop_reason: str = "end_turn"
    stream_error: tuple[str, int, str] | None = None  # (exception type, after deltas, message)
    operations: frozenset[str] = field(default=TEXT_OPERATIONS)

    def applies(self, operation: str) -> bool:
        return operation in self.operations

    def usage(self, body: dict[str, Any]) -> dict[str, int]:
        given = self.input_tokens
        inputs = given if given is not None else replies.estimate_tokens(replies.prompt_text(body))
        outputs = self.output_tokens
        if outputs is None:
            outputs = replies.estimate_tokens(self.text)
        return {"inputTokens": inputs, "outputTokens": outputs, "totalTokens": inputs + outputs}

    def converse_body(self, body: dict[str, Any], started: float) -> dict[str, Any]:
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": self.text}]}},
            "stopReason": self.stop_reason,
            "usage": self.usage(body),
            "metrics": {"latencyMs": _elapsed_ms(started)},
        }

    def events(self, body: dict[str, Any], started: float, delay: float) -> Iterator[bytes]:
        """The ConverseStream frames, made one at a time, ``delay`` seconds apart."""
        for i, (event_type, payload) in enumerate(self._events(body, started)):
            if i and delay:
                time.sleep(delay)
            if event_type in eventstream.STREAM_EXCEPTIONS:
                yield eventstream.exception_frame(event_type, payload["message"])
            else:
                # Bedrock pads each event with a "p" field that clients ignore; so do we.
                yield eventstream.event_frame(event_type, {**payload, "p": _PADDING[: 1 + i]})

    def _events(self, body: dict[str, Any], started: float) -> Iterator[tuple[str, Any]]:
        yield "messageStart", {"role": "assistant"}
        pieces = replies.deltas(self.text)
        if self.stream_error is not None:
            error_type, after_deltas, message = self.stream_error
            for piece in pieces[:after_deltas]:
                yield "contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}}
            yield error_type, {"message": message}
            return
        for piece in pieces:
            yield "contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}}
        yield "contentBlockStop", {"contentBlockIndex": 0}
        yield "messageStop", {"stopReason": self.stop_reason}
        metrics = {"latencyMs": _elapsed_ms(started)}
        yield "metadata", {"usage": self.usage(body), "metrics": metrics}


def _elapsed_ms(started: float) -> int:
    return max(1, round((time.monotonic() - started) * 1000))


class BedrockStandIn:
    """A local Amazon Bedrock Runtime: Converse, ConverseStream, and Titan V2 InvokeModel."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[Recorded] = []
        self.stream_delay = 0.0
        self.responder: Callable[[str, dict[str, Any]], str] = replies.grounded_answer
        self._script: list[_Fail | _Answer] = []
        self._lock = threading.Lock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> BedrockStandIn:
        self._server = Server(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # how long stop() waits, at most
            name="bedrock-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> BedrockStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def calls(self, operation: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.operation == operation]

    # -- the script ---------------------------------------------------------------------------

    def reply(
        self,
        text: str,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        stop_reason: str = "end_turn",
    ) -> None:
        """The next Converse or ConverseStream answers ``text``."""
        self._add(_Answer(text, input_tokens, output_tokens, stop_reason))

    def fail(
        self,
        error_type: str,
        *,
        status: int | None = None,
        message: str | None = None,
        times: int = 1,
        operation: str | None = None,
    ) -> None:
        """The next ``times`` requests (of ``operation``, or of any) get this HTTP error.

        ``status`` defaults to the service's own for ``error_type`` (see ``replies.STATUS``).
        """
        if message is None:
            message = replies.MESSAGES.get(error_type, f"{error_type} (scripted by the stand-in)")
        for _ in range(times):
            self._add(_Fail(error_type, status, message, operation))

    def fail_mid_stream(
        self,
        error_type: str = "throttlingException",
        *,
        after_deltas: int = 1,
        message: str = "The stream was interrupted. Try your request again.",
    ) -> None:
        """The next ConverseStream sends ``after_deltas`` deltas, then an exception frame."""
        name = eventstream.stream_exception_name(error_type)
        self._add(
            _Answer(
                "",
                stream_error=(name, after_deltas, message),
                operations=frozenset({"ConverseStream"}),
            )
        )

    # -- used by the request handler ----------------------------------------------------------

    def _add(self, step: _Fail | _Answer) -> None:
        with self._lock:
            self._script.append(step)

    def _record(
        self, operation: str, model_id: str, body: dict[str, Any], headers: Mapping[str, str]
    ) -> None:
        recorded = Recorded(operation, model_id, body, {k.lower(): v for k, v in headers.items()})
        with self._lock:
            self.requests.append(recorded)

    def _failure(self, operation: str) -> ServiceError | None:
        """The scripted failure, if one is next for ``operation``; it comes before validation."""
        step = self._pop(operation, _Fail)
        return step.error() if step is not None else None

    def _answer(self, operation: str, body: dict[str, Any]) -> _Answer:
        step = self._pop(operation, _Answer)
        if step is None:
            return _Answer(self.responder(operation, body))
        if step.stream_error is not None:  # a mid-stream failure streams the default text
            return _Answer(self.responder(operation, body), stream_error=step.stream_error)
        return step

    def _pop(self, operation: str, kind: type[_Step]) -> _Step | None:
        """The first step for ``operation`` if it is a ``kind``, taken off the script."""
        with self._lock:
            for i, step in enumerate(self._script):
                if step.applies(operation):
                    if not isinstance(step, kind):
                        return None
                    del self._script[i]
                    return step
        return None
