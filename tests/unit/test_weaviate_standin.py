"""The Weaviate stand-in as the real weaviate-client v4 sees it: REST, gRPC and the semantics."""

from __future__ import annotations

import math
import struct
import types
import uuid
from collections.abc import Iterator

import grpc
import httpx
import pytest
import weaviate
import weaviate.retry
from weaviate.classes.config import (
    Configure,
    DataType,
    Property,
    Tokenization,
    VectorDistances,
)
from weaviate.classes.data import DataObject
from weaviate.classes.init import Auth
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery, Sort
from weaviate.classes.tenants import Tenant
from weaviate.collections import Collection
from weaviate.exceptions import (
    UnexpectedStatusCodeError,
    WeaviateBatchError,
    WeaviateInsertManyAllFailedError,
    WeaviateQueryError,
    WeaviateStartUpError,
)
from weaviate.proto.v1 import base_pb2, batch_pb2, search_get_pb2, weaviate_pb2_grpc

from tests.standins.weaviate import WeaviateStandIn
from tests.standins.weaviate.fixture import weaviate_standin  # noqa: F401

K1, B = 1.2, 0.75
TENANT = "T1"


def connect(server: WeaviateStandIn, api_key: str | None = None) -> weaviate.WeaviateClient:
    return weaviate.connect_to_custom(
        http_host="127.0.0.1",
        http_port=server.http_port,
        http_secure=False,
        grpc_host="127.0.0.1",
        grpc_port=server.grpc_port,
        grpc_secure=False,
        auth_credentials=Auth.api_key(api_key) if api_key else None,
    )


def create_chunks(client: weaviate.WeaviateClient, name: str = "Chunks") -> Collection:
    """The collection exactly as the production adapter creates it."""
    return client.collections.create(
        name,
        description="PDF chunks",
        vector_config=Configure.Vectors.self_provided(
            name="default",
            vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE),
        ),
        multi_tenancy_config=Configure.multi_tenancy(enabled=True, auto_tenant_creation=False),
        inverted_index_config=Configure.inverted_index(bm25_k1=K1, bm25_b=B),
        properties=[
            Property(name="text", data_type=DataType.TEXT, tokenization=Tokenization.WORD),
            Property(name="document_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="title", data_type=DataType.TEXT, index_searchable=False),
            Property(name="link", data_type=DataType.TEXT, index_searchable=False),
            Property(name="page_start", data_type=DataType.INT),
            Property(name="page_end", data_type=DataType.INT),
            Property(name="order", data_type=DataType.INT),
            Property(
                name="conversations",
                data_type=DataType.TEXT_ARRAY,
                tokenization=Tokenization.FIELD,
            ),
            Property(name="workspace_wide", data_type=DataType.BOOL),
        ],
    )


def chunk(text: str, vector: list[float], **props: object) -> DataObject:
    properties = {"text": text, "document_id": "doc-1", "order": 0, **props}
    return DataObject(properties=properties, uuid=uuid.uuid4(), vector={"default": vector})


@pytest.fixture(scope="module")
def server() -> Iterator[WeaviateStandIn]:
    with WeaviateStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def client(server: WeaviateStandIn) -> Iterator[weaviate.WeaviateClient]:
    connected = connect(server)
    yield connected
    connected.close()


@pytest.fixture
def chunks(server: WeaviateStandIn, client: weaviate.WeaviateClient) -> Iterator[Collection]:
    """A fresh Chunks collection with tenant T1, and a clean request log."""
    collection = create_chunks(client)
    collection.tenants.create([Tenant(name=TENANT)])
    server.clear_requests()
    yield collection.with_tenant(TENANT)
    client.collections.delete("Chunks")


def idf(n_docs: int, n_with_term: int) -> float:
    return math.log(1 + (n_docs - n_with_term + 0.5) / (n_with_term + 0.5))


def tf_norm(freq: int, length: int, avg_length: float) -> float:
    return freq / (freq + K1 * (1 - B + B * length / avg_length))


