"""``copies.replaced`` is ``dataclasses.replace`` (issue 20: facts are copied with T for every row), and the
per-class answer of ``read.hub.call_takes_cache`` is the per-layer one."""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
import pytest

from ascii_explain.copies import replaced
from ascii_explain.read.facts import LayerFacts
from ascii_explain.read.hub import call_takes_cache
from ascii_explain.read.model import read_model


@dataclasses.dataclass(frozen=True)
class Plain:
    a: int
    b: tuple = ()


@dataclasses.dataclass
class Checked:
    a: int

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("negative")


@dataclasses.dataclass
class Derived:
    a: int
    doubled: int = dataclasses.field(init=False, default=0)

    def __post_init__(self) -> None:
        self.doubled = 2 * self.a


def _model_facts() -> list[LayerFacts]:
    inputs = keras.Input((None, 8))
    x = keras.layers.Dense(4)(inputs)
    x = keras.layers.LayerNormalization()(x)
    facts = read_model(keras.Model(inputs, x))
    return list(facts.graph.entries)


def test_replaced_equals_dataclasses_replace_on_the_readers_facts() -> None:
    for facts in _model_facts():
        changes: dict[str, Any] = {"input_shape": (None, 7, 8), "output_shape": (None, 7, 4), "sublayers": ()}
        copy = replaced(facts, **changes)
        assert copy == dataclasses.replace(facts, **changes)
        assert copy is not facts and type(copy) is LayerFacts
        assert copy.input_shape == (None, 7, 8) and facts.input_shape != (None, 7, 8)


def test_replaced_leaves_the_original_alone_and_copies_a_frozen_dataclass() -> None:
    original = Plain(1, (2,))
    copy = replaced(original, a=5)
    assert (original.a, copy.a, copy.b) == (1, 5, (2,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.a = 3  # type: ignore[misc]


def test_replaced_runs_post_init_and_refuses_what_replace_refuses() -> None:
    with pytest.raises(ValueError, match="negative"):
        replaced(Checked(1), a=-1)  # __post_init__ still runs: dataclasses.replace is used
    assert replaced(Derived(2), a=3).doubled == 6
    with pytest.raises(TypeError):
        replaced(Plain(1), c=2)  # not a field: replace's own error


class Cached(keras.layers.Layer):
    def call(self, x, cache=None):  # noqa: ANN001, ANN201
        return x


class Plainly(keras.layers.Layer):
    def call(self, x):  # noqa: ANN001, ANN201
        return x


class ReadsCacheFromKeywords(keras.layers.Layer):
    def call(self, x, **kwargs):  # noqa: ANN001, ANN003, ANN201
        kwargs.get("self_attention_cache")
        return x


def test_call_takes_cache_per_class_and_for_a_call_set_on_the_instance() -> None:
    assert call_takes_cache(Cached()) and not call_takes_cache(Plainly())
    assert call_takes_cache(ReadsCacheFromKeywords())
    layer = Plainly()
    layer.call = lambda x, cache=None: x  # the instance's own call wins over its class's
    assert call_takes_cache(layer) and not call_takes_cache(Plainly())
