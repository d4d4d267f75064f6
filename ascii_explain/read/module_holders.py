"""Which of Keras's modules hold a function under a name: what the read shadows must be shadowed in each of them.

Keras's modules import the functions the read shadows by name
(``from keras.src.backend.common.keras_tensor import any_symbolic_tensors``;
the ``keras.initializers`` API module re-exports ``serialize``): setting the
attribute of one module leaves the others calling the original. The walk over
``sys.modules`` costs a few milliseconds, so the answer is kept until modules
are imported again (one missed then would only call the original, as without
the shadow).
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

Holder = tuple[Any, str, Any]  # (module, attribute name, the function it holds)

_FOUND: dict[tuple, list[Holder]] = {}  # by (len(sys.modules), the functions asked for)


def modules_holding(functions: Sequence[tuple[str, Any]]) -> list[Holder]:
    """``(module, name, function)`` for each ``keras`` or ``keras.*`` module whose ``name`` is ``function``."""
    key = (len(sys.modules), tuple((name, id(function)) for name, function in functions))
    known = _FOUND.get(key)
    if known is not None:
        return known
    found: list[Holder] = []
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == "keras" or module_name.startswith("keras.")):
            continue
        attributes = getattr(module, "__dict__", {})
        found.extend((module, name, function) for name, function in functions if attributes.get(name) is function)
    if len(_FOUND) > 16:  # each caller asks for its own functions; old module counts are never asked again
        _FOUND.clear()
    _FOUND[key] = found
    return found
