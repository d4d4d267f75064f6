"""What the backward pass of a layer multiplies: its input-gradient, weight-gradient and internal terms.

A layer family registers, beside its forward mult-add function, a backward
one (``registry.register_backward_macs``) returning :class:`BackwardMacs`:
three integer expressions for one sample, under the forward convention (one
MAC is one product summed into an output; bias gradients, which are sums,
and element-wise work such as activation and normalization gradients are
not MACs).

- ``input_grad``: the products that give ``d loss / d input`` (what flows
  back to the previous layer). Not needed when the layer's inputs need no
  gradient: the first weighted layer after the model's inputs, or any layer
  before which every weight is frozen.
- ``weight_grad``: the products that give ``d loss / d weight`` of the
  layer's weights. Not needed when they are frozen (``trainable=False``).
- ``internal``: products between the layer's own intermediates (a recurrent
  layer's state from step to step, attention's scores and values, a
  separable convolution's depthwise output): needed when either of the other
  two is.

Where the forward pass is one contraction of an input with a weight
(Dense, EinsumDense, convolutions), each forward product ``x[i]*w[j]`` added
into ``y[k]`` has exactly one product in each gradient: ``dy[k]*w[j]`` added
into ``dx[i]`` and ``dy[k]*x[i]`` added into ``dw[j]``. So input-grad =
forward and weight-grad = forward, exactly (:func:`contraction_backward`).
A product of two activations (attention's ``Q·Kᵀ`` and ``P·V``) likewise
costs forward once for each operand's gradient: 2 × forward, internal.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

from ..arithmetic import group
from .formula import wants_call_shapes

ZERO = "0"


class BackwardMacs(NamedTuple):
    """One sample's backward mult-adds: plain integer expressions (``"26*26*3*3*1*32"``)."""

    input_grad: str
    weight_grad: str
    internal: str = ZERO


ForwardMacs = Callable[..., str]


def contraction_backward(forward: ForwardMacs) -> Callable[..., BackwardMacs]:
    """The backward function of a layer whose forward pass is one contraction of its input with its weight.

    input-grad = forward and weight-grad = forward, exactly (see the module's
    docstring): the same expression ``forward`` gives, twice.
    """

    def backward(
        config: Mapping[str, Any], input_shape: Any, output_shape: Any, call_shapes: Any = None
    ) -> BackwardMacs:
        expression = _forward(forward, config, input_shape, output_shape, call_shapes)
        return BackwardMacs(expression, expression)

    backward.__name__ = f"{getattr(forward, '__name__', 'macs')}_backward"
    backward.__doc__ = (
        f"The backward pass of {getattr(forward, '__name__', 'a contraction')}: input-grad = forward, "
        "weight-grad = forward (one contraction of input and weight)."
    )
    return backward


def chain_backward(forward: ForwardMacs) -> Callable[..., BackwardMacs]:
    """The backward function of a chain of contractions (an MLP: input -> Dense -> Dense), summed in order.

    Each contraction is input-grad = weight-grad = forward; only the first
    reads the layer's input, so its input gradient is ``input_grad`` and the
    later ones' (into the layer's own intermediates) are ``internal``.
    """

    def backward(
        config: Mapping[str, Any], input_shape: Any, output_shape: Any, call_shapes: Any = None
    ) -> BackwardMacs:
        expression = _forward(forward, config, input_shape, output_shape, call_shapes)
        first, *rest = split_sum(expression)
        return BackwardMacs(input_grad=first, weight_grad=expression, internal=sum_of(rest))

    backward.__name__ = f"{getattr(forward, '__name__', 'macs')}_backward"
    backward.__doc__ = chain_backward.__doc__
    return backward


def _forward(forward: Callable[..., str], config: Any, input_shape: Any, output_shape: Any, call_shapes: Any) -> str:
    """The forward expression, given the call shapes only when the forward function asks for them."""
    if call_shapes is not None and wants_call_shapes(forward):
        return forward(config, input_shape, output_shape, call_shapes=call_shapes)
    return forward(config, input_shape, output_shape)


def zero_backward(config: Mapping[str, Any], input_shape: Any, output_shape: Any) -> BackwardMacs:
    """No mult-adds backward: a lookup (Embedding's gradient is a scatter-add of rows) or element-wise work."""
    return BackwardMacs(ZERO, ZERO)


def split_sum(expression: str) -> list[str]:
    """The top-level terms of a sum: ``"a*b + (c+d)*e"`` -> ``["a*b", "(c+d)*e"]``."""
    terms, depth, start = [], 0, 0
    for index, char in enumerate(expression):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "+" and depth == 0:
            terms.append(expression[start:index].strip())
            start = index + 1
    terms.append(expression[start:].strip())
    return [term for term in terms if term]


def twice(expression: str) -> str:
    """``2*(expression)``, for a product of two activations whose operands both need a gradient."""
    return ZERO if expression == ZERO else f"2*{group(expression)}"


def sum_of(terms: list[str]) -> str:
    kept = [term for term in terms if term and term != ZERO]
    return " + ".join(kept) if kept else ZERO


def attention_backward(forward_expression: str, products: int = 2) -> BackwardMacs:
    """Attention laid out as ``input projections + products + output projection`` (every attention MACs here).

    The input projections (query, key, value, gate: contractions of the
    layer's inputs with weights) are input-grad = forward and weight-grad =
    forward; the output projection's weight gradient is a weight-grad term,
    its input gradient (into the attention's result) internal; the
    ``products`` score and value matmuls (activation by activation) cost
    forward once per operand, internal.
    """
    terms = split_sum(forward_expression)
    if len(terms) < products + 2:
        raise ValueError(f"not an attention count (projections, {products} products, output): {forward_expression}")
    projections, activations, output = terms[: -products - 1], terms[-products - 1 : -1], terms[-1]
    return BackwardMacs(
        input_grad=sum_of(projections),
        weight_grad=sum_of([*projections, output]),
        internal=sum_of([output, *(twice(term) for term in activations)]),
    )


def attention_backward_of(forward: ForwardMacs, products: int = 2) -> Callable[..., BackwardMacs]:
    """The backward function of an attention MACs function (see :func:`attention_backward`)."""

    def backward(
        config: Mapping[str, Any], input_shape: Any, output_shape: Any, call_shapes: Any = None
    ) -> BackwardMacs:
        return attention_backward(_forward(forward, config, input_shape, output_shape, call_shapes), products)

    backward.__name__ = f"{getattr(forward, '__name__', 'attention_macs')}_backward"
    backward.__doc__ = attention_backward.__doc__
    return backward
