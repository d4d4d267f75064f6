"""One unknown never erases a total (issue 21, item 4): the known rows are summed, the unknown ones named."""

from __future__ import annotations

import keras
from keras import layers

from ascii_explain import explain


def _variable_length_model() -> keras.Model:
    """A Dense on a variable-size image (its output size unknown), pooled, then a Dense of known size.

    Two unknown axes: with one, the costs would be polynomials in the sequence length T (build/sequence.py).
    """
    inputs = keras.Input((None, None, 3))
    x = layers.Dense(4, name="per_step")(inputs)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, layers.Dense(2, name="head")(x))


def test_activation_memory_sums_the_known_rows_and_names_the_unknown() -> None:
    e = explain(_variable_length_model(), batch_size=2)
    assert e.activation_bytes is None  # the whole is unknown ...
    # ... but pool's 4 and head's 2 float32 outputs are known: (4 + 2) * 4 bytes * batch 2 = 48
    assert e.known_activation_bytes == (4 + 2) * 4 * 2 == 48
    assert [r.name for r in e.activation_unknown] == ["per_step"]
    text = e.render(width=120)
    assert "Memory: activations 48.00 B for a batch of 2 + unknown for 1 row: per_step (Dense)" in text


def test_macs_sum_the_known_rows_and_name_the_unknown() -> None:
    e = explain(_variable_length_model())
    # per_step's MACs need the sequence length (None); head's are 4*2 = 8
    assert [r.name for r in e.macs_unknown] == ["per_step"]
    assert e.total_macs == 4 * 2
    text = e.render(width=120)
    assert "Mult-adds: 8 per sample + unknown for 1 row: per_step (Dense)" in text
    assert "at least" not in text


def test_nothing_known_still_says_which_rows() -> None:
    e = explain(keras.Sequential([keras.Input((None, None, 3)), layers.Dense(2, name="only")]))
    assert e.known_activation_bytes == 0 and e.activation_bytes is None
    assert "Memory: activations ? for a batch of 1 (unknown for 1 row: only (Dense))" in e.render(width=120)


def test_a_long_list_of_unknown_rows_is_cut_with_a_count() -> None:
    inputs = keras.Input((None, None, 3))
    x = inputs
    for index in range(10):
        x = layers.Dense(3, name=f"d{index}")(x)
    e = explain(keras.Model(inputs, x))
    text = e.render(width=400)
    assert "unknown for 10 rows: d0 (Dense), " in text and "d7 (Dense) and 2 more" in text
    assert "d8 (Dense)" not in text.split("Mult-adds:")[1].split("\n")[0]


def test_training_memory_says_its_known_part_and_the_rows_it_cannot_size() -> None:
    model = _variable_length_model()
    e = explain(model, batch_size=2, optimizer="sgd")
    plan = e.training_memory
    assert plan is not None
    assert plan.activations is None and plan.total is None
    assert plan.activations_unknown == ("per_step",)
    # what the known rows keep for the backward pass: head its input (pool's 4 outputs), pool nothing
    assert plan.known_activations == 4 * 4 * 2 == 32
    # weights (3*4+4 + 4*2+2) = 26 float32 = 104 bytes, their gradients 104, SGD without momentum keeps
    # no slot per weight (only its iteration counter, in plan.optimizer), and the known activations 48
    weight_bytes = 4 * model.count_params()
    assert plan.weights == plan.gradients == weight_bytes == 104
    assert plan.known_total == weight_bytes * 2 + plan.optimizer + 32
    text = e.render(width=160)
    assert "+ activations unknown for 1 row: per_step" in text
