"""EinsumDense: a kernel whose shape comes from the einsum equation; parameters and mult-adds."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from .backward import contraction_backward
from .dims import NotCoveredError, UnknownDimensionError, known
from .einsum_equation import einsum_shapes
from .formula import BuildShape, Formula, FormulaTerm
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


@register_formula(keras.layers.EinsumDense)
def einsum_dense(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """EinsumDense: kernel = product of the weight letters' sizes; bias over ``bias_axes``.

    Mirrors ``EinsumDense.build`` via ``_analyze_einsum_string``: for
    ``"abc,cde->abde"`` with input ``(None, 8, 16)`` and output ``(8, 4, 2)``
    the kernel is ``16*4*2``. The bias spans the output letters from the first
    bias letter on (size 1 where a letter is not a bias letter). Quantized
    (``_int8_build``/``_int4_build``), the kernel is seen as a matrix
    ``reduced rows x kept columns``, the reduced axes being the weight letters
    absent from the output; int8 keeps one scale per column, int4 packs the
    columns two per byte. ``enable_lora(rank)`` adds
    ``lora_kernel_a`` ``kernel[:-1]*rank`` and ``lora_kernel_b`` ``rank*kernel[-1]``.
    """
    shapes = einsum_shapes(config["equation"], config.get("bias_axes"), input_shape, config["output_shape"])  # type: ignore[arg-type]
    quantization = quantization_of(config)
    rank = lora_rank(config)
    kernel = list(shapes.kernel)
    if quantization.mode in ("int8", "int4"):
        rows = [size for axis, size in enumerate(kernel) if axis in shapes.reduced_axes]
        columns = [size for axis, size in enumerate(kernel) if axis not in shapes.reduced_axes]
        terms = quantized_matrix_terms("kernel", rows, columns, quantization)
        if quantization.mode == "int4" and quantization.block_size is not None:
            # EinsumDense._int4_build gives g_idx one entry per flattened reduced row.
            terms += group_index_term([product(rows)], quantization)
    else:
        terms = [FormulaTerm("kernel", product(kernel))]
    terms = frozen_by_lora(terms, "kernel", rank)
    if shapes.bias is not None:
        terms.append(FormulaTerm("bias", product(shapes.bias)))
    terms += float8_terms(quantization)
    terms += lora_terms("lora_kernel", kernel[:-1], kernel[-1:], rank)
    return Formula(terms)


@register_macs(keras.layers.EinsumDense)
def einsum_dense_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """EinsumDense: the product of the sizes of every index in the equation, batch excluded.

    An einsum of input and kernel does one multiply-accumulate per combination
    of all its indices (kept and summed). Every kernel index is an input or an
    output index, so the sizes come from the two shapes. Equations with
    ``...`` are not covered (unknown MACs).
    """
    equation = str(config["equation"])
    inputs, rest = equation.split(",")
    output = rest.split("->")[1]
    if "." in equation:
        raise NotCoveredError("EinsumDense equations with '...' are not covered")
    if output_shape is None:  # no call and no compute_output_shape known: the output letters' sizes are unknown
        raise UnknownDimensionError("the output shape is unknown (the layer was not called in a graph)")
    sizes: dict[str, Any] = {}
    for letters, shape in ((inputs, input_shape), (output, output_shape)):
        for letter, dim in zip(letters, shape, strict=False):
            sizes.setdefault(letter, dim)
    batch = inputs[0]
    ordered = [letter for letter in dict.fromkeys(inputs + output) if letter != batch]
    return product(known(*(sizes[letter] for letter in ordered)))


# One einsum of input and kernel: input-grad = weight-grad = forward (the same index combinations).
einsum_dense_backward_macs = register_backward_macs(keras.layers.EinsumDense)(contraction_backward(einsum_dense_macs))
