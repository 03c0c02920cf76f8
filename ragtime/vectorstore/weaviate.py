"""The Weaviate store (team-server and serverless sizes), on weaviate-client v4.

One collection with a self-provided named vector and multi-tenancy: one tenant per
Slack workspace, created on its first write, so workspaces never share a query.
Scope is a filter inside the hybrid query (the chunk's conversations contain the
asker's, or it is published workspace-wide), applied by the server in both legs.
Object ids are uuid5 of the chunk id: re-ingesting overwrites in place, so the old
chunks answer until the new ones are in, then the ones past the new end are deleted.
The embedder that built the collection is kept in its description.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from hashlib import blake2b
from typing import Any

import numpy as np
import numpy.typing as npt
import weaviate
from weaviate.classes.config import Configure, DataType, Property, Tokenization, VectorDistances
from weaviate.classes.init import AdditionalConfig, Auth, Timeout
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery, Sort
from weaviate.classes.tenants import Tenant
from weaviate.collections.classes.data import DataObject
from weaviate.exceptions import WeaviateBaseError
from weaviate.util import generate_uuid5

from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Hit, Scope
from ragtime.errors import IndexMismatchError, ServiceError, ServiceUnavailableError
from ragtime.vectorstore import VectorStore, mismatch_sentence

log = logging.getLogger(__name__)

VECTOR = "chunk"
# Objects per page when listing; offset + limit stays under the server's 10,000 maximum
# for up to 9,000 documents per workspace.
_PAGE = 1000
RETURNED = ["text", "document_id", "title", "link", "page_start", "page_end", "order"]
BATCH_OBJECTS = 256
_DESCRIPTION = "ragtime chunks; embedder={}"
_TENANT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _properties() -> list[Property]:
    text, field = Tokenization.WORD, Tokenization.FIELD
    return [
        Property(name="text", data_type=DataType.TEXT, tokenization=text),
        Property(name="document_id", data_type=DataType.TEXT, tokenization=field),
        Property(name="title", data_type=DataType.TEXT, index_searchable=False),
        Property(name="link", data_type=DataType.TEXT, index_searchable=False),
        Property(name="page_start", data_type=DataType.INT),
        Property(name="page_end", data_type=DataType.INT),
        Property(name="order", data_type=DataType.INT),
        Property(name="conversations", data_type=DataType.TEXT_ARRAY, tokenization=field),
        Property(name="workspace_wide", data_type=DataType.BOOL),
    ]


def tenant_name(team_id: str) -> str:
    """Slack ids are valid tenant names; anything else maps to a stable one that is."""
    if _TENANT.match(team_id):
        return team_id
    return "t" + blake2b(team_id.encode(), digest_size=16).hexdigest()


def chunk_uuid(chunk: Chunk) -> str:
    return str(generate_uuid5(chunk.chunk_id))


class WeaviateStore(VectorStore):
    """Chunks in one multi-tenant Weaviate collection; connects on first use."""

    def __init__(
        self,
        *,
        url: str,
        grpc_url: str | None,
        api_key: str | None,
        collection: str,
        embedder: str,
        dimension: int,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.url, self.grpc_url, self.name = url, grpc_url, collection
        self.embedder_key = f"{embedder}/{dimension}"
        self.dimension = dimension
        self._api_key, self._timeout = api_key, timeout_seconds
        self._client: Any = None
        self._ready = False
        self._tenants: set[str] = set()
        self._lock = threading.Lock()

    # -- writes ---------------------------------------------------------------

    def replace_document(
        self,
        document: DocumentInfo,
        scope: DocumentScope,
        chunks: Sequence[Chunk],
        vectors: npt.NDArray[np.float32],
    ) -> None:
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected vectors of shape {(len(chunks), self.dimension)}")
        tenant = self._tenant_for_writes(scope.team_id)
        objects = [
            DataObject(
                uuid=chunk_uuid(c),
                properties=_chunk_properties(document, scope, c),
                vector={VECTOR: v.astype(np.float32).tolist()},
            )
            for c, v in zip(chunks, vectors, strict=True)
        ]
        try:
            self._insert(tenant, objects)
        except ServiceError:
            # Half old, half new is worse than nothing: the document is re-indexed whole.
            self._delete_where(tenant, _of_document(document.document_id))
            raise
        self._delete_where(tenant, _of_document(document.document_id, from_order=len(chunks)))

    def set_scope(self, document_id: str, scope: DocumentScope) -> None:
        tenant = tenant_name(scope.team_id)
        stored = list(self._document_objects(tenant, document_id)) if self._has(tenant) else []
        if not stored:
            raise KeyError(document_id)
        scoped = {
            "conversations": sorted(scope.conversations),
            "workspace_wide": scope.workspace_wide,
        }
        self._insert(
            tenant,
            [
                DataObject(uuid=o.uuid, properties={**o.properties, **scoped}, vector=o.vector)
                for o in stored
            ],
        )

    def delete_document(self, document_id: str, *, team_id: str | None = None) -> int:
        tenants = [tenant_name(team_id)] if team_id is not None else sorted(self._all_tenants())
        removed = 0
        for tenant in tenants:
            if self._has(tenant):
                removed += self._delete_where(tenant, _of_document(document_id))
        return removed

    def reset(self) -> None:
        with self._lock:
            client = self._client = self._client or self._connect()
            with self._calls("drop the collection"):
                client.collections.delete(self.name)
            self._tenants.clear()
            self._ready = False
        self._connected()

    # -- reads ----------------------------------------------------------------

    def search(
        self,
        *,
        text: str,
        vector: npt.NDArray[np.float32],
        scope: Scope | None,
        k: int,
        alpha: float,
    ) -> list[Hit]:
        if scope is None:
            raise ValueError("The Weaviate store searches one workspace at a time; give a scope.")
        tenant = tenant_name(scope.team_id)
        if not self._has(tenant):
            return []  # nothing was ever indexed for this workspace
        filters = None
        if scope.conversation is not None:
            filters = Filter.by_property("conversations").contains_any(
                [scope.conversation]
            ) | Filter.by_property("workspace_wide").equal(True)
        query = np.asarray(vector, dtype=np.float32)
        with self._calls("search"):
            result = (
                self._collection()
                .with_tenant(tenant)
                .query.hybrid(
                    query=text if text.strip() else None,
                    vector=query.tolist(),
                    alpha=alpha,
                    fusion_type=HybridFusion.RELATIVE_SCORE,
                    limit=k,
                    filters=filters,
                    query_properties=["text"],
                    target_vector=VECTOR,
                    include_vector=[VECTOR],
                    return_metadata=MetadataQuery(score=True),
                    return_properties=RETURNED,
                )
            )
        return [_hit(o, query) for o in result.objects]

    def document_scopes(self, team_id: str) -> dict[str, DocumentScope]:
        tenant = tenant_name(team_id)
        if not self._has(tenant):
            return {}
        found: dict[str, DocumentScope] = {}
        offset = 0
        while True:  # each document's first chunk carries its scope, as every chunk does
            with self._calls("list documents"):
                page = (
                    self._collection()
                    .with_tenant(tenant)
                    .query.fetch_objects(
                        filters=Filter.by_property("order").equal(0),
                        sort=Sort.by_property("document_id"),
                        limit=_PAGE,
                        offset=offset,
                        return_properties=["document_id", "conversations", "workspace_wide"],
                    )
                )
            for obj in page.objects:
                props = obj.properties
                found[str(props["document_id"])] = DocumentScope(
                    team_id,
                    frozenset(props.get("conversations") or ()),
                    bool(props.get("workspace_wide")),
                )
            if len(page.objects) < _PAGE:
                return found
            offset += _PAGE

    def count(self) -> int:
        total = 0
        for tenant in sorted(self._all_tenants()):
            with self._calls("count"):
                found = self._collection().with_tenant(tenant).aggregate.over_all(total_count=True)
            total += int(found.total_count or 0)
        return total

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client, self._ready = None, False

    # -- internals --------------------------------------------------------------

    def _insert(self, tenant: str, objects: list[DataObject[Any, Any]]) -> None:
        data = self._collection().with_tenant(tenant).data
        for start in range(0, len(objects), BATCH_OBJECTS):
            with self._calls("store chunks"):
                result = data.insert_many(objects[start : start + BATCH_OBJECTS])
            if result.errors:
                index = min(result.errors)
                raise ServiceError(
                    f"Weaviate refused chunk {start + index + 1} of {len(objects)}: "
                    f"{_short(result.errors[index].message)}"
                )

    def _delete_where(self, tenant: str, where: Any) -> int:
        """Delete everything ``where`` matches: the server deletes at most 10,000 per call."""
        data, removed = self._collection().with_tenant(tenant).data, 0
        while True:
            with self._calls("delete chunks"):
                result = data.delete_many(where=where)
            removed += int(result.successful)
            if result.matches <= result.successful:
                return removed
            if result.failed or result.successful == 0:  # no progress: don't loop forever
                raise ServiceError(f"Weaviate could not delete {result.matches} chunks; try again.")

    def _document_objects(self, tenant: str, document_id: str) -> Iterator[Any]:
        """Every stored chunk of a document with its vector, in order, a page at a time."""
        after = 0
        while True:
            with self._calls("read chunks"):
                page = (
                    self._collection()
                    .with_tenant(tenant)
                    .query.fetch_objects(
                        filters=_of_document(document_id, from_order=after),
                        sort=Sort.by_property("order"),
                        limit=1000,
                        include_vector=[VECTOR],
                        return_properties=[*RETURNED, "conversations", "workspace_wide"],
                    )
                )
            yield from page.objects
            if len(page.objects) < 1000:
                return
            after = int(page.objects[-1].properties["order"]) + 1

    def _tenant_for_writes(self, team_id: str) -> str:
        """The workspace's tenant, created on its first write."""
        tenant = tenant_name(team_id)
        if self._has(tenant):
            return tenant
        with self._calls("create the workspace's tenant"):
            try:
                self._collection().tenants.create([Tenant(name=tenant)])
            except WeaviateBaseError:
                if not self._collection().tenants.exists(tenant):  # lost a race: fine
                    raise
        self._tenants.add(tenant)
        return tenant

    def _has(self, tenant: str) -> bool:
        if tenant not in self._tenants:
            with self._calls("look up the workspace's tenant"):
                if self._collection().tenants.exists(tenant):
                    self._tenants.add(tenant)
        return tenant in self._tenants

    def _all_tenants(self) -> set[str]:
        with self._calls("list tenants"):
            names = set(self._collection().tenants.get())
        self._tenants |= names
        return names

    def _collection(self) -> Any:
        return self._connected().collections.use(self.name)

    def _connected(self) -> Any:
        """The client, once the collection is known to exist and hold this embedder's vectors."""
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            if not self._ready:
                self._ensure_collection(self._client)
                self._ready = True
            return self._client

    def _connect(self) -> Any:
        http = urllib.parse.urlsplit(self.url)
        secure = http.scheme == "https"
        grpc_host, grpc_port = _grpc_address(self.grpc_url, http.hostname or "")
        try:
            return weaviate.connect_to_custom(
                http_host=http.hostname or "",
                http_port=http.port or (443 if secure else 80),
                http_secure=secure,
                grpc_host=grpc_host,
                grpc_port=grpc_port,
                grpc_secure=secure,
                auth_credentials=Auth.api_key(self._api_key) if self._api_key else None,
                additional_config=AdditionalConfig(
                    timeout=Timeout(init=self._timeout, query=self._timeout, insert=self._timeout)
                ),
            )
        except WeaviateBaseError as exc:
            log.warning("weaviate connect failed: %s", self._scrub(str(exc)))
            raise ServiceUnavailableError(
                f"Weaviate at {self.url} could not be reached; check RAGTIME_WEAVIATE_URL,"
                " its API key and that the server is running."
            ) from None

    def _ensure_collection(self, client: Any) -> None:
        with self._calls("open the collection"):
            if not client.collections.exists(self.name):
                try:
                    client.collections.create(
                        self.name,
                        description=_DESCRIPTION.format(self.embedder_key),
                        vector_config=Configure.Vectors.self_provided(
                            name=VECTOR,
                            vector_index_config=Configure.VectorIndex.hnsw(
                                distance_metric=VectorDistances.COSINE
                            ),
                        ),
                        multi_tenancy_config=Configure.multi_tenancy(
                            enabled=True, auto_tenant_creation=False
                        ),
                        inverted_index_config=Configure.inverted_index(bm25_k1=1.2, bm25_b=0.75),
                        properties=_properties(),
                    )
                    return
                except WeaviateBaseError:
                    if not client.collections.exists(self.name):  # created meanwhile: check it
                        raise
            found = client.collections.use(self.name).config.get().description or ""
        built_by = found.removeprefix(_DESCRIPTION.format(""))
        if built_by != self.embedder_key:
            where = f"in Weaviate collection {self.name}"
            raise IndexMismatchError(
                mismatch_sentence(where, built_by or "unknown", self.embedder_key)
            )

    @contextmanager
    def _calls(self, doing: str) -> Iterator[None]:
        try:
            yield
        except WeaviateBaseError as exc:
            message = self._scrub(str(exc))
            log.warning("weaviate could not %s: %s", doing, message)
            if "not found" in message.lower() or "does not exist" in message.lower():
                # Another process may have reset the collection: look again next time.
                self._ready = False
                self._tenants.clear()
            unavailable = "UNAVAILABLE" in message or "Connection" in type(exc).__name__
            error = ServiceUnavailableError if unavailable else ServiceError
            raise error(f"Weaviate at {self.url} could not {doing}: {_short(message)}") from None

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text


