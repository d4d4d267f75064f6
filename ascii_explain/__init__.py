"""ascii_explain: where every parameter of a Keras model comes from.

``explain(model)`` recomputes each layer's parameter count from an explicit
formula, checks it against Keras's ``count_params()``, and draws a
keras_sequential_ascii-style diagram with neurons, percentages and arithmetic,
mult-adds, output-shape arithmetic and memory. ``trace(model, sample)`` shows
every layer's output on a small input. ``summary(model)`` is a drop-in for
``model.summary()`` (``patch()`` makes it the one Keras uses); in Jupyter an
explanation displays itself as a table.

The public names below are imported on first use (PEP 562 ``__getattr__``):
importing TensorFlow takes seconds and prints C++ log lines, so
``import ascii_explain`` alone must not do it. The command line checks a
missing file and silences those lines before Keras loads, and the pytest plugin,
which pytest imports in every session, stays cheap.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ imports on demand
    from .build.records import Call, LayerRecord, Term
    from .build.training_memory import TrainingMemory
    from .classic import keras2ascii
    from .diff import ModelDiff, diff
    from .explain import explain
    from .explanation import Explanation
    from .keras_summary import patch, summary, unpatch
    from .layers import Formula, FormulaTerm, register_formula, register_macs, unregister_formula, unregister_macs
    from .read.model import NotBuiltError
    from .trace import TraceResult, TraceStep, trace
    from .training_memory import quantized_weight_bytes, training_memory

# public name -> the submodule that defines it
_EXPORTS = {
    "Call": ".build.records",
    "Explanation": ".explanation",
    "Formula": ".layers",
    "FormulaTerm": ".layers",
    "LayerRecord": ".build.records",
    "ModelDiff": ".diff",
    "NotBuiltError": ".read.model",
    "Term": ".build.records",
    "TraceResult": ".trace",
    "TraceStep": ".trace",
    "TrainingMemory": ".build.training_memory",
    "diff": ".diff",
    "explain": ".explain",
    "keras2ascii": ".classic",
    "patch": ".keras_summary",
    "quantized_weight_bytes": ".training_memory",
    "register_formula": ".layers",
    "register_macs": ".layers",
    "summary": ".keras_summary",
    "trace": ".trace",
    "training_memory": ".training_memory",
    "unpatch": ".keras_summary",
    "unregister_formula": ".layers",
    "unregister_macs": ".layers",
}

__all__ = [
    "Call",
    "Explanation",
    "Formula",
    "FormulaTerm",
    "LayerRecord",
    "ModelDiff",
    "NotBuiltError",
    "Term",
    "TraceResult",
    "TraceStep",
    "TrainingMemory",
    "diff",
    "explain",
    "keras2ascii",
    "patch",
    "quantized_weight_bytes",
    "register_formula",
    "register_macs",
    "summary",
    "trace",
    "training_memory",
    "unpatch",
    "unregister_formula",
    "unregister_macs",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value  # cached: the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps ``ascii_explain.explain`` the function, as an eager ``from .explain import explain`` would.

    When a submodule is first imported, the import system sets it as an
    attribute of its package (``setattr(parent, "explain", <module>)`` in
    importlib._bootstrap._find_and_load_unlocked). With lazy imports that can
    happen after the function was bound, so the function is put back.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType) and hasattr(value, name):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
