"""A GPT-style block's kept activations against Korthikanti et al. 2022 ("Reducing Activation Recomputation
in Large Transformer Models"), section 4.1: ``s·b·h·(34 + 5·a·s/h)`` bytes per layer.

That paper's assumptions, which the models here meet: 16-bit activations
(planned under ``mixed_bfloat16``), one-byte dropout masks, an FFN of ``4h``
with GELU, dropout on the attention probabilities and after the attention
and the FFN, two LayerNorms, no recomputation. Its selective recomputation
(attention's probabilities recomputed) keeps ``34·s·b·h``; full
recomputation keeps each layer's input, ``2·s·b·h``.

The one difference by design: each LayerNorm also keeps a mean and an
inverse deviation per row (``2·s·b`` 16-bit figures, ``4·s·b`` bytes), which
the paper leaves out as small; two LayerNorms per layer add ``8·s·b`` bytes.
The full-recomputation figure has no such term (only the input is kept).
"""

from __future__ import annotations

import keras
import pytest

from ascii_explain import explain

layers = keras.layers
S, B, H, A = 16, 3, 32, 4  # sequence, batch, hidden size, heads
DROPOUT = 0.1
POLICY = "mixed_bfloat16"


def korthikanti(s: int, b: int, h: int, a: int) -> int:
    """Bytes of one layer's activations, no recomputation: 34·s·b·h + 5·a·s²·b."""
    return 34 * s * b * h + 5 * a * s * s * b


def layer_norm_statistics(s: int, b: int) -> int:
    return 2 * 2 * s * b * 2  # two LayerNorms, two figures per row, two bytes each


def gpt_block_of_keras_layers() -> keras.Model:
    inputs = keras.Input((S, H))
    y = layers.LayerNormalization()(inputs)
    y = layers.MultiHeadAttention(A, H // A, dropout=DROPOUT)(y, y)
    y = layers.Dropout(DROPOUT)(y)
    x = layers.Add()([inputs, y])
    z = layers.LayerNormalization()(x)
    z = layers.Dense(4 * H, activation="gelu")(z)
    z = layers.Dense(H)(z)
    z = layers.Dropout(DROPOUT)(z)
    return keras.Model(inputs, layers.Add()([x, z]))


def keras_hub_decoder(blocks: int) -> keras.Model:
    keras_hub = pytest.importorskip("keras_hub")
    inputs = x = keras.Input((S, H))
    for index in range(blocks):
        x = keras_hub.layers.TransformerDecoder(
            intermediate_dim=4 * H, num_heads=A, dropout=DROPOUT, activation="gelu", name=f"block{index}"
        )(x)
    return keras.Model(inputs, x)


def planned_activations(model: keras.Model, recompute: str | None = None) -> int:
    plan = explain(model, batch_size=B, optimizer="adam", dtype_policy=POLICY, recompute=recompute).training_memory
    assert plan is not None and plan.activations is not None and plan.outputs_once_layers == ()
    assert plan.recompute == (recompute or "")
    return plan.activations


@pytest.mark.parametrize("build", [gpt_block_of_keras_layers, lambda: keras_hub_decoder(1)], ids=["keras", "hub"])
def test_no_recomputation_is_korthikantis_34_plus_5as_over_h(build):
    model = build()
    assert planned_activations(model) == korthikanti(S, B, H, A) + layer_norm_statistics(S, B)
    assert korthikanti(S, B, H, A) == S * B * H * (34 + 5 * A * S // H)  # the paper's form (5·a·s/h = 10 here)


@pytest.mark.parametrize("build", [gpt_block_of_keras_layers, lambda: keras_hub_decoder(1)], ids=["keras", "hub"])
def test_selective_recomputation_keeps_34_sbh(build):
    assert planned_activations(build(), "selective") == 34 * S * B * H + layer_norm_statistics(S, B)


@pytest.mark.parametrize("blocks", [1, 3])
def test_full_recomputation_keeps_each_layers_input(blocks):
    model = keras_hub_decoder(blocks)
    assert planned_activations(model, "full") == blocks * 2 * S * B * H
    assert planned_activations(model) == blocks * (korthikanti(S, B, H, A) + layer_norm_statistics(S, B))


def test_recompute_is_shown_and_checked():
    model = keras_hub_decoder(1)
    text = explain(model, batch_size=B, optimizer="adam", recompute="selective").render(width=120)
    assert "attention's probabilities recomputed" in text
    with pytest.raises(ValueError, match="recompute must be None, 'selective' or 'full'"):
        explain(model, recompute="some")
