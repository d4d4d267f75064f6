"""keras-hub's vision backbones (and their task models) at tiny configurations, for the corpus.

Kept apart from tests/hub_corpus.py, which merges these builders into its
``HUB_MODELS``. ``VISION_INPUT_SHAPES`` gives each model the ``input_shape`` the
corpus tests explain it at (images of 32x32 unless a model needs another size).
Nothing is downloaded: every encoder is built from its config in code.
"""

from __future__ import annotations

from typing import Any, Callable

import keras_hub

M = keras_hub.models

IMAGE32 = (1, 32, 32, 3)


def densenet() -> Any:
    return M.DenseNetBackbone(stackwise_num_repeats=[1, 2], image_shape=(32, 32, 3), growth_rate=4)


def efficientnet() -> Any:
    return M.EfficientNetBackbone(
        stackwise_width_coefficients=[1.0] * 3, stackwise_depth_coefficients=[1.0] * 3,
        stackwise_kernel_sizes=[3, 3, 3], stackwise_num_repeats=[1, 1, 1],
        stackwise_input_filters=[8, 8, 16], stackwise_output_filters=[8, 16, 16],
        stackwise_expansion_ratios=[1, 4, 4], stackwise_squeeze_and_excite_ratios=[0.25, 0.0, 0.25],
        stackwise_strides=[1, 2, 2], stackwise_block_types=["v1", "fused", "v1"],
        stackwise_force_input_filters=[0, 0, 0], stackwise_nores_option=[False, False, False],
        input_shape=(32, 32, 3), num_features=32,
    )


def mobilenet() -> Any:
    return M.MobileNetBackbone(
        stackwise_expansion=[[1], [4, 3]], stackwise_num_blocks=[1, 2], stackwise_num_filters=[[8], [8, 8]],
        stackwise_kernel_size=[[3], [3, 5]], stackwise_num_strides=[[2], [2, 1]],
        stackwise_se_ratio=[[0.25], [None, 0.25]], stackwise_activation=[["relu"], ["relu", "hard_swish"]],
        stackwise_padding=[[1], [1, 2]], output_num_filters=16, depthwise_filters=8, depthwise_stride=2,
        depthwise_residual=False, last_layer_filter=16, squeeze_and_excite=0.5, image_shape=(32, 32, 3),
        input_num_filters=8,
    )


def xception() -> Any:
    return M.XceptionBackbone(
        stackwise_conv_filters=[[4, 8], [16, 16], [16, 16]], stackwise_pooling=[False, True, False],
        image_shape=(32, 32, 3),
    )


def cspnet() -> Any:
    return M.CSPNetBackbone(
        stem_filters=8, stem_kernel_size=3, stem_strides=2, stackwise_depth=[1, 1], stackwise_strides=[1, 2],
        stackwise_num_filters=[8, 16], block_type="bottleneck_block", stage_type="csp", bottle_ratio=[0.5],
        block_ratio=[1.0], expand_ratio=[2.0], stem_padding="same", image_shape=(32, 32, 3),
    )


def hgnetv2() -> Any:
    return M.HGNetV2Backbone(
        depths=[1, 1], embedding_size=8, hidden_sizes=[16, 16], stem_channels=[3, 8, 8], hidden_act="relu",
        use_learnable_affine_block=True,
        stackwise_stage_filters=[[8, 8, 16, 1, 2, 3], [16, 8, 16, 1, 2, 3]],
        apply_downsample=[False, True], use_lightweight_conv_block=[False, True], image_shape=(32, 32, 3),
    )


def _resnet4(image_shape: Any = (64, 64, 3)) -> Any:
    """A four-stage ResNet (pyramid outputs P2..P5) for encoders (keras-hub wants 64 filters first)."""
    return M.ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 4, 8, 8],
        stackwise_num_blocks=[1, 1, 1, 1], stackwise_num_strides=[1, 2, 2, 2], block_type="basic_block",
        image_shape=image_shape,
    )


def _vit_text_dims() -> dict[str, Any]:
    return dict(num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16)


def clip() -> Any:
    vision = M.CLIPVisionEncoder(patch_size=8, image_shape=(32, 32, 3), **_vit_text_dims())
    text = M.CLIPTextEncoder(vocabulary_size=50, embedding_dim=8, max_sequence_length=8, **_vit_text_dims())
    return M.CLIPBackbone(vision_encoder=vision, text_encoder=text, projection_dim=6)


