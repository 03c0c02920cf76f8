"""The REST server: routing, auth, recording, fault injection, and the schema endpoints."""

from __future__ import annotations

import copy
import json
import re
import socket
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import StandInError
from .grpc_service import MAX_MESSAGE
from .rest_objects import OBJECT_ROUTES
from .storage import Shard

if TYPE_CHECKING:
    from .server import WeaviateStandIn

Params = dict[str, str]
Reply = tuple[int, Any]
Route = Callable[["WeaviateStandIn", Params, Params, Any], Reply]


def _meta(s: WeaviateStandIn, _m: Params, _p: Params, _b: Any) -> Reply:
    return 200, {
        "hostname": "http://[::]:8080",
        "modules": {},
        "version": s.version,
        "grpcMaxMessageSize": MAX_MESSAGE,
    }


def _nodes(s: WeaviateStandIn, m: Params, p: Params, _b: Any) -> Reply:
    shards: list[dict[str, Any]] = []
    every: list[Shard] = []
    for coll in s.store.collections.values():
        if m.get("cls") and coll.name != m["cls"]:
            continue
        for name, shard in coll.shards.items():
            every.append(shard)
            shards.append(
                {
                    "name": name or "standin0shard",
                    "class": coll.name,
                    "objectCount": len(shard.objects),
                    "vectorIndexingStatus": "READY",
                    "vectorQueueLength": 0,
                    "compressed": False,
                    "loaded": True,
                }
            )
    node = {
        "batchStats": {"queueLength": 0, "ratePerSecond": 0},
        "gitHash": "standin",
        "name": "weaviate-0",
        "shards": shards if p.get("output") == "verbose" else None,
        "stats": {"objectCount": sum(len(sh.objects) for sh in every), "shardCount": len(every)},
        "status": "HEALTHY",
        "version": s.version,
    }
    return 200, {"nodes": [node]}


def _schema(s: WeaviateStandIn, _m: Params, _p: Params, _b: Any) -> Reply:
    return 200, {"classes": [copy.deepcopy(c.schema) for c in s.store.collections.values()]}


def _create(s: WeaviateStandIn, _m: Params, _p: Params, body: Any) -> Reply:
    if not isinstance(body, dict):
        raise StandInError("a class definition is required", http_status=422)
    return 200, copy.deepcopy(s.store.create(body).schema)


def _get_class(s: WeaviateStandIn, m: Params, _p: Params, _b: Any) -> Reply:
    coll = s.store.find(m["cls"])
    return (200, copy.deepcopy(coll.schema)) if coll else (404, None)


def _delete_class(s: WeaviateStandIn, m: Params, _p: Params, _b: Any) -> Reply:
    s.store.delete(m["cls"])
    return 200, None


def _add_property(s: WeaviateStandIn, m: Params, _p: Params, body: Any) -> Reply:
    return 200, s.store.get(m["cls"], 422).add_property(body or {})


def _tenants(s: WeaviateStandIn, m: Params, _p: Params, _b: Any) -> Reply:
    coll = s.store.get(m["cls"], 422)
    coll._require_mt()
    return 200, [coll.tenant_json(name) for name in coll.shards]


def _add_tenants(s: WeaviateStandIn, m: Params, _p: Params, body: Any) -> Reply:
    return 200, s.store.get(m["cls"], 422).add_tenants(list(body or []))


def _update_tenants(s: WeaviateStandIn, m: Params, _p: Params, body: Any) -> Reply:
    return 200, s.store.get(m["cls"], 422).update_tenants(list(body or []))


def _remove_tenants(s: WeaviateStandIn, m: Params, _p: Params, body: Any) -> Reply:
    s.store.get(m["cls"], 422).remove_tenants(list(body or []))
    return 200, None


def _tenant(s: WeaviateStandIn, m: Params, _p: Params, _b: Any) -> Reply:
    coll = s.store.get(m["cls"], 422)
    coll._require_mt()
    if m["tenant"] not in coll.shards:
        return 404, None
    return 200, coll.tenant_json(m["tenant"])


