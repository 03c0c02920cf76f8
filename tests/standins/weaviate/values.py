"""Property values checked and converted against the schema, as the server does on writes."""

from __future__ import annotations

import datetime
import uuid as uuid_lib
from typing import Any

from .errors import StandInError

_GO_TYPES = {str: "string", float: "float64", int: "int64", bool: "bool", list: "[]interface {}"}


def _go_type(value: object) -> str:
    return _GO_TYPES.get(type(value), "map[string]interface {}")


def _invalid(kind: str, name: str, cls: str, detail: str) -> StandInError:
    return StandInError(f"invalid {kind} property '{name}' on class '{cls}': {detail}")


def _scalar(dt: str, name: str, cls: str, value: Any) -> Any:
    if dt == "text":
        if not isinstance(value, str):
            raise _invalid("text", name, cls, f"not a string, but {_go_type(value)}")
        return value
    if dt == "int":
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise _invalid("integer", name, cls, f"requires integer, the given value is '{value}'")
        return int(value)
    if dt == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid("number", name, cls, f"requires a float, but got {_go_type(value)}")
        return float(value)
    if dt == "boolean":
        if not isinstance(value, bool):
            raise _invalid("boolean", name, cls, f"not a bool, but {_go_type(value)}")
        return value
    if dt == "date":
        try:
            datetime.datetime.fromisoformat(str(value))
        except ValueError:
            raise _invalid(
                "date",
                name,
                cls,
                f"requires a string with a RFC3339 formatted date, but the given value is '{value}'",
            ) from None
        return str(value)
    if dt == "uuid":
        try:
            return str(uuid_lib.UUID(str(value)))
        except ValueError:
            raise _invalid("uuid", name, cls, f"invalid uuid '{value}'") from None
    raise StandInError(f"property '{name}': data type {dt} is not supported by the stand-in")


def coerce(prop: dict[str, Any], cls: str, value: Any) -> Any:
    """The stored form of `value` for `prop`, or the server's per-object validation error."""
    dt: str = prop["dataType"][0]
    name: str = prop["name"]
    if not dt.endswith("[]"):
        return _scalar(dt, name, cls, value)
    if not isinstance(value, list):
        raise _invalid(dt, name, cls, f"not an array, but {_go_type(value)}")
    return [_scalar(dt[:-2], name, cls, item) for item in value]


def _infer_text(value: str) -> str:
    try:
        uuid_lib.UUID(value)
        return "uuid"
    except ValueError:
        pass
    try:
        datetime.datetime.fromisoformat(value)
        return "date" if "T" in value else "text"
    except ValueError:
        return "text"


def infer_property(name: str, value: Any) -> dict[str, Any]:
    """Auto-schema: the property the server adds for an unknown key in an object.

    Numbers become `number` (AUTOSCHEMA_DEFAULT_NUMBER), RFC 3339 strings `date`, UUIDs `uuid`.
    """
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, bool):
        dt = "boolean"
    elif isinstance(sample, int | float):
        dt = "number"
    elif isinstance(sample, str):
        dt = _infer_text(sample)
    elif sample is None or sample == []:
        dt = "text"
    else:
        raise StandInError(f"property '{name}': cannot infer a data type for {value!r}")
    if isinstance(value, list):
        dt += "[]"
    return {"name": name, "dataType": [dt]}


def parse_uuid(value: str) -> str:
    try:
        return str(uuid_lib.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise StandInError(f"invalid UUID {value!r}") from None
