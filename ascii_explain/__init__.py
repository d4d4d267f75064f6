"""ascii_explain: where every parameter of a Keras model comes from.

``explain(model)`` recomputes each layer's parameter count from an explicit
formula, checks it against Keras's ``count_params()``, and draws a
keras_sequential_ascii-style diagram with neurons, percentages and arithmetic.
"""

from .explain import explain
from .explanation import Explanation
from .formulas import Formula, FormulaTerm, register_formula, unregister_formula
from .introspect import NotBuiltError
from .records import Call, LayerRecord, Term

__all__ = [
    "Call",
    "Explanation",
    "Formula",
    "FormulaTerm",
    "LayerRecord",
    "NotBuiltError",
    "Term",
    "explain",
    "register_formula",
    "unregister_formula",
]

__version__ = "0.1.0"
