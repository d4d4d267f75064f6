"""Structural guards for speed (issue 8): what explaining reads, how often, and what it imports.

No timings here (benchmarks/bench_explain.py measures those): these tests count
calls, which are the same on every machine, so a change that reads a layer's
config twice or adds work quadratic in the number of layers fails here.
"""

from __future__ import annotations

import collections
import functools
import math
import re
import sys
from dataclasses import replace
from typing import Any, Callable

import keras
import numpy as np
import pytest
from keras import layers

from ascii_explain import explain
from ascii_explain.read.model import read_model

from .cli_support import run_python


def _chain(n_layers: int) -> Any:
    """A functional chain of ``n_layers`` layers: Dense, BatchNormalization, Activation, Dropout in turn."""
    inputs = keras.Input((8,))
    x = inputs
    makers: list[Callable[[], Any]] = [
        lambda: layers.Dense(8),
        lambda: layers.BatchNormalization(),
        lambda: layers.Activation("relu"),
        lambda: layers.Dropout(0.1),
    ]
    for index in range(n_layers - 1):
        x = makers[index % len(makers)]()(x)
    return keras.Model(inputs, x)


def _small_resnet() -> Any:
    inputs = keras.Input((16, 16, 3))
    x = layers.Conv2D(8, 3, padding="same")(inputs)
    y = layers.BatchNormalization()(x)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(8, 3, padding="same")(y)
    x = layers.Add()([x, y])
    x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(3, activation="softmax")(x))


