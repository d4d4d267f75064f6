"""keras-hub's detection and segmentation families (ascii_explain/layers/hub/detection.py).

D-FINE's decoder: its own weights (``add_weight`` beside its sublayers) equal
the formula's terms, one to one, over configurations. SAM3's sine positions:
TensorFlow's graph of each of its three entry points (``call``,
``encode_1d_positions``, ``encode_boxes``) holds no contraction, so 0 mult-adds
is a count, not a guess. The corpus-wide checks of these models run in
tests/test_realworld.py, tests/test_transformers.py and tests/test_hub_vision.py.
"""

from __future__ import annotations

import warnings

import pytest

keras_hub = pytest.importorskip("keras_hub")

from ascii_explain import explain  # noqa: E402
from ascii_explain.arithmetic import evaluate  # noqa: E402
from ascii_explain.layers import find_macs, find_own_weights  # noqa: E402
from ascii_explain.layers import hub as H  # noqa: E402
from ascii_explain.layers.hub import detection as D  # noqa: E402
from ascii_explain.read.hub import hub_config  # noqa: E402

from .test_hub_vision import graph_macs, own_weights  # noqa: E402

M = keras_hub.models


def test_the_detection_tables_register():
    H.register()
    for path, function in D.DETECTION_OWN_WEIGHTS.items():
        assert find_own_weights(H.resolve(path)) is function, path  # type: ignore[arg-type]
    for path, function in D.DETECTION_MACS.items():
        assert find_macs(H.resolve(path)) is function, path  # type: ignore[arg-type]


def _dfine(decoder_layers: int, hidden: int, queries: int, points: list[int]):
    encoder = M.HGNetV2Backbone(
        depths=[1, 1], embedding_size=8, hidden_sizes=[16, 16], stem_channels=[3, 8, 8], hidden_act="relu",
        use_learnable_affine_block=False, stackwise_stage_filters=[[8, 8, 16, 1, 2, 3], [16, 8, 16, 1, 2, 3]],
        apply_downsample=[False, True], use_lightweight_conv_block=[False, False], image_shape=(None, None, 3),
        out_features=["stage1", "stage2"],
    )
    return M.DFineBackbone(
        backbone=encoder, decoder_in_channels=[hidden, hidden], encoder_hidden_dim=hidden, num_denoising=0,
        num_labels=3, hidden_dim=hidden, learn_initial_query=False, num_queries=queries, anchor_image_size=(32, 32),
        feat_strides=[4, 8], num_feature_levels=2, encoder_in_channels=[16, 16], encode_proj_layers=[1],
        num_attention_heads=2, encoder_ffn_dim=16, num_encoder_layers=1, hidden_expansion=0.5, depth_multiplier=0.5,
        eval_idx=-1, num_decoder_layers=decoder_layers, decoder_attention_heads=2, decoder_ffn_dim=16,
        decoder_n_points=points, lqe_hidden_dim=4, num_lqe_layers=2, out_features=["stage1", "stage2"],
        image_shape=(32, 32, 3), seed=0,
    )


@pytest.mark.parametrize(
    ("decoder_layers", "hidden", "queries", "points"), [(1, 8, 4, [2, 2]), (2, 12, 6, [1, 3])]
)
def test_dfine_decoder_own_weights_over_configs(decoder_layers, hidden, queries, points):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _dfine(decoder_layers, hidden, queries, points)
    decoder = next(
        layer for layer in model._flatten_layers(include_self=False, recursive=True)
        if type(layer).__name__ == "DFineDecoder"
    )
    own = own_weights(decoder)
    formula = D.dfine_decoder_own(hub_config(decoder), None)
    assert sorted(term.name for term in formula.terms) == sorted(w.name for w in own)
    for term in formula.terms:
        (weight,) = [w for w in own if w.name == term.name]
        size = 1
        for dim in weight.shape:
            size *= int(dim)
        assert evaluate(term.expression) == size and term.trainable == bool(weight.trainable) is False
    e = explain(model, input_shape=(1, 32, 32, 3))
    assert e.totals_match and not e.fallbacks, [(r.name, r.class_name) for r in e.fallbacks]
    assert e.keras_non_trainable_params == e.non_trainable_params


