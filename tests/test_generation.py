"""Generation (issue 24, item 4): prefill, decode steps, bytes read, intensity and the roofline bound.

The independent count is keras-hub's own decode step: ``LlamaCausalLM.call_with_cache`` traced by
TensorFlow with a cache of S positions and one new token, its MatMul/BatchMatMul/Einsum contractions
counted (tests/test_hub_layers.graph_contraction_macs). keras-hub's step attends over every slot
of the cache it is given, so a cache of S slots is our step with K = S keys; its logits
(``token_embedding(x, reverse=True)``, H x V per token) are the task's head, outside the backbone
we explain, and are taken off by that product.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from ascii_explain import explain
from ascii_explain.cli import main

keras_hub = pytest.importorskip("keras_hub")

from . import hub_corpus  # noqa: E402
from .stateless_support import LLAMA_7B, LLAMA_7B_PUBLISHED_PARAMS, ValueWatch  # noqa: E402
from .test_hub_layers import graph_contraction_macs  # noqa: E402

# tests/hub_corpus.llama: L blocks, hidden H, Hq query and Hkv key/value heads of D, feed-forward I, vocabulary V
L, H, HQ, HKV, D, FF, V = 2, 16, 4, 2, 4, 32, 50


def _llama():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hub_corpus.llama()


def _traced_call_with_cache(backbone, tokens, slots, batch=1):
    """Contractions of keras-hub's cached forward: ``tokens`` new tokens written at the end of a cache of ``slots``."""
    import tensorflow as tf

    lm = keras_hub.models.LlamaCausalLM(backbone=backbone, preprocessor=None)
    specs = (
        tf.TensorSpec((batch, tokens), "int32"),
        tf.TensorSpec((batch, L, 2, slots, HKV, D), "float32"),
    )
    traced = graph_contraction_macs(lambda a: lm.call_with_cache(a[0], a[1], slots - tokens)[0], specs)
    return traced - batch * tokens * H * V  # the logits: the task's head, not the backbone's


@pytest.fixture(scope="module")
def llama_and_explanation():
    backbone = _llama()
    return backbone, explain(backbone)


@pytest.mark.parametrize("prompt", [1, 8, 31])
def test_each_decode_step_equals_keras_hubs_traced_call_with_cache(llama_and_explanation, prompt):
    backbone, e = llama_and_explanation
    plan = e.generation(prompt=prompt, new_tokens=3)
    for step in plan.steps:
        assert step.keys == step.position + 1
        assert step.macs == _traced_call_with_cache(backbone, 1, step.keys)


def test_gpt2_decode_steps_equal_keras_hubs_traced_call_with_cache_too():
    """GPT-2 (2 blocks, 2 heads of 8, hidden 16, vocabulary 50): biases and a 4h feed-forward; the same rule."""
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backbone = hub_corpus.gpt2()
    lm = keras_hub.models.GPT2CausalLM(backbone=backbone, preprocessor=None)
    plan = explain(backbone).generation(prompt=8, new_tokens=3)
    for step in plan.steps:
        slots = step.keys
        specs = (tf.TensorSpec((1, 1), "int32"), tf.TensorSpec((1, 2, 2, slots, 2, 8), "float32"))
        traced = graph_contraction_macs(lambda a, s=slots: lm.call_with_cache(a[0], a[1], s - 1)[0], specs)
        assert step.macs == traced - H * V


def test_decode_batch_and_prefill_equal_the_traced_cached_forward(llama_and_explanation):
    backbone, e = llama_and_explanation
    plan = e.generation(prompt=12, new_tokens=2, batch=3)
    assert plan.steps[0].macs == _traced_call_with_cache(backbone, 1, 13, batch=3)
    # prefill: the whole prompt through call_with_cache into an empty cache of its length
    assert plan.prefill_macs == _traced_call_with_cache(backbone, 12, 12, batch=3)
    assert plan.prefill_macs == 3 * explain(backbone, input_shape=(1, 12)).total_macs


def test_the_decode_formula_is_the_models_numbers(llama_and_explanation):
    """Per token: q and o ``2*H*Hq*D``, k and v ``2*H*Hkv*D``, feed-forward ``3*H*I`` per block;
    against K keys: scores and values ``2*Hq*K*D`` per block."""
    _, e = llama_and_explanation
    plan = e.generation(prompt=4, new_tokens=5)
    per_token = L * (2 * H * HQ * D + 2 * H * HKV * D + 3 * H * FF)
    assert plan.decode_macs_formula == f"{L * 2 * HQ * D}*K + {per_token}"
    assert [s.macs for s in plan.steps] == [per_token + L * 2 * HQ * k * D for k in range(5, 10)]
    assert plan.decode_macs == sum(s.macs for s in plan.steps)
    assert plan.total_macs == plan.prefill_macs + plan.decode_macs


