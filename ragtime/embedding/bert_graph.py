"""all-MiniLM-L6-v2 as an ONNX graph, written from its ``model.safetensors``; no torch involved.

The graph is a 6-layer, 12-head BERT encoder (hidden 384, FFN 1536, LayerNorm eps 1e-12,
exact erf GELU), mean pooling over the attention mask and L2 normalisation, in standard
opset-17 operators. Inputs ``input_ids`` and ``attention_mask`` (int64, [batch, seq]); output
``embeddings`` (float32, [batch, 384]). Node shapes follow a PyTorch export of BERT, which is what
``onnxruntime.transformers.optimizer`` knows how to fuse (see ``fuse``): the mask as
Unsqueeze→Unsqueeze→Cast→Sub(1, ·)→Mul(−10000) into an Add, the 1/√d scale as a Div.
"""

from __future__ import annotations

import json
import logging
import struct
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
HIDDEN, HEADS, LAYERS = 384, 12, 6
HEAD_SIZE = HIDDEN // HEADS
LAYER_NORM_EPS = 1e-12
_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64, "I32": np.int32}

Weights = Mapping[str, npt.NDArray[Any]]


def safetensors_header(path: Path) -> bytes:
    """The JSON header of a safetensors file (names, dtypes, shapes and offsets of every tensor)."""
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        return f.read(size)


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Every tensor of a safetensors file as a numpy array (the format: u64 size, JSON, raw data)."""
    header = safetensors_header(path)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + len(header))
    tensors = {}
    for name, info in json.loads(header).items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path.name}: {name} has unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        raw = np.frombuffer(data[start:end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = raw.reshape(info["shape"]).astype(dtype)
    return tensors


class _Graph:
    """Accumulates nodes and initializers; every float constant is float32."""

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0
        self._constants: set[str] = set()

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        self._count += 1
        output = f"{op_type.lower()}_{self._count}"
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [output], f"{op_type}_{self._count}", **attrs)
        )
        return output

    def const(self, name: str, value: npt.ArrayLike, dtype: type = np.float32) -> str:
        if name in self._constants:
            return name
        self._constants.add(name)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        array = np.asarray(self.weights[name], dtype=np.float32)
        return self.const(name, np.ascontiguousarray(array.T) if transpose else array)

    def linear(self, x: str, prefix: str) -> str:
        # torch's Linear stores its weight as [out, in]: MatMul wants [in, out].
        product = self.op("MatMul", x, self.weight(f"{prefix}.weight", transpose=True))
        return self.op("Add", product, self.weight(f"{prefix}.bias"))

    def layer_norm(self, x: str, prefix: str) -> str:
        scale, bias = self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=LAYER_NORM_EPS)


def build_model(weights: Weights) -> onnx.ModelProto:
    """The whole sentence-transformers pipeline (BERT, mean pooling, L2 norm) as one graph."""
    g = _Graph(weights)
    mask_bias = _mask_bias(g)
    x = _embeddings(g)
    for layer in range(LAYERS):
        x = _encoder_layer(g, x, mask_bias, f"encoder.layer.{layer}")
    pooled = _mean_pool(g, x)
    norm = g.op("ReduceL2", pooled, axes=[1], keepdims=1)
    g.nodes.append(
        helper.make_node(
            "Div", [pooled, g.op("Max", norm, g.const("eps_l2", 1e-12))], ["embeddings"]
        )
    )
    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [_int64_input("input_ids"), _int64_input("attention_mask")],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", HIDDEN])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # what opset 17 shipped with; every onnxruntime since 1.12 reads it
    model.producer_name = "ragtime.embedding.bert_graph"
    return model


def _int64_input(name: str) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])


def _mask_bias(g: _Graph) -> str:
    """[batch, 1, 1, seq]: 0 where a token is real, −10000 where it is padding."""
    mask = g.op("Unsqueeze", "attention_mask", g.const("axes_1", [1], np.int64))
    mask = g.op("Unsqueeze", mask, g.const("axes_2", [2], np.int64))
    mask = g.op("Cast", mask, to=TensorProto.FLOAT)
    inverted = g.op("Sub", g.const("one", 1.0), mask)
    return g.op("Mul", inverted, g.const("mask_filter", -10000.0))


def _embeddings(g: _Graph) -> str:
    """Word + position + token-type embeddings, then LayerNorm.

    Every token has type 0, so the type-0 row is folded into the position table: one Gather
    fewer, and the word + position shape onnxruntime's EmbedLayerNormalization fusion knows.
    """
    prefix = "embeddings"
    positions = np.asarray(g.weights[f"{prefix}.position_embeddings.weight"], np.float32)
    token_type = np.asarray(g.weights[f"{prefix}.token_type_embeddings.weight"], np.float32)
    table = g.const("position_and_type_embeddings", positions + token_type[0])
    length = g.op("Gather", g.op("Shape", "input_ids"), g.const("index_1", 1, np.int64), axis=0)
    position_ids = g.op(
        "Slice",
        g.const("position_ids", np.arange(positions.shape[0])[None, :], np.int64),
        g.const("starts_0", [0], np.int64),
        g.op("Unsqueeze", length, g.const("axes_0", [0], np.int64)),
        g.const("slice_axes_1", [1], np.int64),
        g.const("steps_1", [1], np.int64),
    )
    words = g.op("Gather", g.weight(f"{prefix}.word_embeddings.weight"), "input_ids", axis=0)
    summed = g.op("Add", words, g.op("Gather", table, position_ids, axis=0))
    return g.layer_norm(summed, f"{prefix}.LayerNorm")


def _encoder_layer(g: _Graph, x: str, mask_bias: str, prefix: str) -> str:
    attention = _self_attention(g, x, mask_bias, f"{prefix}.attention.self")
    attention = g.linear(attention, f"{prefix}.attention.output.dense")
    x = g.layer_norm(g.op("Add", attention, x), f"{prefix}.attention.output.LayerNorm")
    hidden = _gelu(g, g.linear(x, f"{prefix}.intermediate.dense"))
    hidden = g.linear(hidden, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", hidden, x), f"{prefix}.output.LayerNorm")


def _self_attention(g: _Graph, x: str, mask_bias: str, prefix: str) -> str:
    split = g.const(f"{prefix}.split_heads", [0, 0, HEADS, HEAD_SIZE], np.int64)

    def heads(name: str, perm: list[int]) -> str:
        return g.op("Transpose", g.op("Reshape", g.linear(x, f"{prefix}.{name}"), split), perm=perm)

    query, key = heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1])
    value = heads("value", [0, 2, 1, 3])
    scores = g.op(
        "Div", g.op("MatMul", query, key), g.const(f"{prefix}.sqrt_d", np.sqrt(HEAD_SIZE))
    )
    probs = g.op("Softmax", g.op("Add", scores, mask_bias), axis=-1)
    context = g.op("Transpose", g.op("MatMul", probs, value), perm=[0, 2, 1, 3])
    return g.op("Reshape", context, g.const(f"{prefix}.merge_heads", [0, 0, HIDDEN], np.int64))


def _gelu(g: _Graph, x: str) -> str:
    """Exact GELU: x · 0.5 · (1 + erf(x / √2)), in the order torch computes it."""
    erf = g.op("Erf", g.op("Div", x, g.const("sqrt2", np.sqrt(2.0))))
    return g.op("Mul", g.op("Mul", x, g.const("half", 0.5)), g.op("Add", erf, g.const("one", 1.0)))


def _mean_pool(g: _Graph, x: str) -> str:
    """Mean over the real tokens; the count is clamped at 1e-9 as sentence-transformers does."""
    mask = g.op(
        "Cast",
        g.op("Unsqueeze", "attention_mask", g.const("axes_last", [2], np.int64)),
        to=TensorProto.FLOAT,
    )
    axes = g.const("axes_seq", [1], np.int64)
    total = g.op("ReduceSum", g.op("Mul", x, mask), axes, keepdims=0)
    count = g.op("Max", g.op("ReduceSum", mask, axes, keepdims=0), g.const("eps_count", 1e-9))
    return g.op("Div", total, count)


def fuse(model: onnx.ModelProto) -> onnx.ModelProto | None:
    """Attention, SkipLayerNorm, BiasGelu and EmbedLayerNorm fused by onnxruntime's optimizer.

    Optional (``OnnxMiniLM(fuse=True)``): it was not measurably faster than the plain graph with
    onnxruntime's own load-time fusions on a 2-core AVX2 machine; bench/onnx_embedder.py compares.

    None when the optimizer did not fuse all six attention blocks (its pattern matcher is
    brittle). Shape inference stays off: it needs sympy, which onnxruntime does not depend on.
    The result holds com.microsoft operators: it runs on onnxruntime only.
    """
    from onnxruntime.transformers.fusion_options import (  # type: ignore[import-untyped]
        FusionOptions,
    )
    from onnxruntime.transformers.optimizer import optimize_model  # type: ignore[import-untyped]

    options = FusionOptions("bert")
    options.enable_shape_inference = False
    with _quiet_optimizer():
        optimized = optimize_model(
            model,
            model_type="bert",
            num_heads=HEADS,
            hidden_size=HIDDEN,
            opt_level=0,  # fusions only: onnxruntime's own passes run when the session loads
            optimization_options=options,
        )
        attention_blocks = optimized.get_fused_operator_statistics().get("Attention")
    if attention_blocks != LAYERS:
        return None
    fused: onnx.ModelProto = optimized.model
    return fused


@contextmanager
def _quiet_optimizer() -> Iterator[None]:
    """The optimizer warns about our producer name and the disabled shape inference."""
    # Its modules put their folder on sys.path and log under their bare names.
    prefixes = ("fusion_", "onnx_model", "onnxruntime.transformers")
    names = {name for name in logging.root.manager.loggerDict if name.startswith(prefixes)}
    names |= {"onnx_model", "onnx_model_bert", "fusion_base", "fusion_skiplayernorm"}
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
