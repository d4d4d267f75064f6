"""Over the whole corpus, traced and registered mult-adds agree on every registered family (issue 21, items 3, 5).

Every model of the keras-hub corpus (tests/hub_corpus.py, its vision part
included) and of the keras-io-style corpus is explained at a concrete input
shape with its nested rows; each row whose count comes from a registered
mult-add function is cross-checked by the trace of its own call at the same
shapes (``LayerRecord.traced_macs``), and none may disagree
(``macs_disagree``). A registered row without a cross-check is allowed only
where the two counts differ by design (``build/costs.py``,
``CROSS_CHECK_EXEMPT``; README, "Traced counts"):

* mixture-of-experts layers: the registered count is the top-k experts a token
  uses, keras-hub's code runs every expert densely (the trace's count);
* recurrent layers (RNN, LSTM, GRU, Bidirectional): the loop body is traced
  once, the registered count is every timestep.

Also stated here: a container row (a block, a nested model) is its parts'
sum, each part cross-checked on its own row.

The corpus-wide run is marked ``slow`` (about a minute and a half); a subset
of families runs by default.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

pytest.importorskip("keras_hub")

from ascii_explain import explain  # noqa: E402
from ascii_explain.build.costs import CROSS_CHECK_EXEMPT  # noqa: E402

from . import hub_corpus, hub_vision_corpus  # noqa: E402
from .keras_io_corpus import KERAS_IO_MODELS  # noqa: E402

T = 8  # the sequence length text models (and the keras-io models' unknown axes) are explained at

_IMAGE16 = (1, 16, 16, 3)
HUB_INPUT_SHAPES: dict[str, Any] = {
    **{name: (1, T) for name in hub_corpus.HUB_MODELS},  # token ids, and a padding mask of the same shape
    **{name: _IMAGE16 for name in ("vit", "deit", "dinov2", "vit_classifier")},
    "resnet": "static",  # its own static image shape, at batch 1
    "vgg": "static",
    "whisper": {"encoder_features": (1, 16, 8), "decoder_token_ids": (1, 5), "decoder_padding_mask": (1, 5)},
    **hub_corpus.MULTI_INPUT_SHAPES,
    **hub_vision_corpus.VISION_INPUT_SHAPES,
}

# One of each kind, run by default: dense and sparse decoders, an encoder, vision backbones, SAM's windows
DEFAULT_SUBSET = ("bert", "llama", "mixtral", "gemma3", "vit", "efficientnet", "sam")


def _build(name: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name.startswith("io:"):
            return KERAS_IO_MODELS[name[3:]]()
        return hub_corpus.HUB_MODELS[name]()


def _keras_io_shape(model: Any) -> Any:
    """The model's input shapes at batch 1, an unknown axis at T (an LSTM over T steps): a traced forward runs."""
    inputs = list(getattr(model, "inputs", None) or [])
    if not inputs:
        return None
    shapes = [(1, *(T if dim is None else dim for dim in tuple(tensor.shape)[1:])) for tensor in inputs]
    return shapes[0] if len(shapes) == 1 else shapes


def _explained(name: str) -> tuple[Any, Any, Any]:
    """(explanation, model, the input shapes it was explained at: None when it has no inputs to trace from)."""
    model = _build(name)
    shapes = HUB_INPUT_SHAPES.get(name)
    if name.startswith("io:") or shapes == "static":
        shapes = _keras_io_shape(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explain(model, input_shape=shapes, expand_nested=True), model, shapes


def _nested_models(model: Any) -> set[str]:
    import keras

    return {layer.name for layer in model._flatten_layers(include_self=False) if isinstance(layer, keras.Model)}


def _exempt(class_name: str) -> bool:
    return any(word in class_name for word in CROSS_CHECK_EXEMPT)


def assert_traced_and_registered_agree(name: str) -> None:
    e, model, shapes = _explained(name)
    disagree = [(r.name, r.class_name, r.macs, r.traced_macs) for r in e.layers if r.macs_disagree]
    assert not disagree, disagree
    if shapes is None:
        return  # a subclassed model without inputs: no traced forward to cross-check with (and nothing disagrees)
    containers = {r.parent for r in e.layers if r.parent} | _nested_models(model)
    registered = [
        r for r in e.layers
        # its own row: not a container's sum, and called in the traced forward (not an unused attribute)
        if r.macs_source == "formula" and r.macs and r.name not in containers and not r.sublayer_count
        and not r.placement and r.state != "unbuilt"
    ]  # fmt: skip
    unchecked = [(r.name, r.class_name) for r in registered if r.traced_macs is None and not _exempt(r.class_name)]
    assert not unchecked, f"registered counts without their traced cross-check: {unchecked}"
    checked = [r for r in registered if r.traced_macs is not None]
    assert all(r.traced_macs == r.macs for r in checked)  # what "no disagreement" means, row by row


@pytest.mark.parametrize("name", sorted(DEFAULT_SUBSET) + [f"io:{name}" for name in sorted(KERAS_IO_MODELS)])
def test_traced_and_registered_macs_agree(name: str) -> None:
    assert_traced_and_registered_agree(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in sorted(hub_corpus.HUB_MODELS) if name not in DEFAULT_SUBSET])
def test_traced_and_registered_macs_agree_over_the_whole_hub_corpus(name: str) -> None:
    assert_traced_and_registered_agree(name)


def test_the_cross_check_is_made_on_the_registered_families() -> None:
    """Not vacuous: a decoder's registered rows (its attention, its dense layers) are each cross-checked."""
    e, _, _ = _explained("llama")
    checked = [r for r in e.layers if r.traced_macs is not None]
    assert len(checked) >= 8 and {r.class_name for r in checked} >= {"LlamaAttention", "Dense"}
    assert all(r.macs == r.traced_macs for r in checked)


def test_top_k_experts_are_stated_exempt_not_silently_dropped() -> None:
    """Mixtral's sparse block counts top-k experts where its code runs all: no cross-check, by design."""
    e, _, _ = _explained("mixtral")
    moe = [r for r in e.layers if "Moe" in r.class_name or "MoE" in r.class_name]
    assert moe and all(r.traced_macs is None for r in moe) and all(_exempt(r.class_name) for r in moe)
