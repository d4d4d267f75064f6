"""Quantization and LoRA read from a layer's config, and the weight terms they create.

After ``model.quantize(mode)`` a layer's config carries everything its weights
depend on (checked on Keras 3.15.1):

- ``config["dtype"]`` is the serialized dtype policy: ``QuantizedDTypePolicy``
  (``mode`` "int8" or "int4"), ``Int4DTypePolicy`` (``mode`` "int4/<block>",
  -1 meaning per channel) or ``QuantizedFloat8DTypePolicy`` (``mode`` "float8",
  with ``amax_history_length``). A string policy name such as
  "int8_from_float32" is accepted too.
- ``config["quantization_config"]`` is the serialized ``QuantizationConfig``;
  an ``Int4QuantizationConfig``'s ``block_size`` wins over the policy's
  (``keras.src.quantizers.quantization_config.get_block_size_for_layer``).
- ``config["lora_rank"]`` is set once ``layer.enable_lora(rank)`` ran.

So formulas need no live layer state. "gptq" and "awq" need calibration and
store packed layouts we do not mirror: they raise ``NotImplementedError``, and
the layer is then counted from its weight shapes with a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from ..arithmetic import product
from .formula import FormulaTerm

# Keras's default float8 history (QuantizedFloat8DTypePolicy.default_amax_history_length, 3.15.1).
DEFAULT_AMAX_HISTORY = 1024

INT8_REASON = "int8-quantized values: fixed after model.quantize(), not trained"
INT4_REASON = "int4-quantized values, packed two per int8 byte: fixed after model.quantize(), not trained"
SCALE_REASON = "quantization scale: fixed after model.quantize(), not trained"
ZERO_REASON = "quantization zero point of each int4 block: not trained"
GROUP_INDEX_REASON = "group index of each row for int4 block quantization: not trained"
LORA_FROZEN_REASON = "frozen by enable_lora(): only the low-rank factors are trained"


@dataclass(frozen=True)
class Quantization:
    """What a layer's dtype policy says about its stored weights."""

    mode: Optional[str] = None  # None, "int8", "int4", "float8", "gptq", "awq"
    # int4 only: rows per scale block; None means one scale per output channel.
    block_size: Optional[int] = None
    amax_history_length: int = DEFAULT_AMAX_HISTORY


def quantization_of(config: Mapping[str, Any]) -> Quantization:
    """Read the quantization mode, int4 block size and float8 history from a config."""
    policy = config.get("dtype")
    mode_text, amax = _policy_mode(policy)
    if not mode_text:
        return Quantization()
    mode, _, block_text = mode_text.partition("/")
    if mode not in ("int8", "int4", "float8"):
        raise NotImplementedError(f"{mode} quantization is not mirrored by a formula")
    block_size = _block_from_text(block_text)
    quantization_config = config.get("quantization_config")
    if isinstance(quantization_config, Mapping) and quantization_config.get("class_name") == "Int4QuantizationConfig":
        block_size = _block_from_text(str(quantization_config.get("config", {}).get("block_size", "")))
    return Quantization(mode, block_size if mode == "int4" else None, amax or DEFAULT_AMAX_HISTORY)


def _policy_mode(policy: Any) -> tuple[str, Optional[int]]:
    if isinstance(policy, str):
        # "int8_from_float32", "int4/128_from_bfloat16", "float8_from_float32"
        head, separator, _ = policy.partition("_from_")
        return (head if separator else ""), None
    if isinstance(policy, Mapping):
        inner = policy.get("config", {}) or {}
        if "mode" in inner:
            return str(inner["mode"]), inner.get("amax_history_length")
        name = inner.get("name")
        if isinstance(name, str):
            return _policy_mode(name)
    return "", None


def _block_from_text(text: str) -> Optional[int]:
    if not text or text in ("None", "-1"):
        return None
    return int(text)