def metaclip2() -> Any:
    vision = M.MetaCLIP2VisionEncoder(patch_size=8, image_shape=(32, 32, 3), **_vit_text_dims())
    text = M.MetaCLIP2TextEncoder(vocabulary_size=50, embedding_dim=8, max_sequence_length=8, **_vit_text_dims())
    return M.MetaCLIP2Backbone(vision_encoder=vision, text_encoder=text, projection_dim=6)


def siglip() -> Any:
    vision = M.SigLIPVisionEncoder(patch_size=8, image_shape=(32, 32, 3), **_vit_text_dims())
    text = M.SigLIPTextEncoder(vocabulary_size=50, embedding_dim=8, max_sequence_length=8, **_vit_text_dims())
    return M.SigLIPBackbone(vision_encoder=vision, text_encoder=text)


def dinov3() -> Any:
    return M.DINOV3Backbone(
        patch_size=8, num_layers=2, hidden_dim=8, num_heads=2, intermediate_dim=16, num_register_tokens=2,
        image_shape=(32, 32, 3),
    )


def dinov3_gated() -> Any:
    return M.DINOV3Backbone(
        patch_size=8, num_layers=1, hidden_dim=8, num_heads=2, intermediate_dim=12, num_register_tokens=0,
        use_gated_mlp=True, use_key_bias=False, use_mask_token=False, image_shape=(32, 32, 3),
    )


def swin() -> Any:
    return M.SwinTransformerBackbone(
        image_shape=(32, 32, 3), embed_dim=8, depths=[2, 1], num_heads=[2, 2], window_size=4, patch_size=4,
        mlp_ratio=2.0,
    )


def mit() -> Any:
    return M.MiTBackbone(
        layerwise_depths=[1, 1], num_layers=2, layerwise_num_heads=[1, 2], layerwise_sr_ratios=[2, 1],
        max_drop_path_rate=0.0, layerwise_patch_sizes=[7, 3], layerwise_strides=[4, 2], image_shape=(32, 32, 3),
        hidden_dims=[8, 16],
    )


def segformer() -> Any:
    return M.SegFormerBackbone(image_encoder=mit(), projection_filters=8)


def vitdet() -> Any:
    return M.ViTDetBackbone(
        hidden_size=8, num_layers=2, intermediate_dim=16, num_heads=2, global_attention_layer_indices=[1],
        image_shape=(32, 32, 3), patch_size=4, num_output_channels=8, window_size=4,
    )


def sam() -> Any:
    encoder = M.ViTDetBackbone(
        hidden_size=8, num_layers=2, intermediate_dim=16, num_heads=2, global_attention_layer_indices=[1],
        image_shape=(32, 32, 3), patch_size=4, num_output_channels=8, window_size=4,
    )
    from keras_hub.src.models.sam.sam_mask_decoder import SAMMaskDecoder
    from keras_hub.src.models.sam.sam_prompt_encoder import SAMPromptEncoder

    prompt = SAMPromptEncoder(hidden_size=8, image_embedding_size=(8, 8), input_image_size=(32, 32), mask_in_channels=4)
    decoder = SAMMaskDecoder(
        hidden_size=8, num_layers=1, intermediate_dim=16, num_heads=2, embedding_dim=8, num_multimask_outputs=2,
        iou_head_depth=2, iou_head_hidden_dim=8,
    )
    return M.SAMBackbone(image_encoder=encoder, prompt_encoder=prompt, mask_decoder=decoder)


def deeplab_v3() -> Any:
    return M.DeepLabV3Backbone(
        image_encoder=_resnet4(), spatial_pyramid_pooling_key="P4", upsampling_size=4, dilation_rates=[2, 3],
        low_level_feature_key="P2", projection_filters=4, image_shape=(64, 64, 3),
    )


def retinanet() -> Any:
    return M.RetinaNetBackbone(
        image_encoder=_resnet4(), min_level=3, max_level=6, use_p5=False, image_shape=(64, 64, 3)
    )


def depth_anything() -> Any:
    """DINOv2 features at four depths, reassembled at factors 4, 2, 1 and 1/2, fused and upsampled to depth."""
    encoder = M.DINOV2Backbone(
        patch_size=4, num_layers=4, hidden_dim=8, num_heads=2, intermediate_dim=16, image_shape=(32, 32, 3),
        position_embedding_shape=(32, 32, 3),
    )
    return M.DepthAnythingBackbone(
        image_encoder=encoder, reassemble_factors=[4, 2, 1, 0.5], neck_hidden_dims=[4, 4, 8, 8],
        fusion_hidden_dim=8, head_hidden_dim=4, head_in_index=-1,
        feature_keys=["stage1", "stage2", "stage3", "stage4"],
    )


