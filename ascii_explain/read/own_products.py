"""Whether a block's own ``call`` may compute products outside its sublayers, read from its source.

Two users: the static-shape trace runs only for a model with such a block
(``read/model.py``: the trace costs most of an explanation, issue 20), and the
costs in T (``build/sequence.py``, through ``build/costs.py``) leave such a
block's mult-adds unknown when no trace counted its own products, rather than
give the sum of its parts as if the call added nothing.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any

# Words in a block's call that contract outside its sublayers: a backend or keras.ops contraction, the
# matmul operator, or a method of a sublayer run instead of its call (Gemma3n's ``altup.predict(``).
_CONTRACTION_WORDS = re.compile(r"matmul|einsum|tensordot|\bdot\b| @ |\bself\.\w+\.\w+\(")
# ... and words that may: a call of something named attention (mostly a sublayer: ``self.self_attention(x)``),
# a convolution. Enough to run the trace, which then counts (the trace's false alarms cost only time).
_MAYBE_PRODUCT_WORDS = re.compile(r"attention\(|conv")


@functools.cache
def may_multiply_itself(block_class: Any) -> bool:
    """The block's ``call`` source may compute products of its own (read once per class): whether to trace.

    A block whose call only chains its sublayers (``self.second(self.first(x))``) does not. No source to
    read: it may.
    """
    body = _call_body(block_class)
    return body is None or bool(_CONTRACTION_WORDS.search(body) or _MAYBE_PRODUCT_WORDS.search(body))


@functools.cache
def contracts_itself(block_class: Any) -> bool:
    """The block's ``call`` source names a contraction of its own (``ops.einsum``, ``x @ w``, a sublayer's
    method): counting only its parts would miss products. No source to read: it may.
    """
    body = _call_body(block_class)
    return body is None or bool(_CONTRACTION_WORDS.search(body))


def _call_body(block_class: Any) -> Any:
    """The source of the class's ``call`` past its def line, without comments or docstring quotes; None if none."""
    try:
        source = inspect.getsource(block_class.call)
    except (OSError, TypeError):
        return None
    body = "\n".join(line.split("#")[0] for line in source.splitlines()[1:])
    return body.replace('"""', "")