def minmax(scores: dict[str, float]) -> dict[str, float]:
    low, high = min(scores.values()), max(scores.values())
    return {key: (v - low) / (high - low) if high != low else 1.0 for key, v in scores.items()}


# -- connecting ---------------------------------------------------------------------------------


def test_connect_makes_the_clients_startup_calls(weaviate_standin: WeaviateStandIn) -> None:  # noqa: F811
    client = connect(weaviate_standin)
    try:
        methods = [r.method for r in weaviate_standin.requests]
        assert methods[:3] == ["GET /v1/.well-known/openid-configuration", "GET /v1/meta", "Check"]
        assert client.is_ready() and client.is_live()
        assert client.get_meta()["version"] == "1.32.5"
        nodes = client.cluster.nodes()
        assert len(nodes) == 1 and nodes[0].status == "HEALTHY"
        assert weaviate_standin.calls("GET /v1/nodes")
    finally:
        client.close()


def test_api_key_clients_skip_the_oidc_lookup() -> None:
    with WeaviateStandIn(api_key="k") as server:
        connect(server, api_key="k").close()
        assert [r.method for r in server.requests] == ["GET /v1/meta", "Check"]


def test_old_servers_are_refused_by_the_client() -> None:
    with WeaviateStandIn(version="1.26.9") as old, pytest.raises(WeaviateStartUpError):
        connect(old)


def test_api_key_is_required_on_rest_and_grpc() -> None:
    with WeaviateStandIn(api_key="s3cret") as server:
        client = connect(server, api_key="s3cret")
        try:
            chunks = create_chunks(client)
            chunks.tenants.create([Tenant(name=TENANT)])
            assert chunks.with_tenant(TENANT).query.fetch_objects().objects == []
            assert server.calls("Search")[0].headers["authorization"] == "Bearer s3cret"
        finally:
            client.close()
        for key in ("wrong", None):
            with pytest.raises((UnexpectedStatusCodeError, WeaviateStartUpError)):
                connect(server, api_key=key)
        response = httpx.get(f"{server.http_url}/v1/schema", headers={"Authorization": "Bearer x"})
        assert response.status_code == 401 and "message" in response.json()
        with grpc.insecure_channel(server.grpc_url) as channel:
            stub = weaviate_pb2_grpc.WeaviateStub(channel)
            request = search_get_pb2.SearchRequest(collection="Chunks", tenant=TENANT)
            for metadata in ((("authorization", "Bearer nope"),), ()):
                with pytest.raises(grpc.RpcError) as refused:
                    stub.Search(request, metadata=metadata)
                assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
            ok = stub.Search(request, metadata=(("authorization", "Bearer s3cret"),))
            assert list(ok.results) == []


# -- collections and tenants --------------------------------------------------------------------


def test_collection_lifecycle_and_config(
    server: WeaviateStandIn, client: weaviate.WeaviateClient
) -> None:
    assert not client.collections.exists("Chunks")
    create_chunks(client)
    assert client.collections.exists("Chunks")
    assert server.calls("POST /v1/schema")[-1].body["class"] == "Chunks"
    config = client.collections.use("Chunks").config.get()
    props = {p.name: p for p in config.properties}
    assert props["text"].tokenization == Tokenization.WORD and props["text"].index_searchable
    assert props["document_id"].tokenization == Tokenization.FIELD
    assert not props["title"].index_searchable and props["title"].index_filterable
    assert props["conversations"].data_type == DataType.TEXT_ARRAY
    assert props["order"].data_type == DataType.INT and props["order"].tokenization is None
    assert props["workspace_wide"].data_type == DataType.BOOL
    assert config.multi_tenancy_config.enabled
    assert not config.multi_tenancy_config.auto_tenant_creation
    assert (config.inverted_index_config.bm25.k1, config.inverted_index_config.bm25.b) == (K1, B)
    assert config.vector_config is not None
    index = config.vector_config["default"].vector_index_config
    assert index.distance_metric == VectorDistances.COSINE and index.max_connections == 32
    assert "Chunks" in client.collections.list_all()
    with pytest.raises(UnexpectedStatusCodeError) as exists:
        create_chunks(client)
    assert exists.value.status_code == 422
    client.collections.delete("Chunks")
    assert not client.collections.exists("Chunks")