def basnet() -> Any:
    """BASNet over a bottleneck ResNet: its predict and refine modules take the ResNet's four stages as blocks.

    keras-hub wants 64 filters in the ResNet's first stage, and the first stage's
    input to have the width of ``projection_filters`` (BASNet's own stem replaces
    the ResNet's): a bottleneck block's projection shortcut takes any width, so
    the stem stays at 4 filters. The ResNet's own stem (``conv1_conv`` and its norm)
    is reachable through the ``image_encoder`` attribute but never called: counted
    and marked as outside the graph.
    """
    encoder = M.ResNetBackbone(
        input_conv_filters=[4], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 4, 8, 8],
        stackwise_num_blocks=[1, 1, 1, 1], stackwise_num_strides=[1, 2, 2, 2], block_type="bottleneck_block",
        image_shape=(None, None, 3),
    )
    return M.BASNetBackbone(image_encoder=encoder, num_classes=2, image_shape=(64, 64, 3), projection_filters=4)


def dfine() -> Any:
    """D-FINE on a two-stage HGNetV2: a hybrid encoder, one deformable-attention decoder layer, 4 queries."""
    encoder = M.HGNetV2Backbone(
        depths=[1, 1], embedding_size=8, hidden_sizes=[16, 16], stem_channels=[3, 8, 8], hidden_act="relu",
        use_learnable_affine_block=True, stackwise_stage_filters=[[8, 8, 16, 1, 2, 3], [16, 8, 16, 1, 2, 3]],
        apply_downsample=[False, True], use_lightweight_conv_block=[False, True], image_shape=(None, None, 3),
        out_features=["stage1", "stage2"],
    )
    return M.DFineBackbone(
        backbone=encoder, decoder_in_channels=[8, 8], encoder_hidden_dim=8, num_denoising=0, num_labels=3,
        hidden_dim=8, learn_initial_query=False, num_queries=4, anchor_image_size=(32, 32), feat_strides=[4, 8],
        num_feature_levels=2, encoder_in_channels=[16, 16], encode_proj_layers=[1], num_attention_heads=2,
        encoder_ffn_dim=16, num_encoder_layers=1, hidden_expansion=0.5, depth_multiplier=0.5, eval_idx=-1,
        num_decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=16, decoder_n_points=[2, 2],
        lqe_hidden_dim=4, num_lqe_layers=2, out_features=["stage1", "stage2"], image_shape=(32, 32, 3), seed=0,
    )


def blip2() -> Any:
    """BLIP-2: a 16x16 image through a 1-layer ViT, a 2-layer Q-Former (2 queries), then a 1-layer OPT."""
    from keras_hub.src.models.blip2.blip2_custom_opt import BLIP2CustomOPT
    from keras_hub.src.models.blip2.blip2_qformer import BLIP2QFormer
    from keras_hub.src.models.blip2.blip2_vision_encoder import BLIP2VisionEncoder

    vision = BLIP2VisionEncoder(
        image_size=16, patch_size=8, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
        use_patch_bias=True, use_class_token=True, use_mha_bias=True, use_mlp_bias=True, dropout_rate=0.0,
        layer_norm_epsilon=1e-6, initializer_range=0.02,
    )
    qformer = BLIP2QFormer(
        num_query_tokens=2, num_layers=2, num_heads=2, hidden_dim=8, intermediate_dim=16, vision_dim=8,
        cross_attention_frequency=2, dropout=0.0, layer_norm_epsilon=1e-6,
    )
    language_model = BLIP2CustomOPT(
        vocabulary_size=50, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16, num_query_tokens=2,
        dropout=0.0, max_sequence_length=16, qformer_hidden_dim=8,
    )
    return M.BLIP2Backbone(vision_encoder=vision, qformer=qformer, language_model=language_model)


