"""`WeaviateStandIn`: the REST and gRPC servers, the request log and fault injection."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

import grpc

from .grpc_service import start_grpc
from .rest import make_handler
from .search import Limits
from .storage import Store


@dataclass(frozen=True)
class Recorded:
    """One request as received: REST bodies parsed from JSON, gRPC ones as protobuf messages."""

    protocol: Literal["rest", "grpc"]
    method: str  # "GET /v1/meta", "POST /v1/schema/Chunks/tenants", or "Search", "BatchObjects"
    body: Any
    headers: dict[str, str]  # HTTP headers (lower-case names) or gRPC metadata
    params: dict[str, str] = field(default_factory=dict)  # REST query parameters


@dataclass(frozen=True)
class Fault:
    grpc_code: grpc.StatusCode | None
    http_status: int | None
    message: str
    object_errors: dict[int, str] | None


class WeaviateStandIn:
    """A local Weaviate (>= 1.27) for the real weaviate-client v4: REST plus gRPC, in-process.

    It keeps collections, tenants and objects in memory and answers with the server's
    semantics (BM25, vector search, hybrid fusion, filters, multi-tenancy, limits).
    """

    def __init__(
        self,
        *,
        version: str = "1.32.5",
        api_key: str | None = None,
        query_maximum_results: int = 10_000,
        query_hybrid_maximum_results: int = 100,
    ) -> None:
        self.version = version
        self.api_key = api_key
        self.limits = Limits(query_maximum_results, query_hybrid_maximum_results)
        self.store = Store()
        self.requests: list[Recorded] = []
        self._lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._grpc: grpc.Server | None = None
        self.http_port = 0
        self.grpc_port = 0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def start(self) -> WeaviateStandIn:
        if self._http is not None:
            return self
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self))
        self._http.daemon_threads = True
        self.http_port = self._http.server_address[1]
        self._http_thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="weaviate-standin-http",
            daemon=True,
        )
        self._http_thread.start()
        self._grpc, self.grpc_port = start_grpc(self)
        return self

    def stop(self) -> None:
        if self._grpc is not None:
            self._grpc.stop(grace=None)
            self._grpc = None
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._http_thread is not None:
            self._http_thread.join(timeout=5)
            self._http_thread = None

    def __enter__(self) -> WeaviateStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- assertions -------------------------------------------------------------------------

    def calls(self, method: str) -> list[Recorded]:
        """Recorded requests for one method, e.g. "Search" or "POST /v1/schema"."""
        with self._log_lock:
            return [r for r in self.requests if r.method == method]

    def clear_requests(self) -> None:
        with self._log_lock:
            self.requests.clear()

    def objects(self, collection: str, tenant: str | None = None) -> list[dict[str, Any]]:
        """The stored objects of a tenant (or of a plain collection), in insertion order."""
        with self._lock:
            shard = self.store.get(collection).shards[tenant or ""]
            return [obj.snapshot() for obj in shard.by_seq()]

    def fail_next(
        self,
        method: str,
        *,
        grpc_code: grpc.StatusCode | None = None,
        http_status: int | None = None,
        message: str = "injected failure",
        object_errors: dict[int, str] | None = None,
    ) -> None:
        """Make the next call of `method` fail once.

        gRPC methods ("Search", "BatchObjects", ...) abort with `grpc_code` (INTERNAL if
        neither it nor `object_errors` is given); REST methods ("POST /v1/schema") answer
        `http_status` (500 by default) with Weaviate's error body. For "BatchObjects",
        `object_errors` fails only those objects (by index), which are not stored.
        """
        rest = " " in method
        if rest and (grpc_code is not None or object_errors):
            raise ValueError("REST methods take http_status only")
        if not rest and http_status is not None:
            raise ValueError("gRPC methods take grpc_code or object_errors")
        if object_errors and method != "BatchObjects":
            raise ValueError("object_errors applies to BatchObjects only")
        if rest and http_status is None:
            http_status = 500
        if not rest and grpc_code is None and not object_errors:
            grpc_code = grpc.StatusCode.INTERNAL
        fault = Fault(grpc_code, http_status, message, dict(object_errors or {}) or None)
        with self._log_lock:
            self._faults[method].append(fault)

    # -- used by the protocol handlers -------------------------------------------------------

    def _record(
        self,
        protocol: Literal["rest", "grpc"],
        method: str,
        body: Any,
        headers: dict[str, str],
        params: dict[str, str] | None = None,
    ) -> None:
        with self._log_lock:
            self.requests.append(Recorded(protocol, method, body, headers, params or {}))

    def _take_fault(self, method: str) -> Fault | None:
        with self._log_lock:
            queue = self._faults.get(method)
            return queue.popleft() if queue else None

    def _authorized(self, authorization: str | None) -> bool:
        return self.api_key is None or authorization == f"Bearer {self.api_key}"
