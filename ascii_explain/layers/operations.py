"""keras.ops operations in a Functional graph (``x * 2``, ``x[:, 0]`` on KerasTensors): which are 0 mult-adds.

A model built with keras.ops between layers (keras-hub's backbones: ``GetItem``
to take the class token, ``Multiply`` to scale Gemma's embeddings, a ``Gelu``)
has rows for those operations. They have no weights. The ones below are
element-wise work, indexing or data movement: 0 MACs by the README's
convention. Any other operation (``Matmul``, ``Einsum``, ...) keeps unknown
MACs rather than a guess. Names are Keras 3's operation classes
(``keras.src.ops``, checked on 3.15.1), matched by name: this module imports
no Keras.
"""

from __future__ import annotations

from typing import Optional

ZERO_MAC_OPERATIONS = frozenset(
    {
        # indexing, shapes and data movement
        "GetItem", "Slice", "Take", "TakeAlongAxis", "Reshape", "Transpose", "ExpandDims", "Squeeze",
        "Concatenate", "Split", "Stack", "Tile", "Repeat", "Cast", "Where", "Pad", "BroadcastTo", "Flip", "Roll",
        # element-wise arithmetic and activations
        "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Negative", "Absolute", "Abs", "Square",
        "Sqrt", "Rsqrt", "Power", "Exp", "Log", "Maximum", "Minimum", "Clip", "Sign",
        "Relu", "Relu6", "Gelu", "Silu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "Elu",
        "Selu", "LeakyRelu", "HardSigmoid", "HardSilu",
        # an average, as AveragePooling and GlobalAveragePooling count it (Swin's classifier pools with ops.mean)
        "Mean",
        # comparisons and logic (padding masks: ESM and RoFormerV2 compare token ids with the pad id)
        "Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual",
        "LogicalAnd", "LogicalOr", "LogicalNot",
        # rounding, and a plain sum (Moonshine's valid lengths from its padding mask): no product
        "Floor", "Ceil", "Round", "Sum",
    }
)  # fmt: skip


def operation_macs(class_name: str) -> Optional[str]:
    """``"0"`` for an operation that does no multiply-accumulate, None (unknown) for any other."""
    return "0" if class_name in ZERO_MAC_OPERATIONS else None