@pytest.mark.parametrize(("features", "normalize"), [(4, False), (8, True)])
def test_sam3_sine_positions_have_no_contraction(features, normalize):
    import tensorflow as tf
    from keras_hub.src.models.sam3.sam3_layers import SAM3SinePositionEmbedding

    layer = SAM3SinePositionEmbedding(num_pos_feats=features, normalize=normalize)
    layer.build()
    assert graph_macs(lambda x: layer(x, height=4, width=5), tf.TensorSpec((1, 4, 5, 8), "float32")) == 0
    assert graph_macs(lambda xy: layer.encode_1d_positions(xy[0], xy[1]), (tf.TensorSpec((3,)),) * 2) == 0
    assert graph_macs(layer.encode_boxes, tf.TensorSpec((1, 2, 4), "float32")) == 0
    assert evaluate(D.DETECTION_MACS[D._M + "sam3.sam3_layers.SAM3SinePositionEmbedding"]({}, None, None)) == 0


def test_depth_anything_fusion_macs_on_hand_written_facts():
    config = {"hidden_dim": 4, "size": (6, 6), "data_format": "channels_last"}
    # no residual: residual_layer2 at 3x3, 4->4 then 4->4: 2*3*3*3*3*4*4 = 2592; projection 6*6*4*4 = 576
    first = D.depth_anything_fusion_macs(config, None, None, call_shapes={"inputs": (1, 3, 3, 4), "residual": None})
    assert evaluate(first) == 2592 + 576
    # with a residual of the same shape: residual_layer1 adds another 2592
    second = D.depth_anything_fusion_macs(
        config, None, None, call_shapes={"inputs": (1, 3, 3, 4), "residual": (1, 3, 3, 4)}
    )
    assert evaluate(second) == 2 * 2592 + 576
    from ascii_explain.layers import UnknownDimensionError

    with pytest.raises(UnknownDimensionError):
        D.depth_anything_fusion_macs(config, None, None)
    with pytest.raises(ValueError):
        D.depth_anything_fusion_macs({**config, "data_format": "channels_first"}, None, None, call_shapes={})


@pytest.mark.parametrize(
    ("factors", "neck", "fusion", "image"),
    [([4, 2, 1, 0.5], [4, 4, 8, 8], 8, 32), ([2, 1, 1, 0.5], [2, 3, 4, 5], 6, 32)],
)
def test_depth_anything_macs_equal_tf_graph_over_configs(factors, neck, fusion, image):
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encoder = M.DINOV2Backbone(
            patch_size=4, num_layers=4, hidden_dim=8, num_heads=2, intermediate_dim=16,
            image_shape=(image, image, 3), position_embedding_shape=(image, image, 3),
        )
        model = M.DepthAnythingBackbone(
            image_encoder=encoder, reassemble_factors=factors, neck_hidden_dims=neck, fusion_hidden_dim=fusion,
            head_hidden_dim=4, head_in_index=-1, feature_keys=["stage1", "stage2", "stage3", "stage4"],
        )
        e = explain(model, input_shape=(1, image, image, 3))
    assert e.totals_match and not e.fallbacks and not e.macs_unknown
    assert not [r.name for r in e.layers if r.traced_macs is not None and r.traced_macs != r.macs]
    assert e.total_macs == graph_macs(lambda x: model(x), tf.TensorSpec((1, image, image, 3), "float32"))