def sam3() -> Any:
    """SAM3's promptable-concept model: a 2x2-patch ViT with a 4-level FPN, text, geometry, DETR and mask parts."""
    layers = keras_hub.layers
    return M.SAM3PromptableConceptBackbone(
        vision_encoder=layers.SAM3VisionEncoder(
            image_shape=(28, 28, 3), patch_size=14, num_layers=1, hidden_dim=8, intermediate_dim=16, num_heads=2,
            fpn_hidden_dim=8, fpn_scale_factors=[4.0, 2.0, 1.0, 0.5], pretrain_image_shape=(28, 28, 3),
            window_size=0, global_attn_indexes=[0],
        ),
        text_encoder=layers.SAM3TextEncoder(
            vocabulary_size=50, embedding_dim=8, hidden_dim=8, num_layers=1, num_heads=2, intermediate_dim=16
        ),
        geometry_encoder=layers.SAM3GeometryEncoder(
            num_layers=1, hidden_dim=8, intermediate_dim=16, num_heads=2, roi_size=2
        ),
        detr_encoder=layers.SAM3DetrEncoder(num_layers=1, hidden_dim=8, intermediate_dim=16, num_heads=2),
        detr_decoder=layers.SAM3DetrDecoder(
            image_shape=(28, 28, 3), patch_size=14, num_layers=1, hidden_dim=8, intermediate_dim=16, num_heads=2,
            num_queries=4,
        ),
        mask_decoder=layers.SAM3MaskDecoder(num_upsampling_stages=3, hidden_dim=8, num_heads=2),
    )


def stable_diffusion_3() -> Any:
    """SD3 without T5: a 2-stage VAE (GroupNorm's 32 groups want 32 filters), two 1-layer CLIPs, a 1-layer MMDiT.

    The VAE samples half its ``sample_channels`` (a mean and a log-variance): 8
    of them give the 4 latent channels the MMDiT works in.
    Without T5 the MMDiT's context is 4096 wide (the CLIP features padded), so its
    context projection is the largest weight.
    """
    from keras_hub.src.models.vae.vae_backbone import VAEBackbone

    vae = VAEBackbone(
        encoder_num_filters=[32, 32], encoder_num_blocks=[1, 1], decoder_num_filters=[32, 32],
        decoder_num_blocks=[1, 1], sample_channels=8,
    )
    clip = dict(
        vocabulary_size=50, embedding_dim=8, hidden_dim=8, num_layers=1, num_heads=2, intermediate_dim=16,
        intermediate_activation="gelu", intermediate_output_index=0, max_sequence_length=8,
    )
    return M.StableDiffusion3Backbone(
        mmdit_patch_size=2, mmdit_hidden_dim=8, mmdit_num_layers=1, mmdit_num_heads=2, mmdit_position_size=8,
        mmdit_qk_norm=None, mmdit_dual_attention_indices=None, vae=vae,
        clip_l=M.CLIPTextEncoder(**clip, name="clip_l"), clip_g=M.CLIPTextEncoder(**clip, name="clip_g"),
        latent_channels=4, image_shape=(32, 32, 3),
    )


def parseq() -> Any:
    encoder = M.ViTBackbone(
        image_shape=(16, 32, 3), patch_size=(4, 8), num_layers=1, num_heads=2, hidden_dim=8, mlp_dim=16,
        use_class_token=False,
    )
    return M.PARSeqBackbone(
        image_encoder=encoder, vocabulary_size=20, max_label_length=6, decoder_hidden_dim=8, num_decoder_layers=1,
        num_decoder_heads=2, decoder_mlp_dim=16,
    )


def video_prism() -> Any:
    return M.VideoPrismBackbone(
        num_frames=2, patch_size=8, hidden_dim=8, intermediate_dim=16, num_heads=2, num_spatial_layers=1,
        num_temporal_layers=1, num_auxiliary_layers=0, image_shape=(32, 32, 3),
    )


def mobilenetv5() -> Any:
    """Edge residual, universal inverted residual and multi-query attention blocks, with the multi-scale fusion."""
    return M.MobileNetV5Backbone(
        stackwise_block_types=[["er"], ["uir", "mqa"]], stackwise_num_blocks=[1, 2],
        stackwise_num_filters=[[8], [16, 16]], stackwise_strides=[[2], [2, 1]],
        stackwise_act_layers=[["relu"], ["relu", "relu"]], stackwise_exp_ratios=[[2.0], [2.0, 0.0]],
        stackwise_se_ratios=[[0.0], [0.0, 0.0]], stackwise_dw_kernel_sizes=[[0], [3, 0]],
        stackwise_dw_start_kernel_sizes=[[0], [3, 0]], stackwise_dw_end_kernel_sizes=[[0], [3, 0]],
        stackwise_exp_kernel_sizes=[[3], [0, 0]], stackwise_pw_kernel_sizes=[[1], [0, 0]],
        stackwise_num_heads=[[0], [0, 2]], stackwise_key_dims=[[0], [0, 4]], stackwise_value_dims=[[0], [0, 4]],
        stackwise_kv_strides=[[0], [0, 2]], stackwise_use_cpe=[[False], [False, False]], stem_size=8,
        num_features=16, use_msfa=True, msfa_indices=(-2, -1), msfa_output_resolution=4, image_shape=(32, 32, 3),
    )