def _count_outermost_calls(monkeypatch: pytest.MonkeyPatch, classes: set[type], method: str) -> collections.Counter:
    """Count ``method`` calls per object, ignoring the calls a method makes to its bases' (``super()``)."""
    calls: collections.Counter = collections.Counter()
    active: set[int] = set()
    for klass in classes:
        original = getattr(klass, method)

        def counted(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            outermost = id(self) not in active
            if outermost:
                calls[id(self)] += 1
                active.add(id(self))
            try:
                return _original(self, *args, **kwargs)
            finally:
                if outermost:
                    active.discard(id(self))

        monkeypatch.setattr(klass, method, functools.wraps(original)(counted))
    return calls


@pytest.mark.parametrize("build", [_small_resnet, lambda: _chain(24)], ids=["resnet_block", "chain"])
def test_each_layer_config_is_read_once(monkeypatch, build):
    """get_config() is the costliest read (it serializes initializers): once per layer, never more."""
    model = build()
    calls = _count_outermost_calls(monkeypatch, {type(layer) for layer in model.layers}, "get_config")
    str(explain(model))
    assert {layer.name: calls[id(layer)] for layer in model.layers} == {layer.name: 1 for layer in model.layers}


def _steps_while(function: Callable[[], Any]) -> int:
    """How many Python lines run during ``function()``, loops counted per pass (a count, not a time)."""
    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return tracer

    previous = sys.gettrace()  # coverage tools trace too; put theirs back
    sys.settrace(tracer)
    try:
        function()
    finally:
        sys.settrace(previous)
    return count


def test_work_grows_linearly_with_the_number_of_layers():
    """Six times the layers, six times the steps: no step of explain or the diagram is quadratic in the layers."""
    small, large = _chain(40), _chain(240)  # the same mix of layer kinds (a multiple of 4, plus the input)
    for model in (small, large):  # fill the caches of arithmetic and signatures first
        str(explain(model))
    per_layer_small = _steps_while(lambda: str(explain(small))) / 40
    per_layer_large = _steps_while(lambda: str(explain(large))) / 240
    # Fixed costs make the small chain's count per layer the larger one. One
    # look-up by name per layer (a loop over the records) already adds 5%.
    assert per_layer_large <= per_layer_small * 1.02


def test_explaining_imports_nothing_only_other_views_need(tmp_path):
    """The diagram needs no tabulate, exporters, trace, CLI or loaders; `import ascii_explain` needs no Keras."""
    code = (
        "import sys\n"
        "import ascii_explain\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')]\n"
        "import keras\n"
        "from ascii_explain import explain\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])\n"
        "text = str(explain(model))\n"
        "assert 'Dense' in text\n"
        "unwanted = ('tabulate', 'ascii_explain.views.exports', 'ascii_explain.views.html',\n"
        "            'ascii_explain.views.json', 'ascii_explain.views.tables', 'ascii_explain.views.markdown',\n"
        "            'ascii_explain.trace', 'ascii_explain.cli',\n"
        "            'ascii_explain.read.files', 'ascii_explain.examples', 'ascii_explain.checks')\n"
        "print(sorted(m for m in sys.modules if m in unwanted))\n"
    )
    result = run_python("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# ----------------------------------------------------------------------------- traces and builds, counted


class _TwoDense(layers.Layer):
    """A block whose sublayers are built in build() on fully known shapes: nothing for a trace to add."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.first, self.second = layers.Dense(8), layers.Dense(4)

    def build(self, input_shape: Any) -> None:
        self.first.build(input_shape)
        self.second.build((*input_shape[:-1], 8))

    def call(self, x: Any) -> Any:
        return self.second(self.first(x))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (*input_shape[:-1], 4)


class _WithDropout(_TwoDense):
    """The same with a Dropout inside: built at creation, it records no shape, so only a call gives its output's."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dropout = layers.Dropout(0.1)

    def call(self, x: Any) -> Any:
        return self.second(self.dropout(self.first(x)))


def _counting(function: Callable[..., Any], calls: list[int]) -> Callable[..., Any]:
    """``function``, noting each call in ``calls``."""

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return function(*args, **kwargs)

    return counted


def _block_model(block: Any) -> Any:
    inputs = keras.Input((6, 5))
    return keras.Model(inputs, block(inputs))


@pytest.mark.parametrize(("block", "traces"), [(_TwoDense, 0), (_WithDropout, 1)])
def test_the_static_shape_trace_runs_only_when_a_blocks_shapes_need_it(monkeypatch, block, traces):
    from ascii_explain.read import model as read_model_module

    model = _block_model(block())
    calls: list[int] = []
    traced = _counting(read_model_module.concrete_call_shapes, calls)
    monkeypatch.setattr(read_model_module, "concrete_call_shapes", traced)
    e = explain(model, expand_nested=True)
    assert len(calls) == traces
    # Either way every inner row has its shapes and mult-adds: 6 positions of 5*8 then 8*4.
    assert [r.macs for r in e.layers if r.class_name == "Dense"] == [6 * 5 * 8, 6 * 8 * 4]
    assert e.total_macs == 6 * 5 * 8 + 6 * 8 * 4


@pytest.mark.parametrize(
    ("optimizer", "plan"),
    [
        ("adam", "probe"),
        ("sgd", "probe"),
        (keras.optimizers.SGD(momentum=0.9), "probe"),
        ("rmsprop", "probe"),
        ("adamw", "probe"),
        ("lion", "probe"),
        # A variable made from no weight in build(): Adafactor's factored moments (named after their weight:
        # one build on a stand-in per kind), Nadam's u_product (one build per layer).
        ("adafactor", "kinds"),
        ("nadam", "per_layer"),
    ],
    # an instance's repr holds its address, which differs between xdist workers
    ids=lambda value: str(value) if isinstance(value, (str, bool)) else type(value).__name__,
)
def test_the_optimizer_is_built_once_per_model_and_gives_what_a_build_per_layer_gives(monkeypatch, optimizer, plan):
    from ascii_explain.read import optimizer_slots, training

    model = _small_resnet()
    builds: list[int] = []
    monkeypatch.setattr(training, "fresh_optimizer", _counting(training.fresh_optimizer, builds))
    probes: list[int] = []
    counted = _counting(optimizer_slots.built_once_with_owners, probes)
    monkeypatch.setattr(optimizer_slots, "built_once_with_owners", counted)
    optimizer_slots._probe.cache_clear()
    weights = read_model(model).weight_holders
    once = training.read_training(model, weights, optimizer)
    one_per_owner = len({variable.owner for variable in once.variables if variable.trainable})
    # Keras's own optimizers: one build on a probe per kind of weight, kept for the next model; Adafactor: one
    # build on a stand-in per kind of weight; only when some variable cannot be told whose it is: one build
    # for all, one for none, one per layer.
    assert len(builds) == (2 + one_per_owner if plan == "per_layer" else 0)
    if plan != "per_layer":
        assert len(probes) == 1
    if plan == "probe":  # the probe, built once: the next model (or explain) reuses it
        assert len(probes) == 1
        again = training.read_training(model, weights, optimizer)
        assert len(probes) == 1 and len(builds) == 0
        assert _unprefixed(again.optimizer_variables) == _unprefixed(once.optimizer_variables)  # each a new name
    # The independent count: the same optimizer built on each layer's weights alone.
    monkeypatch.setattr(
        training, "built_with_owners", lambda opt, specs: (training.built_optimizer_variables(opt, specs), None)
    )
    monkeypatch.setattr(training, "probed_slots", lambda *args: None)
    monkeypatch.setattr(training, "factored_slots", lambda *args: None)
    per_layer = training.read_training(model, weights, optimizer)
    # As sets of (name, size, dtype): one build on one weight of each shape lists a slot's copies together
    # (read/optimizer_slots.py), Keras by kind of slot; only sizes and dtypes are ever added up.
    assert sorted(_unprefixed(once.optimizer_variables)) == sorted(_unprefixed(per_layer.optimizer_variables))
    assert _unprefixed(once.optimizer_shared_variables) == _unprefixed(per_layer.optimizer_shared_variables)
    assert {owner: sorted(_unprefixed(held)) for owner, held in once.optimizer_variables_by_owner.items()} == {
        owner: sorted(_unprefixed(held)) for owner, held in per_layer.optimizer_variables_by_owner.items()
    }
    assert once.optimizer_variables_by_owner and once.optimizer_shared_variables


class _AdamOfItsOwn(keras.optimizers.Adam):
    """A subclass may build otherwise (by path, say): it gets the full build."""


@pytest.mark.parametrize("optimizer", ["adam", "sgd_momentum", "lion", "subclass"])
def test_weights_alike_share_one_stand_in_and_get_the_slots_a_full_build_gives(monkeypatch, optimizer) -> None:
    """read/optimizer_slots.py builds a Keras optimizer on one weight of each shape and dtype, and repeats each
    slot for the others: the same variables (names, sizes, dtypes) and owners as a build on every weight."""
    from ascii_explain.read import optimizer_slots as slots

    made = {
        "adam": keras.optimizers.Adam,
        "sgd_momentum": lambda: keras.optimizers.SGD(momentum=0.9),
        "lion": keras.optimizers.Lion,
        "subclass": _AdamOfItsOwn,
    }[optimizer]
    specs = [slots.StandInSpec(path=f"block{i}/dense/{part}", shape=shape, dtype="float32")
             for i in range(4) for part, shape in (("kernel", (6, 6)), ("bias", (6,)))]
    specs.append(slots.StandInSpec(path="head/kernel", shape=(6, 2), dtype="float32"))
    stand_ins: list[int] = []
    monkeypatch.setattr(slots, "_stand_in", _counting(slots._stand_in, stand_ins))
    listed, owners = slots.built_with_owners(made(), specs)
    alike = len(stand_ins)
    stand_ins.clear()
    full, full_owners = slots.built_once_with_owners(made(), specs)
    assert len(stand_ins) == len(specs)
    assert alike == (len(specs) if optimizer == "subclass" else 3)  # one kernel, one bias, the head
    assert owners is not None and full_owners is not None

    def named(variables: Any, made_from: Any) -> list:
        pairs = zip(variables, made_from, strict=True)
        return sorted((*_unprefixed([v])[0], owner) for v, owner in pairs if owner is not None)

    assert named(listed, owners) == named(full, full_owners)
    assert len(listed) == len(full) and sum(v.elements for v in listed) == sum(v.elements for v in full)


def _unprefixed(variables: Any) -> list:
    """Name, size, dtype: the path without the optimizer's scope nor the number Keras gives a repeated name
    (each new optimizer is adam, adam_1...; Nadam's unnamed scalar variable, variable_6...)."""
    return [(re.sub(r"_\d+$", "", v.path.rsplit("/", 1)[-1]), v.elements, v.dtype) for v in variables]


def test_a_registry_lookup_remembered_is_forgotten_when_the_registry_changes() -> None:
    """layers/registry.py answers each (kind, class) once: registering or unregistering must be seen at once."""
    from ascii_explain.layers import registry

    class Scale(layers.Layer):
        pass

    class ScaleTwice(Scale):
        pass

    assert registry.find_formula(ScaleTwice) is registry.find_formula(ScaleTwice)  # remembered, whatever it is
    before = registry.find_formula(ScaleTwice)

    @registry.register_formula(Scale)
    def scale_formula(config: Any, input_shape: Any) -> Any:
        return None

    try:
        assert registry.find_formula(ScaleTwice) is scale_formula  # the subclass sees its base's new function
    finally:
        registry.unregister_formula(Scale)
    assert registry.find_formula(ScaleTwice) is before


class _Block(keras.layers.Layer):
    """A custom block with two sublayers: its rows are its sublayers' reads."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inner = layers.Dense(4, name="inner")
        self.norm = layers.LayerNormalization(name="norm")

    def build(self, input_shape: Any) -> None:
        self.inner.build(input_shape)
        self.norm.build((*input_shape[:-1], 4))

    def call(self, x: Any) -> Any:
        return self.norm(self.inner(x))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (*input_shape[:-1], 4)


def _task_holding_its_backbone() -> tuple[Any, _Block]:
    """keras-hub's DepthAnything's shape: a task calling a feature extractor made of its backbone's layers,
    and holding the backbone itself as an attribute (a row outside the graph: its head is never called)."""
    inputs = keras.Input((8,))
    block = _Block(name="block")
    backbone = keras.Model(inputs, layers.Dense(2, name="backbone_head")(block(inputs)), name="backbone")
    extractor = keras.Model(backbone.inputs, block.output, name="features")
    task_inputs = keras.Input((8,))
    task = keras.Model(task_inputs, layers.Dense(3, name="task_head")(extractor(task_inputs)), name="task")
    task.backbone = backbone
    return task, block


def test_a_block_inside_two_nested_models_has_its_sublayers_read_once(monkeypatch):
    """The backbone's block is read under the feature extractor and under the backbone's own row: the same
    layer under the same parent, so its sublayers' facts (their get_config, the costliest read) are read once."""
    task, block = _task_holding_its_backbone()
    calls = _count_outermost_calls(monkeypatch, {layers.Dense, layers.LayerNormalization}, "get_config")
    explanation = explain(task)
    text = str(explanation)
    assert "outside the model's graph" in text  # the backbone's row is there, its block read for it too
    assert {name: calls[id(layer)] for name, layer in (("inner", block.inner), ("norm", block.norm))} == {
        "inner": 1,
        "norm": 1,
    }
    assert explanation.total_params == task.count_params()


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_a_nested_models_graph_is_not_serialized_again(monkeypatch, kind):
    """A nested Functional's or Sequential's get_config() serializes each of its layers again (their rows read
    them already): explain() does not ask it, so each inner layer's config is read once."""
    inputs = keras.Input((8,))
    if kind == "sequential":
        stack = [keras.Input((8,)), layers.Dense(4, name="a"), layers.Dense(4, name="b")]
        inner = keras.Sequential(stack, name="inner")
    else:
        x = layers.Dense(4, name="a")(inputs)
        inner = keras.Model(inputs, layers.Dense(4, name="b")(x), name="inner")
    outer_inputs = keras.Input((8,))
    model = keras.Model(outer_inputs, layers.Dense(2, name="head")(inner(outer_inputs)), name="outer")
    calls = _count_outermost_calls(monkeypatch, {layers.Dense}, "get_config")
    text = str(explain(model, expand_nested=True))
    assert [calls[id(layer)] for layer in inner.layers if isinstance(layer, layers.Dense)] == [1, 1]
    assert "inner" in text
    assert explain(model).total_params == model.count_params() == (8 * 4 + 4) + (4 * 4 + 4) + (4 * 2 + 2)


def test_a_functional_subclass_with_its_own_constructor_keeps_its_config() -> None:
    """Keras serializes such a model as any model (its constructor's arguments): its config is read as it is."""
    from ascii_explain.read.reader import _graph_config_head

    class Tower(keras.Model):
        def __init__(self, width: int = 4, **kwargs: Any) -> None:
            inputs = keras.Input((8,))
            super().__init__(inputs, layers.Dense(width)(inputs), **kwargs)
            self.width = width

    plain_inputs = keras.Input((8,))
    plain = keras.Model(plain_inputs, layers.Dense(4)(plain_inputs), name="plain")
    assert _graph_config_head(Tower(name="tower")) is None
    assert _graph_config_head(layers.Dense(3)) is None
    assert _graph_config_head(plain) == {"name": "plain", "trainable": True}


@pytest.mark.parametrize(
    "made",
    [
        lambda: keras.optimizers.Adam(amsgrad=True),
        lambda: keras.optimizers.Adam(use_ema=True),
        lambda: keras.optimizers.AdamW(gradient_accumulation_steps=2),
        lambda: keras.optimizers.SGD(),
        lambda: keras.optimizers.SGD(momentum=0.5, nesterov=True),
        lambda: keras.optimizers.RMSprop(centered=True, momentum=0.1),
        keras.optimizers.Adagrad,
        keras.optimizers.Adadelta,
        keras.optimizers.Adamax,
        keras.optimizers.Ftrl,
        keras.optimizers.Lamb,
        keras.optimizers.Lion,
    ],
    ids=["adam_amsgrad", "adam_ema", "adamw_accumulating", "sgd", "sgd_nesterov", "rmsprop_centered", "adagrad",
         "adadelta", "adamax", "ftrl", "lamb", "lion"],
)  # fmt: skip
def test_the_probe_gives_what_a_build_on_every_weight_gives(made) -> None:
    """read/optimizer_slots.py's probe (one stand-in per dtype, float8 flag and rank, kept per config) against
    Keras's optimizer built on every weight: the same variables (names, sizes, dtypes), each for its weight."""
    from ascii_explain.read import optimizer_slots as slots

    specs = [
        slots.StandInSpec("stem/conv/kernel", (3, 3, 3, 8), "float32"),
        slots.StandInSpec("stem/conv/bias", (8,), "float32"),
        slots.StandInSpec("block/dense/kernel", (8, 5), "float16"),
        slots.StandInSpec("block/scale", (), "float32"),
        slots.StandInSpec("block/dense/kernel_scale", (), "float32", overwrite_with_gradient=True),
        slots.StandInSpec("head/kernel", (5, 2), "float16"),
        slots.StandInSpec("video/conv3d/kernel", (2, 2, 2, 3, 4), "float32"),
    ]
    optimizer = made()
    config = slots.optimizer_config(optimizer)
    probed = slots.probed_slots(config, specs)
    assert probed is not None
    # from_config: Keras 3.15.1's deserialize answers Lamb's config with a string
    full, owners = slots.built_once_with_owners(type(optimizer).from_config(optimizer.get_config()), specs)
    assert owners is not None

    def named(variables: Any, made_from: Any) -> list:
        return sorted((*_unprefixed([v])[0], owner) for v, owner in zip(variables, made_from, strict=True))

    assert named(*probed) == named(full, owners)
    # a second model of other weights, same kinds: the probe is reused, the names and sizes are its own
    other = [replace(spec, path="other/" + spec.path, shape=tuple(2 * d for d in spec.shape)) for spec in specs]
    again = slots.probed_slots(config, other)
    full_other, owners_other = slots.built_once_with_owners(type(optimizer).from_config(optimizer.get_config()), other)
    assert again is not None and named(*again) == named(full_other, owners_other)


@pytest.mark.parametrize("inner", ["adam", "sgd", "lion"])
@pytest.mark.parametrize("given", [True, False], ids=["given_wrapper", "wrapped_for_mixed_float16"])
def test_a_loss_scale_wrapper_is_planned_from_its_inner_optimizers_probe(inner: str, given: bool) -> None:
    """A LossScaleOptimizer (given, or the one compile makes under mixed_float16) was built once per layer
    on every explain (ResNet50V2 with Adam: 13x the explanation without an optimizer): its inner optimizer's
    slots now come from the probe and its scalars from the wrapper built on no weight. Against Keras's
    wrapper built on every weight: the same variables (names, sizes, dtypes), each slot for its weight."""
    from ascii_explain.read import optimizer_slots as slots

    specs = [
        slots.StandInSpec("stem/conv/kernel", (3, 3, 3, 8), "float32"),
        slots.StandInSpec("stem/conv/bias", (8,), "float32"),
        slots.StandInSpec("head/dense/kernel", (8, 5), "float32"),
        slots.StandInSpec("head/scale", (), "float32"),
    ]
    optimizer = keras.optimizers.get(inner)
    config = slots.optimizer_config(keras.optimizers.LossScaleOptimizer(optimizer) if given else optimizer)
    probed = slots.probed_slots(config, specs, wrap_loss_scale=not given)
    assert probed is not None
    variables, owners = probed
    full = slots.built_optimizer_variables(slots.fresh_optimizer(config, wrap_loss_scale=not given), specs)
    assert sorted(_unprefixed(variables)) == sorted(_unprefixed(full))
    assert {"step_counter", "dynamic_scale"} <= {v.path.rsplit("/", 1)[-1] for v in variables}
    for variable, owner in zip(variables, owners, strict=True):
        if owner is None:  # the wrapper's and the inner optimizer's scalars
            assert variable.elements == 1
        else:
            assert specs[owner].path.replace("/", "_") in variable.path
            assert variable.elements == math.prod(specs[owner].shape)


@pytest.mark.parametrize("wrapped", [False, True], ids=["adafactor", "loss_scale_adafactor"])
def test_adafactor_is_built_once_on_a_stand_in_per_kind_of_weight(wrapped: bool) -> None:
    """Adafactor's factored moments are made from no reference, so it was built once per layer (ResNet50V2:
    11x the explanation). Built once on a stand-in per kind of weight: what Keras builds on every weight
    (names, sizes, dtypes), and each weight's share what Keras builds on that weight alone."""
    from ascii_explain.read import optimizer_slots as slots

    specs = [
        slots.StandInSpec("stem/conv/kernel", (3, 3, 3, 8), "float32"),
        slots.StandInSpec("stem/conv/bias", (8,), "float32"),
        slots.StandInSpec("block/dense/kernel", (8, 5), "float16"),
        slots.StandInSpec("block/other/kernel", (8, 5), "float16"),
        slots.StandInSpec("block/scale", (), "float32"),
        slots.StandInSpec("block/dense/kernel_scale", (), "float32", overwrite_with_gradient=True),
        slots.StandInSpec("head/kernel", (5, 2), "float32"),
    ]
    optimizer: Any = keras.optimizers.Adafactor()
    config = slots.optimizer_config(keras.optimizers.LossScaleOptimizer(optimizer) if wrapped else optimizer)
    found = slots.factored_slots(config, specs)
    assert found is not None
    variables, owners = found
    full = slots.built_optimizer_variables(slots.fresh_optimizer(config), specs)
    assert sorted(_unprefixed(variables)) == sorted(_unprefixed(full))
    alone = sum(v.elements for v in slots.built_optimizer_variables(slots.fresh_optimizer(config), []))
    for index, spec in enumerate(specs):
        own = sum(v.elements for v in slots.built_optimizer_variables(slots.fresh_optimizer(config), [spec]))
        assert sum(v.elements for v, o in zip(variables, owners, strict=True) if o == index) == own - alone
    assert slots.factored_slots(slots.optimizer_config(keras.optimizers.Adam()), specs) is None


def test_lamb_is_planned_built_on_a_probe_or_alone() -> None:
    """Keras 3.15.1's deserialize answers Lamb's config with a string: explain(m, optimizer=Lamb()) raised our
    AttributeError; planned from the probe, and from a fresh Lamb under a loss-scale wrapper, it is Keras's count."""
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    lamb = keras.optimizers.Lamb()
    lamb.build(model.trainable_variables)
    built = sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in lamb.variables)
    assert explain(model, optimizer=keras.optimizers.Lamb()).training_memory.optimizer == built
    mixed = explain(model, optimizer=keras.optimizers.Lamb(), dtype_policy="mixed_float16").training_memory
    scaled = keras.optimizers.LossScaleOptimizer(keras.optimizers.Lamb())
    scaled.build(model.trainable_variables)  # mixed_float16 keeps float32 variables: the same ones
    assert mixed.optimizer == sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in scaled.variables)
    assert "LossScaleOptimizer" in mixed.optimizer_name