def test_tenants_create_get_exists(server: WeaviateStandIn, chunks: Collection) -> None:
    collection = chunks.with_tenant(None)
    collection.tenants.create([Tenant(name="T2")])
    assert set(collection.tenants.get()) == {TENANT, "T2"}
    assert server.calls("TenantsGet")[-1].body.collection == "Chunks"  # gRPC in 4.24.1
    assert collection.tenants.exists("T2") and not collection.tenants.exists("T3")
    assert server.calls("HEAD /v1/schema/Chunks/tenants/T3")  # REST
    assert server.calls("POST /v1/schema/Chunks/tenants")[-1].body == [
        {"name": "T2", "activityStatus": "HOT"}
    ]


def test_missing_or_unknown_tenant_fails_like_the_server(chunks: Collection) -> None:
    collection = chunks.with_tenant(None)
    with pytest.raises(WeaviateQueryError, match="has multi-tenancy enabled, but request was"):
        collection.query.fetch_objects()
    with pytest.raises(WeaviateQueryError, match="tenant not found"):
        collection.with_tenant("nobody").query.bm25("x")
    with pytest.raises(WeaviateInsertManyAllFailedError, match="without tenant"):
        collection.data.insert_many([chunk("x", [1.0, 0.0])])
    with pytest.raises(WeaviateInsertManyAllFailedError, match="tenant not found"):
        collection.with_tenant("nobody").data.insert_many([chunk("x", [1.0, 0.0])])


# -- writes ---------------------------------------------------------------------------------------


def test_insert_many_then_fetch_back_properties_and_vectors(
    server: WeaviateStandIn, chunks: Collection
) -> None:
    first = chunk(
        "first chunk",
        [0.25, 0.5, 0.75],
        title="Rules",
        link="https://x/1",
        page_start=1,
        page_end=2,
        order=1,
        conversations=["C1", "C2"],
        workspace_wide=False,
    )
    second = chunk("second chunk", [1.0, 0.0, 0.0], order=2, workspace_wide=True)
    result = chunks.data.insert_many([second, first])
    assert not result.has_errors
    request = server.calls("BatchObjects")[0].body
    assert {o.tenant for o in request.objects} == {TENANT}
    assert request.objects[1].vectors[0].name == "default"
    assert struct.unpack("<3f", request.objects[1].vectors[0].vector_bytes) == (0.25, 0.5, 0.75)
    got = chunks.query.fetch_objects(sort=Sort.by_property("order"), include_vector=True)
    assert [o.uuid for o in got.objects] == [first.uuid, second.uuid]
    assert got.objects[0].properties == first.properties
    assert got.objects[0].vector == {"default": [0.25, 0.5, 0.75]}
    assert got.objects[1].properties["workspace_wide"] is True
    only = chunks.query.fetch_objects(return_properties=["order"], limit=1)
    assert set(only.objects[0].properties) == {"order"}
    stored = server.objects("Chunks", TENANT)
    assert [o["uuid"] for o in stored] == [str(second.uuid), str(first.uuid)]
    assert stored[1]["properties"]["page_end"] == 2


def test_insert_many_replaces_an_existing_uuid(server: WeaviateStandIn, chunks: Collection) -> None:
    same = uuid.uuid4()
    chunks.data.insert_many(
        [DataObject({"text": "old", "order": 1}, same, {"default": [1.0, 0.0]})]
    )
    chunks.data.insert_many([DataObject({"text": "new"}, same, {"default": [0.0, 1.0]})])
    (stored,) = server.objects("Chunks", TENANT)
    assert stored["properties"] == {"text": "new"}
    assert stored["vectors"] == {"default": [0.0, 1.0]}


