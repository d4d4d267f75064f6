"""The training plan made only when asked (issue 20, item 1), from the reader's one walk of the weights.

``explain(m)`` without an optimizer, a dtype policy, ``training=True`` or
``recompute`` (and a model not compiled) makes neither the memory plan nor the
step's mult-adds; the first read of either, of a record's planned field or of a
view showing them makes both, once, and the same as when made at once
(``build/lazy_training.py``). The plan reads no model: its weights are the
reader's facts (``read/training_variables.py``), checked here against the walk
of the model they replace.
"""

from __future__ import annotations

import copy
import gc
import json
import pickle
import weakref
from typing import Any, Callable

import keras
import numpy as np
import pytest
from keras import layers

from ascii_explain import explain
from ascii_explain.build import lazy_training
from ascii_explain.build.planned_fields import is_pending
from ascii_explain.build.training_memory import TrainingMemory
from ascii_explain.read.keras3 import KERAS3
from ascii_explain.read.model import read_model
from ascii_explain.read.training_variables import VariableFacts, training_variables

from .hub_corpus import HUB_MODELS
from .keras_io_corpus import KERAS_IO_MODELS, MLPBlock
from .zoo_corpus import ZOO_MODELS

# ------------------------------------------------------------------ models


def small_model() -> Any:
    inputs = keras.Input((8,))
    x = layers.Dense(6, activation="relu", name="first")(inputs)
    x = layers.BatchNormalization(name="norm")(x)
    return keras.Model(inputs, layers.Dense(3, name="last")(x), name="small")


def frozen_inside_block() -> Any:
    """A layer with trainable=False inside a trainable custom block: its weights train no more."""
    inputs = keras.Input((4,))
    block = MLPBlock(name="block")
    outputs = block(inputs)
    block.linear_1.trainable = False
    return keras.Model(inputs, outputs, name="frozen_inside_block")


def frozen_nested_inner_trainable() -> Any:
    """A frozen nested model whose inner layer is set trainable again: Keras 3 trains that layer's weights."""
    base = keras.Sequential(
        [keras.Input((6,)), layers.Dense(5, name="inner"), layers.Dense(4, name="kept")], name="base"
    )
    base.trainable = False
    base.get_layer("inner").trainable = True
    inputs = keras.Input((6,))
    return keras.Model(inputs, layers.Dense(2, name="head")(base(inputs)), name="frozen_nested_inner_trainable")


