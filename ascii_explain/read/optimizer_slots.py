"""Keras's own optimizer variables for a set of weights, built without allocating them.

An optimizer's state is whatever its ``build(var_list)`` creates: Adam two
slots per weight, SGD with momentum one, Adafactor factored row and column
moments (and a full velocity, and int32 placeholders for weights of rank < 2),
plus the iteration counter and learning rate every optimizer makes in
``__init__``. Rather than keep a table that drifts from Keras, this module
builds a fresh optimizer of the same class and config on stand-in variables
and reads the shapes and dtypes of what it created.

Nothing large is allocated: the stand-ins and every variable created through
``add_variable`` are made inside
``keras.src.backend.common.stateless_scope.StatelessScope(initialize_variables=False)``,
where a Keras variable with an initializer keeps only its shape, dtype and
initializer (``KerasVariable.__init__``, Keras 3.15.1). Scalars made from a
constant (the iteration counter, the learning rate, Adafactor's placeholders)
are real but four or eight bytes each. The caller's optimizer is only
serialized; the model's weights are described by plain ``StandInSpec``s
(path, shape, dtype), so they are not even read here.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import types
from dataclasses import dataclass, replace
from typing import Any, Iterator, Optional, Sequence

import keras

# Private Keras modules, checked against Keras 3.15.1: the stateless scope that
# defers variable creation, the global list of deferred variables, and the base
# optimizer whose plain methods the TensorFlow subclass overrides.
from keras.src.backend.common import global_state
from keras.src.backend.common.stateless_scope import StatelessScope
from keras.src.optimizers.base_optimizer import BaseOptimizer


@dataclass(frozen=True)
class OptimizerVariable:
    """One variable a built optimizer holds: its path, element count and dtype."""

    path: str
    elements: int
    dtype: str


def optimizer_label(optimizer: Any) -> str:
    """``"Adam"``, or ``"LossScaleOptimizer(Adam)"`` for a wrapped one."""
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:
        return f"{type(optimizer).__name__}({type(inner).__name__})"
    return type(optimizer).__name__


def fresh_optimizer(config: dict[str, Any], wrap_loss_scale: bool = False) -> Any:
    """A new, unbuilt optimizer from ``keras.optimizers.serialize``'s ``config`` (see ``optimizer_config``).

    ``wrap_loss_scale`` wraps it in a ``LossScaleOptimizer`` as
    ``Trainer.compile`` does for a ``mixed_float16`` model (unless it is one already).
    """
    fresh = keras.optimizers.deserialize(copy.deepcopy(config))  # Keras edits the config it is given
    if not isinstance(fresh, keras.optimizers.Optimizer):  # Keras 3.15.1 answers Lamb's config with a string
        optimizer_class = _keras_optimizer_class(config)
        if optimizer_class is None:
            raise TypeError(f"keras.optimizers.deserialize gave a {type(fresh).__name__} for this optimizer")
        fresh = optimizer_class.from_config(copy.deepcopy(config["config"]))
    if wrap_loss_scale and not isinstance(fresh, keras.optimizers.LossScaleOptimizer):
        fresh = keras.optimizers.LossScaleOptimizer(fresh, name="loss_scale_optimizer")
    return fresh


@dataclass(frozen=True)
class StandInSpec:
    """What a stand-in copies of a trainable weight: path, shape, the dtype to plan it in, float8's flag."""

    path: str
    shape: tuple[int, ...]
    dtype: str
    overwrite_with_gradient: bool = False


def optimizer_config(optimizer: Any) -> dict[str, Any]:
    """``keras.optimizers.serialize(optimizer)``: class and config, all a fresh copy needs; only reads it."""
    return dict(keras.optimizers.serialize(optimizer))