def test_injected_object_errors_come_back_by_index(
    server: WeaviateStandIn, chunks: Collection
) -> None:
    server.fail_next("BatchObjects", object_errors={1: "disk full"})
    objects = [chunk(f"chunk {i}", [1.0, float(i)]) for i in range(3)]
    result = chunks.data.insert_many(objects)
    assert set(result.errors) == {1} and result.errors[1].message == "disk full"
    assert set(result.uuids) == {0, 2}
    assert [o["uuid"] for o in server.objects("Chunks", TENANT)] == [
        str(objects[0].uuid),
        str(objects[2].uuid),
    ]
    # a wrong type is the server's own per-object error
    bad = chunks.data.insert_many([chunk("ok", [1.0, 0.0]), chunk("bad", [1.0, 0.0], order=1.5)])
    assert set(bad.errors) == {1} and "invalid integer property 'order'" in bad.errors[1].message


def test_batch_fixed_size_and_update(server: WeaviateStandIn, chunks: Collection) -> None:
    with chunks.batch.fixed_size(batch_size=2) as batch:
        for i in range(3):
            batch.add_object({"text": f"batched {i}", "order": i}, vector={"default": [1.0, i]})
    assert chunks.batch.failed_objects == []
    assert len(server.calls("BatchObjects")) == 2
    assert server.calls("GET /v1/schema/Chunks")  # the client reads the config first
    target = server.objects("Chunks", TENANT)[0]
    chunks.data.update(target["uuid"], properties={"title": "renamed"})
    patch = server.calls(f"PATCH /v1/objects/Chunks/{target['uuid']}")[0]
    assert patch.body["tenant"] == TENANT  # 4.24.1 sends the tenant in the body
    updated = next(o for o in server.objects("Chunks", TENANT) if o["uuid"] == target["uuid"])
    assert updated["properties"] == {**target["properties"], "title": "renamed"}
    assert updated["vectors"] == target["vectors"]


# -- ranking --------------------------------------------------------------------------------------


def test_bm25_scores_match_the_formula(chunks: Collection) -> None:
    docs = [
        chunk("The quick brown fox", [1.0, 0.0]),  # 4 tokens
        chunk("a lazy brown dog sleeps", [1.0, 0.0]),  # 5 tokens
        chunk("quick thinking", [1.0, 0.0]),  # 2 tokens
    ]
    chunks.data.insert_many(docs)
    avg = (4 + 5 + 2) / 3
    # "the" is an `en` stopword: the query is quick + fox
    expected_first = idf(3, 2) * tf_norm(1, 4, avg) + idf(3, 1) * tf_norm(1, 4, avg)
    expected_third = idf(3, 2) * tf_norm(1, 2, avg)
    found = chunks.query.bm25(
        "the quick fox",
        query_properties=["text"],
        limit=10,
        return_metadata=MetadataQuery(score=True, explain_score=True),
    ).objects
    assert [o.uuid for o in found] == [docs[0].uuid, docs[2].uuid]
    assert found[0].metadata.score == pytest.approx(expected_first, rel=1e-6)
    assert found[1].metadata.score == pytest.approx(expected_third, rel=1e-6)
    assert "BM25F_quick_frequency:1" in (found[0].metadata.explain_score or "")
    # a filter narrows the candidates; N and n still count the whole tenant
    filtered = chunks.query.bm25(
        "quick",
        query_properties=["text"],
        filters=Filter.by_id().equal(docs[2].uuid),
        return_metadata=MetadataQuery(score=True),
    ).objects
    assert [o.uuid for o in filtered] == [docs[2].uuid]
    assert filtered[0].metadata.score == pytest.approx(expected_third, rel=1e-6)
    with pytest.raises(WeaviateQueryError, match="requires inverted index"):
        chunks.query.bm25("rules", query_properties=["title"])


HYBRID_DOCS = {
    "A": ("apple banana", [1.0, 0.0]),
    "B": ("apple", [0.6, 0.8]),
    "C": ("cherry", [0.0, 1.0]),
}


