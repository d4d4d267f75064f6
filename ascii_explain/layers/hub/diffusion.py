"""keras-hub 0.32's Stable Diffusion 3 (issue 21): its scheduler and its VAE's attention.

Checked against keras-hub 0.32.0
(``keras_hub.src.models.stable_diffusion_3.flow_match_euler_discrete_scheduler``,
``keras_hub.src.models.vae.vae_layers``).
Everything else in the backbone is a composite of Keras layers or keras-hub
layers already explained (CLIP, the VAE's convolutions, the MMDiT's Dense and
attention), or traced.

``FlowMatchEulerDiscreteScheduler`` has no weights. Its ``call`` builds the
sigma table with ``ops.linspace(..., num_steps)`` (a model input used as the
count, so a symbolic trace stops there: ``read/call_shapes.py`` stands in for
its output) and looks one sigma up: divisions, a ``linspace`` and a ``take``,
no multiplication summed into an output. 0 mult-adds by the project's
convention, a count that does not depend on the trace.

``Conv2DMultiHeadAttention`` (the VAE's mid-block attention) is counted whole:
summing its four 1x1 convolutions would miss the two products between them
(``ops.einsum`` in its call), which dominate at the VAE's resolutions.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..dims import known
from ..registry import Kind
from .common import Config, sum_of, zero_macs

_M = "keras_hub.src.models."

def conv2d_attention_macs(config: Config, input_shape: Any, output_shape: Any) -> str:
    """Conv2DMultiHeadAttention.call (one head over the ``H*W`` positions, ``F`` filters, ``C`` input channels).

    ``query``, ``key``, ``value``: 1x1 convolutions, ``H*W*C*F`` each; the scores
    ``einsum("abc,adc->abd")``: ``(H*W)*(H*W)*F``; the weighted values
    ``einsum("abc,adb->adc")``: ``(H*W)*(H*W)*F``; ``output_conv2d``:
    ``H*W*F*F``. The group norm, the scaling, the softmax and the residual sum: 0.
    """
    if config.get("data_format", "channels_last") != "channels_last":
        raise ValueError("Conv2DMultiHeadAttention with data_format='channels_first' is not covered")
    _, height, width, channels = known(*input_shape)
    filters = int(config["filters"])
    positions = f"{height}*{width}"
    return sum_of(
        [
            f"3*{positions}*{channels}*{filters}",
            f"2*{positions}*{positions}*{filters}",
            f"{positions}*{filters}*{filters}",
        ]
    )


DIFFUSION_MACS: dict[str, Callable[..., str]] = {
    _M + "stable_diffusion_3.flow_match_euler_discrete_scheduler.FlowMatchEulerDiscreteScheduler": zero_macs,
    _M + "vae.vae_layers.Conv2DMultiHeadAttention": conv2d_attention_macs,
}

DIFFUSION_TABLES: tuple[tuple[Kind, Mapping[str, Callable[..., Any]]], ...] = (("macs", DIFFUSION_MACS),)
