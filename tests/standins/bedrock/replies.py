"""What the stand-in says: request validation, default answers, token estimates, embeddings.

Everything here is deterministic: the same request always gets the same reply.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from ragtime.generation import NOT_FOUND

# HTTP status of each Bedrock Runtime error, as in the service model (service-2.json).
STATUS = {
    "AccessDeniedException": 403,
    "InternalServerException": 500,
    "ModelErrorException": 424,
    "ModelNotReadyException": 429,
    "ModelTimeoutException": 408,
    "ResourceNotFoundException": 404,
    "ServiceQuotaExceededException": 400,
    "ServiceUnavailableException": 503,
    "ThrottlingException": 429,
    "UnknownOperationException": 404,
    "UnrecognizedClientException": 403,
    "ValidationException": 400,
}
# Default messages for scripted failures.
MESSAGES = {
    "ThrottlingException": "Too many requests, please wait before trying again.",
    "ServiceUnavailableException": "Bedrock is unable to process your request.",
    "ModelTimeoutException": "Model has timed out in processing the request. Try your request again.",
}

TITAN_DIMENSIONS = (256, 512, 1024)
TITAN_MAX_CHARS = 50_000
_TITAN_KEYS = {"inputText", "dimensions", "normalize", "embeddingTypes"}
_ROLES = ("user", "assistant")
_PASSAGE = re.compile(r"(?m)^[ \t]*\[(\d+)\][ \t]*")
_SENTENCE = re.compile(r".+?[.!?](?=\s|$)")
_WORD = re.compile(r"\w+")


class ServiceError(Exception):
    """An error the service answers with: ``x-amzn-ErrorType`` and ``{"message": ...}``."""

    def __init__(self, error_type: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status if status is not None else STATUS.get(error_type, 400)


def estimate_tokens(text: str) -> int:
    """About four characters a token, like the rule of thumb for English."""
    return math.ceil(len(text) / 4)


# -- Converse / ConverseStream -------------------------------------------------------------


def _constraint(value: Any, where: str, rule: str) -> ServiceError:
    return ServiceError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
        f"constraint: {rule}",
    )


def validate_converse(body: dict[str, Any]) -> None:
    """Reject what Bedrock rejects before a model ever sees the conversation."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ServiceError(
            "ValidationException",
            "A conversation must start with a user message. Try again with a conversation "
            "that starts with a user message.",
        )
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in _ROLES:
            raise _constraint(
                role,
                f"messages.{i + 1}.member.role",
                "Member must satisfy enum value set: [user, assistant]",
            )
        if i == 0 and role != "user":
            raise ServiceError(
                "ValidationException",
                "A conversation must start with a user message. Try again with a conversation "
                "that starts with a user message.",
            )
        if i > 0 and role == messages[i - 1]["role"]:
            raise ServiceError(
                "ValidationException",
                "A conversation must alternate between user and assistant roles. Make sure the "
                "conversation alternates between user and assistant roles and try again.",
            )
        content = message.get("content")
        if not isinstance(content, list) or not content:
            raise ServiceError(
                "ValidationException",
                f"The content field in the Message object at messages.{i} is empty. Add a "
                "ContentBlock object to the content field and try again.",
            )
        for j, block in enumerate(content):
            if isinstance(block, dict) and "text" in block and not str(block["text"]).strip():
                raise ServiceError(
                    "ValidationException",
                    f"The text field in the ContentBlock object at messages.{i}.content.{j} "
                    "is blank. Add text to the text field, and try again.",
                )
    config = body.get("inferenceConfig") or {}
    for name in ("temperature", "topP"):
        value = config.get(name)
        if value is not None and not 0 <= value <= 1:
            raise _constraint(
                value, f"inferenceConfig.{name}", "Member must have value less than or equal to 1"
            )


def _texts(blocks: Any) -> list[str]:
    return [str(b["text"]) for b in blocks or () if isinstance(b, dict) and "text" in b]


def prompt_text(body: dict[str, Any]) -> str:
    """System prompt and every message's text, as the model would read them."""
    parts = _texts(body.get("system"))
    for message in body.get("messages") or ():
        parts.extend(_texts(message.get("content")))
    return "\n".join(parts)


