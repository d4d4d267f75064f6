"""The registry of mult-add (MAC) formulas, one small pure function per layer family.

A MACs function takes the layer's config (``layer.get_config()``), the shape
it was built with (batch axis first, or a dict of shapes for layers whose
``build`` takes several, exactly as parameter formulas receive it) and the
shape of its output, and returns a plain integer arithmetic string
(``"26*26*3*3*1*32"``) that evaluates to the multiply-accumulates one sample
costs. Its docstring states the convention.

Conventions shared by every function (see the README, "Mult-adds and memory"):
a MAC is one multiplication of an input (or activation) by a weight (or by
another activation, in attention and ``Dot``) added into an output sum. Bias
additions, activations, normalization's scale and shift, pooling, gating
products and other element-wise work are not MACs. A layer without a
registered function has unknown MACs (``None``, shown as ``?``): never a guess.

Lookup walks ``type(layer).__mro__``, so subclasses use their base's function.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

# Same meaning as formulas.registry.BuildShape: one shape, or a dict of shapes.
BuildShape = Any
OutputShapeArg = Any

MacsFunction = Callable[[Mapping[str, Any], BuildShape, OutputShapeArg], str]

_REGISTRY: dict[type, MacsFunction] = {}


class UnknownDimensionError(ValueError):
    """A dimension the MAC count depends on is None (e.g. a variable sequence length)."""


def register_macs(*layer_classes: type) -> Callable[[MacsFunction], MacsFunction]:
    """Register ``function(config, input_shape, output_shape) -> str`` as the MACs of ``layer_classes``.

    For your own layers::

        from ascii_explain import register_macs

        @register_macs(MyScale)
        def my_scale_macs(config, input_shape, output_shape):
            \"\"\"MyScale: an element-wise product, 0 MACs.\"\"\"
            return "0"
    """

    def decorator(function: MacsFunction) -> MacsFunction:
        for layer_class in layer_classes:
            _REGISTRY[layer_class] = function
        return function

    return decorator


def unregister_macs(layer_class: type) -> None:
    """Remove a MACs function registered for exactly ``layer_class`` (not its bases)."""
    _REGISTRY.pop(layer_class, None)


def find_macs(layer_class: type) -> Optional[MacsFunction]:
    """The MACs function for the nearest class in ``layer_class``'s MRO, or None."""
    for klass in layer_class.__mro__:
        function = _REGISTRY.get(klass)
        if function is not None:
            return function
    return None


def registered_macs_classes() -> list[type]:
    return list(_REGISTRY)


def known(*dims: Any) -> list[int]:
    """The dims as ints; raise UnknownDimensionError if any is None."""
    if any(dim is None for dim in dims):
        raise UnknownDimensionError("a dimension the mult-add count depends on is None (unknown before the call)")
    return [int(dim) for dim in dims]
