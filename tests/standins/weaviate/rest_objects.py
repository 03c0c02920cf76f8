"""REST object endpoints (`/v1/objects/...`) and the one GraphQL query old clients send."""

from __future__ import annotations

import re
import uuid as uuid_lib
from typing import TYPE_CHECKING, Any

from .errors import StandInError
from .storage import Collection, Shard, StoredObject
from .values import parse_uuid

if TYPE_CHECKING:
    from .rest import Params, Reply, Route
    from .server import WeaviateStandIn


def _json(coll: Collection, shard: Shard, obj: StoredObject, with_vector: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "class": coll.name,
        "id": obj.uuid,
        "properties": dict(obj.properties),
        "creationTimeUnix": obj.created_ms,
        "lastUpdateTimeUnix": obj.updated_ms,
    }
    if shard.name:
        out["tenant"] = shard.name
    if with_vector:
        named = {name: vec for name, vec in obj.vectors.items() if name}
        if named:
            out["vectors"] = named
        if "" in obj.vectors:
            out["vector"] = obj.vectors[""]
    return out


def _vectors(body: dict[str, Any]) -> dict[str, list[float]]:
    vectors = {name: [float(x) for x in vec] for name, vec in (body.get("vectors") or {}).items()}
    if body.get("vector"):
        vectors[""] = [float(x) for x in body["vector"]]
    return vectors


def _locate(
    s: WeaviateStandIn, m: Params, p: Params, body: Any = None
) -> tuple[Collection, Shard, str]:
    coll = s.store.get(m["cls"])
    tenant = p.get("tenant") or (body or {}).get("tenant")
    return coll, coll.shard(tenant), parse_uuid(m["id"])


def _create(s: WeaviateStandIn, _m: Params, _p: Params, body: Any) -> Reply:
    body = body or {}
    coll = s.store.get(str(body.get("class") or ""), 422)
    shard = coll.shard(body.get("tenant"), for_write=True)
    uid = parse_uuid(body["id"]) if body.get("id") else str(uuid_lib.uuid4())
    if uid in shard.objects:
        raise StandInError(f"id '{uid}' already exists")
    props = coll.coerce_properties(body.get("properties") or {})
    obj = coll.put(shard, uid, props, _vectors(body), s.store.next_seq())
    return 200, _json(coll, shard, obj, with_vector=True)


def _get(s: WeaviateStandIn, m: Params, p: Params, _b: Any) -> Reply:
    coll, shard, uid = _locate(s, m, p)
    obj = shard.objects.get(uid)
    if obj is None:
        return 404, None
    return 200, _json(coll, shard, obj, with_vector="vector" in p.get("include", ""))


def _head(s: WeaviateStandIn, m: Params, p: Params, _b: Any) -> Reply:
    _coll, shard, uid = _locate(s, m, p)
    return (204 if uid in shard.objects else 404), None


def _delete(s: WeaviateStandIn, m: Params, p: Params, _b: Any) -> Reply:
    _coll, shard, uid = _locate(s, m, p)
    return (204 if shard.objects.pop(uid, None) else 404), None


def _write(s: WeaviateStandIn, m: Params, p: Params, body: Any, merge: bool) -> Reply:
    body = body or {}
    coll, shard, uid = _locate(s, m, p, body)
    old = shard.objects.get(uid)
    if old is None and merge:
        return 404, None
    props = coll.coerce_properties(body.get("properties") or {})
    vectors = _vectors(body)
    if merge and old is not None:
        props = {**old.properties, **props}
        vectors = {**old.vectors, **vectors}
    obj = coll.put(shard, uid, props, vectors, s.store.next_seq())
    return (204, None) if merge else (200, _json(coll, shard, obj, with_vector=True))


def _patch(s: WeaviateStandIn, m: Params, p: Params, body: Any) -> Reply:
    return _write(s, m, p, body, merge=True)


def _put(s: WeaviateStandIn, m: Params, p: Params, body: Any) -> Reply:
    return _write(s, m, p, body, merge=False)


_AGGREGATE_COUNT = re.compile(
    r"^\s*\{\s*Aggregate\s*\{\s*(?P<cls>\w+)\s*(?:\(\s*tenant\s*:\s*\"(?P<tenant>[^\"]*)\"\s*\))?"
    r"\s*\{\s*meta\s*\{\s*count\s*\}\s*\}\s*\}\s*\}\s*$"
)


def _graphql(s: WeaviateStandIn, _m: Params, _p: Params, body: Any) -> Reply:
    query = str((body or {}).get("query", ""))
    match = _AGGREGATE_COUNT.match(query)
    if match is None:
        message = "the stand-in answers only `Aggregate { Class(tenant:) { meta { count } } }`"
        return 200, {"data": None, "errors": [{"message": message}]}
    try:
        coll = s.store.get(match["cls"])
        count = len(coll.shard(match["tenant"]).objects)
    except StandInError as exc:
        return 200, {
            "data": {"Aggregate": {match["cls"]: None}},
            "errors": [{"message": exc.message}],
        }
    return 200, {"data": {"Aggregate": {coll.name: [{"meta": {"count": count}}]}}}


_O = r"/v1/objects/(?P<cls>[^/]+)/(?P<id>[^/]+)"
OBJECT_ROUTES: list[tuple[str, str, Route]] = [
    ("POST", r"/v1/objects", _create),
    ("GET", _O, _get),
    ("HEAD", _O, _head),
    ("PATCH", _O, _patch),
    ("PUT", _O, _put),
    ("DELETE", _O, _delete),
    ("POST", r"/v1/graphql", _graphql),
]