def test_attention_macs_on_hand_written_facts():
    # D-FINE: 5 tokens of 6 in 2 heads of 3: q, k, v 3*5*6*2*3 = 540; products 2*2*5*5*3 = 300; out 5*6*6 = 180
    dfine = D.dfine_attention_macs({"num_heads": 2, "embedding_dim": 6}, None, None, {"hidden_states": (1, 5, 6)})
    assert evaluate(dfine) == 540 + 300 + 180
    # SAM3Attention: 4 queries of 6, 7 keys of 5 and values of 3, hidden 8:
    # q 4*6*8 = 192, k 7*5*8 = 280, v 7*3*8 = 168, products 2*4*7*8 = 448, out 4*8*8 = 256
    shapes = {"query": (1, 4, 6), "key": (1, 7, 5), "value": (1, 7, 3)}
    assert evaluate(D.sam3_attention_macs({"hidden_dim": 8}, None, None, shapes)) == 192 + 280 + 168 + 448 + 256
    built = {"query_shape": (1, 4, 6), "key_shape": (1, 7, 5), "value_shape": (1, 7, 3)}
    assert evaluate(D.sam3_attention_macs({"hidden_dim": 8}, built, None)) == 192 + 280 + 168 + 448 + 256
    # SAM3RoPEAttention: a 2x3 grid of 4 channels, hidden 8: qkv 3*6*4*8 = 576, products 2*6*6*8 = 576, out 6*8*8 = 384
    rope = D.sam3_rope_attention_macs({"hidden_dim": 8}, None, None, {"hidden_states": (1, 2, 3, 4)})
    assert evaluate(rope) == 576 + 576 + 384
    from ascii_explain.layers import UnknownDimensionError

    for function in (D.dfine_attention_macs, D.sam3_attention_macs, D.sam3_rope_attention_macs):
        with pytest.raises(UnknownDimensionError):
            function({"num_heads": 2, "embedding_dim": 6, "hidden_dim": 8}, None, None)


@pytest.mark.parametrize(("heads", "hidden", "queries"), [(4, 16, 3)])
def test_sam3_and_dfine_macs_equal_tf_graph_over_configs(heads, hidden, queries):
    import tensorflow as tf

    from .test_hub_vision import specs_for

    layers = keras_hub.layers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sam3 = M.SAM3PromptableConceptBackbone(
            vision_encoder=layers.SAM3VisionEncoder(
                image_shape=(28, 28, 3), patch_size=14, num_layers=1, hidden_dim=hidden, intermediate_dim=16,
                num_heads=heads, fpn_hidden_dim=hidden, fpn_scale_factors=[4.0, 2.0, 1.0, 0.5],
                pretrain_image_shape=(28, 28, 3), window_size=0, global_attn_indexes=[0],
            ),
            text_encoder=layers.SAM3TextEncoder(
                vocabulary_size=50, embedding_dim=hidden, hidden_dim=hidden, num_layers=1, num_heads=heads,
                intermediate_dim=16,
            ),
            geometry_encoder=layers.SAM3GeometryEncoder(
                num_layers=1, hidden_dim=hidden, intermediate_dim=16, num_heads=heads, roi_size=2
            ),
            detr_encoder=layers.SAM3DetrEncoder(num_layers=1, hidden_dim=hidden, intermediate_dim=16, num_heads=heads),
            detr_decoder=layers.SAM3DetrDecoder(
                image_shape=(28, 28, 3), patch_size=14, num_layers=1, hidden_dim=hidden, intermediate_dim=16,
                num_heads=heads, num_queries=queries,
            ),
            mask_decoder=layers.SAM3MaskDecoder(num_upsampling_stages=3, hidden_dim=hidden, num_heads=heads),
        )
        shapes = {
            "pixel_values": (1, 28, 28, 3), "token_ids": (1, 5), "padding_mask": (1, 5), "boxes": (1, 2, 5),
            "box_labels": (1, 2),
        }
        e = explain(sam3, input_shape=shapes)
    assert e.totals_match and not e.fallbacks and not e.macs_unknown
    assert e.total_macs == graph_macs(lambda x: sam3(x), specs_for(sam3, shapes))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dfine = _dfine(1, hidden, queries, [2, 2])
        e = explain(dfine, input_shape=(1, 32, 32, 3))
    assert e.total_macs == graph_macs(lambda x: dfine(x), tf.TensorSpec((1, 32, 32, 3), "float32"))
