"""The AWS event-stream binary framing (``application/vnd.amazon.eventstream``), encode side.

One frame, all integers big-endian::

    total length u32 | headers length u32 | CRC32 of those 8 bytes
    headers: name length u8, name (UTF-8), value type u8, value
    payload
    CRC32 of everything before it

Only string header values (type 7: u16 length, then UTF-8) are needed here: Bedrock's
``:message-type``, ``:event-type``, ``:exception-type`` and ``:content-type`` are all strings.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

STRING = 7
PRELUDE_LENGTH = 12  # two lengths and the prelude CRC
CRC_LENGTH = 4

# The members of Bedrock's ConverseStreamOutput union that are errors, as sent on the wire.
STREAM_EXCEPTIONS = frozenset(
    {
        "internalServerException",
        "modelStreamErrorException",
        "serviceUnavailableException",
        "throttlingException",
        "validationException",
    }
)


def _crc(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def encode_headers(headers: Mapping[str, str]) -> bytes:
    """Headers as event-stream bytes; every value is a string."""
    out = bytearray()
    for name, value in headers.items():
        raw_name = name.encode("utf-8")
        raw_value = value.encode("utf-8")
        if len(raw_name) > 0xFF or len(raw_value) > 0xFFFF:
            raise ValueError(f"event-stream header too long: {name!r}")
        out += struct.pack("!B", len(raw_name)) + raw_name
        out += struct.pack("!BH", STRING, len(raw_value)) + raw_value
    return bytes(out)


def encode_frame(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One complete event-stream message, with both CRCs."""
    raw_headers = encode_headers(headers)
    total = PRELUDE_LENGTH + len(raw_headers) + len(payload) + CRC_LENGTH
    prelude = struct.pack("!II", total, len(raw_headers))
    message = prelude + struct.pack("!I", _crc(prelude)) + raw_headers + payload
    return message + struct.pack("!I", _crc(message))


def event_frame(event_type: str, body: Mapping[str, Any]) -> bytes:
    """An ``event`` message, e.g. ``event_frame("messageStart", {"role": "assistant"})``."""
    headers = {
        ":event-type": event_type,
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return encode_frame(headers, json.dumps(body, separators=(",", ":")).encode("utf-8"))


def exception_frame(exception_type: str, message: str) -> bytes:
    """An ``exception`` message: botocore raises it as ``EventStreamError`` mid-iteration."""
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return encode_frame(headers, json.dumps({"message": message}).encode("utf-8"))


def stream_exception_name(error_type: str) -> str:
    """``ThrottlingException`` or ``throttlingException`` → ``throttlingException``."""
    name = error_type[:1].lower() + error_type[1:]
    if name not in STREAM_EXCEPTIONS:
        known = ", ".join(sorted(STREAM_EXCEPTIONS))
        raise ValueError(f"{error_type!r} is not a ConverseStream exception; use one of {known}")
    return name
