"""The in-process gRPC server: `weaviate.v1.Weaviate` plus `grpc.health.v1.Health/Check`."""

from __future__ import annotations

import time
import uuid as uuid_lib
from collections.abc import Callable
from concurrent import futures
from typing import TYPE_CHECKING, Any

import grpc
from weaviate.proto.v1 import (
    aggregate_pb2,
    batch_delete_pb2,
    batch_pb2,
    health_weaviate_pb2,
    tenants_pb2,
    weaviate_pb2_grpc,
)

from .codec import batch_object_properties, batch_object_vectors
from .errors import StandInError
from .filters import compile_filter
from .search import search
from .values import parse_uuid

if TYPE_CHECKING:
    from .server import Fault, WeaviateStandIn

MAX_MESSAGE = 104858000  # the server's default GRPC_MAX_MESSAGE_SIZE
_TENANT_STATUS = {
    "HOT": tenants_pb2.TENANT_ACTIVITY_STATUS_HOT,
    "COLD": tenants_pb2.TENANT_ACTIVITY_STATUS_COLD,
    "FROZEN": tenants_pb2.TENANT_ACTIVITY_STATUS_FROZEN,
}


class _Servicer(weaviate_pb2_grpc.WeaviateServicer):
    def __init__(self, standin: WeaviateStandIn) -> None:
        self._standin = standin

    def _run(
        self,
        method: str,
        request: Any,
        context: grpc.ServicerContext,
        handler: Callable[[Any, Fault | None], Any],
    ) -> Any:
        standin = self._standin
        metadata = {key: str(value) for key, value in context.invocation_metadata()}
        standin._record("grpc", method, request, metadata)
        if not standin._authorized(metadata.get("authorization")):
            message = "extract auth: invalid api key"
            if "authorization" not in metadata:
                message = "extract auth: anonymous access not enabled, please provide an api key"
            context.abort(grpc.StatusCode.UNAUTHENTICATED, message)
        fault = standin._take_fault(method)
        if fault is not None and fault.grpc_code is not None:
            context.abort(fault.grpc_code, fault.message)
        try:
            with standin._lock:
                return handler(request, fault)
        except StandInError as exc:
            error = exc
        context.abort(error.grpc_code, error.message)

    def Search(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return self._run("Search", request, context, self._search)

    def BatchObjects(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return self._run("BatchObjects", request, context, self._batch_objects)

    def BatchDelete(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return self._run("BatchDelete", request, context, self._batch_delete)

    def TenantsGet(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return self._run("TenantsGet", request, context, self._tenants_get)

    def Aggregate(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return self._run("Aggregate", request, context, self._aggregate)

    def BatchReferences(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return self._run("BatchReferences", request, context, _unimplemented)

    def BatchStream(self, request_iterator: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._run("BatchStream", None, context, _unimplemented)

    def _search(self, req: Any, _fault: Fault | None) -> Any:
        coll = self._standin.store.get(req.collection)
        shard = coll.shard(req.tenant or None)
        return search(coll, shard, self._standin.limits, req)

    def _batch_objects(self, req: Any, fault: Fault | None) -> Any:
        started = time.monotonic()
        store = self._standin.store
        forced = (fault.object_errors if fault else None) or {}
        errors = []
        for index, obj in enumerate(req.objects):
            if index in forced:
                errors.append(
                    batch_pb2.BatchObjectsReply.BatchError(index=index, error=forced[index])
                )
                continue
            try:
                coll = store.get(obj.collection)
                shard = coll.shard(obj.tenant or None, for_write=True)
                uid = parse_uuid(obj.uuid)
                props = coll.coerce_properties(batch_object_properties(obj))
                coll.put(shard, uid, props, batch_object_vectors(obj), store.next_seq())
            except StandInError as exc:
                errors.append(
                    batch_pb2.BatchObjectsReply.BatchError(index=index, error=exc.message)
                )
        return batch_pb2.BatchObjectsReply(took=time.monotonic() - started, errors=errors)

    def _batch_delete(self, req: Any, _fault: Fault | None) -> Any:
        started = time.monotonic()
        coll = self._standin.store.get(req.collection)
        if not req.HasField("filters"):
            raise StandInError("batch delete params: no filters in batch delete request")
        predicate = compile_filter(coll, req.filters)
        shard = coll.shard(req.tenant if req.HasField("tenant") else None)
        matches = [obj for obj in shard.by_seq() if predicate(obj)]
        chosen = matches[: self._standin.limits.query_maximum_results]
        if not req.dry_run:
            for obj in chosen:
                del shard.objects[obj.uuid]
        objects = [
            batch_delete_pb2.BatchDeleteObject(
                uuid=uuid_lib.UUID(obj.uuid).bytes, successful=True, error=""
            )
            for obj in chosen
            if req.verbose
        ]
        return batch_delete_pb2.BatchDeleteReply(
            took=time.monotonic() - started,
            failed=0,
            matches=len(matches),
            successful=len(chosen),
            objects=objects,
        )

    def _tenants_get(self, req: Any, _fault: Fault | None) -> Any:
        started = time.monotonic()
        coll = self._standin.store.get(req.collection)
        if not coll.multi_tenant:
            raise StandInError(f'get tenants: multi-tenancy is not enabled for class "{coll.name}"')
        names = list(req.names.values) if req.HasField("names") else list(coll.shards)
        tenants = [
            tenants_pb2.Tenant(name=name, activity_status=_TENANT_STATUS[coll.shards[name].status])
            for name in names
            if name in coll.shards
        ]
        return tenants_pb2.TenantsGetReply(took=time.monotonic() - started, tenants=tenants)

    def _aggregate(self, req: Any, _fault: Fault | None) -> Any:
        started = time.monotonic()
        if len(req.aggregations) or req.HasField("group_by") or req.WhichOneof("search"):
            raise StandInError(
                "the stand-in supports only total_count aggregations",
                grpc_code=grpc.StatusCode.UNIMPLEMENTED,
            )
        coll = self._standin.store.get(req.collection)
        shard = coll.shard(req.tenant or None)
        objects = shard.by_seq()
        if req.HasField("filters"):
            predicate = compile_filter(coll, req.filters)
            objects = [obj for obj in objects if predicate(obj)]
        single = aggregate_pb2.AggregateReply.Single(
            objects_count=len(objects) if req.objects_count else None
        )
        return aggregate_pb2.AggregateReply(took=time.monotonic() - started, single_result=single)


def _unimplemented(_req: Any, _fault: Fault | None) -> Any:
    raise StandInError("Method not implemented!", grpc_code=grpc.StatusCode.UNIMPLEMENTED)


def _health_handler(standin: WeaviateStandIn) -> grpc.GenericRpcHandler:
    response = health_weaviate_pb2.WeaviateHealthCheckResponse

    def check(request: Any, context: grpc.ServicerContext) -> Any:
        standin._record("grpc", "Check", request, dict(context.invocation_metadata()))
        return response(status=response.SERVING)

    handler = grpc.unary_unary_rpc_method_handler(
        check,
        request_deserializer=health_weaviate_pb2.WeaviateHealthCheckRequest.FromString,
        response_serializer=response.SerializeToString,
    )
    return grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": handler})


def start_grpc(standin: WeaviateStandIn) -> tuple[grpc.Server, int]:
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="weaviate-standin-grpc"),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.max_send_message_length", MAX_MESSAGE),
        ],
    )
    weaviate_pb2_grpc.add_WeaviateServicer_to_server(_Servicer(standin), server)
    server.add_generic_rpc_handlers((_health_handler(standin),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port
