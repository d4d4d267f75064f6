"""The one registry of layer families: class -> (parameter formula, mult-add function, shape function).

Every function of every family is registered here, and only here: the
built-in Keras families by class (``register_formula`` and friends), the
families of an optional package such as keras-hub by class path
(``register_by_path``), resolved on the first lookup of one of its classes.

Each layer family (``layers/conv.py``, ``layers/recurrent.py``, ...) registers
up to three small pure functions for the classes it covers:

- a parameter **formula** ``(config, build_shape) -> Formula`` (see ``formula.py``);
- a **mult-add** function ``(config, build_shape, output_shape) -> str``, an
  integer arithmetic string such as ``"26*26*3*3*1*32"`` (see "Mult-adds" below);
- an output-**shape** function ``(config, input_shape) -> ShapeFormula`` (see
  ``shape_arithmetic.py``).

They live side by side in one :class:`LayerEntry` per class, so the three
public families of functions below (``register_formula``/``find_formula``,
``register_macs``/``find_macs``, ``register_shape``/``find_shape_function``)
are thin wrappers over one mechanism. Registering a class that already has a
function of that kind replaces it, which is how a user's registration wins
over a built-in.

Lookup walks ``layer_class.__mro__`` and returns the function of the nearest
class that has one *of the asked kind*: a user's subclass of ``Dense`` is
explained by Dense's formula, MACs and shape unless it registers its own, and
a class with only a formula still inherits its base's MACs. ``counterpart``
maps a class of the MRO to another class whose entry stands in for it when it
has none of its own; the reader supplies it for Keras 2 (``tf_keras``)
classes, which have Keras 3 classes of the same name. The registry never
imports the reader: the hook is a parameter. A user's registration for a
subclass still wins over the counterpart of its base.

Mult-adds: a MAC is one multiplication of an input (or activation) by a weight
(or by another activation, in attention and ``Dot``) added into an output sum
(see the README, "Mult-adds and memory"). Bias additions, activations,
normalization's scale and shift, pooling, gating products and other
element-wise work are not MACs. A layer without a registered MACs function
has unknown MACs (``None``, shown as ``?``): never a guess.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Mapping, Optional, Sequence, TypeVar

from .formula import BuildShape, Formula
from .shape_arithmetic import ShapeFormula

# Same meaning as BuildShape, for the layer's output: one shape, or several.
OutputShapeArg = Any

FormulaFunction = Callable[[Mapping[str, Any], BuildShape], Formula]
MacsFunction = Callable[[Mapping[str, Any], BuildShape, OutputShapeArg], str]
ShapeFunction = Callable[[Mapping[str, Any], Sequence[Any]], ShapeFormula]

# (config, the key length of the layer's call) -> the elements of keys and
# values one sample keeps in its cache, an integer expression ("2*128*2*4").
KvCacheFunction = Callable[[Mapping[str, Any], int], str]

# (config, build shape) -> the output shape, batch axis included: a plain tuple, for layers whose
# output shape is not arithmetic worth showing (keras-hub's embeddings and blocks).
OutputShapeFunction = Callable[[Mapping[str, Any], Sequence[Any]], tuple[Any, ...]]

Counterpart = Callable[[type], Optional[type]]
# (config, build shape, output shape) -> the backward pass's mult-adds as BackwardMacs
# (layers/backward.py): input-gradient, weight-gradient and internal terms, integer expressions.
BackwardMacsFunction = Callable[[Mapping[str, Any], BuildShape, OutputShapeArg], Any]

# (config, build shape, output shape) -> what the layer keeps for its backward pass, as
# SavedActivations (layers/saved_activations.py): integer expressions of elements for one sample.
SavedActivationsFunction = Callable[[Mapping[str, Any], BuildShape, OutputShapeArg], Any]

Kind = Literal[
    "formula", "macs", "shape", "kv_cache", "own_weights", "output_shape", "backward_macs", "saved_activations"
]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class LayerEntry:
    """What the registry knows about one class; a kind left None is looked up on the bases."""

    formula: Optional[FormulaFunction] = None
    macs: Optional[MacsFunction] = None
    shape: Optional[ShapeFunction] = None
    kv_cache: Optional[KvCacheFunction] = None
    own_weights: Optional[FormulaFunction] = None
    output_shape: Optional[OutputShapeFunction] = None
    backward_macs: Optional[BackwardMacsFunction] = None
    saved_activations: Optional[SavedActivationsFunction] = None


_ENTRIES: dict[type, LayerEntry] = {}

# Families of an optional package (keras-hub) are registered by class path,
# "module.Class" -> function, and resolved on the first lookup of a class whose
# module starts with the package's name: the package is never imported for a
# model that does not use it. package -> [(kind, {path: function}), ...]; a
# package's tables are resolved once, then dropped from here.
_BY_PATH: dict[str, list[tuple[Kind, Mapping[str, Callable[..., Any]]]]] = {}
# package -> the classes its tables resolved to (in registration order), once resolved
_RESOLVED: dict[str, list[type]] = {}


# ------------------------------------------------------------- the mechanism


# What ``_find`` answered, by (kind, class, counterpart): a model asks for the same few classes hundreds of
# times (formula, MACs, shape... per layer). Every change to the registry empties it.
_FOUND: dict[tuple[Kind, type, Optional[Counterpart]], Any] = {}


def _register(kind: Kind, layer_classes: Sequence[type]) -> Callable[[F], F]:
    def decorator(function: F) -> F:
        _FOUND.clear()
        for layer_class in layer_classes:
            setattr(_ENTRIES.setdefault(layer_class, LayerEntry()), kind, function)
        return function

    return decorator


def _unregister(kind: Kind, layer_class: type) -> None:
    _FOUND.clear()
    entry = _ENTRIES.get(layer_class)
    if entry is not None:
        setattr(entry, kind, None)


def register_by_path(package: str, kind: Kind, table: Mapping[str, Callable[..., Any]]) -> None:
    """Register ``table``'s functions (``"module.Class" -> function``) for classes of the optional ``package``.

    Nothing is imported now: the paths are resolved on the first lookup of a
    class whose module starts with ``package`` (or by :func:`resolve_package`).
    A path the installed package lacks is skipped; a class that already has a
    function of this kind (a user registered one) keeps it.
    """
    _FOUND.clear()
    _BY_PATH.setdefault(package, []).append((kind, table))
    _RESOLVED.pop(package, None)
    _LAZY_CHECKED.clear()  # new paths: every class is checked again


def resolve_path(path: str) -> Optional[type]:
    """The class at ``module.Class``, or None when the installed packages have no such module or class."""
    module_name, _, class_name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    found = getattr(module, class_name, None)
    return found if isinstance(found, type) else None


def resolve_package(package: str) -> list[type]:
    """Register every table of ``package`` for the classes that exist, once; [] when it is not installed."""
    if package in _RESOLVED:
        return _RESOLVED[package]
    tables = _BY_PATH.pop(package, [])
    resolved: dict[type, None] = {}
    try:
        importlib.import_module(package)
    except ImportError:
        tables = []
    for kind, table in tables:
        for path, function in table.items():
            layer_class = resolve_path(path)
            if layer_class is not None:
                register_default(kind, layer_class, function)
                resolved[layer_class] = None
    _RESOLVED[package] = list(resolved)
    return _RESOLVED[package]


# Classes whose MRO was already checked against the packages registered by path: a model looks
# each class up several times (formula, MACs, shape, ...), and the MRO walk is the same every time.
_LAZY_CHECKED: set[type] = set()


def _resolve_packages_of(layer_class: type) -> None:
    if layer_class in _LAZY_CHECKED:
        return
    _LAZY_CHECKED.add(layer_class)
    for package in list(_BY_PATH):
        if any(klass.__module__.startswith(package) for klass in layer_class.__mro__):
            resolve_package(package)


def register_default(kind: Kind, layer_class: type, function: Callable[..., Any]) -> None:
    """Register ``function`` for ``layer_class`` unless that class already has one of this kind (a user's wins)."""
    _FOUND.clear()
    entry = _ENTRIES.setdefault(layer_class, LayerEntry())
    if getattr(entry, kind) is None:
        setattr(entry, kind, function)


def _find(kind: Kind, layer_class: type, counterpart: Optional[Counterpart] = None) -> Any:
    """The ``kind`` function of the nearest class in ``layer_class``'s MRO (or its counterpart's MRO), or None."""
    key = (kind, layer_class, counterpart)
    try:
        return _FOUND[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable counterpart: looked up every time
        return _find_in_mro(kind, layer_class, counterpart)
    if _BY_PATH:
        _resolve_packages_of(layer_class)  # may register (and empty _FOUND): before the answer is stored
    found = _FOUND[key] = _find_in_mro(kind, layer_class, counterpart)
    return found


def _find_in_mro(kind: Kind, layer_class: type, counterpart: Optional[Counterpart]) -> Any:
    if _BY_PATH:
        _resolve_packages_of(layer_class)
    for klass in layer_class.__mro__:
        entry = _ENTRIES.get(klass)
        function = getattr(entry, kind) if entry is not None else None
        if function is not None:
            return function
        stand_in = counterpart(klass) if counterpart is not None else None
        if stand_in is not None and stand_in is not klass:
            function = _find(kind, stand_in)
            if function is not None:
                return function
    return None


def _registered(kind: Kind) -> list[type]:
    return [layer_class for layer_class, entry in _ENTRIES.items() if getattr(entry, kind) is not None]


def classes_named(module: Any, names: Iterable[str]) -> list[type]:
    """The classes ``module`` (e.g. ``keras.layers``) has under ``names``.

    Names missing from the installed Keras are skipped, so registration lists
    written for one Keras release still load on an older or newer one.
    """
    classes = []
    for name in names:
        candidate = getattr(module, name, None)
        if isinstance(candidate, type):
            classes.append(candidate)
    return classes


# ------------------------------------------------------ parameter formulas


def register_formula(*layer_classes: type) -> Callable[[FormulaFunction], FormulaFunction]:
    """Register ``function`` as the parameter formula for ``layer_classes``.

    Use it for your own layers::

        from ascii_explain import register_formula, Formula, FormulaTerm

        @register_formula(MyLayer)
        def my_layer(config, input_shape):
            units, last = config["units"], input_shape[-1]
            return Formula([FormulaTerm("w", f"{last}*{units}")])

    The function receives ``layer.get_config()`` and the shape the layer was
    built with (batch axis first), and returns named terms. Registering a class
    that already has a formula replaces it. A layer built from Keras
    sublayers may also declare a keyword argument ``sublayers``: it then
    receives ``{sublayer.name: sublayer.get_config()}`` for the layer's direct
    sublayers (used by the attention formulas to see quantized or LoRA
    projections).
    """
    return _register("formula", layer_classes)


def unregister_formula(layer_class: type) -> None:
    """Remove a formula registered for exactly ``layer_class`` (not its bases)."""
    _unregister("formula", layer_class)


def find_formula(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[FormulaFunction]:
    """The formula for the nearest class in ``layer_class``'s MRO, or None.

    ``counterpart`` maps a class of the MRO to a class whose formula stands in
    for it (the reader's, for Keras 2 ``tf_keras`` classes).
    """
    function: Optional[FormulaFunction] = _find("formula", layer_class, counterpart)
    return function


def has_own_formula(layer_class: type) -> bool:
    """True when a formula is registered for exactly ``layer_class`` (not only for a base class)."""
    entry = _ENTRIES.get(layer_class)
    return entry is not None and entry.formula is not None


def registered_classes() -> list[type]:
    """The classes that have a parameter formula of their own."""
    return _registered("formula")


# --------------------------------------------------------------- mult-adds


def register_macs(*layer_classes: type) -> Callable[[MacsFunction], MacsFunction]:
    """Register ``function(config, input_shape, output_shape) -> str`` as the MACs of ``layer_classes``.

    For your own layers::

        from ascii_explain import register_macs

        @register_macs(MyScale)
        def my_scale_macs(config, input_shape, output_shape):
            \"\"\"MyScale: an element-wise product, 0 MACs.\"\"\"
            return "0"
    """
    return _register("macs", layer_classes)


def unregister_macs(layer_class: type) -> None:
    """Remove a MACs function registered for exactly ``layer_class`` (not its bases)."""
    _unregister("macs", layer_class)


PARTS_AND_OWN_CALL = "__ascii_explain_parts_and_own_call__"  # the attribute of a ``parts_and_own_call`` entry


def parts_and_own_call(layer_class_name: str) -> MacsFunction:
    """An entry that stops the MRO walk without a function: the class counts as a block without one.

    A keras-hub subclass of a registered class whose call differs (XLNet's TwoStreamRelativeAttention,
    a MultiHeadAttention with a relative-position stream) would inherit the base's function; with this
    entry its count is its sublayers' sum plus its own call's traced products (build/costs.py own_macs).
    """

    def macs(config: Any, input_shape: Any, output_shape: Any) -> str:
        raise AssertionError(f"{layer_class_name}: find_macs returns None for this entry, never the entry")

    setattr(macs, PARTS_AND_OWN_CALL, True)
    macs.__doc__ = f"{layer_class_name}: its sublayers' sum plus its own call's traced products."
    return macs


def find_macs(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[MacsFunction]:
    """The MACs function for the nearest class in ``layer_class``'s MRO, or None (a ``parts_and_own_call`` entry)."""
    function: Optional[MacsFunction] = _find("macs", layer_class, counterpart)
    if function is not None and getattr(function, PARTS_AND_OWN_CALL, False):
        return None
    return function


def has_own_macs(layer_class: type) -> bool:
    """True when a MACs function is registered for exactly ``layer_class`` (not only for a base class)."""
    entry = _ENTRIES.get(layer_class)
    return entry is not None and entry.macs is not None


def registered_macs_classes() -> list[type]:
    """The classes that have a MACs function of their own (not a ``parts_and_own_call`` entry, which has none)."""
    return [layer_class for layer_class in _registered("macs") if find_macs(layer_class) is not None]


# ------------------------------------------------------- backward mult-adds


def register_backward_macs(*layer_classes: type) -> Callable[[BackwardMacsFunction], BackwardMacsFunction]:
    """Register ``function(config, input_shape, output_shape) -> BackwardMacs`` for ``layer_classes``.

    The function gives the mult-adds of the layer's backward pass for one
    sample, as ``layers.backward.BackwardMacs(input_grad, weight_grad,
    internal)`` integer expressions: the gradient into the layer's inputs,
    the gradients of its weights, and the gradients between its own
    intermediates (a recurrent state, attention's scores), which either of
    the other two needs. ``build/training_macs.py`` drops the first for a
    layer whose inputs need no gradient and the second for frozen weights.
    """
    return _register("backward_macs", layer_classes)


def find_backward_macs(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[BackwardMacsFunction]:
    """The backward mult-add function for the nearest class in ``layer_class``'s MRO, or None."""
    function: Optional[BackwardMacsFunction] = _find("backward_macs", layer_class, counterpart)
    return function


# ------------------------------------------------------- saved activations


def register_saved_activations(
    *layer_classes: type,
) -> Callable[[SavedActivationsFunction], SavedActivationsFunction]:
    """Register ``function(config, input_shape, output_shape) -> SavedActivations`` for ``layer_classes``.

    The function gives the elements of the tensors the layer keeps, for one
    sample, from its forward pass until its backward pass
    (``layers.saved_activations.SavedActivations(elements, mask_elements)``):
    ``elements`` in the layer's compute dtype, ``mask_elements`` at one byte
    each (dropout masks). A layer without one keeps its output once (the
    training memory plan's documented default).
    """
    return _register("saved_activations", layer_classes)


def find_saved_activations(
    layer_class: type, counterpart: Optional[Counterpart] = None
) -> Optional[SavedActivationsFunction]:
    """The saved-activations function for the nearest class in ``layer_class``'s MRO, or None."""
    function: Optional[SavedActivationsFunction] = _find("saved_activations", layer_class, counterpart)
    return function


# ------------------------------------------------------------ output shapes


def register_shape(*layer_classes: type) -> Callable[[ShapeFunction], ShapeFunction]:
    """Register ``function(config, input_shape) -> ShapeFormula`` for ``layer_classes``."""
    return _register("shape", layer_classes)


def unregister_shape(layer_class: type) -> None:
    """Remove a shape function registered for exactly ``layer_class`` (not its bases)."""
    _unregister("shape", layer_class)


def find_shape_function(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[ShapeFunction]:
    """The shape function for the nearest class in ``layer_class``'s MRO, or None."""
    function: Optional[ShapeFunction] = _find("shape", layer_class, counterpart)
    return function


def registered_shape_classes() -> list[type]:
    """The classes that have a shape function of their own."""
    return _registered("shape")


# ------------------------------------------------------------- key/value caches


def register_kv_cache(*layer_classes: type) -> Callable[[KvCacheFunction], KvCacheFunction]:
    """Register ``function(config, key_length) -> str``: the key and value elements one sample caches.

    For attention layers that keep a cache when decoding (keras-hub's cached
    attention layers); the figure is in elements, the weights' dtype sets the
    bytes.
    """
    return _register("kv_cache", layer_classes)


def find_kv_cache(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[KvCacheFunction]:
    """The key/value-cache function for the nearest class in ``layer_class``'s MRO, or None."""
    function: Optional[KvCacheFunction] = _find("kv_cache", layer_class, counterpart)
    return function


# ------------------------------------------------- a composite layer's own weights


def register_own_weights(*layer_classes: type) -> Callable[[FormulaFunction], FormulaFunction]:
    """Register ``function(config, build_shape) -> Formula`` for the weights a composite layer creates itself.

    A composite layer (one that tracks sublayers and has no formula of its
    own, e.g. a transformer block) is explained as the sum of its sublayers'
    formulas; this formula covers only what ``add_weight`` created on the
    layer itself (XLNet's encoder keeps its attention biases there). Without
    one, those weights are counted from their shapes and marked.
    """
    return _register("own_weights", layer_classes)


def find_own_weights(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[FormulaFunction]:
    """The own-weights formula for the nearest class in ``layer_class``'s MRO, or None."""
    function: Optional[FormulaFunction] = _find("own_weights", layer_class, counterpart)
    return function


# ------------------------------------------------------------- plain output shapes


def find_output_shape(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[OutputShapeFunction]:
    """The plain output-shape function for the nearest class in ``layer_class``'s MRO, or None."""
    function: Optional[OutputShapeFunction] = _find("output_shape", layer_class, counterpart)
    return function
