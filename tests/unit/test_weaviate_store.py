"""What the Weaviate adapter sends and how it reads replies, against the Weaviate stand-in.

The behaviour every store shares is in test_vectorstore_contract.py; here are the
requests themselves (tenant, filter, alpha, fusion, vectors), the server's limits
and its failures.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import grpc
import numpy as np
import pytest

from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Scope
from ragtime.errors import ServiceError, ServiceUnavailableError
from ragtime.vectorstore.weaviate import VECTOR, WeaviateStore, chunk_uuid, tenant_name
from tests.standins.weaviate import WeaviateStandIn

COLLECTION = "RagtimeChunk"
KEY = "wv-secret-key-123"
E = np.eye(4, dtype=np.float32)


@pytest.fixture
def server() -> Iterator[WeaviateStandIn]:
    with WeaviateStandIn(api_key=KEY) as standin:
        yield standin


def make(server: WeaviateStandIn, **overrides: object) -> WeaviateStore:
    values: dict[str, object] = {
        "url": server.http_url, "grpc_url": server.grpc_url, "api_key": KEY,
        "collection": COLLECTION, "embedder": "all-MiniLM-L6-v2", "dimension": 4,
    }  # fmt: skip
    return WeaviateStore(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def store(server: WeaviateStandIn) -> Iterator[WeaviateStore]:
    built = make(server)
    yield built
    built.close()


def put(store: WeaviateStore, doc: str, n: int, scope: DocumentScope) -> list[Chunk]:
    chunks = [
        Chunk(doc, i, f"{doc} part {i} about trains", 1 + i // 3, 1 + i // 3) for i in range(n)
    ]
    vectors = np.tile(E[0], (n, 1))
    store.replace_document(
        DocumentInfo(doc, f"{doc}.pdf", f"https://s/{doc}"), scope, chunks, vectors
    )
    return chunks


IN_C1 = DocumentScope("T1", frozenset({"C1"}))


def test_the_collection_is_multi_tenant_with_a_self_provided_vector_and_the_embedder(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    put(store, "doc", 1, IN_C1)

    [create] = server.calls("POST /v1/schema")
    schema = create.body
    assert schema["class"] == COLLECTION
    assert schema["multiTenancyConfig"]["enabled"] is True
    assert schema["vectorConfig"][VECTOR]["vectorizer"] == {"none": {}}
    assert schema["vectorConfig"][VECTOR]["vectorIndexConfig"]["distance"] == "cosine"
    assert schema["description"] == "ragtime chunks; embedder=all-MiniLM-L6-v2/4"
    properties = {p["name"]: p for p in schema["properties"]}
    assert properties["conversations"]["dataType"] == ["text[]"]
    assert properties["conversations"]["tokenization"] == "field"
    assert properties["text"]["tokenization"] == "word"
    assert {
        "document_id",
        "title",
        "link",
        "page_start",
        "page_end",
        "order",
        "workspace_wide",
    } <= set(properties)
    # The tenant is created on the workspace's first write, and only once.
    [tenants] = server.calls(f"POST /v1/schema/{COLLECTION}/tenants")
    assert [t["name"] for t in tenants.body] == ["T1"]
    put(store, "doc2", 1, IN_C1)
    assert len(server.calls(f"POST /v1/schema/{COLLECTION}/tenants")) == 1
    # Every request but the gRPC health check carried the API key.
    keyed = [r for r in server.requests if r.method != "Check"]
    assert keyed and all(r.headers.get("authorization") == f"Bearer {KEY}" for r in keyed)


def test_objects_carry_deterministic_ids_the_scope_and_the_vector(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    [chunk] = put(store, "doc", 1, DocumentScope("T1", frozenset({"C2", "C1"}), True))

    [batch] = server.calls("BatchObjects")
    [sent] = batch.body.objects
    assert sent.uuid == chunk_uuid(chunk) == chunk_uuid(Chunk("doc", 0, "other text", 9, 9))
    assert sent.tenant == "T1" and sent.collection == COLLECTION
    [vector] = sent.vectors
    assert vector.name == VECTOR
    assert struct.unpack("<4f", vector.vector_bytes) == (1.0, 0.0, 0.0, 0.0)
    [stored] = server.objects(COLLECTION, "T1")
    assert stored["properties"]["conversations"] == ["C1", "C2"]
    assert stored["properties"]["workspace_wide"] is True
    assert stored["properties"]["order"] == 0


def test_a_search_names_the_tenant_the_scope_filter_alpha_and_relative_score_fusion(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    put(store, "doc", 2, IN_C1)
    server.clear_requests()

    hits = store.search(text="trains", vector=E[0] * 2, scope=Scope("T1", "C1"), k=3, alpha=0.4)

    [search] = server.calls("Search")
    request = search.body
    assert (request.collection, request.tenant, request.limit) == (COLLECTION, "T1", 3)
    hybrid = request.hybrid_search
    assert hybrid.query == "trains" and list(hybrid.properties) == ["text"]
    assert hybrid.alpha == pytest.approx(0.4)
    assert hybrid.fusion_type == hybrid.FUSION_TYPE_RELATIVE_SCORE
    assert struct.unpack("<4f", hybrid.vector_bytes) == (2.0, 0.0, 0.0, 0.0)
    either = request.filters
    assert either.operator == either.OPERATOR_OR
    conversation, published = either.filters
    assert conversation.target.property == "conversations"
    assert list(conversation.value_text_array.values) == ["C1"]
    assert (published.target.property, published.value_boolean) == ("workspace_wide", True)
    assert list(request.metadata.vectors) == [VECTOR]
    # The floor's cosine comes from the returned vectors, not from the fused score.
    assert [h.vector_score for h in hits] == pytest.approx([1.0, 1.0])
    assert [h.link for h in hits] == ["https://s/doc"] * 2


def test_the_operator_view_searches_the_workspace_without_a_filter(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    put(store, "doc", 1, IN_C1)
    server.clear_requests()

    assert (
        len(store.search(text="trains", vector=E[0], scope=Scope("T1", None), k=3, alpha=0.5)) == 1
    )

    assert not server.calls("Search")[0].body.HasField("filters")


def test_a_workspace_that_never_wrote_is_answered_without_a_search(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    put(store, "doc", 1, IN_C1)

    assert store.search(text="trains", vector=E[0], scope=Scope("T9", "C1"), k=3, alpha=0.5) == []
    assert not server.calls("Search")


def test_a_failed_object_raises_its_message_and_leaves_nothing_half_replaced(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    put(store, "doc", 4, IN_C1)
    server.fail_next("BatchObjects", object_errors={2: "vector lengths don't match: 4 vs 8"})

    with pytest.raises(ServiceError, match=r"chunk 3 of 4: vector lengths don't match: 4 vs 8\.$"):
        put(store, "doc", 4, IN_C1)

    assert server.objects(COLLECTION, "T1") == []


def test_delete_loops_while_the_server_caps_each_call() -> None:
    with WeaviateStandIn(query_maximum_results=5) as server:
        store = make(server, api_key=None)
        put(store, "big", 12, IN_C1)
        put(store, "small", 1, IN_C1)
        server.clear_requests()

        assert store.delete_document("big", team_id="T1") == 12

        assert len(server.calls("BatchDelete")) == 3
        assert [o["properties"]["document_id"] for o in server.objects(COLLECTION, "T1")] == [
            "small"
        ]
        store.close()


def test_set_scope_rewrites_every_chunk_page_by_page(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    put(store, "long", 1005, IN_C1)

    store.set_scope("long", DocumentScope("T1", frozenset({"C1", "C7"})))

    stored = server.objects(COLLECTION, "T1")
    assert len(stored) == 1005
    assert all(o["properties"]["conversations"] == ["C1", "C7"] for o in stored)
    assert len(server.calls("Search")) == 2  # two pages of 1000
    hits = store.search(text="trains", vector=E[0], scope=Scope("T1", "C7"), k=2, alpha=0.5)
    assert len(hits) == 2


def test_tenant_names_are_slack_ids_or_a_stable_safe_name() -> None:
    assert tenant_name("T0123ABCD") == "T0123ABCD"
    odd = tenant_name("local workspace/é")
    assert odd == tenant_name("local workspace/é") and odd.isalnum() and len(odd) <= 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_is_one_sentence_naming_the_url_never_the_key() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    store = WeaviateStore(
        url=url, grpc_url=f"127.0.0.1:{free_port()}", api_key=KEY, collection=COLLECTION,
        embedder="m", dimension=4, timeout_seconds=2,
    )  # fmt: skip

    with pytest.raises(ServiceUnavailableError) as caught:
        store.count()

    assert str(caught.value) == (
        f"Weaviate at {url} could not be reached; check RAGTIME_WEAVIATE_URL,"
        " its API key and that the server is running."
    )
    assert KEY not in str(caught.value)


def test_a_wrong_api_key_is_refused_without_showing_either_key(server: WeaviateStandIn) -> None:
    store = make(server, api_key="wrong-key-456")

    with pytest.raises(ServiceError) as caught:
        store.count()

    assert "wrong-key-456" not in str(caught.value) and KEY not in str(caught.value)
    assert server.http_url in str(caught.value)


def test_a_server_down_mid_search_is_a_sentence_the_worker_can_show(
    server: WeaviateStandIn, store: WeaviateStore
) -> None:
    put(store, "doc", 1, IN_C1)
    server.fail_next("Search", grpc_code=grpc.StatusCode.INTERNAL, message="shard is read-only")

    with pytest.raises(
        ServiceError, match=r"^Weaviate at http://127\.0\.0\.1:\d+ could not search: "
    ):
        store.search(text="trains", vector=E[0], scope=Scope("T1", "C1"), k=3, alpha=0.5)


def test_the_grpc_address_defaults_to_the_http_host_on_50051() -> None:
    from ragtime.vectorstore.weaviate import _grpc_address

    assert _grpc_address(None, "weaviate.internal") == ("weaviate.internal", 50051)
    assert _grpc_address("grpc.example.com:443", "x") == ("grpc.example.com", 443)
    assert _grpc_address("grpcs://grpc.example.com", "x") == ("grpc.example.com", 50051)