def built_optimizer_variables(optimizer: Any, weights: Sequence[StandInSpec]) -> list[OptimizerVariable]:
    """Build the unbuilt ``optimizer`` on stand-ins of ``weights`` and list the variables it then holds.

    ``weights`` describes each trainable weight in the dtype to plan it in
    (its own, or a what-if policy's). The optimizer is used up: build a
    fresh one (``fresh_optimizer``) for each call.
    """
    if optimizer.built:
        raise ValueError("built_optimizer_variables needs an unbuilt optimizer (see fresh_optimizer)")
    with _deferred_variables_forgotten():
        stand_ins = [_stand_in(spec) for spec in weights]
        for part in _optimizer_parts(optimizer):
            _defer_slot_creation(part)
        optimizer.build(stand_ins)
        return [
            OptimizerVariable(path=variable.path, elements=_elements(variable.shape), dtype=str(variable.dtype))
            for variable in optimizer.variables
        ]


def built_with_owners(
    optimizer: Any, weights: Sequence[StandInSpec]
) -> tuple[list[OptimizerVariable], Optional[list[Optional[int]]]]:
    """:func:`built_once_with_owners`, on one stand-in per kind of weight when the optimizer allows it.

    Making a variable costs Keras ~30 microseconds (ResNet50V2 with Adam: 816 of them, half an
    explanation). A Keras optimizer of :data:`_SLOTS_BY_SHAPE` makes each weight's slots from the
    weight's shape and dtype alone (``add_variable_from_reference``, Keras 3.15.1), so weights alike
    in those get alike slots: it is built on one weight of each kind, and each slot it made is
    repeated for the others of that kind, named as Keras names it (the weight's path in the name).
    Any other optimizer, a slot not made from a weight, or a name not made that way: the full build.
    """
    groups = _alike(optimizer, weights)
    if groups is None:
        return built_once_with_owners(optimizer, weights)
    config = keras.optimizers.serialize(optimizer)  # before the build: a fresh copy for the full one if needed
    listed, owners = built_once_with_owners(optimizer, [weights[members[0]] for members in groups])
    repeated = _repeated(listed, owners, groups, weights)
    if repeated is not None:
        return repeated
    return built_once_with_owners(fresh_optimizer(config), weights)


def probed_slots(
    config: dict[str, Any], weights: Sequence[StandInSpec], wrap_loss_scale: bool = False
) -> Optional[tuple[list[OptimizerVariable], list[Optional[int]]]]:
    """:func:`built_with_owners` for one of Keras's own optimizers of :func:`_slots_by_shape`, from its slots
    on a probe: one stand-in per kind of weight (dtype, float8 flag, rank), built once per optimizer config
    in the process and remembered; None for any other optimizer, or slots the probe cannot repeat.

    Such an optimizer makes each weight's slots from the weight's shape and dtype alone, each of the
    weight's shape (``add_variable_from_reference``, Keras 3.15.1): what Keras built on the probe is then
    each weight's, its size the weight's, named as Keras names it. The probe is Keras's own build, checked
    (each slot the probe's size, its name the probe's path); a build costs ~30 microseconds a variable,
    most of a compiled keras-hub task's explanation, so one per config and kinds of weight is kept.

    A ``LossScaleOptimizer`` (given, or ``wrap_loss_scale`` as ``fresh_optimizer`` makes one) holds its
    own scalars and the inner optimizer's variables: the inner one's slots come from its probe, and the
    scalars of both from the wrapper built on no weight (``_loss_scale_shared``).
    """
    inner_config = _inner_of_loss_scale(config)
    if inner_config is not None or wrap_loss_scale:
        inner = probed_slots(inner_config or config, weights)
        if inner is None:
            return None
        scalars = _loss_scale_shared(config, wrap_loss_scale)  # the wrapper's and the inner one's
        weights_slots = [(variable, owner) for variable, owner in zip(*inner, strict=True) if owner is not None]
        return [*scalars, *(variable for variable, _ in weights_slots)], [
            *(None for _ in scalars),
            *(owner for _, owner in weights_slots),
        ]
    optimizer_class = _keras_optimizer_class(config)
    if optimizer_class is None or optimizer_class not in _slots_by_shape():
        return None
    kinds = tuple(dict.fromkeys(_kind(spec) for spec in weights))
    # Keras names each new optimizer anew (adam, adam_1, ...): the name is left out of the key and put back
    # into the paths, which start with it.
    name = str(config.get("config", {}).get("name", ""))
    unnamed = {**config, "config": {**config.get("config", {}), "name": _PROBE_NAME}}
    try:
        key = json.dumps(unnamed, sort_keys=True)
    except (TypeError, ValueError):  # a config holding an object (a schedule instance): no memo
        return None
    probe = _probe(key, kinds)
    if probe is None:
        return None
    shared, slots = probe
    variables = [replace(variable, path=_renamed(variable.path, name)) for variable in shared]
    owners: list[Optional[int]] = [None] * len(shared)
    of_kind: dict[tuple, list[int]] = {}
    for index, spec in enumerate(weights):
        of_kind.setdefault(_kind(spec), []).append(index)
    for kind_index, kind in enumerate(kinds):
        for path, dtype in slots[kind_index]:
            for index in of_kind[kind]:
                spec = weights[index]
                named = _renamed(path, name).replace(_probe_stem(kind_index), spec.path.replace("/", "_"), 1)
                variables.append(OptimizerVariable(path=named, elements=_elements(spec.shape), dtype=dtype))
                owners.append(index)
    return variables, owners


