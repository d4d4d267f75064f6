"""ascii_explain: where every parameter of a Keras model comes from.

``explain(model)`` recomputes each layer's parameter count from an explicit
formula, checks it against Keras's ``count_params()``, and draws a
keras_sequential_ascii-style diagram with neurons, percentages and arithmetic.
``summary(model)`` is a drop-in for ``model.summary()`` (``patch()`` makes it
the one Keras uses); in Jupyter an explanation displays itself as a table.
"""

from .explain import explain
from .explanation import Explanation
from .formulas import Formula, FormulaTerm, register_formula, unregister_formula
from .introspect import NotBuiltError
from .keras_summary import patch, summary, unpatch
from .records import LayerRecord, Term

__all__ = [
    "Explanation",
    "Formula",
    "FormulaTerm",
    "LayerRecord",
    "NotBuiltError",
    "Term",
    "explain",
    "patch",
    "register_formula",
    "summary",
    "unpatch",
    "unregister_formula",
]

__version__ = "0.1.0"