class TiedOutput(layers.Layer):
    """A head that multiplies by another layer's embedding table: a weight two top-level layers hold."""

    def __init__(self, embedding: layers.Embedding, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embedding = embedding

    def call(self, inputs: Any) -> Any:
        return keras.ops.matmul(inputs, keras.ops.transpose(self.embedding.embeddings))


def tied_weights() -> Any:
    embedding = layers.Embedding(20, 8, name="embed")
    inputs = keras.Input((5,), dtype="int32")
    outputs = TiedOutput(embedding, name="tied")(embedding(inputs))
    return keras.Model(inputs, outputs, name="tied_weights")


def frozen_model() -> Any:
    model = small_model()
    model.trainable = False
    return model


def lone_layer() -> Any:
    layer = layers.Dense(4, name="alone")
    layer.build((None, 3))
    return layer


OWN_MODELS: dict[str, Callable[[], Any]] = {
    "small": small_model,
    "frozen_inside_block": frozen_inside_block,
    "frozen_nested_inner_trainable": frozen_nested_inner_trainable,
    "tied_weights": tied_weights,
    "frozen_model": frozen_model,
    "lone_layer": lone_layer,
}

# A varied sample of the corpora: frozen bases, shared and held-twice layers, nested and subclassed
# models, a model's own add_weight, a layer the graph never calls, recurrent layers, a transformer.
SAMPLE: dict[str, Callable[[], Any]] = {
    **OWN_MODELS,
    **{
        name: KERAS_IO_MODELS[name]
        for name in (
            "frozen_base", "shared_in_two_nested", "holds_twice", "perceiver_latents", "unused_stem",
            "vae_subclassed", "seq2seq_initial_state", "text_transformer", "unbuilt_owner", "involution",
        )
    },
    "zoo:swin": ZOO_MODELS["swin"],
    "hub:bert": HUB_MODELS["bert"],
    "hub:gpt2": HUB_MODELS["gpt2"],
}


def memory(e: Any) -> TrainingMemory:
    plan = e.training_memory
    assert plan is not None
    return plan


# ------------------------------------------------------------------ counting the plans


@pytest.fixture
def plans(monkeypatch) -> dict[str, int]:
    """How many times each plan is made, from now on."""
    counts = {"memory": 0, "macs": 0}

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(lazy_training, "plan_training_memory", counted("memory", lazy_training.plan_training_memory))
    monkeypatch.setattr(lazy_training, "plan_training_macs", counted("macs", lazy_training.plan_training_macs))
    return counts


def test_drawing_the_explanation_makes_no_plan(plans):
    e = explain(small_model())
    str(e)
    e.render(detail="compact", show_trainable=True)
    e.to_markdown()
    e.table()
    e.to_html()
    repr(e)
    assert e.total_macs > 0 and e.activation_bytes
    assert plans == {"memory": 0, "macs": 0}
    assert is_pending(e) and all(is_pending(record) for record in e.layers)


READS: dict[str, Callable[[Any], Any]] = {
    "training_memory": lambda e: e.training_memory,
    "training_macs": lambda e: e.training_macs,
    "gradient_bytes": lambda e: e.layer("first").gradient_bytes,
    "optimizer_bytes": lambda e: e.layer("last").optimizer_bytes,
    "activation_bytes": lambda e: e.layer("norm").activation_bytes,
    "backward_macs": lambda e: e.layer("last").backward_macs,
    "backward_macs_formula": lambda e: e.layer("first").backward_macs_formula,
    "to_json": lambda e: e.to_json(),
    "to_dict": lambda e: e.to_dict(),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_the_first_read_makes_both_plans_once_and_as_made_at_once(plans, read):
    model = small_model()
    e = explain(model)
    read(e)
    assert plans == {"memory": 1, "macs": 1}
    assert not is_pending(e) and not any(is_pending(record) for record in e.layers)
    for other in READS.values():  # every other read finds them made
        other(e)
    str(e)
    assert plans == {"memory": 1, "macs": 1}
    at_once = explain(model, training=True)
    assert e.to_dict() == at_once.to_dict()
    assert e.layer("first").gradient_bytes == at_once.layer("first").gradient_bytes == 8 * 6 * 4 + 6 * 4
    assert e.layer("last").backward_macs_formula == at_once.layer("last").backward_macs_formula != ""


@pytest.mark.parametrize(
    "options",
    [{"optimizer": "sgd"}, {"dtype_policy": "mixed_bfloat16"}, {"training": True}, {"recompute": "full"}],
    ids=lambda options: next(iter(options)),
)
def test_an_option_asking_for_the_plan_makes_it_at_once(plans, options):
    e = explain(small_model(), **options)
    assert plans == {"memory": 1, "macs": 1}
    assert not is_pending(e)


def test_a_compiled_model_is_planned_at_once(plans):
    model = small_model()
    model.compile(optimizer="adam", loss="mse")
    e = explain(model)
    assert plans == {"memory": 1, "macs": 1}
    assert memory(e).optimizer_name and memory(e).optimizer > 0


# ------------------------------------------------------------------ the same plan, made later


@pytest.mark.parametrize("name", SAMPLE)
def test_the_plan_made_later_is_the_plan_made_at_once(name):
    model = SAMPLE[name]()
    later = explain(model)
    text = str(later)
    assert is_pending(later)
    at_once = explain(model, training=True)
    assert json.loads(later.to_json()) == json.loads(at_once.to_json())
    assert later.to_json() == at_once.to_json()
    # the diagram made before the plan is the diagram the explanation draws once planned
    assert str(later) == text


def test_the_plan_is_the_models_as_explained_not_as_changed_afterwards():
    model = small_model()
    e = explain(model)
    expected = explain(model, training=True)
    assert memory(expected).gradients > 0
    model.get_layer("first").trainable = False  # frozen after explain(): the plan is of the model as read
    model.get_layer("last").trainable = False
    assert memory(explain(model, training=True)).gradients < memory(expected).gradients
    assert e.training_memory == expected.training_memory
    assert e.training_macs == expected.training_macs
    assert [record.gradient_bytes for record in e.layers] == [record.gradient_bytes for record in expected.layers]
    assert [record.backward_macs for record in e.layers] == [record.backward_macs for record in expected.layers]


def test_a_pending_plan_holds_no_reference_to_the_model():
    def explained() -> tuple[Any, Any, dict]:
        model = small_model()
        return explain(model), weakref.ref(model), explain(model, training=True).to_dict()

    e, gone, expected = explained()
    gc.collect()
    assert gone() is None  # the model is gone: the plan can only be made from what explain() read
    assert is_pending(e)
    assert e.to_dict() == expected


def test_a_copy_of_a_pending_record_or_explanation_gets_the_planned_values():
    model = small_model()
    e = explain(model)
    record = copy.copy(e.layer("first"))
    restored = pickle.loads(pickle.dumps(e))
    deep = copy.deepcopy(e)
    expected = explain(model, training=True)
    assert record.gradient_bytes == expected.layer("first").gradient_bytes == 8 * 6 * 4 + 6 * 4
    assert restored.to_dict() == expected.to_dict()
    assert deep.training_macs == expected.training_macs
    assert deep.layer("last").backward_macs == expected.layer("last").backward_macs


def test_a_planned_field_set_by_hand_before_the_plan_is_made_keeps_its_value(plans):
    e = explain(small_model())
    e.layer("first").gradient_bytes = 1
    assert plans == {"memory": 1, "macs": 1}  # made first, so that it does not overwrite the value set
    assert e.training_memory is not None and e.layer("first").gradient_bytes == 1
    assert e.layer("last").gradient_bytes == 4 * (6 * 3 + 3)


# ------------------------------------------------------------------ one walk of the weights


def _walked(obj: Any) -> tuple[VariableFacts, ...]:
    """What read/training.py read by walking the model before issue 20 (the reference the facts must equal)."""
    holders = [obj]
    if isinstance(obj, keras.Model):
        holders = [layer for layer in obj.layers if type(layer).__name__ != "InputLayer"]
    trainable_ids = {id(variable) for variable in obj.trainable_weights}
    seen: set[int] = set()
    result = []
    for owner, variables in [*((layer.name, layer.weights) for layer in holders), (obj.name, obj.weights)]:
        for variable in variables:
            if id(variable) in seen:
                continue
            seen.add(id(variable))
            result.append(
                VariableFacts(
                    owner=owner,
                    path=variable.path,
                    shape=tuple(variable.shape),
                    dtype=str(keras.backend.standardize_dtype(variable.dtype)),
                    trainable=id(variable) in trainable_ids,
                    overwrite_with_gradient=bool(getattr(variable, "overwrite_with_gradient", False)),
                )
            )
    return tuple(result)


@pytest.mark.parametrize("name", SAMPLE)
def test_the_plans_weights_from_the_readers_facts_are_the_models_walked(name):
    model = SAMPLE[name]()
    from_facts = training_variables(read_model(model).weight_holders)
    walked = _walked(model)
    # The same weights, owners and flags; the model's own weights (one owner) may come in another order.
    assert sorted(from_facts, key=repr) == sorted(walked, key=repr)
    assert [v for v in from_facts if v.owner != model.name] == [v for v in walked if v.owner != model.name]
    assert len(walked) == len({id(v) for v in model.weights})


def test_trainable_follows_keras_trainable_weights_in_the_corners():
    block = training_variables(read_model(frozen_inside_block()).weight_holders)
    # linear_1 (4 -> 16) frozen inside the block, linear_2 (16 -> 8) not
    assert {v.shape: v.trainable for v in block} == {(4, 16): False, (16,): False, (16, 8): True, (8,): True}
    nested = read_model(frozen_nested_inner_trainable())
    inner = {v.path: v.trainable for v in training_variables(nested.weight_holders)}
    assert inner == {
        "base/inner/kernel": True, "base/inner/bias": True, "base/kept/kernel": False, "base/kept/bias": False,
        "head/kernel": True, "head/bias": True,
    }
    tied = training_variables(read_model(tied_weights()).weight_holders)
    assert [(v.owner, v.path) for v in tied] == [("embed", "embed/embeddings")]  # held twice, counted once
    assert not any(v.trainable for v in training_variables(read_model(frozen_model()).weight_holders))


def test_explaining_does_not_walk_the_weights_for_the_plan(monkeypatch):
    """The plan's weights are the reader's: the model's ``trainable_weights`` list is never asked for."""
    model = small_model()
    asked: list[str] = []
    original = type(model).trainable_weights

    def trainable_weights(self: Any) -> Any:
        asked.append(self.name)
        return original.fget(self)

    monkeypatch.setattr(type(model), "trainable_weights", property(trainable_weights))
    e = explain(model, optimizer="adam")
    assert memory(e).gradients == sum(4 * int(np.prod(v.shape)) for v in model.trainable_variables)
    assert asked == []


@pytest.mark.parametrize("name", SAMPLE)
def test_kerass_totals_from_the_readers_facts_are_the_models_walked(name):
    """The totals keras.Model.summary prints come from the same one walk (``weight_totals_of``)."""
    model = SAMPLE[name]()
    facts = read_model(model)
    assert facts.keras_totals == KERAS3.weight_totals(model)
    assert facts.keras_total_params == model.count_params()
