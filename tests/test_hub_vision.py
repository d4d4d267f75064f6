"""keras-hub's vision backbones (tests/hub_vision_corpus.py): formulas against Keras, mult-adds against TF's graph.

The corpus-wide checks (no fallback row, totals equal Keras's, mult-adds known)
run in tests/test_transformers.py and tests/test_realworld.py, which iterate
the merged corpus. Here: every formula of the vision tables equals
count_params() term by term over the vision corpus and over varied configs,
and each model's total mult-adds equal an independent count, the contractions
of TensorFlow's graph of the forward pass (MatMul, BatchMatMul, Einsum,
Conv2D and depthwise Conv2D).
"""

from __future__ import annotations

import functools
import math
import os
import warnings

import pytest

keras_hub = pytest.importorskip("keras_hub")

from ascii_explain import explain  # noqa: E402
from ascii_explain.arithmetic import evaluate  # noqa: E402
from ascii_explain.layers import UnknownDimensionError, find_formula, find_macs, find_own_weights  # noqa: E402
from ascii_explain.layers import hub as H  # noqa: E402
from ascii_explain.layers.hub import vision_attention as A  # noqa: E402
from ascii_explain.layers.hub import vision_parts as P  # noqa: E402
from ascii_explain.layers.hub import vision_tables as T  # noqa: E402
from ascii_explain.layers.hub import vitdet as V  # noqa: E402
from ascii_explain.read.hub import hub_config  # noqa: E402

from . import hub_vision_corpus  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def graph_macs(function, specs):
    """Contractions of TF's graph of ``function`` at ``specs``, called functions included.

    As tests/test_hub_layers.graph_contraction_macs counts them (MatMul,
    BatchMatMul, Einsum with a summed index, Conv2D ``output elements x kh x kw x
    kernel input``), plus depthwise convolutions (``output elements x kh x kw``) and
    transposed ones (``input elements x kh x kw x filters``),
    and descending into the functions a graph calls: Keras compiles grouped
    convolutions on TF as a called XLA function.
    """
    import tensorflow as tf

    return _graph_ops_macs(tf.function(function).get_concrete_function(specs).graph)


def _size(shape):
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


def _atrous_output(op):
    """A convolution's output; for a dilated one TF runs on SpaceToBatchND blocks, BatchToSpaceND's cropped one.

    TF pads the input of an atrous convolution to a whole number of blocks (DeepLabV3's ASPP), so the
    Conv2D op's own output holds padding positions no output of the layer has.
    """
    output = op.outputs[0]
    if op.inputs[0].op.type != "SpaceToBatchND":
        return output
    while True:
        consumers = output.consumers()
        crop = [consumer for consumer in consumers if consumer.type == "BatchToSpaceND"]
        if crop:
            return crop[0].outputs[0]
        if len(consumers) != 1:  # not the usual Conv2D -> (BiasAdd) -> BatchToSpaceND chain: as TF ran it
            return op.outputs[0]
        output = consumers[0].outputs[0]


def _reads_a_weight(op):
    """An operand read from a variable (a Dense on one feature counts ``in*units``, as its formula does)."""
    for tensor in op.inputs:
        source = tensor.op
        while source.type in ("Identity", "Cast") and source.inputs:
            source = source.inputs[0].op
        if source.type in ("ReadVariableOp", "ResourceGather"):
            return True
    return False


def _graph_ops_macs(graph):
    total = 0
    for op in graph.get_operations():
        if op.type in ("StatefulPartitionedCall", "PartitionedCall"):
            total += _graph_ops_macs(graph._functions[op.get_attr("f").name].graph)
        elif op.type == "MatMul":
            a, b = (tuple(t.shape) for t in op.inputs)
            m, k = (a[1], a[0]) if op.get_attr("transpose_a") else a
            n = b[0] if op.get_attr("transpose_b") else b[1]
            if k == 1 and m * n > 1 and not _reads_a_weight(op):  # an outer product of two activations: 0
                continue
            total += m * k * n
        elif op.type.startswith("BatchMatMul"):
            a, b = (tuple(t.shape) for t in op.inputs)
            m, k = (a[-1], a[-2]) if op.get_attr("adj_x") else (a[-2], a[-1])
            n = b[-2] if op.get_attr("adj_y") else b[-1]
            if k == 1 and m * n > 1 and not _reads_a_weight(op):  # as for MatMul (SAM's, D-FINE's sine positions)
                continue
            total += _size(a[:-2] if len(a) >= len(b) else b[:-2]) * m * k * n
        elif op.type == "Einsum":
            operands, output = op.get_attr("equation").decode().split("->")
            operands = operands.split(",")
            if set("".join(operands)) <= set(output):  # no summed index: element-wise, not a contraction
                continue
            sizes: dict[str, int] = {}
            for letters, tensor in zip(operands, op.inputs, strict=True):
                sizes.update(zip(letters, (int(d) for d in tensor.shape), strict=True))
            total += _size(sizes.values())
        elif op.type in ("Conv2D", "Conv3D"):
            kernel = tuple(op.inputs[1].shape)
            total += _size(_atrous_output(op).shape) * _size(kernel[:-1])
        elif op.type == "Conv2DBackpropInput":  # a transposed convolution: input positions x kernel volume
            kernel = tuple(op.inputs[1].shape)
            total += _size(op.inputs[2].shape) * _size(kernel[:-1])
        elif op.type == "DepthwiseConv2dNative":
            kernel = tuple(op.inputs[1].shape)
            total += _size(op.outputs[0].shape) * kernel[0] * kernel[1]
    return total