def _grpc_address(grpc_url: str | None, http_host: str) -> tuple[str, int]:
    if not grpc_url:
        return http_host, 50051
    parts = urllib.parse.urlsplit(grpc_url if "://" in grpc_url else f"grpc://{grpc_url}")
    return parts.hostname or http_host, parts.port or 50051


def _of_document(document_id: str, *, from_order: int = 0) -> Any:
    where = Filter.by_property("document_id").equal(document_id)
    if from_order:
        where = where & Filter.by_property("order").greater_or_equal(from_order)
    return where


def _chunk_properties(document: DocumentInfo, scope: DocumentScope, chunk: Chunk) -> dict[str, Any]:
    return {
        "text": chunk.text,
        "document_id": document.document_id,
        "title": document.title,
        "link": document.link,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "order": chunk.ordinal,
        "conversations": sorted(scope.conversations),
        "workspace_wide": scope.workspace_wide,
    }


def _hit(found: Any, query: npt.NDArray[np.float32]) -> Hit:
    p = found.properties
    chunk = Chunk(
        str(p["document_id"]),
        int(p["order"]),
        str(p["text"]),
        int(p["page_start"]),
        int(p["page_end"]),
    )
    stored = np.asarray(found.vector[VECTOR], dtype=np.float32)
    norms = float(np.linalg.norm(stored) * np.linalg.norm(query)) or 1.0
    cosine = float(stored @ query) / norms
    score = float(found.metadata.score or 0.0)
    # The server does not return the BM25 leg's raw score on its own.
    return Hit(chunk, str(p["title"]), score, cosine, 0.0, str(p.get("link") or ""))


def _short(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "no reason given"
    return first[:300].rstrip(".") + "."