def _hybrid_expected(alpha: float) -> dict[str, float]:
    avg = 4 / 3
    keyword = minmax({k: idf(3, 2) * tf_norm(1, n, avg) for k, n in (("A", 2), ("B", 1))})
    vector = minmax({"A": 1.0, "B": 0.6, "C": 0.0})  # cosine similarity to [1, 0]
    fused: dict[str, float] = {}
    if alpha > 0:
        for key, value in vector.items():
            fused[key] = fused.get(key, 0.0) + alpha * value
    if alpha < 1:
        for key, value in keyword.items():
            fused[key] = fused.get(key, 0.0) + (1 - alpha) * value
    return fused


@pytest.mark.parametrize("version", ["1.32.5", "1.36.6"])
def test_hybrid_relative_score_ranking(version: str) -> None:
    with WeaviateStandIn(version=version) as server:
        client = connect(server)
        try:
            chunks = create_chunks(client)
            chunks.tenants.create([Tenant(name=TENANT)])
            chunks = chunks.with_tenant(TENANT)
            ids = {}
            for key, (text, vector) in HYBRID_DOCS.items():
                obj = chunk(text, vector)
                ids[obj.uuid] = key
                chunks.data.insert_many([obj])
            for alpha in (0.0, 0.5, 1.0):
                expected = _hybrid_expected(alpha)
                found = chunks.query.hybrid(
                    query="apple",
                    vector=[1.0, 0.0],
                    alpha=alpha,
                    fusion_type=HybridFusion.RELATIVE_SCORE,
                    limit=10,
                    query_properties=["text"],
                    target_vector="default",
                    return_metadata=MetadataQuery(score=True, explain_score=True),
                ).objects
                order = sorted(expected, key=lambda k: -expected[k])
                assert [ids[o.uuid] for o in found] == order, alpha
                for obj in found:
                    assert obj.metadata.score == pytest.approx(expected[ids[obj.uuid]], abs=1e-6)
                sent = server.calls("Search")[-1].body.hybrid_search
                if version == "1.36.6":
                    assert sent.use_alpha_param and sent.alpha_param == alpha
                else:
                    assert not sent.use_alpha_param and sent.alpha == alpha
            ranked = chunks.query.hybrid(
                query="apple",
                vector=[1.0, 0.0],
                alpha=0.5,
                fusion_type=HybridFusion.RANKED,
                return_metadata=MetadataQuery(score=True),
            ).objects
            # A and B tie on 0.5/60 + 0.5/61; the tie goes to the better BM25 score (B)
            assert [ids[o.uuid] for o in ranked] == ["B", "A", "C"]
            assert ranked[2].metadata.score == pytest.approx(0.5 / 62, rel=1e-6)
            with pytest.raises(WeaviateQueryError, match="without vectorizer"):
                chunks.query.hybrid(query="apple", alpha=0.5)
        finally:
            client.close()


def test_near_vector_distance(chunks: Collection) -> None:
    near, far = chunk("near", [1.0, 0.0]), chunk("far", [0.0, 1.0])
    chunks.data.insert_many([far, near])
    found = chunks.query.near_vector(
        near_vector=[0.8, 0.6], limit=5, return_metadata=MetadataQuery(distance=True)
    ).objects
    assert [o.uuid for o in found] == [near.uuid, far.uuid]
    assert found[0].metadata.distance == pytest.approx(0.2, abs=1e-6)
    assert found[1].metadata.distance == pytest.approx(0.4, abs=1e-6)