class _Nest(layers.Layer):
    """A block holding a block: a part's costs are asked for by its row and by each block above it."""

    def __init__(self, inner: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inner, self.head = inner, layers.Dense(3)

    def call(self, x: Any) -> Any:
        return self.head(self.inner(x))


def test_each_layers_costs_are_computed_once_per_explanation(monkeypatch) -> None:
    """build/cost_memo.py: a part of a block of a block was counted once per row holding it (HGNetV2: 1,307
    counts for 467 layers); each layer's mult-adds and backward terms are now computed once, and the
    figures are the ones computed each time (the memo off)."""
    from ascii_explain.build import cost_memo, costs

    inputs = keras.Input((6, 5))
    model = keras.Model(inputs, _Nest(_Nest(_TwoDense(name="pair"), name="middle"), name="outer")(inputs))
    counted: dict[str, list[int]] = {"macs": [], "backward": []}
    monkeypatch.setattr(costs, "_macs_for", _counting_by_facts(costs._macs_for, counted["macs"]))
    backward = _counting_by_facts(costs._backward_terms_for, counted["backward"])
    monkeypatch.setattr(costs, "_backward_terms_for", backward)
    remembered = explain(model, expand_nested=True)
    assert counted["macs"] and len(counted["macs"]) == len(set(counted["macs"]))
    assert counted["backward"] and len(counted["backward"]) == len(set(counted["backward"]))
    monkeypatch.setattr(cost_memo, "remembered", lambda key, facts, compute: compute())
    monkeypatch.setattr(costs, "remembered", lambda key, facts, compute: compute())
    counted["macs"].clear()
    each_time = explain(model, expand_nested=True)
    assert len(counted["macs"]) > len(set(counted["macs"]))  # without the memo, parts are counted again
    assert str(each_time) == str(remembered)
    assert [r.macs for r in each_time.layers] == [r.macs for r in remembered.layers]
    assert [r.backward_macs for r in each_time.layers] == [r.backward_macs for r in remembered.layers]


def _counting_by_facts(function: Callable[..., Any], seen: list[int]) -> Callable[..., Any]:
    """``function(facts, ...)``, noting ``id(facts)`` at each call."""

    def counted(facts: Any, *args: Any) -> Any:
        seen.append(id(facts))
        return function(facts, *args)

    return counted