def quantized_matrix_terms(
    name: str,
    rows: Sequence[Any],
    columns: Sequence[Any],
    quantization: Quantization,
    *,
    trainable: bool = True,
    scale_per_row: bool = False,
    pack_rows: bool = False,
) -> list[FormulaTerm]:
    """The terms of one weight matrix ``rows x columns`` stored under ``quantization``.

    ``rows`` are the axes the quantizer reduces (Dense: the input features),
    ``columns`` the axes that keep one scale each (Dense: the units). Embedding
    tables are the other way round (one scale per row): ``scale_per_row``.
    int4 packs two values per byte along the columns, or along the rows with
    ``pack_rows`` (ReversibleEmbedding's reverse table). A float (or float8)
    matrix is the single term ``name``.
    """
    full = product([*rows, *columns])
    mode = quantization.mode
    if mode in (None, "float8"):
        return [FormulaTerm(name, full, trainable=trainable)]
    kept = rows if scale_per_row else columns
    reduced = columns if scale_per_row else rows
    if mode == "int8":
        return [
            FormulaTerm(name, full, trainable=False, reason=INT8_REASON),
            FormulaTerm(f"{name}_scale", product(kept), trainable=False, reason=SCALE_REASON),
        ]
    # int4: two values per byte along one axis, rounded up for an odd length.
    if pack_rows:
        packed = f"(({product(rows)}+1)//2)*{product(columns)}"
    else:
        packed = f"{product(rows)}*(({product(columns)}+1)//2)"
    terms = [FormulaTerm(name, packed, trainable=False, reason=INT4_REASON)]
    block = quantization.block_size
    if block is None:
        terms.append(FormulaTerm(f"{name}_scale", product(kept), trainable=False, reason=SCALE_REASON))
        return terms
    groups = f"(({product(reduced)}+{block - 1})//{block})"
    scale = f"{groups}*{product(kept)}"
    terms += [
        FormulaTerm(f"{name}_scale", scale, trainable=False, reason=SCALE_REASON),
        FormulaTerm(f"{name}_zero", scale, trainable=False, reason=ZERO_REASON),
    ]
    return terms


def float8_terms(quantization: Quantization) -> list[FormulaTerm]:
    """Float8 training state: a scale and an amax history for inputs, kernel and output gradients.

    Keras (``Dense._float8_build``, 3.15.1) creates them with ``trainable=True``
    and ``overwrite_with_gradient=True``: the optimizer overwrites them with
    the value carried by their "gradient", so Keras counts them as trainable.
    """
    if quantization.mode != "float8":
        return []
    terms = []
    for prefix in ("inputs", "kernel", "outputs_grad"):
        terms.append(FormulaTerm(f"{prefix}_scale", "1"))
        terms.append(FormulaTerm(f"{prefix}_amax_history", str(quantization.amax_history_length)))
    return terms


def group_index_term(rows: Sequence[Any], quantization: Quantization) -> list[FormulaTerm]:
    """int4 block quantization stores ``g_idx``: the block of each reduced row."""
    if quantization.mode == "int4" and quantization.block_size is not None:
        return [FormulaTerm("g_idx", product(rows), trainable=False, reason=GROUP_INDEX_REASON)]
    return []


def frozen_by_lora(terms: list[FormulaTerm], name: str, rank: Optional[int]) -> list[FormulaTerm]:
    """``enable_lora`` sets the base weight ``name`` to ``trainable=False`` (Dense/Conv/Embedding, 3.15.1)."""
    if not rank:
        return terms
    return [
        FormulaTerm(term.name, term.expression, False, term.reason or LORA_FROZEN_REASON) if term.name == name else term
        for term in terms
    ]


def lora_rank(config: Mapping[str, Any]) -> Optional[int]:
    rank = config.get("lora_rank")
    return int(rank) if rank else None


def lora_terms(prefix: str, rows: Sequence[Any], columns: Sequence[Any], rank: Optional[int]) -> list[FormulaTerm]:
    """``enable_lora(rank)``: ``{prefix}_a`` is ``rows x rank``, ``{prefix}_b`` is ``rank x columns``."""
    if not rank:
        return []
    return [
        FormulaTerm(f"{prefix}_a", product([*rows, rank])),
        FormulaTerm(f"{prefix}_b", product([rank, *columns])),
    ]
