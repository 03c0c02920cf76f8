"""Tokenization as Weaviate does it, and the default `en` stopword preset."""

from __future__ import annotations

from collections import Counter

# The server's `en` preset; stopwords are removed from queries (BM25 and word filters),
# never from what is indexed.
STOPWORDS_EN = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into"),
        *("is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then"),
        *("there", "these", "they", "this", "to", "was", "will", "with"),
    }
)

TOKENIZATIONS = frozenset({"word", "lowercase", "whitespace", "field", "trigram"})


def _split_alphanumeric(text: str) -> list[str]:
    cleaned = "".join(ch if ch.isalpha() or ch.isnumeric() else " " for ch in text)
    return cleaned.split()


def tokenize(text: str, tokenization: str) -> list[str]:
    """Split `text` into the terms the server indexes for `tokenization`."""
    if tokenization == "word":
        return [token.lower() for token in _split_alphanumeric(text)]
    if tokenization == "lowercase":
        return [token.lower() for token in text.split()]
    if tokenization == "whitespace":
        return text.split()
    if tokenization == "field":
        stripped = text.strip()
        return [stripped] if stripped else []
    if tokenization == "trigram":
        joined = "".join(_split_alphanumeric(text)).lower()
        return [joined[i : i + 3] for i in range(max(len(joined) - 2, 0))]
    raise ValueError(f"unsupported tokenization {tokenization!r}")


def tokenize_value(value: object, tokenization: str) -> list[str]:
    """Terms of a TEXT (a string) or TEXT_ARRAY (a list of strings) property value."""
    if value is None:
        return []
    if isinstance(value, list):
        return [term for item in value for term in tokenize(str(item), tokenization)]
    return tokenize(str(value), tokenization)


def query_terms(query: str, tokenization: str) -> Counter[str]:
    """Query terms with their repeat counts; `en` stopwords dropped for word tokenization."""
    terms = tokenize(query, tokenization)
    if tokenization == "word":
        terms = [term for term in terms if term not in STOPWORDS_EN]
    return Counter(terms)
