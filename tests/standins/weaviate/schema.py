"""Collection definitions: validation and the defaults the server fills in on create."""

from __future__ import annotations

import copy
import re
from typing import Any

from .errors import StandInError
from .text import TOKENIZATIONS

PRIMITIVE_TYPES = frozenset(
    {"text", "int", "number", "boolean", "date", "uuid"}
    | {"text[]", "int[]", "number[]", "boolean[]", "date[]", "uuid[]"}
)
TEXT_TYPES = frozenset({"text", "text[]"})
RANGE_TYPES = frozenset({"int", "number", "date"})
DISTANCES = frozenset({"cosine", "dot", "l2-squared", "manhattan", "hamming"})
_CLASS_NAME = re.compile(r"^[A-Z][_0-9A-Za-z]{0,230}$")
_PROP_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,230}$")
_RESERVED = frozenset({"_additional", "_id", "id"})

_QUANTIZERS: dict[str, Any] = {
    "pq": {
        "enabled": False,
        "bitCompression": False,
        "segments": 0,
        "centroids": 256,
        "trainingLimit": 100000,
        "encoder": {"type": "kmeans", "distribution": "log-normal"},
    },
    "bq": {"enabled": False},
    "sq": {"enabled": False, "trainingLimit": 100000, "rescoreLimit": 20},
    "rq": {"enabled": False, "bits": 8, "rescoreLimit": 20},
    "multivector": {
        "enabled": False,
        "muvera": {"enabled": False, "ksim": 4, "dprojections": 16, "repetitions": 10},
        "aggregation": "maxSim",
    },
}
HNSW_DEFAULTS: dict[str, Any] = {
    "skip": False,
    "cleanupIntervalSeconds": 300,
    "maxConnections": 32,
    "efConstruction": 128,
    "ef": -1,
    "dynamicEfMin": 100,
    "dynamicEfMax": 500,
    "dynamicEfFactor": 8,
    "vectorCacheMaxObjects": 1000000000000,
    "flatSearchCutoff": 40000,
    "distance": "cosine",
    "filterStrategy": "sweeping",
    **_QUANTIZERS,
}
FLAT_DEFAULTS: dict[str, Any] = {
    "distance": "cosine",
    "vectorCacheMaxObjects": 1000000000000,
    **_QUANTIZERS,
}
INDEX_DEFAULTS: dict[str, dict[str, Any]] = {
    "hnsw": HNSW_DEFAULTS,
    "flat": FLAT_DEFAULTS,
    "dynamic": {
        "distance": "cosine",
        "threshold": 10000,
        "hnsw": HNSW_DEFAULTS,
        "flat": FLAT_DEFAULTS,
    },
}


def capitalize(name: str) -> str:
    return name[:1].upper() + name[1:]