def test_bytes_read_intensity_and_the_roofline(llama_and_explanation):
    backbone, e = llama_and_explanation
    batch, peak, bandwidth = 2, 1e12, 1e9
    plan = e.generation(prompt=6, new_tokens=4, batch=batch, peak_flops=peak, bandwidth=bandwidth)
    weight_bytes = sum(int(v.numpy().size) * v.numpy().itemsize for v in backbone.weights)
    assert plan.weight_bytes == weight_bytes
    for step in plan.steps:
        cache = batch * L * 2 * step.keys * HKV * D * 4  # keras-hub's cache tensor at K slots, float32
        assert step.bytes_read == weight_bytes + cache
        assert step.intensity == step.macs / step.bytes_read
        assert step.time_lower_bound == max(2 * step.macs / peak, step.bytes_read / bandwidth)
    assert plan.kv_cache_bytes_final == batch * L * 2 * 10 * HKV * D * 4
    assert plan.machine_balance == peak / 2 / bandwidth
    assert plan.bandwidth_bound is True  # a tiny model: well under one MAC per byte
    assert plan.decode_time_lower_bound == pytest.approx(sum(s.time_lower_bound for s in plan.steps))
    fast_memory = e.generation(prompt=6, new_tokens=1, peak_flops=1e3, bandwidth=1e12)
    assert fast_memory.bandwidth_bound is False  # a device with almost no compute is compute-bound
    text = plan.render()
    assert "decoding is bandwidth-bound" in text and "Roofline lower bound" in text
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["steps"][0]["macs"] == plan.steps[0].macs and data["total_macs"] == plan.total_macs


def test_without_a_device_there_is_no_time(llama_and_explanation):
    _, e = llama_and_explanation
    plan = e.generation(prompt=6, new_tokens=2)
    assert plan.machine_balance is None and plan.bandwidth_bound is None and plan.decode_time_lower_bound is None
    assert "give peak_flops= and bandwidth=" in plan.render()


def test_bad_requests_are_one_clear_sentence(llama_and_explanation):
    backbone, e = llama_and_explanation
    with pytest.raises(ValueError, match="prompt must be a positive integer"):
        e.generation(prompt=0, new_tokens=1)
    with pytest.raises(ValueError, match="peak_flops must be a positive number"):
        e.generation(prompt=1, new_tokens=1, peak_flops=-1)
    with pytest.raises(ValueError, match="input_shape was given"):
        explain(backbone, input_shape=(1, 8)).generation(prompt=8, new_tokens=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bert = explain(hub_corpus.bert())
    with pytest.raises(ValueError, match="needs a decoder"):
        bert.generation(prompt=8, new_tokens=1)


def test_a_7b_llama_built_without_values_at_4096_plus_256_tokens():
    """Llama-2-7B (L=32, H=4096, 32 heads, I=11008): per token ``L*(4*H*H + 3*H*I)``, against K keys
    ``L*2*H*K``; weights 6,738,415,616 float32 values; cache ``2*L*K*H`` float32 values. No value exists."""
    from keras.src.backend.common.stateless_scope import StatelessScope

    from ascii_explain.read.unallocated import keep_unallocated

    with StatelessScope(initialize_variables=False):
        model = keras_hub.models.LlamaBackbone(**LLAMA_7B)
    keep_unallocated(model)
    watch = ValueWatch(model)
    e = explain(model)
    plan = e.generation(prompt=4096, new_tokens=256, peak_flops=3.12e14, bandwidth=2.04e12)
    watch.assert_untouched()
    layers, hidden, inner = 32, 4096, 11008
    per_token = layers * (4 * hidden * hidden + 3 * hidden * inner)
    assert plan.decode_macs_formula == f"{layers * 2 * hidden}*K + {per_token}"
    assert plan.prefill_macs == 4096 * per_token + layers * 2 * hidden * 4096 * 4096
    first, last = plan.steps[0], plan.steps[-1]
    assert (first.keys, last.keys, len(plan.steps)) == (4097, 4352, 256)
    assert first.macs == per_token + layers * 2 * hidden * 4097
    assert plan.weight_bytes == LLAMA_7B_PUBLISHED_PARAMS * 4
    assert last.bytes_read == plan.weight_bytes + 2 * layers * 4352 * hidden * 4
    assert plan.bandwidth_bound  # about half a MAC per byte against a balance of ~76
    assert first.time_lower_bound == first.bytes_read / 2.04e12
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert plan.render() in readme  # the README's worked example is this plan, as printed


def test_cli_generate_prints_the_plan_and_json_carries_it(tmp_path, capsys):
    from .stateless_support import write_llama_7b_preset

    preset = write_llama_7b_preset(tmp_path / "llama2_7b_en")
    assert main([str(preset), "--generate", "4096,256", "--peak-flops", "3.12e14", "--bandwidth", "2.04e12"]) == 0
    out = capsys.readouterr().out
    assert "Generation: a prompt of 4,096 tokens, then 256 new, for a batch of 1" in out
    assert "decoding is bandwidth-bound" in out
    assert main([str(preset), "--generate", "16,2", "--batch-size", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["generation"]["batch"] == 2 and len(data["generation"]["steps"]) == 2
    assert main([str(preset), "--generate", "16,2", "--input-shape", "1,16"]) == 2
    assert "--generate: generation() needs the costs at an unknown sequence length" in capsys.readouterr().err
    assert main([str(preset), "--bandwidth", "1e9"]) == 2
    assert "apply with --generate" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(preset), "--generate", "16"])
