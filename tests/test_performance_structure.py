"""Structural guards for speed (issue 8): what explaining reads, how often, and what it imports.

No timings here (benchmarks/bench_explain.py measures those): these tests count
calls, which are the same on every machine, so a change that reads a layer's
config twice or adds work quadratic in the number of layers fails here.
"""

from __future__ import annotations

import collections
import functools
import sys
from typing import Any, Callable

import keras
import pytest
from keras import layers

from ascii_explain import explain

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