def grounded_answer(operation: str, body: dict[str, Any]) -> str:
    """The default reply: cite passage [1] of the last user message, or say nothing was found.

    A passage is a line starting with ``[n]``; it runs to the next such line or blank line. A
    first line without a sentence end (a heading such as ``[1] Handbook, page 3``) is skipped.
    """
    users = [m for m in body.get("messages") or () if m.get("role") == "user"]
    last = "\n".join(_texts(users[-1].get("content"))) if users else ""
    markers = list(_PASSAGE.finditer(last))
    if not markers:
        return NOT_FOUND
    first = min(markers, key=lambda m: int(m.group(1)))
    following = [m.start() for m in markers if m.start() > first.start()]
    passage = last[first.end() : min(following, default=len(last))].strip()
    lines = passage.splitlines()
    if len(lines) > 1 and not lines[0].rstrip().endswith((".", "!", "?")):
        passage = "\n".join(lines[1:])
    flat = " ".join(passage.strip().split("\n\n", 1)[0].split())  # its first paragraph
    if not flat:
        return NOT_FOUND
    sentence = _SENTENCE.match(flat)
    claim = (sentence.group(0) if sentence else flat).rstrip(".!?")
    return f"According to the passages, {claim} [{first.group(1)}]."


def deltas(text: str, words: int = 3) -> list[str]:
    """The text in pieces of a few words each; the pieces join back to exactly ``text``."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    return ["".join(pieces[i : i + words]) for i in range(0, len(pieces), words)]


# -- InvokeModel: Titan Text Embeddings V2 ---------------------------------------------------


def _malformed(detail: str) -> ServiceError:
    return ServiceError(
        "ValidationException",
        f"Malformed input request: {detail}, please reformat your input and try again.",
    )


def validate_titan(body: Any) -> None:
    """The request-body checks of ``amazon.titan-embed-text-v2:0``."""
    if not isinstance(body, dict):
        raise _malformed("#: expected type: JSONObject")
    extra = sorted(set(body) - _TITAN_KEYS)
    if extra:
        raise _malformed(f"#: extraneous key [{extra[0]}] is not permitted")
    if "inputText" not in body:
        raise _malformed("#: required key [inputText] not found")
    text = body["inputText"]
    if not isinstance(text, str):
        raise _malformed(f"#/inputText: expected type: String, found: {type(text).__name__}")
    if not text:
        raise _malformed("#/inputText: expected minLength: 1, actual: 0")
    if len(text) > TITAN_MAX_CHARS:
        raise _malformed(f"#/inputText: expected maxLength: {TITAN_MAX_CHARS}, actual: {len(text)}")
    dimensions = body.get("dimensions", 1024)
    if isinstance(dimensions, bool) or dimensions not in TITAN_DIMENSIONS:
        raise _malformed(f"#/dimensions: {dimensions} is not a valid enum value")
    if not isinstance(body.get("normalize", True), bool):
        raise _malformed("#/normalize: expected type: Boolean")
    kinds = body.get("embeddingTypes", ["float"])
    if not isinstance(kinds, list) or not kinds:
        raise _malformed("#/embeddingTypes: expected a non-empty list of float, binary")
    for i, kind in enumerate(kinds):
        if kind not in ("float", "binary"):
            raise _malformed(f"#/embeddingTypes/{i}: {kind} is not a valid enum value")


def embed(text: str, dimensions: int = 1024, normalize: bool = True) -> list[float]:
    """Hashed word features: texts that share words point the same way; no randomness."""
    vector = [0.0] * dimensions
    for word in _WORD.findall(text.lower()) or [text]:
        h = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")
        vector[h % dimensions] += 1.0 if (h >> 32) & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector))
    if normalize and norm:
        vector = [x / norm for x in vector]
    return [round(x, 8) for x in vector]


def titan_reply(body: dict[str, Any]) -> dict[str, Any]:
    """The response body of a valid Titan V2 request."""
    text = body["inputText"]
    vector = embed(text, body.get("dimensions", 1024), body.get("normalize", True))
    by_type: dict[str, list[Any]] = {}
    for kind in body.get("embeddingTypes", ["float"]):
        by_type[kind] = vector if kind == "float" else [int(x > 0) for x in vector]
    return {
        "embedding": vector,
        "embeddingsByType": by_type,
        "inputTextTokenCount": len(re.findall(r"\w+|[^\w\s]", text)),
    }