def test_filters_apply_inside_both_legs(server: WeaviateStandIn, chunks: Collection) -> None:
    best = chunk("apple", [1.0, 0.0], conversations=["C9"], workspace_wide=False)
    shared = chunk("apple pie", [0.9, 0.1], conversations=["C1", "C2"], workspace_wide=False)
    wide = chunk("banana", [0.0, 1.0], conversations=["C3"], workspace_wide=True)
    other = chunk("apple tart", [0.95, 0.05], conversations=["C4"], workspace_wide=False)
    chunks.data.insert_many([best, shared, wide, other])
    visible = Filter.by_property("conversations").contains_any(["C1"]) | Filter.by_property(
        "workspace_wide"
    ).equal(True)
    common = {"query_properties": ["text"], "target_vector": "default", "limit": 10}
    unfiltered = chunks.query.hybrid(query="apple", vector=[1.0, 0.0], alpha=0.5, **common)
    assert unfiltered.objects[0].uuid == best.uuid
    hybrid = chunks.query.hybrid(
        query="apple", vector=[1.0, 0.0], alpha=0.5, filters=visible, **common
    )
    assert [o.uuid for o in hybrid.objects] == [shared.uuid, wide.uuid]
    bm25 = chunks.query.bm25("apple", query_properties=["text"], filters=visible)
    assert [o.uuid for o in bm25.objects] == [shared.uuid]
    near = chunks.query.near_vector(near_vector=[1.0, 0.0], filters=visible)
    assert [o.uuid for o in near.objects] == [shared.uuid, wide.uuid]
    sent = server.calls("Search")[1].body
    assert sent.tenant == TENANT and sent.filters.operator == base_pb2.Filters.OPERATOR_OR
    assert [f.operator for f in sent.filters.filters] == [
        base_pb2.Filters.OPERATOR_CONTAINS_ANY,
        base_pb2.Filters.OPERATOR_EQUAL,
    ]

    pages = [chunk(f"page {i}", [1.0, float(i)], order=i) for i in range(4)]
    pages.append(chunk("page 9", [1.0, 9.0], order=9, document_id="doc-2"))
    chunks.data.insert_many(pages)
    ranged = Filter.by_property("document_id").equal("doc-1") & Filter.by_property(
        "order"
    ).greater_or_equal(2)
    fetched = chunks.query.fetch_objects(filters=ranged, sort=Sort.by_property("order"), limit=10)
    assert [o.properties["order"] for o in fetched.objects] == [2, 3]
    desc = chunks.query.fetch_objects(filters=ranged, sort=Sort.by_property("order", False))
    assert [o.properties["order"] for o in desc.objects] == [3, 2]
    hybrid = chunks.query.hybrid(
        query="page", vector=[1.0, 9.0], alpha=0.5, filters=ranged, **common
    )
    assert {o.properties["order"] for o in hybrid.objects} == {2, 3}


# -- deletes and counts ---------------------------------------------------------------------------


def test_delete_many_is_capped_by_query_maximum_results() -> None:
    with WeaviateStandIn(query_maximum_results=5) as server:
        client = connect(server)
        try:
            chunks = create_chunks(client)
            chunks.tenants.create([Tenant(name=TENANT)])
            chunks = chunks.with_tenant(TENANT)
            doomed = [chunk(f"doomed {i}", [1.0, 0.0]) for i in range(12)]
            kept = [chunk(f"kept {i}", [1.0, 0.0], document_id="doc-2") for i in range(3)]
            chunks.data.insert_many(doomed + kept)
            where = Filter.by_property("document_id").equal("doc-1")
            dry = chunks.data.delete_many(where=where, dry_run=True)
            assert (dry.matches, dry.successful) == (12, 5)
            assert chunks.aggregate.over_all(total_count=True).total_count == 15
            rounds = []
            while (
                done := chunks.data.delete_many(where=where, dry_run=False, verbose=False)
            ).matches:
                rounds.append((done.matches, done.successful))
            assert rounds == [(12, 5), (7, 5), (2, 2)]
            assert chunks.aggregate.over_all(total_count=True).total_count == 3
            with pytest.raises(WeaviateQueryError, match="query maximum results exceeded"):
                chunks.query.fetch_objects(limit=6)
        finally:
            client.close()


def test_aggregate_counts_per_tenant(server: WeaviateStandIn, chunks: Collection) -> None:
    chunks.with_tenant(None).tenants.create([Tenant(name="T2")])
    chunks.data.insert_many([chunk(f"a {i}", [1.0, 0.0], order=i) for i in range(3)])
    chunks.with_tenant("T2").data.insert_many([chunk("b", [1.0, 0.0])])
    assert chunks.aggregate.over_all(total_count=True).total_count == 3
    assert chunks.with_tenant("T2").aggregate.over_all(total_count=True).total_count == 1
    assert server.calls("Aggregate")[0].body.tenant == TENANT  # gRPC in 4.24.1
    counted = chunks.aggregate.over_all(
        total_count=True, filters=Filter.by_property("order").less_than(2)
    )
    assert counted.total_count == 2


