"""Parameter formulas. Importing this package registers every built-in formula."""

from . import (  # noqa: F401  (registration side effects)
    activations,
    applications,
    attention,
    audio,
    conv,
    core,
    einsum,
    embedding,
    models,
    normalization,
    recurrent,
    spectral,
)
from .registry import (
    BuildShape,
    Formula,
    FormulaTerm,
    find_formula,
    register_formula,
    registered_classes,
    unregister_formula,
)

__all__ = [
    "BuildShape",
    "Formula",
    "FormulaTerm",
    "find_formula",
    "register_formula",
    "registered_classes",
    "unregister_formula",
]