def flux() -> Any:
    """Flux's double- and single-stream blocks at hidden 16: latents of 16 tokens x 4 channels, 8 text tokens."""
    return M.FluxBackbone(
        input_channels=4, hidden_size=16, mlp_ratio=2.0, num_heads=2, depth=1, depth_single_blocks=1,
        axes_dim=[2, 2, 4], theta=10000, use_bias=True, guidance_embed=False, image_shape=(16, 4),
        text_shape=(8, 16), image_ids_shape=(16, 3), text_ids_shape=(8, 3), y_shape=(8,),
    )


def swin_classifier() -> Any:
    """A task model: the Swin backbone plus a weighted head (no preprocessor: nothing to download)."""
    return M.SwinTransformerImageClassifier(backbone=swin(), num_classes=3, preprocessor=None)


VISION_MODELS: dict[str, Callable[[], Any]] = {
    name: builder
    for name, builder in dict(globals()).items()
    if callable(builder) and getattr(builder, "__module__", None) == __name__ and not name.startswith("_")
}

_PAIR = {"images": IMAGE32, "token_ids": (1, 8)}
VISION_INPUT_SHAPES: dict[str, Any] = {
    **{name: IMAGE32 for name in VISION_MODELS},
    "clip": _PAIR,
    "metaclip2": _PAIR,
    "siglip": _PAIR,
    "deeplab_v3": (1, 64, 64, 3),
    "retinanet": (1, 64, 64, 3),
    "sam": {
        "images": IMAGE32, "points": (1, 2, 2), "labels": (1, 2), "boxes": (1, 1, 2, 2), "masks": (1, 1, 32, 32, 1),
    },
    "parseq": {"images": (1, 16, 32, 3), "token_ids": (1, 7), "padding_mask": (1, 7)},
    "video_prism": (1, 2, 32, 32, 3),
    "basnet": (1, 64, 64, 3),
    "blip2": {"images": (1, 16, 16, 3), "token_ids": (1, 6), "padding_mask": (1, 6)},
    "sam3": {
        "pixel_values": (1, 28, 28, 3), "token_ids": (1, 4), "padding_mask": (1, 4), "boxes": (1, 1, 5),
        "box_labels": (1, 1),
    },
    "stable_diffusion_3": {
        "images": (1, 32, 32, 3), "latents": (1, 4, 4, 4), "clip_l_token_ids": (1, 8),
        "clip_l_negative_token_ids": (1, 8), "clip_g_token_ids": (1, 8), "clip_g_negative_token_ids": (1, 8),
        "num_steps": (1,), "guidance_scale": (1,),
    },
    "flux": {
        "image": (1, 16, 4), "image_ids": (1, 16, 3), "text": (1, 8, 16), "text_ids": (1, 8, 3), "y": (1, 8),
        "timesteps": (1,), "guidance": (1,),
    },
}

# The models whose mult-adds are all known at their input shape (and equal TF's
# graph, tests/test_hub_vision.py). SAM's prompt encoder, MobileNetV5's
# MultiQueryAttention2d, SegFormer and Flux's blocks add their own calls' traced
# products (build/costs.py own_macs); VideoPrism's frames folded into the batch axis
# count per model sample (read/call_shapes.py, CallShapes.samples); bilinear
# UpSampling2D / Resizing are 0 by the pooling convention (layers/reshaping.py).
# Stable Diffusion 3's scheduler cannot run symbolically (``num_steps`` is a linspace
# count; read/call_shapes.py stands in for its output), and its MMDiT block calls
# its x-stream DismantledBlock twice for different work, each call counted on its
# own (read/call_units.py). None is left out.
MACS_NOT_KNOWN: tuple[str, ...] = ()
MACS_KNOWN = tuple(name for name in VISION_MODELS if name not in MACS_NOT_KNOWN)

# The models whose keras-hub layers are all composites of Keras layers (their rows
# sum Keras's formulas) or carry only own weights (Swin's WindowAttention table,
# checked in tests/test_hub_vision.py): no keras-hub formula of their own to check.
COMPOSITE_FAMILIES = (
    "deeplab_v3", "efficientnet", "mit", "mobilenet", "retinanet", "swin", "swin_classifier", "video_prism", "flux",
)