def _shards(s: WeaviateStandIn, m: Params, p: Params, _b: Any) -> Reply:
    coll = s.store.get(m["cls"])
    names = [coll.shard(p["tenant"]).name] if p.get("tenant") else list(coll.shards)
    return 200, [
        {"name": name or "standin0shard", "status": "READY", "vectorQueueSize": 0} for name in names
    ]


def _ok(_s: WeaviateStandIn, _m: Params, _p: Params, _b: Any) -> Reply:
    return 200, None


def _no_oidc(_s: WeaviateStandIn, _m: Params, _p: Params, _b: Any) -> Reply:
    return 404, None


_C = r"/v1/schema/(?P<cls>[^/]+)"
ROUTES: list[tuple[str, str, Route]] = [
    ("GET", r"/v1/\.well-known/openid-configuration", _no_oidc),
    ("GET", r"/v1/\.well-known/(?:ready|live)", _ok),
    ("GET", r"/v1/meta", _meta),
    ("GET", r"/v1/nodes(?:/(?P<cls>[^/]+))?", _nodes),
    ("GET", r"/v1/schema", _schema),
    ("POST", r"/v1/schema", _create),
    ("GET", _C, _get_class),
    ("DELETE", _C, _delete_class),
    ("POST", _C + "/properties", _add_property),
    ("GET", _C + "/tenants", _tenants),
    ("POST", _C + "/tenants", _add_tenants),
    ("PUT", _C + "/tenants", _update_tenants),
    ("DELETE", _C + "/tenants", _remove_tenants),
    ("GET", _C + "/tenants/(?P<tenant>[^/]+)", _tenant),
    ("HEAD", _C + "/tenants/(?P<tenant>[^/]+)", _tenant),
    ("GET", _C + "/shards", _shards),
    *OBJECT_ROUTES,
]
_COMPILED = [(method, re.compile(pattern + "$"), fn) for method, pattern, fn in ROUTES]


def _route(s: WeaviateStandIn, method: str, path: str, params: Params, body: Any) -> Reply:
    allowed = []
    for route_method, pattern, fn in _COMPILED:
        match = pattern.match(path)
        if match is None:
            continue
        if route_method != method:
            allowed.append(route_method)
            continue
        groups = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
        return fn(s, groups, params, body)
    if allowed:
        return 405, {"code": 405, "message": f"method {method} is not allowed, but {allowed} are"}
    return 404, {"code": 404, "message": f"path {path} was not found"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin: WeaviateStandIn

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests are recorded on the stand-in instead."""

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes: without this, delayed ACKs add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _dispatch(self, method: str) -> None:
        s = self.standin
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError as exc:
            s._record("rest", f"{method} {url.path}", raw, headers, params)
            self._reply(400, {"code": 400, "message": f"parsing body failed: {exc}"})
            return
        s._record("rest", f"{method} {url.path}", body, headers, params)
        if not url.path.startswith("/v1/.well-known/") and not s._authorized(
            headers.get("authorization")
        ):
            message = "anonymous access not enabled. Please authenticate through one of the "
            message += "available methods: [API-keys]"
            if "authorization" in headers:
                message = "unauthorized: invalid api key"
            self._reply(401, {"code": 401, "message": message})
            return
        fault = s._take_fault(f"{method} {url.path}")
        if fault is not None and fault.http_status is not None:
            self._reply(fault.http_status, {"error": [{"message": fault.message}]})
            return
        try:
            with s._lock:
                status, payload = _route(s, method, url.path, params, body)
        except StandInError as exc:
            status, payload = exc.http_status, {"error": [{"message": exc.message}]}
        self._reply(status, payload)

    def _reply(self, status: int, payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")


def make_handler(standin: WeaviateStandIn) -> type[BaseHTTPRequestHandler]:
    return type("WeaviateStandInHandler", (_Handler,), {"standin": standin})
