"""Layer families: each module holds one family's parameter formula, mult-add and output-shape functions.

Importing this package registers every built-in function in the one registry
(``registry.py``). The modules, by family:

- ``core`` (Dense, Pipeline), ``einsum`` (EinsumDense), ``conv`` (all
  convolutions), ``conv_lstm``, ``pooling``, ``reshaping`` (ZeroPadding, Cropping,
  UpSampling), ``merging`` (Dot), ``attention``, ``recurrent``,
  ``normalization``, ``embedding``, ``spectral`` (SpectralNormalization),
  ``audio`` (STFTSpectrogram), ``activations`` (PReLU), ``applications``
  (keras.applications' own layers), ``models`` (a model used as a layer),
  ``weightless`` (the one table of layers without weights); ``hub``
  (keras-hub's layers, a package of families registered on the first
  lookup of a keras_hub class, so keras-hub is never imported for a model
  that does not use it); ``rs`` (keras-rs's layers, registered the same way
  on the first lookup of a keras_rs class);
- shared helpers: ``backward`` (what a backward mult-add function returns, and the
  contraction, chain and attention rules), ``formula`` (what a formula returns), ``shape_arithmetic``
  (the floor/ceil notation and its evaluator), ``dims`` (reading sizes from
  configs and shapes), ``quantization`` (quantized and LoRA terms),
  ``einsum_equation`` (weight shapes from an einsum equation), ``nested``
  (formulas of layers serialized inside a wrapper's config).

Every function sees facts — the layer's config dict, its shapes and, for a
few, its sublayers' configs — never a Keras layer, so each can be run on
hand-written facts (tests/test_layers_on_facts.py). See CONTRIBUTING.md,
"Adding a layer".
"""

from . import (  # noqa: F401  (registration side effects)
    activations,
    applications,
    attention,
    audio,
    conv,
    conv_lstm,
    core,
    einsum,
    embedding,
    hub,
    merging,
    models,
    normalization,
    pooling,
    recurrent,
    reshaping,
    rs,
    saved_activations,
    spectral,
    weightless,
)
from .backward import BackwardMacs
from .dims import NotCoveredError, UnknownDimensionError
from .formula import (
    CALL_SHAPES_KEYWORD,
    SUBLAYERS_KEYWORD,
    BuildShape,
    Formula,
    FormulaTerm,
    wants_call_shapes,
    wants_sublayers,
)
from .registry import (
    KvCacheFunction,
    MacsFunction,
    find_backward_macs,
    find_formula,
    find_kv_cache,
    find_macs,
    find_own_weights,
    find_saved_activations,
    find_shape_function,
    has_own_formula,
    has_own_macs,
    register_backward_macs,
    register_by_path,
    register_formula,
    register_kv_cache,
    register_macs,
    register_own_weights,
    register_saved_activations,
    register_shape,
    registered_classes,
    registered_macs_classes,
    registered_shape_classes,
    unregister_formula,
    unregister_macs,
    unregister_shape,
)
from .shape_arithmetic import ShapeFormula, ShapeSyntaxError, evaluate_shape

__all__ = [
    "CALL_SHAPES_KEYWORD",
    "has_own_formula",
    "has_own_macs",
    "SUBLAYERS_KEYWORD",
    "BuildShape",
    "Formula",
    "FormulaTerm",
    "KvCacheFunction",
    "MacsFunction",
    "ShapeFormula",
    "ShapeSyntaxError",
    "NotCoveredError",
    "UnknownDimensionError",
    "BackwardMacs",
    "evaluate_shape",
    "find_backward_macs",
    "find_saved_activations",
    "find_formula",
    "find_kv_cache",
    "find_own_weights",
    "find_macs",
    "find_shape_function",
    "register_backward_macs",
    "register_saved_activations",
    "register_formula",
    "register_kv_cache",
    "register_by_path",
    "register_macs",
    "register_own_weights",
    "register_shape",
    "registered_classes",
    "registered_macs_classes",
    "registered_shape_classes",
    "unregister_formula",
    "unregister_macs",
    "unregister_shape",
    "wants_call_shapes",
    "wants_sublayers",
]
