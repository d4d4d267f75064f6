"""keras-hub 0.32's detection and segmentation families (issue 21): D-FINE's decoder, SAM3's sine positions.

Checked against keras-hub 0.32.0 (``keras_hub.src.models.d_fine.d_fine_decoder``,
``keras_hub.src.models.sam3.sam3_layers``). Their other layers are composites of
Keras layers (Dense, Conv2D, MultiHeadAttention, norms), explained by theirs; these
are the pieces that are not:

- ``DFineDecoder.build`` creates two weights of its own with ``add_weight`` beside
  its sublayers (``reg_scale`` and ``upsampling_factor``, the constants of its
  distribution-focal box refinement), both ``trainable=False``;
- ``SAM3SinePositionEmbedding`` has no weights, and its ``call``,
  ``encode_1d_positions`` and ``encode_boxes`` are element-wise (scales,
  divisions, sines and cosines, a running sum): 0 mult-adds by the project's
  convention. Its owners (the geometry encoder and DETR decoder) call it through
  those methods, outside any symbolic graph, so no trace could count it.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..formula import Formula, FormulaTerm
from ..registry import Kind
from .common import Config, zero_macs

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


DETECTION_MACS: dict[str, Callable[..., str]] = {
    _M + "sam3.sam3_layers.SAM3SinePositionEmbedding": zero_macs,
}

DETECTION_OWN_WEIGHTS: dict[str, Callable[[Config, Any], Formula]] = {
    _M + "d_fine.d_fine_decoder.DFineDecoder": dfine_decoder_own,
}

DETECTION_TABLES: tuple[tuple[Kind, Mapping[str, Callable[..., Any]]], ...] = (
    ("macs", DETECTION_MACS),
    ("own_weights", DETECTION_OWN_WEIGHTS),
)