_PROBE_NAME = "ascii_explain_probe_optimizer"


def _inner_of_loss_scale(config: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The serialized inner optimizer of a Keras ``LossScaleOptimizer``'s config, else None."""
    if config.get("module") != "keras.optimizers" or config.get("class_name") != "LossScaleOptimizer":
        return None
    inner = config.get("config", {}).get("inner_optimizer")
    return inner if isinstance(inner, dict) else None


def _loss_scale_shared(config: dict[str, Any], wrap_loss_scale: bool) -> list[OptimizerVariable]:
    """The variables a loss-scale wrapper of ``config`` holds for no weight: its iteration counter, learning
    rate, step counter and dynamic scale, then the inner optimizer's counter and learning rate (Keras 3.15.1's
    ``LossScaleOptimizer.variables``: its own, then the inner one's), from Keras's build on no weight."""
    return built_optimizer_variables(fresh_optimizer(config, wrap_loss_scale), [])


def _renamed(path: str, name: str) -> str:
    """A probe variable's path under the optimizer's own name."""
    return name + path[len(_PROBE_NAME) :] if path.startswith(_PROBE_NAME + "/") and name else path


def _kind(spec: StandInSpec) -> tuple:
    return (spec.dtype, spec.overwrite_with_gradient, len(spec.shape))


def _probe_path(kind_index: int) -> str:
    return f"ascii_explain_probe{kind_index}/weight"


def _probe_stem(kind_index: int) -> str:
    """The probe's path as Keras writes it in a slot's name (``adam/<stem>_momentum``)."""
    return _probe_path(kind_index).replace("/", "_")


_PROBE_DIMS = (2, 3, 5, 7, 11, 13, 17, 19)  # a probe of rank r is (2, 3, 5, ...)[:r]: its size tells a slot's


@functools.lru_cache(maxsize=64)
def _probe(config_key: str, kinds: tuple) -> Optional[tuple[tuple[OptimizerVariable, ...], tuple]]:
    """(the optimizer's shared variables, each kind's slots as (path, dtype)) built on one probe per kind."""
    if any(rank > len(_PROBE_DIMS) for _, _, rank in kinds):
        return None  # a rank beyond the probe's dimensions
    specs = [
        StandInSpec(_probe_path(i), _PROBE_DIMS[:rank], dtype, overwrite_with_gradient=flag)
        for i, (dtype, flag, rank) in enumerate(kinds)
    ]
    listed, owners = built_once_with_owners(fresh_optimizer(json.loads(config_key)), specs)
    if owners is None:
        return None
    shared = tuple(variable for variable, owner in zip(listed, owners, strict=True) if owner is None)
    slots: list[list[tuple[str, str]]] = [[] for _ in kinds]
    for variable, owner in zip(listed, owners, strict=True):
        if owner is None:
            continue
        if (
            variable.elements != _elements(specs[owner].shape)
            or _probe_stem(owner) not in variable.path
            or not variable.path.startswith(_PROBE_NAME + "/")
        ):
            return None  # a slot not of its weight's shape, or not named after it: the full build
        slots[owner].append((variable.path, variable.dtype))
    return shared, tuple(tuple(kind_slots) for kind_slots in slots)


def _keras_optimizer_class(config: dict[str, Any]) -> Any:
    """The class of a ``keras.optimizers.serialize`` config when it is one of Keras's own (not a subclass)."""
    if config.get("module") != "keras.optimizers" or config.get("registered_name") not in (None, ""):
        return None
    # keras.optimizers.deserialize lowercases the class name of the config it is given, in place (3.15.1)
    by_name = {klass.__name__.lower(): klass for klass in _slots_by_shape()}
    return by_name.get(str(config.get("class_name", "")).lower())


def _alike(optimizer: Any, weights: Sequence[StandInSpec]) -> Optional[list[list[int]]]:
    """The weights' indexes grouped by shape, dtype and flag, in first-seen order; None when not worth it
    or the optimizer's slots may depend on more than those."""
    if type(optimizer) not in _slots_by_shape():
        return None
    groups: dict[tuple, list[int]] = {}
    for index, spec in enumerate(weights):
        groups.setdefault((spec.shape, spec.dtype, spec.overwrite_with_gradient), []).append(index)
    return list(groups.values()) if len(groups) < len(weights) else None


def _repeated(
    listed: list[OptimizerVariable],
    owners: Optional[list[Optional[int]]],
    groups: list[list[int]],
    weights: Sequence[StandInSpec],
) -> Optional[tuple[list[OptimizerVariable], list[Optional[int]]]]:
    """Each slot made from a group's first weight, once per weight of the group; None if one cannot be."""
    if owners is None:
        return None
    variables: list[OptimizerVariable] = []
    made_from: list[Optional[int]] = []
    for variable, owner in zip(listed, owners, strict=True):
        if owner is None:  # the iteration counter, the learning rate: once
            variables.append(variable)
            made_from.append(None)
            continue
        members = groups[owner]
        stem = weights[members[0]].path.replace("/", "_")
        if stem not in variable.path:
            return None
        for index in members:
            path = variable.path.replace(stem, weights[index].path.replace("/", "_"), 1)
            variables.append(OptimizerVariable(path=path, elements=variable.elements, dtype=variable.dtype))
            made_from.append(index)
    return variables, made_from


@functools.lru_cache(maxsize=1)
def _slots_by_shape() -> frozenset:
    """Keras's optimizers whose ``build`` makes slots from each weight's shape and dtype only (3.15.1):
    not Muon (by path and rank), MultiOptimizer (by path), nor any subclass, which may build otherwise."""
    optimizers = keras.optimizers
    names = ("SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "Ftrl", "Lamb", "Lion", "Nadam")
    return frozenset(getattr(optimizers, name) for name in names if hasattr(optimizers, name))


def built_once_with_owners(
    optimizer: Any,
    weights: Sequence[StandInSpec],
    named_by: Optional[Sequence[str]] = None,
    shared_paths: frozenset[str] = frozenset(),
) -> tuple[list[OptimizerVariable], Optional[list[Optional[int]]]]:
    """Build the unbuilt ``optimizer`` once on stand-ins of ``weights``: its variables, and which weight each is for.

    The second list gives, per variable, the index in ``weights`` of the
    weight it was made from (``add_variable_from_reference``, the door Adam's,
    SGD's, RMSprop's... slots go through, Keras 3.15.1), or None for one the
    optimizer holds for all (the iteration counter, the learning rate,
    created before ``build``). It is None as a whole when ``build`` made a
    variable from no reference (Adafactor's factored moments, a
    LossScaleOptimizer's scale): then only a build per owner tells them apart.
    ``named_by``: one token per weight, found in no other's; a variable made from no reference whose
    path holds exactly one of them is that weight's (Adafactor names its factored moments after it), and one
    of ``shared_paths`` (a loss-scale wrapper's scalars, made in its build) is for no weight.
    """
    if optimizer.built:
        raise ValueError("built_with_owners needs an unbuilt optimizer (see fresh_optimizer)")
    made_from: dict[int, int] = {}
    with _deferred_variables_forgotten():
        stand_ins = [_stand_in(spec) for spec in weights]
        index_of = {id(stand_in): index for index, stand_in in enumerate(stand_ins)}
        before = {id(variable) for variable in optimizer.variables}
        for part in _optimizer_parts(optimizer):
            _defer_slot_creation(part)
            _record_references(part, index_of, made_from)
        optimizer.build(stand_ins)
        variables = list(optimizer.variables)
    listed = [
        OptimizerVariable(path=variable.path, elements=_elements(variable.shape), dtype=str(variable.dtype))
        for variable in variables
    ]
    owners: list[Optional[int]] = []
    for variable in variables:
        if id(variable) in before:
            owners.append(None)
        elif id(variable) in made_from:
            owners.append(made_from[id(variable)])
        else:
            named = [index for index, token in enumerate(named_by or ()) if token in variable.path]
            if len(named) == 1:
                owners.append(named[0])
            elif not named and variable.path in shared_paths:
                owners.append(None)
            else:
                return listed, None
    return listed, owners


def factored_slots(
    config: dict[str, Any], weights: Sequence[StandInSpec], wrap_loss_scale: bool = False
) -> Optional[tuple[list[OptimizerVariable], list[Optional[int]]]]:
    """Keras's ``Adafactor`` (alone or under a loss-scale wrapper) built once, on one stand-in per kind of
    weight (shape, dtype, float8 flag), each slot then repeated for every weight of its kind; None for any
    other optimizer, or a variable not told to be one weight's.

    Its factored moments are made from no reference (``add_variable`` of the weight's shape less an axis,
    named after the weight, Keras 3.15.1), so ``built_with_owners`` cannot tell whose they are and the
    optimizer was built once per layer (ResNet50V2: 11x the explanation). Each stand-in is named by a token
    of its own and each variable goes to the stand-in its path names; sizes depend on the shape alone.
    """
    inner = _inner_of_loss_scale(config) or config
    if inner.get("module") != "keras.optimizers" or inner.get("class_name") != "Adafactor":
        return None
    if inner.get("registered_name") not in (None, ""):
        return None
    groups: dict[tuple, list[int]] = {}
    for index, spec in enumerate(weights):
        groups.setdefault((spec.shape, spec.dtype, spec.overwrite_with_gradient), []).append(index)
    tokens = [f"ascii_explain_kind{number}x" for number in range(len(groups))]
    members_of = list(groups.values())
    stand_ins = [
        replace(weights[members[0]], path=f"{token}/{token}") for token, members in zip(tokens, members_of, strict=True)
    ]
    # a loss-scale wrapper makes its scalars in its build, as it does on no weight
    wrapped = inner is not config or wrap_loss_scale
    shared = frozenset(v.path for v in _loss_scale_shared(config, wrap_loss_scale)) if wrapped else frozenset()
    optimizer = fresh_optimizer(config, wrap_loss_scale)
    listed, owners = built_once_with_owners(optimizer, stand_ins, named_by=tokens, shared_paths=shared)
    if owners is None:
        return None
    variables: list[OptimizerVariable] = []
    made_from: list[Optional[int]] = []
    for variable, owner in zip(listed, owners, strict=True):
        if owner is None:  # the iteration counter, the learning rate, a wrapper's scalars: once
            variables.append(variable)
            made_from.append(None)
            continue
        token = tokens[owner]
        for index in members_of[owner]:
            path = weights[index].path  # named as Keras names it: by the weight's path, or its name
            named = variable.path.replace(f"{token}_{token}", path.replace("/", "_")).replace(
                token, path.rpartition("/")[2]
            )
            variables.append(replace(variable, path=named))
            made_from.append(index)
    return variables, made_from


def _record_references(optimizer: Any, index_of: dict[int, int], made_from: dict[int, int]) -> None:
    """Note, for each variable ``add_variable_from_reference`` makes, the index of the stand-in it was made from."""
    create = optimizer.add_variable_from_reference

    @functools.wraps(create)
    def recorded(reference_variable: Any, *args: Any, **kwargs: Any) -> Any:
        variable = create(reference_variable, *args, **kwargs)
        if id(reference_variable) in index_of:
            made_from[id(variable)] = index_of[id(reference_variable)]
        return variable

    object.__setattr__(optimizer, "add_variable_from_reference", recorded)


def _elements(shape: Sequence[Any]) -> int:
    elements = 1
    for dim in shape:
        elements *= int(dim)
    return elements


def _optimizer_parts(optimizer: Any) -> Iterator[Any]:
    """The optimizer and, for a LossScaleOptimizer, the optimizer it wraps (which builds its own slots)."""
    yield optimizer
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:
        yield from _optimizer_parts(inner)


def _stand_in(spec: StandInSpec) -> Any:
    """A value-less variable with the weight's path, shape and flags, in the planned dtype.

    The path matters: Muon, AdamW's ``exclude_from_weight_decay`` and others
    decide per weight by its path. Keras's name scopes take one part each, so
    the parent path is entered part by part.
    """
    parent, _, name = spec.path.rpartition("/")
    with StatelessScope(initialize_variables=False), contextlib.ExitStack() as scopes:
        for part in filter(None, parent.split("/")):
            scopes.enter_context(keras.name_scope(part))
        stand_in = keras.Variable(initializer="zeros", shape=spec.shape, dtype=spec.dtype, trainable=True, name=name)
    # float8 training's scale variables are overwritten by their gradient and get no slots.
    stand_in.overwrite_with_gradient = spec.overwrite_with_gradient
    return stand_in


def _defer_slot_creation(optimizer: Any) -> None:
    """Make this (private, fresh) optimizer create its slots without values.

    * ``add_variable``, the one door every slot goes through, runs inside a
      stateless scope, so its variable keeps shape and dtype only.
    * The TensorFlow backend's ``TFOptimizer`` (Keras 3.15.1) reads
      ``reference_variable.value`` to colocate each slot and to key it
      (``_var_key``), which would materialize each stand-in from its
      initializer. The base optimizer's versions key by ``id()`` and create the
      same variable; colocation only matters under ``tf.distribute``.
    """
    create = optimizer.add_variable

    @functools.wraps(create)
    def add_variable_without_value(*args: Any, **kwargs: Any) -> Any:
        with StatelessScope(initialize_variables=False):
            return create(*args, **kwargs)

    # object.__setattr__: the optimizer's tracker must not see these as state.
    object.__setattr__(optimizer, "add_variable", add_variable_without_value)
    object.__setattr__(optimizer, "_var_key", types.MethodType(BaseOptimizer._var_key, optimizer))
    from_reference = type(optimizer).add_variable_from_reference
    if getattr(from_reference, "__module__", "").endswith("tensorflow.optimizer"):
        object.__setattr__(
            optimizer,
            "add_variable_from_reference",
            types.MethodType(BaseOptimizer.add_variable_from_reference, optimizer),
        )


@contextlib.contextmanager
def _deferred_variables_forgotten() -> Iterator[None]:
    """Keep the value-less variables made here out of Keras's list of variables to initialize later.

    Variables created in a stateless scope are appended to the global
    ``uninitialized_variables`` list, and the next stateless scope to exit with
    ``initialize_variables=True`` (a ``model.fit`` step on JAX, for one) would
    give them all values. The list is put back as it was.
    """
    before = list(global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True))
    try:
        yield
    finally:
        global_state.set_global_attribute("uninitialized_variables", before)