def test_graphql_count_for_servers_before_1_29() -> None:
    with WeaviateStandIn(version="1.28.4") as server:
        client = connect(server)
        try:
            chunks = create_chunks(client)
            chunks.tenants.create([Tenant(name=TENANT)])
            chunks.with_tenant(TENANT).data.insert_many([chunk("x", [1.0, 0.0])])
            count = chunks.with_tenant(TENANT).aggregate.over_all(total_count=True)
            assert count.total_count == 1 and server.calls("POST /v1/graphql")
        finally:
            client.close()


# -- request log and faults -----------------------------------------------------------------------


def test_requests_record_tenant_filters_alpha_fusion_and_vectors(
    server: WeaviateStandIn, chunks: Collection
) -> None:
    chunks.query.hybrid(
        query="rules",
        vector=[0.5, 0.25],
        alpha=0.3,
        fusion_type=HybridFusion.RELATIVE_SCORE,
        filters=Filter.by_property("document_id").equal("doc-7"),
        include_vector=True,
    )
    (call,) = server.calls("Search")
    assert call.protocol == "grpc" and call.headers["x-weaviate-client"].startswith("weaviate")
    request = call.body
    assert request.tenant == TENANT and request.collection == "Chunks"
    assert request.filters.value_text == "doc-7"
    hybrid = request.hybrid_search
    assert hybrid.alpha == pytest.approx(0.3)
    assert hybrid.fusion_type == hybrid.FUSION_TYPE_RELATIVE_SCORE
    assert struct.unpack("<2f", hybrid.vector_bytes) == (0.5, 0.25)
    assert request.metadata.vector


def test_fail_next_grpc_and_rest(
    server: WeaviateStandIn, chunks: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(weaviate.retry, "time", types.SimpleNamespace(sleep=lambda _s: None))
    server.fail_next("Search", grpc_code=grpc.StatusCode.UNAVAILABLE, message="node restarting")
    assert chunks.query.fetch_objects().objects == []  # the client retries UNAVAILABLE
    assert len(server.calls("Search")) == 2
    server.fail_next("Search", grpc_code=grpc.StatusCode.INTERNAL, message="boom")
    with pytest.raises(WeaviateQueryError, match="boom"):
        chunks.query.bm25("anything")
    server.fail_next("BatchObjects", grpc_code=grpc.StatusCode.INTERNAL, message="no space")
    with pytest.raises(WeaviateBatchError, match="no space"):
        chunks.data.insert_many([chunk("x", [1.0, 0.0])])
    assert server.objects("Chunks", TENANT) == []
    server.fail_next("GET /v1/schema/Chunks", http_status=503, message="schema busy")
    with pytest.raises(UnexpectedStatusCodeError) as failed:
        chunks.config.get()
    assert failed.value.status_code == 503
    assert chunks.config.get().name == "Chunks"  # one-shot


def test_unknown_calls_answer_like_a_server(server: WeaviateStandIn) -> None:
    response = httpx.get(f"{server.http_url}/v1/no/such/path")
    assert response.status_code == 404 and response.json()["code"] == 404
    with grpc.insecure_channel(server.grpc_url) as channel:
        stub = weaviate_pb2_grpc.WeaviateStub(channel)
        with pytest.raises(grpc.RpcError) as unimplemented:
            stub.BatchReferences(batch_pb2.BatchReferencesRequest(), timeout=5)
        assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED
        unknown = channel.unary_unary("/weaviate.v1.Weaviate/Nope")
        with pytest.raises(grpc.RpcError) as missing:
            unknown(b"", timeout=5)
        assert missing.value.code() == grpc.StatusCode.UNIMPLEMENTED
