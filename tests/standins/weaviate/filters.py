"""`base_pb2.Filters` compiled to a predicate over stored objects, with the server's checks."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from weaviate.proto.v1 import base_pb2

from .errors import StandInError
from .storage import Collection, StoredObject
from .text import STOPWORDS_EN, tokenize, tokenize_value

Predicate = Callable[[StoredObject], bool]
Op = base_pb2.Filters.Operator
_KIND_TYPES = {
    "value_text": "text",
    "value_int": "int",
    "value_boolean": "boolean",
    "value_number": "number",
    "value_text_array": "text",
    "value_int_array": "int",
    "value_boolean_array": "boolean",
    "value_number_array": "number",
}
_ONLY_STOPWORDS = (
    "invalid search term, only stopwords provided. "
    "Stopwords can be configured in class.invertedIndexConfig.stopwords"
)
_CMP: dict[int, Callable[[Any, Any], bool]] = {
    Op.OPERATOR_GREATER_THAN: lambda a, b: a > b,
    Op.OPERATOR_GREATER_THAN_EQUAL: lambda a, b: a >= b,
    Op.OPERATOR_LESS_THAN: lambda a, b: a < b,
    Op.OPERATOR_LESS_THAN_EQUAL: lambda a, b: a <= b,
}


def compile_filter(coll: Collection, flt: base_pb2.Filters) -> Predicate:
    op = flt.operator
    if op in (Op.OPERATOR_AND, Op.OPERATOR_OR, Op.OPERATOR_NOT):
        children = [compile_filter(coll, child) for child in flt.filters]
        if not children:
            raise StandInError(f"operator {Op.Name(op)} requires operands")
        if op == Op.OPERATOR_AND:
            return lambda obj: all(child(obj) for child in children)
        if op == Op.OPERATOR_OR:
            return lambda obj: any(child(obj) for child in children)
        return lambda obj: not any(child(obj) for child in children)
    return _leaf(coll, flt)


def _target(flt: base_pb2.Filters) -> str:
    if flt.HasField("target"):
        if flt.target.WhichOneof("target") != "property":
            raise StandInError("the stand-in supports filters on properties only, not references")
        return str(flt.target.property)
    if len(flt.on) == 1:
        return str(flt.on[0])
    raise StandInError("filter has no target property")


def _value(flt: base_pb2.Filters) -> tuple[str, Any]:
    kind = flt.WhichOneof("test_value")
    if kind is None:
        raise StandInError("filter has no value")
    if kind not in _KIND_TYPES:
        raise StandInError(f"the stand-in does not support {kind} filters")
    raw = getattr(flt, kind)
    return kind, list(raw.values) if kind.endswith("_array") else raw


def _value_name(kind: str) -> str:
    base = _KIND_TYPES[kind]
    return "value" + base[0].upper() + base[1:]


def _leaf(coll: Collection, flt: base_pb2.Filters) -> Predicate:
    name, op = _target(flt), flt.operator
    kind, value = _value(flt)
    if name == "_id":
        ids = [str(v).lower() for v in (value if isinstance(value, list) else [value])]
        return _scalar_predicate(op, lambda obj: [obj.uuid], set(ids), ids[0])
    if name in ("_creationTimeUnix", "_lastUpdateTimeUnix"):
        attr = "created_ms" if name == "_creationTimeUnix" else "updated_ms"
        ms = [_millis(v) for v in (value if isinstance(value, list) else [value])]
        return _scalar_predicate(op, lambda obj: [getattr(obj, attr)], set(ms), ms[0])
    prop = coll.require_prop(name)
    pname, dt = prop["name"], prop["dataType"][0]
    if op == Op.OPERATOR_IS_NULL:
        if kind != "value_boolean":
            raise StandInError(f"operator IsNull requires a booleanValue, got {_value_name(kind)}")
        return lambda obj: (obj.properties.get(pname) is None) == value
    base = dt.removesuffix("[]")
    kind_type = _KIND_TYPES[kind]
    if not (
        base == kind_type
        or (base in ("date", "uuid") and kind_type == "text")
        or (base == "number" and kind_type == "int")
    ):
        expected = "value" + base[0].upper() + base[1:]
        raise StandInError(
            f'data type filter cannot use "{_value_name(kind)}" on type "{dt}", '
            f'use "{expected}" instead'
        )
    if not (prop["indexFilterable"] or prop["indexSearchable"] or prop["indexRangeFilters"]):
        raise StandInError(
            f"Filtering by property '{pname}' requires inverted index. Is `indexFilterable` "
            f"option of property '{pname}' enabled? Set it to `true` or leave empty"
        )
    if base == "text":
        return _text_predicate(op, pname, prop["tokenization"], value)
    convert: Callable[[Any], Any] = _CONVERTERS.get(base, lambda v: v)
    values = [convert(v) for v in (value if isinstance(value, list) else [value])]

    def stored(obj: StoredObject) -> list[Any]:
        current = obj.properties.get(pname)
        items = current if isinstance(current, list) else [] if current is None else [current]
        return [convert(item) for item in items]

    return _scalar_predicate(op, stored, set(values), values[0])


def _millis(value: Any) -> int:
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    return int(datetime.datetime.fromisoformat(str(value)).timestamp() * 1000)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "date": lambda v: datetime.datetime.fromisoformat(str(v)),
    "uuid": lambda v: str(v).lower(),
    "number": float,
}


def _scalar_predicate(
    op: int, stored: Callable[[StoredObject], list[Any]], values: set[Any], first: Any
) -> Predicate:
    if op in _CMP:
        cmp = _CMP[op]
        return lambda obj: any(cmp(item, first) for item in stored(obj))
    predicates: dict[int, Predicate] = {
        Op.OPERATOR_EQUAL: lambda obj: first in stored(obj),
        Op.OPERATOR_NOT_EQUAL: lambda obj: first not in stored(obj),
        Op.OPERATOR_CONTAINS_ANY: lambda obj: any(item in values for item in stored(obj)),
        Op.OPERATOR_CONTAINS_ALL: lambda obj: values.issubset(stored(obj)),
        Op.OPERATOR_CONTAINS_NONE: lambda obj: not any(item in values for item in stored(obj)),
    }
    if op not in predicates:
        raise StandInError(f"operator {Op.Name(op)} is not supported for this data type")
    return predicates[op]


def _query_terms(value: str, tokenization: str) -> list[str]:
    terms = tokenize(value, tokenization)
    if tokenization == "word":
        terms = [term for term in terms if term not in STOPWORDS_EN]
    if not terms:
        raise StandInError(_ONLY_STOPWORDS)
    return terms


def _like(pattern: str, tokenization: str) -> list[re.Pattern[str]]:
    if tokenization in ("word", "lowercase", "trigram"):
        pattern = pattern.lower()
    parts = [pattern.strip()] if tokenization == "field" else re.split(r"[^\w*?]+", pattern)
    regexes = []
    for part in filter(None, parts):
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in part)
        regexes.append(re.compile(f"^{body}$", re.DOTALL))
    return regexes


def _text_predicate(op: int, pname: str, tokenization: str, value: Any) -> Predicate:
    def terms(obj: StoredObject) -> set[str]:
        return set(tokenize_value(obj.properties.get(pname), tokenization))

    if op == Op.OPERATOR_LIKE:
        regexes = _like(str(value), tokenization)
        return lambda obj: all(any(rx.match(t) for t in terms(obj)) for rx in regexes)
    groups = [
        _query_terms(v, tokenization) for v in (value if isinstance(value, list) else [value])
    ]

    def has(obj: StoredObject, group: list[str]) -> bool:
        present = terms(obj)
        return all(term in present for term in group)

    if op in _CMP:
        cmp = _CMP[op]
        return lambda obj: any(cmp(t, groups[0][0]) for t in terms(obj))
    predicates: dict[int, Predicate] = {
        Op.OPERATOR_EQUAL: lambda obj: has(obj, groups[0]),
        Op.OPERATOR_NOT_EQUAL: lambda obj: not terms(obj).intersection(groups[0]),
        Op.OPERATOR_CONTAINS_ANY: lambda obj: any(has(obj, group) for group in groups),
        Op.OPERATOR_CONTAINS_ALL: lambda obj: all(has(obj, group) for group in groups),
        Op.OPERATOR_CONTAINS_NONE: lambda obj: not any(has(obj, group) for group in groups),
    }
    if op not in predicates:
        raise StandInError(f"operator {Op.Name(op)} is not supported on text properties")
    return predicates[op]
