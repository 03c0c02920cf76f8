"""The gRPC `Search` call: fetch, bm25, near_vector / near_object and hybrid, per tenant."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from weaviate.proto.v1 import base_search_pb2, search_get_pb2

from .codec import encode_result, near_vector_query, unpack_f32
from .errors import StandInError
from .filters import compile_filter
from .ranking import Scored, bm25, fuse, resolve_target, vector_search
from .storage import Collection, Shard, StoredObject

DEFAULT_LIMIT = 10  # QUERY_DEFAULTS_LIMIT
_UNSUPPORTED = ("group_by", "generative", "rerank", "boost")
_NEEDS_VECTORIZER = {
    "near_text": "nearText",
    "near_image": "nearImage",
    "near_audio": "nearAudio",
    "near_video": "nearVideo",
    "near_depth": "nearDepth",
    "near_thermal": "nearThermal",
    "near_imu": "nearIMU",
}
_AND = base_search_pb2.SearchOperatorOptions.OPERATOR_AND


@dataclass(frozen=True)
class Limits:
    query_maximum_results: int
    query_hybrid_maximum_results: int

    def check(self, offset: int, limit: int) -> None:
        if offset + limit > self.query_maximum_results:
            raise StandInError(
                "query maximum results exceeded: the total limit calculated from the provided "
                f"offset '{offset}' and limit '{limit}' exceeds the configured value for "
                f"QUERY_MAXIMUM_RESULTS '{self.query_maximum_results}'. If you've supplied a "
                "negative offset or limit, this may be an underflow error"
            )


def _operator(options: base_search_pb2.SearchOperatorOptions) -> dict[str, Any]:
    minimum = options.minimum_or_tokens_match if options.HasField("minimum_or_tokens_match") else 1
    return {"require_all": options.operator == _AND, "minimum_match": max(minimum, 1)}


def _sort_key(coll: Collection, path: str) -> Callable[[StoredObject], tuple[bool, Any]]:
    if path == "_id":
        return lambda o: (True, o.uuid)
    if path in ("_creationTimeUnix", "_lastUpdateTimeUnix"):
        attr = "created_ms" if path == "_creationTimeUnix" else "updated_ms"
        return lambda o: (True, getattr(o, attr))
    name = coll.require_prop(path)["name"]
    return lambda o: (o.properties.get(name) is not None, o.properties.get(name))


def _sorted(
    coll: Collection, objs: list[StoredObject], sort_by: list[search_get_pb2.SortBy]
) -> list[StoredObject]:
    """Stable multi-key sort; objects without the property come first when ascending."""
    for sort in reversed(sort_by):
        objs = sorted(objs, key=_sort_key(coll, sort.path[0]), reverse=not sort.ascending)
    return objs


class Searcher:
    def __init__(self, coll: Collection, shard: Shard, limits: Limits) -> None:
        self.coll, self.shard, self.limits = coll, shard, limits

    def hits(self, req: search_get_pb2.SearchRequest) -> list[Scored]:
        for name in _UNSUPPORTED:
            if req.HasField(name):
                raise StandInError(f"the stand-in does not support {name}")
        if req.autocut:
            raise StandInError("the stand-in does not support autocut")
        for name, search_type in _NEEDS_VECTORIZER.items():
            if req.HasField(name):
                raise StandInError(
                    f"could not vectorize input for collection {self.coll.name} with "
                    f"search-type {search_type}. Make sure a vectorizer module is configured "
                    "for this collection"
                )
        searches = ("hybrid_search", "bm25_search", "near_vector", "near_object")
        searching = any(req.HasField(name) for name in searches)
        if len(req.sort_by) and searching:
            raise StandInError("sorting cannot be combined with search")
        limit, offset = req.limit or DEFAULT_LIMIT, req.offset
        everything = self.shard.by_seq()
        allowed = everything
        if req.HasField("filters"):
            predicate = compile_filter(self.coll, req.filters)
            allowed = [o for o in everything if predicate(o)]
        if req.HasField("hybrid_search"):
            fused: list[Scored] = self._hybrid(req.hybrid_search, everything, allowed, limit)
            total = min(offset + limit, self.limits.query_maximum_results)
            return fused[:total][offset : offset + limit]
        self.limits.check(offset, limit)
        if req.HasField("bm25_search"):
            q = req.bm25_search
            extra = _operator(q.search_operator) if q.HasField("search_operator") else {}
            ids = {o.uuid for o in allowed} if req.HasField("filters") else None
            found = bm25(self.coll, everything, ids, q.query, list(q.properties), **extra)
        elif req.HasField("near_vector") or req.HasField("near_object"):
            found = self._near(req, allowed)
        else:
            found = [Scored(o, 0.0, 0.0, scored=False) for o in self._listing(req, allowed)]
        return found[offset : offset + limit]

    def _listing(
        self, req: search_get_pb2.SearchRequest, allowed: list[StoredObject]
    ) -> list[StoredObject]:
        if req.after:
            if req.HasField("filters") or len(req.sort_by) or req.offset:
                raise StandInError(
                    "cursor api: invalid 'after' parameter: other params cannot be set along "
                    "with after param"
                )
            return [o for o in self.shard.by_uuid() if o.uuid > req.after.lower()]
        if len(req.sort_by):
            return _sorted(self.coll, allowed, list(req.sort_by))
        if not req.HasField("filters"):
            return self.shard.by_uuid()  # an unfiltered listing runs in uuid order
        return allowed

    def _near(self, req: search_get_pb2.SearchRequest, allowed: list[StoredObject]) -> list[Scored]:
        if req.HasField("near_vector"):
            near = req.near_vector
            targets, vector = near_vector_query(near)
        else:
            near = req.near_object
            targets = list(near.targets.target_vectors) if near.HasField("targets") else []
            targets = targets or list(near.target_vectors)
        target = resolve_target(self.coll, targets)
        if req.HasField("near_object"):
            source = self.shard.objects.get(near.id.lower())
            if source is None or target not in source.vectors:
                raise StandInError(f"vector not found for object {near.id} in {self.coll.name}")
            vector = source.vectors[target]
        found = vector_search(allowed, target, self.coll.vector_spaces[target], vector)
        if near.HasField("distance"):
            found = [s for s in found if s.distance is not None and s.distance <= near.distance]
        if near.HasField("certainty"):
            found = [s for s in found if 1 - (s.distance or 0) / 2 >= near.certainty]
        return found

    def _hybrid_vector(self, hs: base_search_pb2.Hybrid) -> tuple[list[str], list[float] | None]:
        """(target vectors, query vector or None) of a hybrid query."""
        targets = list(hs.targets.target_vectors) if hs.HasField("targets") else []
        targets = targets or list(hs.target_vectors)
        if len(hs.vectors):
            return targets, unpack_f32(hs.vectors[0].vector_bytes)
        if hs.vector_bytes:
            return targets, unpack_f32(hs.vector_bytes)
        if len(hs.vector):
            return targets, list(hs.vector)
        if hs.HasField("near_vector"):
            sub_targets, vector = near_vector_query(hs.near_vector)
            return sub_targets or targets, vector
        if hs.HasField("near_text"):
            raise StandInError(
                f"could not vectorize input for collection {self.coll.name} with search-type "
                "nearText. Make sure a vectorizer module is configured for this collection"
            )
        return targets, None

    def _hybrid(
        self,
        hs: base_search_pb2.Hybrid,
        everything: list[StoredObject],
        allowed: list[StoredObject],
        limit: int,
    ) -> list[Scored]:
        if hs.use_alpha_param:
            alpha = hs.alpha_param if hs.HasField("alpha_param") else 0.75
        else:
            alpha = hs.alpha
        leg_limit = max(self.limits.query_hybrid_maximum_results, limit)
        targets, vector = self._hybrid_vector(hs)
        legs = []
        cutoff: set[str] | None = None
        if alpha > 0:
            if vector is None:
                raise StandInError(
                    "VectorFromInput was called without vectorizer on class "
                    f"{self.coll.name} for input {hs.query}"
                )
            self.limits.check(0, leg_limit)
            target = resolve_target(self.coll, targets)
            metric = self.coll.vector_spaces[target]
            dense = vector_search(allowed, target, metric, vector)[:leg_limit]
            limit_distance = hs.vector_distance if hs.HasField("vector_distance") else None
            if hs.HasField("near_vector") and hs.near_vector.HasField("distance"):
                limit_distance = hs.near_vector.distance
            if limit_distance is not None:
                dense = [s for s in dense if (s.distance or 0.0) <= limit_distance]
                cutoff = {s.obj.uuid for s in dense}
            legs.append(("vector,hybridVector", alpha, dense))
        if 1 - alpha > 0:
            self.limits.check(0, leg_limit)
            extra = (
                _operator(hs.bm25_search_operator) if hs.HasField("bm25_search_operator") else {}
            )
            ids = {o.uuid for o in allowed} if allowed is not everything else None
            sparse = bm25(self.coll, everything, ids, hs.query, list(hs.properties), **extra)
            sparse = sparse[:leg_limit]
            if cutoff is not None:
                sparse = [s for s in sparse if s.obj.uuid in cutoff]
            legs.append(("keyword,bm25", 1 - alpha, sparse))
        ranked = hs.fusion_type == base_search_pb2.Hybrid.FUSION_TYPE_RANKED
        return fuse(legs, ranked)


def search(
    coll: Collection, shard: Shard, limits: Limits, req: search_get_pb2.SearchRequest
) -> search_get_pb2.SearchReply:
    started = time.monotonic()
    if not req.HasField("properties") or req.properties.return_all_nonref_properties:
        props = list(coll.schema["properties"])
    else:
        if len(req.properties.ref_properties) or len(req.properties.object_properties):
            raise StandInError("the stand-in does not support reference or object properties")
        props = []
        for name in req.properties.non_ref_properties:
            try:
                props.append(coll.require_prop(name))
            except StandInError as exc:
                raise StandInError(
                    "extract properties request: get property by name "
                    f"{name} for class {coll.name}: {exc.message}"
                ) from None
    md = req.metadata if req.HasField("metadata") else search_get_pb2.MetadataRequest()
    names = list(md.vectors)
    if md.vector:
        names = list(coll.vector_spaces)
    vector_search_ = req.HasField("near_vector") or req.HasField("near_object")
    hits = Searcher(coll, shard, limits).hits(req)
    certainty = vector_search_ and all(metric == "cosine" for metric in coll.vector_spaces.values())
    results = [
        encode_result(coll, hit, md, props=props, vector_names=names, certainty=certainty)
        for hit in hits
    ]
    return search_get_pb2.SearchReply(took=time.monotonic() - started, results=results)