@functools.cache
def corpus_model(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hub_vision_corpus.VISION_MODELS[name]()


def all_layers(model):
    return list(model._flatten_layers(include_self=False, recursive=True))


def specs_for(model, shapes):
    import tensorflow as tf

    if isinstance(shapes, dict):
        return {key: tf.TensorSpec(shape, model._inputs_struct[key].dtype) for key, shape in shapes.items()}
    return tf.TensorSpec(shapes, "float32")


# --------------------------------------------------------------------------- registration


def test_every_vision_path_resolves_and_registers():
    H.register()
    for path, function in T.VISION2_FORMULAS.items():
        assert H.resolve(path) is not None, path
        assert find_formula(H.resolve(path)) is function, path  # type: ignore[arg-type]
    for path, function in T.VISION2_MACS.items():
        assert H.resolve(path) is not None, path
        assert find_macs(H.resolve(path)) is function, path  # type: ignore[arg-type]
    for path, function in T.VISION2_OWN_WEIGHTS.items():
        assert find_own_weights(H.resolve(path)) is function, path  # type: ignore[arg-type]


# --------------------------------------------------------------------------- parameters over the corpus


def own_weights(layer):
    inside = {id(w) for sub in layer._flatten_layers(include_self=False, recursive=True) for w in sub.weights}
    return [w for w in {id(w): w for w in layer.weights}.values() if id(w) not in inside]


def assert_terms_are_weights(terms, weights, where):
    """One term per weight, matched by path suffix, of the weight's size and trainable flag."""
    unmatched = list(weights)
    for term in terms:
        matches = [w for w in unmatched if w.path == term.name or w.path.endswith("/" + term.name)]
        assert len(matches) == 1, (where, term.name, [w.path for w in unmatched])
        size = 1
        for dim in matches[0].shape:
            size *= int(dim)
        assert evaluate(term.expression) == size, (where, term.name, term.expression, matches[0].shape)
        assert term.trainable == bool(matches[0].trainable), (where, term.name)
        unmatched.remove(matches[0])
    assert not unmatched, (where, [w.path for w in unmatched])


VISION_FORMULAS = set(T.VISION2_FORMULAS.values())
VISION_OWN = set(T.VISION2_OWN_WEIGHTS.values())


@pytest.mark.parametrize("name", sorted(hub_vision_corpus.VISION_MODELS))
def test_vision_formulas_equal_count_params_over_corpus(name):
    checked = 0
    for layer in all_layers(corpus_model(name)):
        formula = find_formula(type(layer))
        if formula in VISION_FORMULAS:
            result = formula(hub_config(layer), layer_build_shape(layer))
            assert result.value() == layer.count_params(), (name, layer.name, result.expression)
            assert_terms_are_weights(result.terms, layer.weights, layer.name)
            checked += 1
        own = find_own_weights(type(layer))
        if own in VISION_OWN:
            result = own(hub_config(layer), layer_build_shape(layer))
            assert_terms_are_weights(result.terms, own_weights(layer), layer.name)
            checked += 1
    families = {
        "mobilenetv5", "hgnetv2", "clip", "metaclip2", "siglip", "dinov3", "dinov3_gated", "swin", "vitdet", "sam",
        "parseq",
    }
    assert checked or name not in families, name


def layer_build_shape(layer):
    config = layer.get_build_config() or {}
    return config.get("input_shape")


def test_every_vision_formula_is_exercised_by_the_corpus():
    seen = set()
    for name in hub_vision_corpus.VISION_MODELS:
        for layer in all_layers(corpus_model(name)):
            seen.add(find_formula(type(layer)))
            seen.add(find_own_weights(type(layer)))
    assert VISION_FORMULAS | VISION_OWN <= seen, (VISION_FORMULAS | VISION_OWN) - seen


# --------------------------------------------------------------------------- parameters over varied configs


def _check(layer, shape):
    layer.build(shape)
    return layer


@pytest.mark.parametrize("hidden", [1, 7, 16])
def test_layer_scale_and_affine_varied(hidden):
    from keras_hub.src.models.dinov3.dinov3_layers import DINOV3LayerScale
    from keras_hub.src.models.hgnetv2.hgnetv2_layers import HGNetV2LearnableAffineBlock

    scale = _check(DINOV3LayerScale(hidden_dim=hidden), (None, 5, hidden))
    assert P.hidden_dim_scale(hub_config(scale), (None, 5, hidden)).value() == scale.count_params() == hidden
    affine = _check(HGNetV2LearnableAffineBlock(), (None, 4, 4, hidden))
    assert P.hgnetv2_affine(hub_config(affine), (None, 4, 4, hidden)).value() == affine.count_params() == 2


@pytest.mark.parametrize("dim", [1, 5, 32])
def test_mobilenetv5_channel_gammas_varied(dim):
    from keras_hub.src.models.mobilenetv5.mobilenetv5_layers import LayerScale2d, RmsNorm2d

    for layer in (RmsNorm2d(dim=dim), LayerScale2d(dim=dim)):
        layer.build((None, 4, 4, dim))
        result = P.channel_gamma(hub_config(layer), (None, 4, 4, dim))
        assert_terms_are_weights(result.terms, layer.weights, type(layer).__name__)
        assert result.value() == layer.count_params() == dim


@pytest.mark.parametrize(
    ("registers", "mask", "hidden"), [(0, False, 8), (0, True, 4), (3, True, 8), (5, False, 6)]
)
def test_dinov3_embedding_own_weights_varied(registers, mask, hidden):
    from keras_hub.src.models.dinov3.dinov3_layers import DINOV3Embedding

    layer = _check(
        DINOV3Embedding(hidden_dim=hidden, patch_size=4, num_register_tokens=registers, use_mask_token=mask),
        (None, 16, 16, 3),
    )
    result = P.dinov3_embedding_own(hub_config(layer), (None, 16, 16, 3))
    assert_terms_are_weights(result.terms, own_weights(layer), "DINOV3Embedding")


@pytest.mark.parametrize(("dim", "heads", "window"), [(8, 2, 4), (12, 3, 2), (6, 1, (3, 5))])
def test_swin_window_attention_table_varied(dim, heads, window):
    from keras_hub.src.models.swin_transformer.swin_transformer_layers import WindowAttention

    layer = _check(WindowAttention(dim=dim, num_heads=heads, window_size=window), (None, 4, dim))
    result = A.swin_window_attention_own(hub_config(layer), None)
    assert_terms_are_weights(result.terms, own_weights(layer), "WindowAttention")


@pytest.mark.parametrize(("image", "patch", "dim"), [(32, 4, 8), (30, 5, 3), (16, 16, 4)])
def test_vitdet_absolute_positions_varied(image, patch, dim):
    from keras_hub.src.models.vit_det.vit_layers import AddPositionalEmbedding

    layer = AddPositionalEmbedding(image, patch, dim)  # its weight is created in __init__
    result = V.add_positional_embedding(hub_config(layer), None)
    assert_terms_are_weights(result.terms, layer.weights, "AddPositionalEmbedding")


@pytest.mark.parametrize(("size", "key_dim"), [((4, 4), 4), ((3, 7), 2), ((14, 14), 8)])
def test_vitdet_relative_positions_varied(size, key_dim):
    from keras_hub.src.models.vit_det.vit_layers import AddRelativePositionalEmbedding

    layer = AddRelativePositionalEmbedding(size, key_dim)
    result = V.add_relative_positional_embedding(hub_config(layer), None)
    assert_terms_are_weights(result.terms, layer.weights, "AddRelativePositionalEmbedding")


@pytest.mark.parametrize("features", [1, 4, 128])
def test_sam_random_frequencies_varied(features):
    from keras_hub.src.models.sam.sam_layers import RandomFrequencyPositionalEmbeddings

    layer = RandomFrequencyPositionalEmbeddings(num_positional_features=features, scale=1)
    result = P.random_frequency_embedding(hub_config(layer), None)
    assert_terms_are_weights(result.terms, layer.weights, "RandomFrequencyPositionalEmbeddings")
    assert result.value() == 2 * features


# --------------------------------------------------------------------------- mult-adds against TF's graph


@pytest.mark.parametrize("name", sorted(hub_vision_corpus.MACS_KNOWN))
def test_vision_macs_equal_tf_graph_contractions(name):
    model = corpus_model(name)
    shapes = hub_vision_corpus.VISION_INPUT_SHAPES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = explain(model, input_shape=shapes)
    assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
    graphed = _graph_ready(name, model)
    assert e.total_macs == graph_macs(lambda inputs: graphed(inputs), specs_for(graphed, shapes))


def _graph_ready(name, model):
    """The model TF's graph is read from: ``model``; for Stable Diffusion 3 a second instance whose scheduler
    has its sigmas, as its first eager call sets them (``num_steps`` as a count: no graph can read it)."""
    if name != "stable_diffusion_3":
        return model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graphed = hub_vision_corpus.VISION_MODELS[name]()
    graphed.get_layer("scheduler").set_sigmas(4)  # the count changes no product: sigmas are looked up
    return graphed


VARIED = {
    # Swin: a grid that is not a whole number of windows (6x6 in windows of 4: padded to 8x8), shifted blocks
    "swin_padded": (
        lambda: keras_hub.models.SwinTransformerBackbone(
            image_shape=(24, 24, 3), embed_dim=6, depths=[2], num_heads=[3], window_size=4, patch_size=4,
            mlp_ratio=1.5,
        ),
        (1, 24, 24, 3),
    ),
    # ViTDet: windows of 3 on an 8x8 grid (padded to 9x9), no relative positions, two global layers
    "vitdet_padded_no_rel": (
        lambda: keras_hub.models.ViTDetBackbone(
            hidden_size=12, num_layers=3, intermediate_dim=8, num_heads=3, global_attention_layer_indices=[0, 2],
            image_shape=(32, 32, 3), patch_size=4, num_output_channels=4, window_size=3, use_rel_pos=False,
        ),
        (1, 32, 32, 3),
    ),
    "vitdet_rel": (
        lambda: keras_hub.models.ViTDetBackbone(
            hidden_size=8, num_layers=2, intermediate_dim=8, num_heads=1, global_attention_layer_indices=[0],
            image_shape=(24, 24, 3), patch_size=3, num_output_channels=4, window_size=3,
        ),
        (1, 24, 24, 3),
    ),
    # MiT: spatial reduction 4 then 2, three heads
    "mit_sr": (
        lambda: keras_hub.models.MiTBackbone(
            layerwise_depths=[1, 2], num_layers=2, layerwise_num_heads=[1, 3], layerwise_sr_ratios=[4, 2],
            max_drop_path_rate=0.0, layerwise_patch_sizes=[7, 3], layerwise_strides=[2, 2],
            image_shape=(32, 32, 3), hidden_dims=[4, 6],
        ),
        (1, 32, 32, 3),
    ),
    # DINOv3: three heads, registers, gated MLP without biases
    "dinov3_heads": (
        lambda: keras_hub.models.DINOV3Backbone(
            patch_size=4, num_layers=1, hidden_dim=12, num_heads=3, intermediate_dim=10, num_register_tokens=3,
            use_gated_mlp=True, use_mlp_bias=False, use_query_bias=False, image_shape=(16, 16, 3),
        ),
        (1, 16, 16, 3),
    ),
}


@pytest.mark.parametrize("name", sorted(VARIED))
def test_vision_macs_equal_tf_graph_varied(name):
    build, shapes = VARIED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build()
        e = explain(model, input_shape=shapes)
    assert e.totals_match and not e.fallbacks, [(r.name, r.fallback_parts) for r in e.fallbacks]
    assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
    assert e.total_macs == graph_macs(lambda inputs: model(inputs), specs_for(model, shapes))


def test_a_sublayer_tracked_twice_is_counted_once():
    """ViTDet's MLP holds its Dense layers in a list and in the Sequential built from it: one row each."""
    model = corpus_model("vitdet")
    assert explain(model, expand_nested=True).total_params == model.count_params()
    inner = next(layer for layer in model.layers if type(layer).__name__ == "WindowedTransformerEncoder")
    encoder = explain(model).layer(inner.name)  # auto-named: the name depends on what was built before
    assert encoder.params == encoder.keras_params == inner.count_params()
    mlp = inner.mlp_block
    assert len(mlp._flatten_layers(include_self=False, recursive=False)) > 1  # the list and the Sequential


@pytest.mark.parametrize(("heads", "length", "depth", "value_depth"), [(2, 6, 4, 4), (3, 5, 2, 6), (1, 9, 8, 8)])
def test_flux_rope_attention_macs_equal_tf_graph(heads, length, depth, value_depth):
    import tensorflow as tf
    from keras_hub.src.models.flux.flux_maths import FluxRoPEAttention

    layer = FluxRoPEAttention()
    shapes = {
        "q": (1, heads, length, depth),
        "k": (1, heads, length, depth),
        "v": (1, heads, length, value_depth),
        "positional_encoding": (1, length, depth // 2, 2),
    }
    ours = evaluate(A.flux_rope_attention_macs({}, None, None, call_shapes=shapes))
    specs = {name: tf.TensorSpec(shape, "float32") for name, shape in shapes.items()}
    graph = graph_macs(lambda x: layer(x["q"], x["k"], x["v"], x["positional_encoding"]), specs)
    assert ours == graph == heads * length * length * (depth + value_depth)
    with pytest.raises(UnknownDimensionError):
        A.flux_rope_attention_macs({}, None, None)


def test_a_block_with_several_model_outputs_lists_each_once_with_keras_batch():
    """HGNetV2's encoder is the model's three outputs; the static-shape trace runs at batch 1, which is ours."""
    model = corpus_model("hgnetv2")
    keras_shapes = [tuple(tensor.shape) for tensor in model.get_layer("encoder").output]
    assert len(keras_shapes) == 3 and all(shape[0] is None for shape in keras_shapes)
    e = explain(model)
    # The rows keep the trace's batch of 1 (the costs are read from them); the Outputs line writes Keras's None.
    assert e.layer("encoder").output_shape == tuple((1, *shape[1:]) for shape in keras_shapes)
    # Three outputs of one layer: the layer listed once, with its shapes (not each of them three times).
    listed = ", ".join(str(shape) for shape in keras_shapes)
    lines = [" ".join(line.split()) for line in e.render(width=200).splitlines()]
    assert f"Outputs (3): encoder {listed}" in lines
    # The mult-adds are per sample either way: the embedder's stem as traced at batch 1.
    assert e.layer("embedder").macs and not e.macs_unknown


def test_a_shared_layers_call_lines_write_keras_batch_at_the_static_shape():
    """SegFormer's shared resize is called twice; its first call's shapes come from the static-shape trace at
    batch 1, ours: its line wrote (1, 4, 4, 8), beside its second call's graph shapes (None, ...). Given an
    input_shape, the batch is the user's and stays."""
    model = corpus_model("segformer")
    shape = (1, *tuple(model.inputs[0].shape)[1:])

    def call_lines(text: str) -> list[str]:
        lines = [" ".join(line.split()) for line in text.splitlines()]
        return [line for line in lines if "call 1 ←" in line or "call 2 ←" in line]

    static = call_lines(explain(model).render(width=200)) + call_lines(explain(model)._repr_html_())
    assert static and all("(None, " in line and "(1, " not in line for line in static)
    given = call_lines(explain(model, input_shape=shape).render(width=200))
    assert given and any("(1, " in line for line in given)


def test_the_static_shape_trace_counts_what_an_explicit_input_shape_counts():
    """DepthAnything's fusion stages need every axis of their call; the static-shape trace gives them (at batch
    1, ours): writing that batch None in the traced calls left the neck's mult-adds unknown."""
    model = corpus_model("depth_anything")
    image = tuple(model.inputs[0].shape)[1:]
    traced, given = explain(model), explain(model, input_shape=(1, *image))
    assert not traced.macs_unknown and not given.macs_unknown
    assert traced.total_macs == given.total_macs > 0


def test_a_block_returning_a_dict_keeps_the_graphs_output_shapes():
    """DINOv3's encoder (as DINOv2's) returns its hidden states and a dict of them: the trace has no flat shape for
    that, the graph's node has its tensors (Keras's summary shows them), and they are the activations counted."""
    model = corpus_model("dinov3")
    encoder = model.get_layer("encoder")
    tensors = encoder._inbound_nodes[0].output_tensors
    e = explain(model)
    assert e.layer("encoder").output_shape == tuple(tuple(tensor.shape) for tensor in tensors)
    assert e.layer("encoder").output_bytes == sum(math.prod(tensor.shape[1:]) * 4 for tensor in tensors)
    assert not e.activation_unknown and e.activation_bytes is not None
