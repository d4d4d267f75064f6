"""Dense (parameters and mult-adds), and Pipeline (the sum of the layers it chains)."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import group, product
from .backward import contraction_backward
from .dims import known
from .formula import BuildShape, Formula, FormulaTerm
from .nested import frozen, nested_formula, prefixed
from .quantization import (
    float8_terms,
    frozen_by_lora,
    group_index_term,
    lora_rank,
    lora_terms,
    quantization_of,
    quantized_matrix_terms,
)
from .registry import OutputShapeArg, register_backward_macs, register_formula, register_macs


@register_formula(keras.layers.Dense)
def dense(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Dense: kernel ``in*units`` + bias ``units`` = ``(in+1)*units``.

    Mirrors ``keras.layers.Dense.build``: the kernel is
    ``(input_shape[-1], units)``, so an N-D input is projected along its last
    axis only; the bias exists when ``use_bias``. After ``quantize("int8")``
    the kernel holds int8 values plus ``kernel_scale`` (one per unit); after
    ``quantize("int4")`` it is packed ``in*((units+1)//2)`` with per-unit
    scales, or per-block scales, zero points and ``g_idx`` when the int4
    config has a ``block_size`` (``Dense._int4_build``). Float8 adds six
    scaling variables (``_float8_build``). ``enable_lora(rank)`` freezes the
    kernel and adds ``lora_kernel_a`` ``in*rank`` and ``lora_kernel_b``
    ``rank*units`` (``Dense.enable_lora``).
    """
    units = int(config["units"])
    inputs = int(input_shape[-1])
    quantization = quantization_of(config)
    rank = lora_rank(config)
    terms = quantized_matrix_terms("kernel", [inputs], [units], quantization)
    terms = frozen_by_lora(terms, "kernel", rank)
    use_bias = bool(config.get("use_bias", True))
    if use_bias:
        terms.append(FormulaTerm("bias", str(units)))
    terms += float8_terms(quantization)
    terms += group_index_term([inputs], quantization)
    terms += lora_terms("lora_kernel", [inputs], [units], rank)
    compact = None
    if use_bias and quantization.mode is None and not rank:
        compact = f"{group(f'{inputs}+1')}*{units}"
    return Formula(terms, compact)


@register_formula(keras.layers.Pipeline)
def pipeline(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Pipeline: the sum of its layers' formulas, each named ``layer_name/weight``.

    ``Pipeline`` creates no weights of its own; it tracks the layers it chains
    (``Pipeline.__init__``), so their weights are its weights. Each layer is
    read at the build shape its own serialization recorded; a layer that
    recorded none is read at the pipeline's input shape, which is exact for
    the first layer and for layers whose weights do not depend on the shape.
    """
    terms: list[FormulaTerm] = []
    for serialized in config.get("layers", []):
        inner = nested_formula(serialized, input_shape)
        terms += frozen(prefixed(inner, serialized.get("config", {}).get("name")), serialized)
    return Formula(terms)


@register_macs(keras.layers.Dense)
def dense_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Dense: leading positions × in × units.

    Keras's Dense multiplies only the last axis by the kernel, once per
    position of the other axes: on a (7, 5) input, 3 units cost ``7*5*3 = 105``;
    on a flat (27,) input, ``27*5 = 135`` for 5 units. The bias is not a MAC.
    """
    dims = known(*input_shape[1:])
    return product([*dims, int(config["units"])])


# Dense is one contraction of the input's last axis with the kernel: input-grad = weight-grad = forward.
dense_backward_macs = register_backward_macs(keras.layers.Dense)(contraction_backward(dense_macs))
