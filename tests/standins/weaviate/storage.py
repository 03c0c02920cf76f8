"""Collections, tenants (shards) and objects, with the server's validation rules."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import StandInError
from .schema import capitalize, normalize_class, normalize_property, vector_spaces
from .values import coerce, infer_property

ACTIVE = "HOT"
_STATUS_ALIASES = {"ACTIVE": "HOT", "INACTIVE": "COLD", "OFFLOADED": "FROZEN"}


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class StoredObject:
    uuid: str
    properties: dict[str, Any]
    vectors: dict[str, list[float]]
    created_ms: int
    updated_ms: int
    seq: int  # the server's internal doc id: a new one on every write of the object

    def snapshot(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "properties": dict(self.properties),
            "vectors": {name: list(vec) for name, vec in self.vectors.items()},
            "creation_time_unix": self.created_ms,
            "last_update_time_unix": self.updated_ms,
        }


@dataclass
class Shard:
    """One tenant of a multi-tenant collection, or the single shard ('') of a plain one."""

    name: str
    status: str = ACTIVE
    objects: dict[str, StoredObject] = field(default_factory=dict)
    dims: dict[str, int] = field(default_factory=dict)

    def by_seq(self) -> list[StoredObject]:
        return sorted(self.objects.values(), key=lambda o: o.seq)

    def by_uuid(self) -> list[StoredObject]:
        return sorted(self.objects.values(), key=lambda o: o.uuid)


class Collection:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.shards: dict[str, Shard] = {} if self.multi_tenant else {"": Shard("")}

    @property
    def name(self) -> str:
        return str(self.schema["class"])

    @property
    def multi_tenant(self) -> bool:
        return bool(self.schema["multiTenancyConfig"]["enabled"])

    @property
    def vector_spaces(self) -> dict[str, str]:
        return vector_spaces(self.schema)

    @property
    def bm25(self) -> tuple[float, float]:
        cfg = self.schema["invertedIndexConfig"]["bm25"]
        return float(cfg["k1"]), float(cfg["b"])

    @property
    def stopword_preset(self) -> str:
        return str(self.schema["invertedIndexConfig"]["stopwords"]["preset"])

    def prop(self, name: str) -> dict[str, Any] | None:
        for prop in self.schema["properties"]:
            if prop["name"] in (name, name[:1].lower() + name[1:]):
                return prop  # type: ignore[no-any-return]
        return None

    def require_prop(self, name: str) -> dict[str, Any]:
        prop = self.prop(name)
        if prop is None:
            raise StandInError(
                f"no such prop with name '{name}' found in class '{self.name}' in the schema. "
                "Check your schema files for which properties in this class are available"
            )
        return prop

    def add_property(self, prop: dict[str, Any]) -> dict[str, Any]:
        if self.prop(prop["name"]) is not None:
            raise StandInError(f"property '{prop['name']}' already exists", http_status=422)
        normalized = normalize_property(prop)
        self.schema["properties"].append(normalized)
        return normalized

    def shard(self, tenant: str | None, *, for_write: bool = False) -> Shard:
        """The shard a request addresses, validated like the server's multi-tenancy checks."""
        if not self.multi_tenant:
            if tenant:
                raise StandInError(
                    f"class {self.name} has multi-tenancy disabled, but request was with tenant"
                )
            return self.shards[""]
        if not tenant:
            raise StandInError(
                f"class {self.name} has multi-tenancy enabled, but request was without tenant"
            )
        shard = self.shards.get(tenant)
        if shard is None and for_write and self.schema["multiTenancyConfig"]["autoTenantCreation"]:
            shard = self.shards[tenant] = Shard(tenant)
        if shard is None:
            raise StandInError(f'tenant not found: "{tenant}"', http_status=404)
        if shard.status != ACTIVE:
            if self.schema["multiTenancyConfig"]["autoTenantActivation"]:
                shard.status = ACTIVE
            else:
                raise StandInError(f"tenant not active: '{tenant}'")
        return shard

    def add_tenants(self, tenants: list[dict[str, Any]]) -> list[dict[str, str]]:
        self._require_mt()
        for tenant in tenants:
            name = tenant.get("name")
            if not name:
                raise StandInError("tenant name is required", http_status=422)
            status = tenant.get("activityStatus") or ACTIVE
            status = _STATUS_ALIASES.get(status, status)
            if name not in self.shards:
                self.shards[name] = Shard(name, status=status)
        return [self.tenant_json(t["name"]) for t in tenants]

    def update_tenants(self, tenants: list[dict[str, Any]]) -> list[dict[str, str]]:
        self._require_mt()
        for tenant in tenants:
            shard = self.shards.get(tenant.get("name", ""))
            if shard is None:
                raise StandInError(f'tenant not found: "{tenant.get("name")}"', http_status=422)
            status = tenant.get("activityStatus") or ACTIVE
            shard.status = _STATUS_ALIASES.get(status, status)
        return [self.tenant_json(t["name"]) for t in tenants]

    def remove_tenants(self, names: list[str]) -> None:
        self._require_mt()
        for name in names:
            self.shards.pop(name, None)

    def tenant_json(self, name: str) -> dict[str, str]:
        return {"name": name, "activityStatus": self.shards[name].status}

    def _require_mt(self) -> None:
        if not self.multi_tenant:
            raise StandInError(f'multi-tenancy is not enabled for class "{self.name}"')

    def coerce_properties(self, raw: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if value is None:
                continue
            prop = self.prop(key) or self.add_property(infer_property(key, value))
            out[prop["name"]] = coerce(prop, self.name, value)
        return out

    def normalize_vectors(self, vectors: dict[str, list[float]]) -> dict[str, list[float]]:
        """Vectors by index name, mapped and checked like the server's vector validation."""
        spaces = self.vector_spaces
        vectors = {name: vec for name, vec in vectors.items() if len(vec)}  # empty = none given
        if "" in spaces and "default" in vectors:
            vectors[""] = vectors.pop("default")
        if "" not in spaces and "" in vectors:
            if len(spaces) != 1:
                raise StandInError(
                    f"collection {self.name} configuration does not have single vector index"
                )
            vectors[next(iter(spaces))] = vectors.pop("")
        for name in vectors:
            if name not in spaces:
                raise StandInError(
                    f"collection {self.name} does not have configuration for vector {name}"
                )
        return vectors

    def put(
        self,
        shard: Shard,
        uuid: str,
        properties: dict[str, Any],
        vectors: dict[str, list[float]],
        seq: int,
    ) -> StoredObject:
        """Create or replace (same uuid) an object; properties must already be coerced."""
        vectors = self.normalize_vectors(vectors)
        for name, vector in vectors.items():
            expected = shard.dims.get(name)
            if expected is not None and expected != len(vector):
                raise StandInError(
                    f"insert to vector index: new node has a vector with length {len(vector)}. "
                    f"Existing nodes have vectors with length {expected}"
                )
        for name, vector in vectors.items():
            shard.dims.setdefault(name, len(vector))
        old = shard.objects.pop(uuid, None)
        now = _now_ms()
        obj = StoredObject(uuid, properties, vectors, old.created_ms if old else now, now, seq)
        shard.objects[uuid] = obj
        return obj


class Store:
    def __init__(self) -> None:
        self.collections: dict[str, Collection] = {}
        self._seq = itertools.count(1)

    def next_seq(self) -> int:
        return next(self._seq)

    def create(self, body: dict[str, Any]) -> Collection:
        schema = normalize_class(body)
        name = schema["class"]
        for existing in self.collections:
            if existing.lower() == name.lower():
                raise StandInError(f"class name {name} already exists", http_status=422)
        collection = self.collections[name] = Collection(schema)
        return collection

    def find(self, name: str) -> Collection | None:
        return self.collections.get(capitalize(name))

    def get(self, name: str, http_status: int = 404) -> Collection:
        collection = self.find(name)
        if collection is None:
            raise StandInError(f"could not find class {name} in schema", http_status=http_status)
        return collection

    def delete(self, name: str) -> None:
        self.collections.pop(capitalize(name), None)
