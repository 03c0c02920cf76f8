"""Protobuf <-> Python conversions for the messages the client sends and parses."""

from __future__ import annotations

import struct
import uuid as uuid_lib
from typing import Any

from google.protobuf import json_format
from weaviate.proto.v1 import base_pb2, base_search_pb2, batch_pb2, properties_pb2, search_get_pb2

from .errors import StandInError
from .ranking import Scored
from .storage import Collection

SINGLE = base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32
MULTI = base_pb2.Vectors.VECTOR_TYPE_MULTI_FP32


def unpack_f32(data: bytes) -> list[float]:
    return list(struct.unpack(f"<{len(data) // 4}f", data))


def pack_f32(vector: list[float]) -> bytes:
    return struct.pack(f"<{len(vector)}f", *vector)


def _single(vec: base_pb2.Vectors) -> list[float]:
    if vec.type == MULTI:
        raise StandInError("the stand-in does not support multi-vectors")
    return unpack_f32(vec.vector_bytes)


def batch_object_vectors(obj: batch_pb2.BatchObject) -> dict[str, list[float]]:
    vectors = {vec.name: _single(vec) for vec in obj.vectors}
    if obj.vector_bytes:
        vectors[""] = unpack_f32(obj.vector_bytes)
    elif len(obj.vector):
        vectors[""] = list(obj.vector)
    return vectors


def batch_object_properties(obj: batch_pb2.BatchObject) -> dict[str, Any]:
    if not obj.HasField("properties"):
        return {}
    props = obj.properties
    if (
        props.single_target_ref_props
        or props.multi_target_ref_props
        or props.object_properties
        or props.object_array_properties
    ):
        raise StandInError("the stand-in does not support references or object properties")
    out: dict[str, Any] = json_format.MessageToDict(props.non_ref_properties)
    for text_array in props.text_array_properties:
        out[text_array.prop_name] = list(text_array.values)
    for int_array in props.int_array_properties:
        out[int_array.prop_name] = list(int_array.values)
    for bool_array in props.boolean_array_properties:
        out[bool_array.prop_name] = list(bool_array.values)
    for num_array in props.number_array_properties:
        data = num_array.values_bytes
        values = struct.unpack(f"<{len(data) // 8}d", data) if data else num_array.values
        out[num_array.prop_name] = list(values)
    for name in props.empty_list_props:
        out[name] = []
    return out


def near_vector_query(nv: base_search_pb2.NearVector) -> tuple[list[str], list[float]]:
    """(target vector names, query vector) of a NearVector message."""
    targets = list(nv.targets.target_vectors) if nv.HasField("targets") else []
    targets = targets or list(nv.target_vectors)
    if len(nv.vector_for_targets):
        if len(nv.vector_for_targets) > 1:
            raise StandInError("the stand-in supports a single target vector per query")
        entry = nv.vector_for_targets[0]
        if entry.vector_bytes:
            return [entry.name], unpack_f32(entry.vector_bytes)
        return [entry.name], _single(entry.vectors[0])
    if len(nv.vector_per_target):
        if len(nv.vector_per_target) > 1:
            raise StandInError("the stand-in supports a single target vector per query")
        name, data = next(iter(nv.vector_per_target.items()))
        return [name], unpack_f32(data)
    if len(nv.vectors):
        return targets, _single(nv.vectors[0])
    if nv.vector_bytes:
        return targets, unpack_f32(nv.vector_bytes)
    return targets, list(nv.vector)


_SCALARS = {
    "text": "text_value",
    "int": "int_value",
    "number": "number_value",
    "boolean": "bool_value",
    "date": "date_value",
    "uuid": "uuid_value",
}


def _list_value(dt: str, value: list[Any]) -> properties_pb2.ListValue:
    pb = properties_pb2
    if dt == "int[]":
        return pb.ListValue(int_values=pb.IntValues(values=struct.pack(f"<{len(value)}q", *value)))
    if dt == "number[]":
        packed = struct.pack(f"<{len(value)}d", *value)
        return pb.ListValue(number_values=pb.NumberValues(values=packed))
    kinds = {
        "text[]": ("text_values", pb.TextValues),
        "boolean[]": ("bool_values", pb.BoolValues),
        "date[]": ("date_values", pb.DateValues),
        "uuid[]": ("uuid_values", pb.UuidValues),
    }
    field, message = kinds[dt]
    return pb.ListValue(**{field: message(values=value)})


def encode_value(dt: str, value: Any) -> properties_pb2.Value:
    if dt in _SCALARS:
        return properties_pb2.Value(**{_SCALARS[dt]: value})
    return properties_pb2.Value(list_value=_list_value(dt, value))


def encode_result(
    coll: Collection,
    hit: Scored,
    md: search_get_pb2.MetadataRequest,
    *,
    props: list[dict[str, Any]],
    vector_names: list[str],
    certainty: bool,
) -> search_get_pb2.SearchResult:
    obj = hit.obj
    meta = search_get_pb2.MetadataResult()
    if md.uuid:
        meta.id = obj.uuid
        meta.id_as_bytes = uuid_lib.UUID(obj.uuid).bytes
    for name in vector_names:
        vector = obj.vectors.get(name)
        if vector is None:
            continue
        if name == "":
            meta.vector_bytes = pack_f32(vector)
        else:
            meta.vectors.append(
                base_pb2.Vectors(name=name, vector_bytes=pack_f32(vector), type=SINGLE)
            )
    if md.score and hit.scored:
        meta.score, meta.score_present = hit.score, True
    if md.explain_score and hit.explain:
        meta.explain_score, meta.explain_score_present = hit.explain, True
    if md.distance and hit.distance is not None:
        meta.distance, meta.distance_present = hit.distance, True
    if md.certainty and certainty and hit.distance is not None:
        meta.certainty, meta.certainty_present = 1 - hit.distance / 2, True
    if md.creation_time_unix:
        meta.creation_time_unix, meta.creation_time_unix_present = obj.created_ms, True
    if md.last_update_time_unix:
        meta.last_update_time_unix, meta.last_update_time_unix_present = obj.updated_ms, True
    fields = {
        p["name"]: encode_value(p["dataType"][0], obj.properties[p["name"]])
        for p in props
        if obj.properties.get(p["name"]) is not None
    }
    return search_get_pb2.SearchResult(
        metadata=meta,
        properties=search_get_pb2.PropertiesResult(
            non_ref_props=properties_pb2.Properties(fields=fields), target_collection=coll.name
        ),
    )
