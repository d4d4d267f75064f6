"""Reading keras-hub layers: their config, completed where keras-hub 0.32.0's ``get_config()`` fails or drops a value.

keras-hub is never imported here: a layer is recognised by its class's module.

``get_config()`` raises for LlamaAttention (it reads a ``rope_scaling_factor``
attribute it never set), CachedGemmaAttention, T5MultiHeadAttention,
T5LayerNorm, Gemma's RMSNormalization, ViT's MLP and every Mixtral/Qwen MoE
layer (Keras's auto-config refuses their constructor arguments); it drops
``head_dim`` for Qwen3Attention and Qwen3LayerNorm and ``use_patch_bias`` for
ViTPatchingAndEmbedding (all checked on keras-hub 0.32.0). These layers keep
their constructor arguments as public attributes, so :func:`hub_config` reads
``get_config()`` where it works, completed by those attributes.
"""

from __future__ import annotations

import functools
from typing import Any, Optional

PLAIN = (int, float, str, bool, type(None))


def is_hub_layer(layer: Any) -> bool:
    """A layer whose class (or a base) keras-hub defines."""
    return _defined_in_keras_hub(layer.__class__)


@functools.cache  # asked of every layer's class on every explain; a class's bases never change
def _defined_in_keras_hub(layer_class: Any) -> bool:
    return any(klass.__module__.startswith("keras_hub") for klass in layer_class.__mro__)


def public_attributes(layer: Any) -> dict[str, Any]:
    """The layer's public attributes that hold plain values (the constructor arguments, as keras-hub stores them)."""
    result: dict[str, Any] = {}
    for key, value in vars(layer).items():
        if key.startswith("_"):
            continue
        if isinstance(value, PLAIN) or (
            isinstance(value, (tuple, list)) and all(isinstance(item, PLAIN) for item in value)
        ):
            result[key] = value
    return result


def hub_config(layer: Any, config: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """``config`` (``layer.get_config()``, None when it failed) completed by the layer's plain public attributes.

    ``get_config()`` wins where both have a key. ``name`` is always present.
    """
    completed = public_attributes(layer)
    if config is None:
        try:
            config = dict(layer.get_config())
        except Exception:  # keras-hub 0.32.0: NotImplementedError / AttributeError, see the module docstring
            config = {}
    completed.update(config)
    completed.setdefault("name", layer.name)
    return completed


def call_takes_cache(layer: Any) -> bool:
    """The layer's ``call`` has a parameter named like a key/value cache (``cache``, ``self_attention_cache``).

    keras-hub's decoder blocks and their attention layers take one; its
    encoder blocks (even Whisper's, whose attention class is the cached one)
    do not: that is how a decoder's attention is told from an encoder's.
    """
    own_call = vars(layer).get("call") if hasattr(layer, "__dict__") else None
    if own_call is not None:  # a call set on the instance (rare): its own signature
        return _call_takes_cache(own_call)
    layer_class: Any = type(layer)
    return _class_call_takes_cache(layer_class)


@functools.cache  # asked of every layer on every explain; inspect.signature was a tenth of a Llama's
def _class_call_takes_cache(layer_class: Any) -> bool:
    return _call_takes_cache(getattr(layer_class, "call", None))


def _call_takes_cache(call: Any) -> bool:
    """``call`` (a function, or a method bound to a layer) takes a cache: a parameter, or a key read from kwargs."""
    import inspect

    try:
        parameters = inspect.signature(call).parameters
    except (TypeError, ValueError):
        return False
    if any(_names_a_cache(name) for name in parameters):
        return True
    takes_keywords = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return takes_keywords and _reads_cache_from_keywords(getattr(call, "__func__", call))


def _names_a_cache(name: str) -> bool:
    return "cache" in name and "index" not in name


@functools.cache
def _reads_cache_from_keywords(call: Any) -> bool:
    """``call(..., **kwargs)`` reading a cache out of ``kwargs`` (SmolLM3's ``kwargs.get("self_attention_cache")``).

    Read from the source of the class's ``call``: once per class. No source (a compiled or generated
    call): False, as for a call without a cache parameter.
    """
    import inspect
    import re

    try:
        source = inspect.getsource(call)
    except (OSError, TypeError):
        return False
    keys = re.findall(r"kwargs(?:\.get\(|\[)\s*[\"']([A-Za-z_]+)[\"']", source)
    return any(_names_a_cache(key) for key in keys)