def _merge(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(defaults)
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def normalize_property(prop: dict[str, Any]) -> dict[str, Any]:
    name = prop.get("name")
    if not isinstance(name, str) or not _PROP_NAME.match(name):
        raise StandInError(f"'{name}' is not a valid property name", http_status=422)
    if name in _RESERVED:
        raise StandInError(f"'{name}' is a reserved property name", http_status=422)
    data_type = prop.get("dataType") or []
    if len(data_type) != 1 or data_type[0] not in PRIMITIVE_TYPES:
        raise StandInError(
            f"property '{name}': data type {data_type} is not supported by the stand-in "
            f"(supported: {sorted(PRIMITIVE_TYPES)})",
            http_status=422,
        )
    dt = data_type[0]
    is_text = dt in TEXT_TYPES
    tokenization = prop.get("tokenization")
    if is_text:
        tokenization = tokenization or "word"
        if tokenization not in TOKENIZATIONS:
            raise StandInError(
                f"Tokenization '{tokenization}' is not allowed for data type '{dt}'",
                http_status=422,
            )
    elif tokenization:
        raise StandInError(f"Tokenization is not allowed for data type '{dt}'", http_status=422)
    searchable = prop.get("indexSearchable")
    if searchable and not is_text:
        raise StandInError(
            f"`indexSearchable` is not allowed for other than text/text[] data types, "
            f"property '{name}'",
            http_status=422,
        )
    range_filters = bool(prop.get("indexRangeFilters"))
    if range_filters and dt not in RANGE_TYPES:
        raise StandInError(
            f"`indexRangeFilters` is allowed only for number/int/date data types, property '{name}'",
            http_status=422,
        )
    out: dict[str, Any] = {"name": name, "dataType": [dt]}
    if prop.get("description"):
        out["description"] = prop["description"]
    out["indexFilterable"] = prop.get("indexFilterable") is not False
    out["indexRangeFilters"] = range_filters
    out["indexSearchable"] = is_text if searchable is None else bool(searchable)
    if is_text:
        out["tokenization"] = tokenization
    return out


def _vector_index(
    index_type: str | None, config: dict[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    index_type = index_type or "hnsw"
    if index_type not in INDEX_DEFAULTS:
        raise StandInError(f"unsupported vector index type {index_type!r}", http_status=422)
    merged = _merge(INDEX_DEFAULTS[index_type], config or {})
    if merged["distance"] not in DISTANCES:
        raise StandInError(
            f"invalid vectorIndexConfig: distance {merged['distance']!r} is not supported",
            http_status=422,
        )
    return index_type, merged


def _check_vectorizer(vectorizer: object) -> None:
    name = next(iter(vectorizer), "none") if isinstance(vectorizer, dict) else vectorizer
    if name not in (None, "none"):
        raise StandInError(f"vectorizer: no module with name {name!r} present", http_status=422)


def normalize_class(body: dict[str, Any]) -> dict[str, Any]:
    """The class as the server stores and returns it, or a 422 StandInError."""
    name = capitalize(str(body.get("class") or ""))
    if not _CLASS_NAME.match(name):
        raise StandInError(f"'{body.get('class')}' is not a valid class name", http_status=422)
    out: dict[str, Any] = {"class": name}
    if body.get("description"):
        out["description"] = body["description"]
    iic = body.get("invertedIndexConfig") or {}
    stopwords = iic.get("stopwords") or {}
    preset = stopwords.get("preset") or "en"
    if preset not in ("en", "none") or stopwords.get("additions") or stopwords.get("removals"):
        raise StandInError("the stand-in supports only the 'en' and 'none' stopword presets", 422)
    out["invertedIndexConfig"] = {
        "bm25": {"b": 0.75, "k1": 1.2, **(iic.get("bm25") or {})},
        "cleanupIntervalSeconds": iic.get("cleanupIntervalSeconds", 60),
        "indexNullState": bool(iic.get("indexNullState")),
        "indexPropertyLength": bool(iic.get("indexPropertyLength")),
        "indexTimestamps": bool(iic.get("indexTimestamps")),
        "stopwords": {"additions": None, "preset": preset, "removals": None},
        "usingBlockMaxWAND": True,
    }
    mtc = body.get("multiTenancyConfig") or {}
    out["multiTenancyConfig"] = {
        "autoTenantActivation": bool(mtc.get("autoTenantActivation")),
        "autoTenantCreation": bool(mtc.get("autoTenantCreation")),
        "enabled": bool(mtc.get("enabled")),
    }
    props = [normalize_property(p) for p in body.get("properties") or []]
    names = [p["name"].lower() for p in props]
    if len(set(names)) != len(names):
        raise StandInError(f"class '{name}' has duplicate property names", http_status=422)
    out["properties"] = props
    out["replicationConfig"] = {
        "asyncEnabled": False,
        "deletionStrategy": "NoAutomatedResolution",
        "factor": 1,
        **(body.get("replicationConfig") or {}),
    }
    if out["multiTenancyConfig"]["enabled"]:
        keys = ("actualCount", "actualVirtualCount", "desiredCount", "desiredVirtualCount")
        sharding: dict[str, Any] = dict.fromkeys(keys, 0)
        sharding.update(function="", key="", strategy="", virtualPerPhysical=0)
    else:
        sharding = {"actualCount": 1, "actualVirtualCount": 128, "desiredCount": 1}
        sharding.update(desiredVirtualCount=128, function="murmur3", key="_id", strategy="hash")
        sharding["virtualPerPhysical"] = 128
    out["shardingConfig"] = sharding
    if body.get("vectorConfig"):
        vector_config = {}
        for vname, cfg in body["vectorConfig"].items():
            _check_vectorizer(cfg.get("vectorizer"))
            index_type, index_cfg = _vector_index(
                cfg.get("vectorIndexType"), cfg.get("vectorIndexConfig")
            )
            vector_config[vname] = {
                "vectorIndexConfig": index_cfg,
                "vectorIndexType": index_type,
                "vectorizer": {"none": {}},
            }
        out["vectorConfig"] = vector_config
    else:
        _check_vectorizer(body.get("vectorizer"))
        index_type, index_cfg = _vector_index(
            body.get("vectorIndexType"), body.get("vectorIndexConfig")
        )
        out.update(vectorIndexConfig=index_cfg, vectorIndexType=index_type, vectorizer="none")
    return out


def vector_spaces(schema: dict[str, Any]) -> dict[str, str]:
    """Vector name -> distance metric; the legacy unnamed vector is named ''."""
    if "vectorConfig" in schema:
        return {
            name: cfg["vectorIndexConfig"]["distance"]
            for name, cfg in schema["vectorConfig"].items()
        }
    return {"": schema["vectorIndexConfig"]["distance"]}
