"""Every layer class in keras.layers that builds has a registered formula that matches Keras.

A new Keras release that adds a layer with weights fails here until it gets a
formula (or a default in tests/layer_catalog.py): caught, not hidden.
"""

from __future__ import annotations

import keras
import pytest

from ascii_explain.layers import find_formula

from .helpers import assert_layer_formula_matches
from .layer_catalog import NOT_GENERICALLY_BUILDABLE, NotBuildable, build_default, public_layer_classes

CLASSES = public_layer_classes()
# The few classes that cannot be built from a default are not parametrized (no
# skips): the last test below checks that list instead.
BUILDABLE = [klass for klass in CLASSES if klass.__name__ not in NOT_GENERICALLY_BUILDABLE]


@pytest.mark.parametrize("layer_class", BUILDABLE, ids=lambda klass: klass.__name__)
def test_every_public_layer_has_a_matching_formula(layer_class):
    layer = build_default(layer_class)
    assert find_formula(type(layer)) is not None, (
        f"{type(layer).__name__} has no registered formula ({len(layer.weights)} weights): add one in "
        "ascii_explain/layers/, or its name to WEIGHTLESS_LAYERS (layers/weightless.py) if it never creates weights"
    )
    assert_layer_formula_matches(layer)


def test_the_walk_sees_the_layers_with_weights():
    """Guards the walk itself: it must reach the families this project promises to explain."""
    names = {klass.__name__ for klass in CLASSES}
    for expected in ("Dense", "Conv2D", "LSTM", "Bidirectional", "MultiHeadAttention", "EinsumDense"):
        assert expected in names


def test_not_buildable_list_names_real_classes_without_builtin_weights_formula():
    for name in NOT_GENERICALLY_BUILDABLE:
        klass = getattr(keras.layers, name)
        assert isinstance(klass, type)
        # These are counted from weight shapes (honest fallback), never by a guessed formula.
        assert find_formula(klass) is None, name
        with pytest.raises(NotBuildable):
            build_default(klass)
