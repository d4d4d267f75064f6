"""keras-hub 0.32's detection and dense-prediction families (issue 21): D-FINE, SAM3, DepthAnything.

Checked against keras-hub 0.32.0 (``keras_hub.src.models.d_fine.d_fine_decoder``,
``keras_hub.src.models.sam3.sam3_layers``,
``keras_hub.src.models.depth_anything.depth_anything_layers``). Their other layers
are composites of Keras layers (Dense, Conv2D, MultiHeadAttention, norms),
explained by theirs; these are the pieces that are not:

- ``DFineDecoder.build`` creates two weights of its own with ``add_weight`` beside
  its sublayers (``reg_scale`` and ``upsampling_factor``, the constants of its
  distribution-focal box refinement), both ``trainable=False``;
- ``SAM3SinePositionEmbedding`` has no weights, and its ``call``,
  ``encode_1d_positions`` and ``encode_boxes`` are element-wise (scales,
  divisions, sines and cosines, a running sum): 0 mult-adds by the project's
  convention. Its owners (the geometry encoder and DETR decoder) call it through
  those methods, outside any symbolic graph, so no trace could count it;
- ``DFineMultiheadAttention`` is counted whole: its four EinsumDense
  projections alone would miss the two products between them (``ops.einsum``
  in its call);
- ``SAM3Attention`` and ``SAM3RoPEAttention`` are counted whole for the same
  reason (``ops.dot_product_attention`` between their Dense projections);
- ``DepthAnythingFeatureFusionLayer`` builds both of its residual layers but
  calls the first only when a residual is passed (the neck's first fusion stage
  passes none): summing its built parts would count a block that never runs, so
  its mult-adds are counted whole from its call's shapes.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from ..dims import UnknownDimensionError, known
from ..formula import Formula, FormulaTerm
from ..registry import Kind
from .common import Config, sum_of, zero_macs

_M = "keras_hub.src.models."

DFINE_CONSTANT_REASON = "created with trainable=False by keras-hub (a constant of D-FINE's box refinement)"


def dfine_decoder_own(config: Config, input_shape: Any) -> Formula:
    """DFineDecoder's own weights (its layers, heads and LQE blocks are explained by theirs).

    Mirrors DFineDecoder.build: ``reg_scale`` of shape (1,) and
    ``upsampling_factor`` of shape (1,), both ``trainable=False``: whatever the
    configuration, 1 + 1 = 2 non-trainable parameters.
    """
    return Formula(
        [
            FormulaTerm("reg_scale", "1", trainable=False, reason=DFINE_CONSTANT_REASON),
            FormulaTerm("upsampling_factor", "1", trainable=False, reason=DFINE_CONSTANT_REASON),
        ]
    )


def dfine_attention_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """DFineMultiheadAttention.call: self-attention of ``T`` tokens of width ``E`` in ``H`` heads of ``D = E // H``.

    ``q_proj``, ``k_proj``, ``v_proj``: ``T*E*H*D`` each; the scores
    ``einsum("bthd,bshd->bhts")`` and the weighted values
    ``einsum("bhts,bshd->bthd")``: ``H*T*T*D`` each (keys are the same tokens);
    ``out_proj``: ``T*E*E``. Positions are added, the mask added, the softmax: 0.
    The token count is its call's ``hidden_states`` (or its build's first shape).
    """
    shape = (call_shapes or {}).get("hidden_states") or _first_shape(input_shape)
    if not shape:
        raise UnknownDimensionError("DFineMultiheadAttention's token count is unknown")
    tokens, width = known(shape[1], shape[-1])
    heads = int(config["num_heads"])
    depth = int(config["embedding_dim"]) // heads
    embedding = int(config["embedding_dim"])
    return sum_of(
        [
            f"3*{tokens}*{width}*{heads}*{depth}",
            f"2*{heads}*{tokens}*{tokens}*{depth}",
            f"{tokens}*{heads * depth}*{embedding}",
        ]
    )


def sam3_attention_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """SAM3Attention.call: ``Tq`` queries attend to ``Tk`` keys through Dense projections to ``E`` (hidden_dim).

    ``q_proj`` ``Tq*Eq*E``, ``k_proj`` ``Tk*Ek*E``, ``v_proj`` ``Tk*Ev*E`` (each
    input's own width); ``ops.dot_product_attention``: scores and weighted values,
    ``Tq*Tk*E`` each (``H`` heads of ``E // H``); ``o_proj`` ``Tq*E*E``. The shapes
    are its call's (``query``, ``key``, ``value``), else its build's.
    """
    shapes = dict(call_shapes or {})
    if not shapes.get("query") and isinstance(input_shape, Mapping):
        shapes = {name: input_shape.get(f"{name}_shape") for name in ("query", "key", "value")}
    if not all(shapes.get(name) for name in ("query", "key", "value")):
        raise UnknownDimensionError("SAM3Attention's query, key and value shapes are unknown")
    queries, query_width = known(shapes["query"][1], shapes["query"][-1])
    keys, key_width, value_width = known(shapes["key"][1], shapes["key"][-1], shapes["value"][-1])
    hidden = int(config["hidden_dim"])
    return sum_of(
        [
            f"{queries}*{query_width}*{hidden}",
            f"{keys}*{key_width}*{hidden}",
            f"{keys}*{value_width}*{hidden}",
            f"2*{queries}*{keys}*{hidden}",
            f"{queries}*{hidden}*{hidden}",
        ]
    )


def sam3_rope_attention_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """SAM3RoPEAttention.call: self-attention over the ``T = h*w`` patches of width ``C``, to ``E`` (hidden_dim).

    ``q_proj``, ``k_proj``, ``v_proj``: ``T*C*E`` each; ``ops.dot_product_attention``:
    ``T*T*E`` for the scores and as many for the weighted values; ``o_proj``
    ``T*E*E``. The 2D rotary transform: 0. The shape is its call's ``hidden_states``.
    """
    shape = (call_shapes or {}).get("hidden_states") or _first_shape(input_shape)
    if not shape:
        raise UnknownDimensionError("SAM3RoPEAttention's patch grid is unknown")
    *grid, channels = known(*shape[1:])
    tokens = "*".join(str(size) for size in grid)
    hidden = int(config["hidden_dim"])
    return sum_of(
        [
            f"3*{tokens}*{channels}*{hidden}",
            f"2*{tokens}*{tokens}*{hidden}",
            f"{tokens}*{hidden}*{hidden}",
        ]
    )


def _first_shape(shape: Any) -> Any:
    """The first tensor shape of a build shape that may be a tuple of them."""
    while isinstance(shape, (tuple, list)) and shape and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return shape


def _pre_act_residual_macs(height: int, width: int, channels: int, hidden: int) -> str:
    """DepthAnythingPreActResidualLayer.call: two 3x3 convolutions, stride 1, padded by 1 (the size kept).

    ``H*W*3*3*C*h`` (convolution1, C input channels) + ``H*W*3*3*h*h``
    (convolution2); the ReLUs and the residual sum: 0.
    """
    return sum_of([f"{height}*{width}*3*3*{channels}*{hidden}", f"{height}*{width}*3*3*{hidden}*{hidden}"])


def depth_anything_fusion_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """DepthAnythingFeatureFusionLayer.call, counted whole: the residual layers it calls and its projection.

    ``residual_layer1`` on the residual (only when one is passed), then
    ``residual_layer2`` on the inputs (each: two 3x3 convolutions, see
    _pre_act_residual_macs), a bilinear resize to ``size`` (interpolation: 0,
    as the TF graph's ResizeBilinear has no contraction) and ``projection``, a
    1x1 convolution of ``h`` channels at ``size``: ``S0*S1*h*h``. The shapes are
    its call's; without them it is unknown whether a residual was passed.
    """
    if config.get("data_format", "channels_last") != "channels_last":
        raise ValueError("DepthAnythingFeatureFusionLayer with data_format='channels_first' is not covered")
    if not call_shapes or not call_shapes.get("inputs"):
        raise UnknownDimensionError("whether DepthAnything's fusion gets a residual is known only from its call")
    hidden = int(config["hidden_dim"])
    size_h, size_w = (int(s) for s in config["size"])
    parts = []
    residual = call_shapes.get("residual")
    if residual:
        _, height, width, channels = known(*residual)
        parts.append(_pre_act_residual_macs(height, width, channels, hidden))
    _, height, width, channels = known(*call_shapes["inputs"])
    parts.append(_pre_act_residual_macs(height, width, channels, hidden))
    parts.append(f"{size_h}*{size_w}*{hidden}*{hidden}")
    return sum_of(parts)


DETECTION_MACS: dict[str, Callable[..., str]] = {
    _M + "sam3.sam3_layers.SAM3SinePositionEmbedding": zero_macs,
    _M + "depth_anything.depth_anything_layers.DepthAnythingFeatureFusionLayer": depth_anything_fusion_macs,
    _M + "d_fine.d_fine_attention.DFineMultiheadAttention": dfine_attention_macs,
    _M + "sam3.sam3_layers.SAM3Attention": sam3_attention_macs,
    _M + "sam3.sam3_layers.SAM3RoPEAttention": sam3_rope_attention_macs,
}

DETECTION_OWN_WEIGHTS: dict[str, Callable[[Config, Any], Formula]] = {
    _M + "d_fine.d_fine_decoder.DFineDecoder": dfine_decoder_own,
}

DETECTION_TABLES: tuple[tuple[Kind, Mapping[str, Callable[..., Any]]], ...] = (
    ("macs", DETECTION_MACS),
    ("own_weights", DETECTION_OWN_WEIGHTS),
)
