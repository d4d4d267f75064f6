"""ascii_explain: where every parameter of a Keras model comes from.

``explain(model)`` recomputes each layer's parameter count from an explicit
formula, checks it against Keras's ``count_params()``, and draws a
keras_sequential_ascii-style diagram with neurons, percentages and arithmetic,
mult-adds, output-shape arithmetic and memory. ``trace(model, sample)`` shows
every layer's output on a small input.
"""

from .explain import explain
from .explanation import Explanation
from .formulas import Formula, FormulaTerm, register_formula, unregister_formula
from .introspect import NotBuiltError
from .macs import register_macs, unregister_macs
from .records import LayerRecord, Term
from .trace import TraceResult, TraceStep, trace

__all__ = [
    "Explanation",
    "Formula",
    "FormulaTerm",
    "LayerRecord",
    "NotBuiltError",
    "Term",
    "TraceResult",
    "TraceStep",
    "explain",
    "register_formula",
    "register_macs",
    "trace",
    "unregister_formula",
    "unregister_macs",
]

__version__ = "0.1.0"
