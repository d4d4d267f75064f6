"""keras-hub's layers: parameter formulas, mult-adds (MACs) and output shapes.

keras-hub is an optional extra (``hub``): nothing here imports it at module
load. :func:`register_hub_layers` imports it lazily, resolves each class by its
module path (a class missing from the installed keras-hub is skipped) and
registers the functions below through the public registries. It returns the
classes it registered; it does nothing, and returns ``[]``, without keras-hub.

Every function is pure: it reads the layer's config and the shape it was built
with, never the weights (the weights are what the tests check against). Each
docstring names the keras-hub ``build()`` (0.32.0) it mirrors.

Three facts about keras-hub 0.32.0 shape this module:

- Many keras-hub layers cannot produce a config: ``get_config()`` raises for
  LlamaAttention (it reads a ``rope_scaling_factor`` attribute it never set),
  CachedGemmaAttention, T5MultiHeadAttention, T5LayerNorm, Gemma's
  RMSNormalization, ViT's MLP and every Mixtral/Qwen MoE layer (Keras's
  auto-config refuses their constructor arguments). Others drop an argument
  (Qwen3Attention and Qwen3LayerNorm lose ``head_dim``, ViTPatchingAndEmbedding
  ``use_patch_bias``). :func:`hub_config` reads the config a formula needs:
  ``get_config()`` where it works, completed by the layer's public
  constructor attributes (plain values only). The explain pipeline must use it
  for keras-hub layers (see the lead's wiring notes in the report).
- Layers with sublayers (attention, MoE, patch embeddings, MLPs) get a
  formula for ALL their weights (terms named by the weight's path below the
  layer, e.g. ``query/kernel``), as the built-in MultiHeadAttention formula
  does, and a MACs function for the WHOLE layer (projections included). A
  composition that sums sublayer MACs must not add them to a layer that has
  its own MACs function (:func:`composite_macs` is the sum for the others).
- MACs convention (the project's): one multiply-accumulate of an input by a
  weight, or of two activations in attention. Norms, embedding lookups,
  rotary and ALiBi, biases, softmax, gating products and masks: 0. Attention
  is counted in full, as Keras computes it (causal or sliding-window masks
  are applied after the scores): scores ``Hq*Tq*Tk*D`` and weighted values
  ``Hq*Tq*Tk*D`` for every query head, grouped-query attention included
  (keys and values are projected for the ``Hkv`` heads only).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from ascii_explain import Formula, FormulaTerm, register_formula, register_macs

# The one internal import: the MACs registry's "a needed dimension is None"
# error and the helper that raises it. It moves with macs/ in the refactor.
from ascii_explain.macs.registry import UnknownDimensionError, known

Config = Mapping[str, Any]
Shape = Sequence[Any]

NOT_TRAINED = "created with trainable=False by keras-hub (kept as the source of an interpolation)"


# --------------------------------------------------------------------------- helpers


def _product(factors: Iterable[Any]) -> str:
    """``a*b*c`` from the factors (``"1"`` for none)."""
    parts = [str(int(factor)) for factor in factors]
    return "*".join(parts) if parts else "1"


def _total(parts: Iterable[str]) -> str:
    parts = [part for part in parts if part and part != "0"]
    return " + ".join(parts) if parts else "0"


def _last(input_shape: Shape) -> int:
    return int(input_shape[-1])


def _positions(shape: Shape) -> int:
    """The positions of a (batch, ..., features) shape: every axis between batch and features."""
    dims = known(*shape[1:-1])
    size = 1
    for dim in dims:
        size *= dim
    return size


def _terms(prefix: str, terms: Iterable[FormulaTerm]) -> list[FormulaTerm]:
    return [FormulaTerm(f"{prefix}/{t.name}", t.expression, t.trainable, t.reason) for t in terms]


def _dense(name: str, rows: Sequence[Any], columns: Sequence[Any], bias: bool) -> list[FormulaTerm]:
    """A Dense or EinsumDense sublayer ``name``: kernel ``rows x columns``, bias ``columns``."""
    terms = [FormulaTerm(f"{name}/kernel", _product([*rows, *columns]))]
    if bias:
        terms.append(FormulaTerm(f"{name}/bias", _product(columns)))
    return terms


def public_attributes(layer: Any) -> dict[str, Any]:
    """The layer's public attributes that hold plain values (the constructor arguments, as keras-hub stores them)."""
    plain = (int, float, str, bool, type(None))
    result: dict[str, Any] = {}
    for key, value in vars(layer).items():
        if key.startswith("_"):
            continue
        if isinstance(value, plain) or (
            isinstance(value, (tuple, list)) and all(isinstance(item, plain) for item in value)
        ):
            result[key] = value
    return result


def hub_config(layer: Any) -> dict[str, Any]:
    """``layer.get_config()`` completed by its plain public attributes; the attributes alone when it raises.

    ``get_config()`` wins where both have a key. ``name`` is always present.
    """
    config = public_attributes(layer)
    try:
        config.update(layer.get_config())
    except Exception:  # keras-hub 0.32.0: NotImplementedError / AttributeError, see the module docstring
        pass
    config.setdefault("name", layer.name)
    return config


def composite_macs(sublayer_macs: Iterable[Optional[str]]) -> Optional[str]:
    """The MACs of a composite layer without a MACs function of its own: the sum of its sublayers'.

    ``None`` (unknown) when any sublayer's MACs are unknown; zero terms are dropped.
    """
    parts = []
    for macs in sublayer_macs:
        if macs is None:
            return None
        parts.append(macs)
    return _total(parts)


def zero_macs(config: Config, input_shape: Any, output_shape: Any) -> str:
    """No multiply-accumulate: a norm's scale, a lookup, rotary/ALiBi, an element-wise scale, padding: 0."""
    return "0"


def no_weights(config: Config, input_shape: Any) -> Formula:
    """A layer whose build() creates no weights (RotaryEmbedding, AlibiBias, Padder, XLNet's segment matrix)."""
    return Formula(())


def not_covered(what: str) -> Callable[[Config, Any, Any], str]:
    """A MACs function that says the count is not covered (unknown, never a guess)."""

    def macs(config: Config, input_shape: Any, output_shape: Any) -> str:
        raise ValueError(f"{what}: mult-adds not covered")

    macs.__doc__ = f"{what}: mult-adds not covered (unknown)."
    return macs


# --------------------------------------------------------------------------- norms


def scale_norm(config: Config, input_shape: Shape) -> Formula:
    """RMS norms of the decoder families: one ``scale`` of the input's last axis.

    Mirrors the identical build() of LlamaLayerNorm, MistralLayerNormalization,
    MixtralLayerNormalization, QwenLayerNorm, QwenMoeLayerNorm, Phi3LayerNorm
    and Gemma's RMSNormalization: ``add_weight("scale", shape=(input_shape[-1],))``.
    """
    return Formula([FormulaTerm("scale", str(_last(input_shape)))])


def qwen3_norm(config: Config, input_shape: Shape) -> Formula:
    """Qwen3LayerNorm: ``scale`` of ``head_dim`` when given, else of the input's last axis.

    Mirrors Qwen3LayerNorm.build. Qwen3Attention builds its query/key norms
    with ``head_dim`` on the hidden-width input shape, and the layer's
    get_config() omits ``head_dim``: read it with :func:`hub_config` (the
    attribute). Without it those two norms cannot be told apart from a
    full-width norm, so their names (given by Qwen3Attention) are refused.
    """
    head_dim = config.get("head_dim")
    if head_dim:
        return Formula([FormulaTerm("scale", str(int(head_dim)))])
    if str(config.get("name", "")) in ("query_dense_layernorm", "key_dense_layernorm"):
        raise LookupError("Qwen3LayerNorm built with head_dim, which its get_config() omits (use hub_config)")
    return scale_norm(config, input_shape)


def t5_norm(config: Config, input_shape: Shape) -> Formula:
    """T5LayerNorm: one ``weight`` of the input's last axis (T5LayerNorm.build)."""
    return Formula([FormulaTerm("weight", str(_last(input_shape)))])


# --------------------------------------------------------------------------- embeddings


def position_embedding(config: Config, input_shape: Shape) -> Formula:
    """PositionEmbedding: ``embeddings`` of ``sequence_length x input_shape[-1]`` (PositionEmbedding.build)."""
    return Formula([FormulaTerm("embeddings", _product([config["sequence_length"], _last(input_shape)]))])


def token_and_position_embedding(config: Config, input_shape: Shape) -> Formula:
    """TokenAndPositionEmbedding: a ReversibleEmbedding of the vocabulary and a PositionEmbedding.

    Mirrors TokenAndPositionEmbedding.build: token_embedding/embeddings
    ``vocabulary_size x embedding_dim`` (plus reverse_embeddings
    ``embedding_dim x vocabulary_size`` when ``tie_weights`` is False) and
    position_embedding/embeddings ``sequence_length x embedding_dim``.
    """
    vocabulary, dim = int(config["vocabulary_size"]), int(config["embedding_dim"])
    terms = [FormulaTerm("token_embedding/embeddings", _product([vocabulary, dim]))]
    if not config.get("tie_weights", True):
        terms.append(FormulaTerm("token_embedding/reverse_embeddings", _product([dim, vocabulary])))
    terms.append(FormulaTerm("position_embedding/embeddings", _product([config["sequence_length"], dim])))
    return Formula(terms)


def deberta_relative_embedding(config: Config, input_shape: Shape) -> Formula:
    """DeBERTa's RelativeEmbedding: ``rel_embedding`` ``2*bucket_size x hidden_dim`` and its LayerNormalization.

    Mirrors RelativeEmbedding.__init__/build: the table has ``bucket_size*2``
    rows; ``rel_embeddings_layer_norm`` has gamma and beta of ``hidden_dim``.
    """
    hidden, buckets = int(config["hidden_dim"]), int(config["bucket_size"])
    return Formula(
        [
            FormulaTerm("rel_embedding", f"2*{buckets}*{hidden}"),
            FormulaTerm("rel_embeddings_layer_norm/gamma", str(hidden)),
            FormulaTerm("rel_embeddings_layer_norm/beta", str(hidden)),
        ]
    )


def xlnet_content_and_query_embedding(config: Config, input_shape: Shape) -> Formula:
    """XLNet's ContentAndQueryEmbedding: word_embedding ``vocabulary_size x hidden_dim``; positions are sinusoids."""
    return Formula(
        [FormulaTerm("word_embedding/embeddings", _product([config["vocabulary_size"], config["hidden_dim"]]))]
    )


def xlnet_attention_mask_layer(config: Config, input_shape: Shape) -> Formula:
    """XLNetAttentionMaskLayer: ``mask_emb`` of shape ``(1, 1, hidden_dim)`` (its build)."""
    return Formula([FormulaTerm("mask_emb", str(int(config["hidden_dim"])))])


def dinov2_layer_scale(config: Config, input_shape: Shape) -> Formula:
    """DINOV2LayerScale: ``lambda1`` of ``hidden_dim`` (an element-wise scale: 0 MACs)."""
    return Formula([FormulaTerm("lambda1", str(int(config["hidden_dim"])))])


# --------------------------------------------------------------------------- patch and class-token embeddings


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _image_axes(config: Config, input_shape: Shape) -> tuple[Any, Any, int]:
    """(height, width, channels) of an image build shape, honouring ``data_format``."""
    if config.get("data_format") == "channels_first":
        return input_shape[2], input_shape[3], int(input_shape[1])
    return input_shape[1], input_shape[2], int(input_shape[3])


def _patch_conv(name: str, patch: tuple[int, int], channels: int, hidden: int, bias: bool) -> list[FormulaTerm]:
    """A Conv2D with kernel = stride = patch: kernel ``ph*pw*C*hidden``, bias ``hidden``."""
    terms = [FormulaTerm(f"{name}/kernel", _product([*patch, channels, hidden]))]
    if bias:
        terms.append(FormulaTerm(f"{name}/bias", str(hidden)))
    return terms


def _patch_conv_macs(config: Config, input_shape: Shape, patch: tuple[int, int], hidden: int) -> str:
    """The patch convolution: ``floor(H/ph)*floor(W/pw)`` patches, each ``ph*pw*C*hidden``."""
    height, width, channels = _image_axes(config, input_shape)
    height, width = known(height, width)
    return _product([height // patch[0], width // patch[1], *patch, channels, hidden])


def vit_patching_and_embedding(config: Config, input_shape: Shape) -> Formula:
    """ViTPatchingAndEmbedding: class_token, patch_embedding (Conv2D), position_embedding (Embedding).

    Mirrors ViTPatchingAndEmbedding.build: ``class_token`` ``(1, 1, hidden)``
    when ``use_class_token``; the patch Conv2D kernel ``patch*patch*C*hidden``
    with a bias when ``use_patch_bias`` (not in get_config: read by
    hub_config); the position Embedding ``num_positions x hidden`` where
    ``num_positions = (H/p)*(W/p) (+1 with the class token)``.
    """
    hidden = int(config["hidden_dim"])
    patch = _pair(config["patch_size"])
    _, _, channels = _image_axes(config, input_shape)
    terms = []
    if config.get("use_class_token", True):
        terms.append(FormulaTerm("class_token", str(hidden)))
    terms += _patch_conv("patch_embedding", patch, channels, hidden, bool(config.get("use_patch_bias", True)))
    terms.append(FormulaTerm("position_embedding/embeddings", _product([config["num_positions"], hidden])))
    return Formula(terms)


def vit_patching_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """ViTPatchingAndEmbedding: the patch convolution; the class token and positions are added (0)."""
    return _patch_conv_macs(config, input_shape, _pair(config["patch_size"]), int(config["hidden_dim"]))


def deit_embeddings(config: Config, input_shape: Shape) -> Formula:
    """DeiTEmbeddings: mask_token (``use_mask_token``), class and distillation tokens, patch Conv2D, positions.

    Mirrors DeiTEmbeddings.build: tokens ``(1, 1, hidden)`` each;
    patch_embedding kernel ``p*p*C*hidden`` + bias; ``position_embedding``
    ``(1, num_positions, hidden)`` with ``num_positions = patches + 2``.
    """
    hidden = int(config["hidden_dim"])
    patch = _pair(config["patch_size"])
    _, _, channels = _image_axes(config, input_shape)
    terms = []
    if config.get("use_mask_token", False):
        terms.append(FormulaTerm("mask_token", str(hidden)))
    terms += [FormulaTerm("class_token", str(hidden)), FormulaTerm("distillation_token", str(hidden))]
    terms.append(FormulaTerm("position_embedding", _product([config["num_positions"], hidden])))
    terms += _patch_conv("patch_embedding", patch, channels, hidden, True)
    return Formula(terms)


def deit_embeddings_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DeiTEmbeddings: the patch convolution only."""
    return _patch_conv_macs(config, input_shape, _pair(config["patch_size"]), int(config["hidden_dim"]))


def dinov2_patch_embedding(config: Config, input_shape: Shape) -> Formula:
    """DINOV2PatchEmbedding: ``projection`` Conv2D, kernel ``p*p*C*hidden`` + bias (its build)."""
    _, _, channels = _image_axes(config, input_shape)
    return Formula(_patch_conv("projection", _pair(config["patch_size"]), channels, int(config["hidden_dim"]), True))


def dinov2_patch_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DINOV2PatchEmbedding / DINOV2Embedding: the patch convolution (interpolation happens at build time)."""
    return _patch_conv_macs(config, input_shape, _pair(config["patch_size"]), int(config["hidden_dim"]))


def dinov2_embedding(config: Config, input_shape: Shape) -> Formula:
    """DINOV2Embedding: cls/mask/register tokens, two position tables, the patch projection.

    Mirrors DINOV2Embedding.__init__/build: ``cls_token`` hidden; ``mask_token``
    hidden when ``use_mask_token``; ``register_tokens`` ``R*hidden`` when R > 0;
    ``position_embeddings`` ``(P+1)*hidden`` with P patches of
    ``position_embedding_shape`` — created non-trainable; and
    ``interpolated_position_embeddings`` ``(P'+1)*hidden`` with P' patches of
    ``image_shape``; then patch_embeddings/projection.
    """
    hidden, patch = int(config["hidden_dim"]), int(config["patch_size"])
    image = _pair(config["image_shape"])
    source = _pair(config["position_embedding_shape"])
    terms = [FormulaTerm("cls_token", str(hidden))]
    if config.get("use_mask_token", True):
        terms.append(FormulaTerm("mask_token", str(hidden)))
    registers = int(config.get("num_register_tokens", 0))
    if registers > 0:
        terms.append(FormulaTerm("register_tokens", _product([registers, hidden])))
    terms.append(FormulaTerm("interpolated_position_embeddings", f"({source_grid(image, patch)}+1)*{hidden}"))
    terms.append(FormulaTerm("position_embeddings", f"({source_grid(source, patch)}+1)*{hidden}", False, NOT_TRAINED))
    _, _, channels = _image_axes(config, input_shape)
    terms += _patch_conv("patch_embeddings/projection", (patch, patch), channels, hidden, True)
    return Formula(terms)


def source_grid(image: tuple[int, int], patch: int) -> str:
    """The patch count of an image, ``(H//p)*(W//p)`` written with the quotients."""
    return f"{image[0] // patch}*{image[1] // patch}"


# --------------------------------------------------------------------------- feed-forward blocks


def _tokens_in(input_shape: Shape) -> tuple[int, int]:
    return _positions(input_shape), int(known(input_shape[-1])[0])


def vit_mlp(config: Config, input_shape: Shape) -> Formula:
    """ViT's MLP: dense_1 ``in x mlp_dim`` and dense_2 ``mlp_dim x hidden_dim``, biases with ``use_bias``."""
    bias = bool(config.get("use_bias", True))
    mlp, hidden = int(config["mlp_dim"]), int(config["hidden_dim"])
    return Formula(_dense("dense_1", [_last(input_shape)], [mlp], bias) + _dense("dense_2", [mlp], [hidden], bias))


def vit_mlp_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """ViT's MLP: ``T*d*mlp_dim + T*mlp_dim*hidden``."""
    tokens, width = _tokens_in(input_shape)
    mlp, hidden = int(config["mlp_dim"]), int(config["hidden_dim"])
    return f"{tokens}*{width}*{mlp} + {tokens}*{mlp}*{hidden}"


def deit_intermediate(config: Config, input_shape: Shape) -> Formula:
    """DeiTIntermediate: one Dense ``dense`` ``in x intermediate_dim`` with bias."""
    return Formula(_dense("dense", [_last(input_shape)], [config["intermediate_dim"]], True))


def deit_intermediate_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    tokens, width = _tokens_in(input_shape)
    return _product([tokens, width, config["intermediate_dim"]])


def deit_output(config: Config, input_shape: Shape) -> Formula:
    """DeiTOutput: one Dense ``output`` ``in x hidden_dim`` with bias."""
    return Formula(_dense("output", [_last(input_shape)], [config["hidden_dim"]], True))


def deit_output_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    tokens, width = _tokens_in(input_shape)
    return _product([tokens, width, config["hidden_dim"]])


def dinov2_mlp(config: Config, input_shape: Shape) -> Formula:
    """DINOV2MLP: fc1 ``in x intermediate_dim`` and fc2 ``intermediate_dim x hidden_dim``, with biases."""
    inner, hidden = int(config["intermediate_dim"]), int(config["hidden_dim"])
    return Formula(_dense("fc1", [_last(input_shape)], [inner], True) + _dense("fc2", [inner], [hidden], True))


def dinov2_mlp_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    tokens, width = _tokens_in(input_shape)
    inner, hidden = int(config["intermediate_dim"]), int(config["hidden_dim"])
    return f"{tokens}*{width}*{inner} + {tokens}*{inner}*{hidden}"


def qwen_moe_mlp(config: Config, input_shape: Shape) -> Formula:
    """QwenMoeMLP (the shared expert): intermediate and gate ``in x intermediate_dim``, output back; no biases."""
    inner, hidden, width = int(config["intermediate_dim"]), int(config["hidden_dim"]), _last(input_shape)
    return Formula(
        _dense("feedforward_intermediate_dense", [width], [inner], False)
        + _dense("feedforward_gate_dense", [width], [inner], False)
        + _dense("feedforward_output_dense", [inner], [hidden], False)
    )


def qwen_moe_mlp_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """QwenMoeMLP: ``2*T*d*i`` (intermediate and gate) ``+ T*i*hidden``; the SiLU gating product is 0."""
    tokens, width = _tokens_in(input_shape)
    inner, hidden = int(config["intermediate_dim"]), int(config["hidden_dim"])
    return f"2*{tokens}*{width}*{inner} + {tokens}*{inner}*{hidden}"


# --------------------------------------------------------------------------- mixture of experts


def mixtral_experts(config: Config, input_shape: Shape) -> Formula:
    """MixtralMoeExperts: three stacked tensors over ``num_experts`` E (its build).

    expert_feedforward_gate_dense and expert_feedforward_intermediate_dense
    ``E x hidden x intermediate``, expert_feedforward_output_dense
    ``E x intermediate x hidden``.
    """
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return Formula(
        [
            FormulaTerm("expert_feedforward_gate_dense", _product([experts, hidden, inner])),
            FormulaTerm("expert_feedforward_intermediate_dense", _product([experts, hidden, inner])),
            FormulaTerm("expert_feedforward_output_dense", _product([experts, inner, hidden])),
        ],
        compact=f"{experts}*3*{hidden}*{inner}",
    )


def mixtral_experts_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """MixtralMoeExperts on its own: EVERY expert on every token, as its call() computes (three einsums).

    ``E*T*hidden*inter`` twice (gate, intermediate) + ``E*T*inter*hidden``.
    Its input is the flattened tokens ``(T, hidden)``; a (batch, T, hidden)
    build shape is read the same way. The sparse block's MACs
    (:func:`mixtral_block_macs`) count only the top-k experts.
    """
    tokens = _moe_tokens(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return f"3*{experts}*{tokens}*{hidden}*{inner}"


def _moe_tokens(input_shape: Shape) -> int:
    """Tokens of a MoE input: (tokens, hidden) flattened, or (batch, T, hidden) per sample."""
    if len(input_shape) == 2:
        return int(known(input_shape[0])[0])
    return _positions(input_shape)


def mixtral_block(config: Config, input_shape: Shape) -> Formula:
    """MixtralSparseMoeBlock: router ``sparse_feedforward_gate_dense`` ``hidden x E`` (no bias) + the experts.

    Mirrors MixtralSparseMoeBlock.build. Parameters count every expert; the
    parameters active for one token are :func:`moe_active_params`.
    """
    experts, hidden = int(config["num_experts"]), int(config["hidden_dim"])
    terms = _dense("sparse_feedforward_gate_dense", [hidden], [experts], False)
    terms += _terms("experts", mixtral_experts(config, input_shape).terms)
    return Formula(terms)


def mixtral_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """MixtralSparseMoeBlock at top-k: router ``T*hidden*E`` + ``top_k`` experts per token ``T*3*hidden*inter``.

    keras-hub 0.32.0 computes every expert densely and zeroes the unrouted
    ones; a sparse implementation (and the issue's convention) costs top-k.
    The dense figure is ``mixtral_experts_macs`` plus the router.
    """
    tokens = _positions(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    top_k = int(config["top_k"])
    return f"{tokens}*{hidden}*{experts} + {top_k}*{tokens}*3*{hidden}*{inner}"


def qwen_experts(config: Config, input_shape: Shape) -> Formula:
    """QwenMoeExperts: gate and up fused, ``E x hidden x 2*intermediate``; output ``E x intermediate x hidden``."""
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return Formula(
        [
            FormulaTerm("expert_feedforward_gate_dense", f"{experts}*{hidden}*2*{inner}"),
            FormulaTerm("expert_feedforward_output_dense", _product([experts, inner, hidden])),
        ]
    )


def qwen_experts_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """QwenMoeExperts on its own: every expert on every token, ``E*T*hidden*2*inter + E*T*inter*hidden``."""
    tokens = _moe_tokens(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return f"{experts}*{tokens}*{hidden}*2*{inner} + {experts}*{tokens}*{inner}*{hidden}"


def qwen_block(config: Config, input_shape: Shape) -> Formula:
    """QwenSparseMoeBlock: router, experts, the shared expert (QwenMoeMLP) and its 1-unit gate.

    Mirrors QwenSparseMoeBlock.build: sparse_feedforward_gate_dense
    ``hidden x E``; experts; shared_expert_dense with
    ``intermediate_dim_shared`` (the constructor's shared_expert_intermediate_dim);
    shared_expert_gate_dense ``hidden x 1``. No biases.
    """
    experts, hidden = int(config["num_experts"]), int(config["hidden_dim"])
    shared = {"intermediate_dim": config["intermediate_dim_shared"], "hidden_dim": hidden}
    terms = _dense("sparse_feedforward_gate_dense", [hidden], [experts], False)
    terms += _terms("experts", qwen_experts(config, input_shape).terms)
    terms += _terms("shared_expert_dense", qwen_moe_mlp(shared, input_shape).terms)
    terms += _dense("shared_expert_gate_dense", [hidden], [1], False)
    return Formula(terms)


def qwen_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """QwenSparseMoeBlock at top-k: router + top_k experts + the shared expert and its gate, per token."""
    tokens = _positions(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    shared = int(config["intermediate_dim_shared"])
    top_k = int(config["top_k"])
    return (
        f"{tokens}*{hidden}*{experts} + {top_k}*{tokens}*3*{hidden}*{inner}"
        f" + {tokens}*3*{hidden}*{shared} + {tokens}*{hidden}*1"
    )


def moe_active_params(config: Config) -> str:
    """Parameters one token uses in a Mixtral or Qwen MoE block: the router, ``top_k`` experts, the shared expert.

    Mixtral: ``hidden*E + top_k*3*hidden*inter``. Qwen adds the shared expert
    ``3*hidden*shared`` and its gate ``hidden``. Pass :func:`hub_config` of
    the MixtralSparseMoeBlock or QwenSparseMoeBlock.
    """
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    top_k = int(config["top_k"])
    expression = f"{hidden}*{experts} + {top_k}*3*{hidden}*{inner}"
    if "intermediate_dim_shared" in config:
        expression += f" + 3*{hidden}*{int(config['intermediate_dim_shared'])} + {hidden}"
    return expression


# --------------------------------------------------------------------------- attention


def attention_products(tq: int, tk: int, q_heads: int, head_dim: int, value_dim: Optional[int] = None) -> list[str]:
    """Scores ``Hq*Tq*Tk*D`` and weighted values ``Hq*Tq*Tk*Dv``: the attention's own products.

    Every query head scores every key (grouped-query attention shares the
    key/value heads, it does not skip the products); masks apply afterwards.
    """
    value_dim = head_dim if value_dim is None else value_dim
    return [f"{q_heads}*{tq}*{tk}*{head_dim}", f"{q_heads}*{tq}*{tk}*{value_dim}"]


def _decoder_dims(
    config: Config, input_shape: Shape, head_dim_key: Optional[str] = "head_dim"
) -> tuple[int, int, int, int]:
    """(hidden, query heads, key/value heads, head_dim); head_dim defaults to hidden // query heads."""
    hidden = _last(input_shape)
    q_heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
    head_dim = config.get(head_dim_key) if head_dim_key else None
    return hidden, q_heads, kv_heads, int(head_dim) if head_dim else hidden // q_heads


def _gqa_terms(hidden: int, q_heads: int, kv_heads: int, head_dim: int, qkv_bias: bool) -> list[FormulaTerm]:
    """query ``hidden*Hq*D``, key and value ``hidden*Hkv*D`` (biased with ``qkv_bias``), output ``Hq*D*hidden``."""
    return (
        _dense("query", [hidden], [q_heads, head_dim], qkv_bias)
        + _dense("key", [hidden], [kv_heads, head_dim], qkv_bias)
        + _dense("value", [hidden], [kv_heads, head_dim], qkv_bias)
        + _dense("attention_output", [q_heads, head_dim], [hidden], False)
    )


def _gqa_macs(tokens: int, hidden: int, q_heads: int, kv_heads: int, head_dim: int) -> str:
    """Self-attention over T tokens: projections + scores + weighted values + output."""
    parts = [
        f"{tokens}*{hidden}*{q_heads}*{head_dim}",
        f"{tokens}*{hidden}*{kv_heads}*{head_dim}",
        f"{tokens}*{hidden}*{kv_heads}*{head_dim}",
        *attention_products(tokens, tokens, q_heads, head_dim),
        f"{tokens}*{q_heads}*{head_dim}*{hidden}",
    ]
    return " + ".join(parts)


def decoder_attention(config: Config, input_shape: Shape) -> Formula:
    """Grouped-query attention of Llama, Mistral, Mixtral, Gemma and Phi-3: four bias-free EinsumDense.

    Mirrors LlamaAttention / CachedMistralAttention / CachedMixtralAttention
    / CachedGemmaAttention / Phi3Attention.build: query ``hidden*Hq*D``, key
    and value ``hidden*Hkv*D``, attention_output ``Hq*D*hidden``; ``D`` is
    ``head_dim`` when the config has it (Gemma, Mistral) else
    ``hidden // num_query_heads``. Gemma lays its kernels out head-first
    (``Hq x hidden x D``): the same count.
    """
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    return Formula(_gqa_terms(hidden, q_heads, kv_heads, head_dim, False))


def qwen_attention(config: Config, input_shape: Shape) -> Formula:
    """QwenAttention / QwenMoeAttention: the decoder attention with biases on query, key and value (``bias_axes``)."""
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    return Formula(_gqa_terms(hidden, q_heads, kv_heads, head_dim, True))


def qwen3_attention(config: Config, input_shape: Shape) -> Formula:
    """Qwen3Attention: the bias-free decoder attention plus RMS norms of ``head_dim`` on queries and keys.

    Mirrors Qwen3Attention.build: query_dense_layernorm/scale and
    key_dense_layernorm/scale have ``head_dim`` entries. get_config() omits
    ``head_dim``; :func:`hub_config` supplies it (the attribute build() set).
    """
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    terms = _gqa_terms(hidden, q_heads, kv_heads, head_dim, False)
    norms = [
        FormulaTerm("query_dense_layernorm/scale", str(head_dim)),
        FormulaTerm("key_dense_layernorm/scale", str(head_dim)),
    ]
    return Formula(terms[:1] + norms[:1] + terms[1:2] + norms[1:] + terms[2:])


def decoder_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """Decoder self-attention over T tokens (no cache): ``T*h*Hq*D + 2*T*h*Hkv*D + 2*Hq*T*T*D + T*Hq*D*h``.

    Rotary, q/k norms, the scale, soft-capping and masks are element-wise: 0.
    """
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    return _gqa_macs(_positions(input_shape), hidden, q_heads, kv_heads, head_dim)


def _mha_dense_output_terms(config: Config, input_shape: Shape, heads_key: str = "num_heads") -> tuple[int, int, int]:
    hidden = _last(input_shape)
    heads = int(config[heads_key])
    return hidden, heads, hidden // heads


def falcon_bloom_attention(config: Config, input_shape: Shape) -> Formula:
    """FalconAttention / BloomAttention: q/k/v EinsumDense ``hidden*H*D`` + bias, Dense ``hidden*hidden`` + bias.

    Mirrors FalconAttention.build and BloomAttention.build (``bias_axes="nh"``,
    ``D = hidden // num_heads``). The sublayers are named
    query_dense/key_dense/value_dense/output_dense.
    """
    hidden, heads, head_dim = _mha_dense_output_terms(config, input_shape)
    terms = []
    for name in ("query_dense", "key_dense", "value_dense"):
        terms += _dense(name, [hidden], [heads, head_dim], True)
    terms += _dense("output_dense", [hidden], [hidden], True)
    return Formula(terms)


def multi_head_self_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """Self-attention with H heads of ``D = hidden // H`` and a ``hidden x hidden`` output:

    ``3*T*h*H*D + 2*H*T*T*D + T*h*h`` (Falcon, Bloom — ALiBi is an added bias — and GPT-NeoX,
    whose fused query_key_value projection is the same ``3*H*D`` columns; rotary on part of each head is 0).
    """
    hidden, heads, head_dim = _mha_dense_output_terms(config, input_shape)
    tokens = _positions(input_shape)
    parts = [
        f"3*{tokens}*{hidden}*{heads}*{head_dim}",
        *attention_products(tokens, tokens, heads, head_dim),
        f"{tokens}*{hidden}*{hidden}",
    ]
    return " + ".join(parts)


def gpt_neox_attention(config: Config, input_shape: Shape) -> Formula:
    """GPTNeoXAttention: query_key_value ``hidden*H*3D`` + bias ``H*3D``; attention_output ``hidden*hidden`` + bias.

    Mirrors GPTNeoXAttention.build (``D = hidden_dim // num_heads``).
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    head_dim = hidden // heads
    return Formula(
        [
            FormulaTerm("query_key_value/kernel", f"{hidden}*{heads}*3*{head_dim}"),
            FormulaTerm("query_key_value/bias", f"{heads}*3*{head_dim}"),
            *_dense("attention_output", [hidden], [hidden], True),
        ]
    )


def deberta_attention(config: Config, input_shape: Shape) -> Formula:
    """DisentangledSelfAttention: q/k/v EinsumDense ``hidden*H*D`` + bias, attention_output ``hidden*hidden`` + bias.

    Mirrors DisentangledSelfAttention.build (``D = hidden_dim // num_heads``).
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    head_dim = hidden // heads
    terms = []
    for name in ("query", "key", "value"):
        terms += _dense(name, [hidden], [heads, head_dim], True)
    terms += _dense("attention_output", [hidden], [hidden], True)
    return Formula(terms)


def deberta_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DisentangledSelfAttention: content and position projections, three score matrices, values, output.

    With T tokens and P = ``2*bucket_size`` relative embeddings (the
    RelativeEmbedding table, one copy per sample): q/k/v ``3*T*h*H*D``; the
    relative embeddings through the query and key projections ``2*P*h*H*D``;
    scores content-to-content ``H*T*T*D``, content-to-position ``H*T*P*D``,
    position-to-content ``H*P*T*D`` (gathered to T x T afterwards: no
    products); weighted values ``H*T*T*D``; output ``T*h*h``.
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    head_dim = hidden // heads
    tokens = _positions(input_shape)
    relative = 2 * int(config["bucket_size"])
    parts = [
        f"3*{tokens}*{hidden}*{heads}*{head_dim}",
        f"2*{relative}*{hidden}*{heads}*{head_dim}",
        f"{heads}*{tokens}*{tokens}*{head_dim}",
        f"{heads}*{tokens}*{relative}*{head_dim}",
        f"{heads}*{relative}*{tokens}*{head_dim}",
        f"{heads}*{tokens}*{tokens}*{head_dim}",
        f"{tokens}*{hidden}*{hidden}",
    ]
    return " + ".join(parts)


def t5_attention(config: Config, input_shape: Shape) -> Formula:
    """T5MultiHeadAttention: four bias-free Dense and, with ``use_relative_attention_bias``, the bucket table.

    Mirrors T5MultiHeadAttention.__init__/build: query/key/value_projector
    ``hidden x inner`` (``inner = num_heads*key_value_dim``),
    output_projector ``inner x hidden``; relative_attention_bias
    (its variable is named ``embeddings``) ``relative_attention_buckets x num_heads``.
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    inner = heads * int(config["key_value_dim"])
    terms = []
    if config.get("use_relative_attention_bias", False):
        terms.append(FormulaTerm("embeddings", _product([config["relative_attention_buckets"], heads])))
    for name in ("query_projector", "key_projector", "value_projector"):
        terms += _dense(name, [hidden], [inner], False)
    terms += _dense("output_projector", [inner], [hidden], False)
    return Formula(terms)


def t5_attention_macs(config: Config, input_shape: Any, output_shape: Any) -> str:
    """T5MultiHeadAttention: ``Tq*h*inner + 2*Tk*h*inner + 2*H*Tq*Tk*Dkv + Tq*inner*h``.

    build() sees only the query (hidden_states) shape. Self-attention has
    ``Tk = Tq``. For cross-attention (keras-hub names it ``cross_attention``)
    Tk is the encoder's length: pass ``{"hidden_states": ..., "key_value_states": ...}``
    call shapes; with only the build shape it is unknown. The relative
    position bias is a lookup: 0.
    """
    if isinstance(input_shape, Mapping):
        query = input_shape["hidden_states"]
        keys = input_shape.get("key_value_states") or query
    else:
        if str(config.get("name", "")).startswith("cross_attention"):
            raise UnknownDimensionError("the encoder length of T5 cross-attention is not in its build shape")
        query = keys = input_shape
    hidden, heads, kv_dim = int(config["hidden_dim"]), int(config["num_heads"]), int(config["key_value_dim"])
    inner = heads * kv_dim
    tq, tk = _positions(query), _positions(keys)
    parts = [
        f"{tq}*{hidden}*{inner}",
        f"2*{tk}*{int(keys[-1])}*{inner}",
        *attention_products(tq, tk, heads, kv_dim),
        f"{tq}*{inner}*{hidden}",
    ]
    return " + ".join(parts)


def _builtin_mha_formula() -> Callable[..., Formula]:
    """The registered MultiHeadAttention formula (quantization and LoRA aware), looked up, not copied."""
    import keras

    from ascii_explain.formulas import find_formula

    function = find_formula(keras.layers.MultiHeadAttention)
    assert function is not None
    return function


def whisper_attention(config: Config, input_shape: Any, sublayers: Optional[Mapping[str, Any]] = None) -> Formula:
    """WhisperCachedMultiHeadAttention: MultiHeadAttention without the key's bias.

    Mirrors WhisperCachedMultiHeadAttention.build: the key EinsumDense is built
    with ``bias_axes=None`` while query, value and attention_output keep
    theirs when ``use_bias``. Everything else is MultiHeadAttention's formula.
    """
    formula = _builtin_mha_formula()(config, input_shape, sublayers=sublayers)
    return Formula([term for term in formula.terms if term.name != "key/bias"])


def xlnet_relative_attention(config: Config, input_shape: Shape) -> Formula:
    """TwoStreamRelativeAttention: five bias-free EinsumDense ``hidden*H*key_dim``.

    Mirrors TwoStreamRelativeAttention.build: query, key, value, encoding
    (the relative-position projection) and attention_output — whose kernel
    is laid out ``hidden x H x value_dim`` (it contracts H and D): the same
    count. ``use_bias`` is forced off by build().
    """
    hidden, heads, key_dim = _last(input_shape), int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config.get("value_dim") or key_dim)
    return Formula(
        _dense("query", [hidden], [heads, key_dim], False)
        + _dense("key", [hidden], [heads, key_dim], False)
        + _dense("value", [hidden], [heads, value_dim], False)
        + _dense("attention_output", [hidden], [heads, value_dim], False)
        + _dense("encoding", [hidden], [heads, key_dim], False)
    )


def dinov2_attention(config: Config, input_shape: Shape) -> Formula:
    """DINOV2Attention: a MultiHeadAttention ``attention``, ``key_dim = hidden_dim // num_heads``, with biases."""
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    key_dim = hidden // heads
    width = _last(input_shape)
    terms = (
        _dense("query", [width], [heads, key_dim], True)
        + _dense("key", [width], [heads, key_dim], True)
        + _dense("value", [width], [heads, key_dim], True)
        + _dense("attention_output", [heads, key_dim], [width], True)
    )
    return Formula(_terms("attention", terms))


def dinov2_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DINOV2Attention: MultiHeadAttention's self-attention count, ``3*T*h*H*K + 2*H*T*T*K + T*H*K*h``."""
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    key_dim = hidden // heads
    width, tokens = _last(input_shape), _positions(input_shape)
    parts = [f"3*{tokens}*{width}*{heads}*{key_dim}", *attention_products(tokens, tokens, heads, key_dim)]
    parts.append(f"{tokens}*{heads}*{key_dim}*{width}")
    return " + ".join(parts)


def xlnet_encoder_own_terms(config: Config) -> list[FormulaTerm]:
    """XLNetEncoder's OWN weights (its sublayers are explained by theirs): the composition's "own" part.

    Mirrors XLNetEncoder.build: content_attention_bias, positional_attention_bias
    and segment_attention_bias ``(num_heads, head_dim)`` each, segment_encoding
    ``(2, num_heads, head_dim)``; ``head_dim = hidden_dim // num_heads``.
    """
    heads = int(config["num_heads"])
    head_dim = int(config["hidden_dim"]) // heads
    names = ("content_attention_bias", "positional_attention_bias", "segment_attention_bias")
    terms = [FormulaTerm(name, f"{heads}*{head_dim}") for name in names]
    return [*terms, FormulaTerm("segment_encoding", f"2*{heads}*{head_dim}")]


# --------------------------------------------------------------------------- output shapes


def same_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """Norms, attention, FFN and MoE blocks keep the (batch, T, hidden) shape of their input."""
    return tuple(input_shape)


def embedded_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """TokenAndPositionEmbedding: (batch, T) token ids -> (batch, T, embedding_dim)."""
    return (*input_shape, int(config["embedding_dim"]))


def patch_tokens_shape(config: Config, input_shape: Shape, extra_tokens: int) -> tuple[Any, ...]:
    """Patch embeddings: (batch, H, W, C) -> (batch, (H//ph)*(W//pw) + extra tokens, hidden)."""
    height, width, _ = _image_axes(config, input_shape)
    patch = _pair(config["patch_size"])
    tokens = (
        None if height is None or width is None else (int(height) // patch[0]) * (int(width) // patch[1]) + extra_tokens
    )
    return (input_shape[0], tokens, int(config["hidden_dim"]))


def vit_embedding_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    return patch_tokens_shape(config, input_shape, 1 if config.get("use_class_token", True) else 0)


def deit_embedding_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    return patch_tokens_shape(config, input_shape, 2)


def dinov2_embedding_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    return patch_tokens_shape(config, input_shape, 1 + int(config.get("num_register_tokens", 0)))


def dinov2_patch_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """DINOV2PatchEmbedding flattens the grid: (batch, patches, hidden)."""
    return patch_tokens_shape(config, input_shape, 0)


# --------------------------------------------------------------------------- registration

_M = "keras_hub.src.models."
_L = "keras_hub.src.layers.modeling."

# class path -> parameter formula
FORMULAS: dict[str, Callable[..., Formula]] = {
    _M + "llama.llama_layernorm.LlamaLayerNorm": scale_norm,
    _M + "mistral.mistral_layer_norm.MistralLayerNormalization": scale_norm,
    _M + "mixtral.mixtral_layer_norm.MixtralLayerNormalization": scale_norm,
    _M + "qwen.qwen_layernorm.QwenLayerNorm": scale_norm,
    _M + "qwen_moe.qwen_moe_layernorm.QwenMoeLayerNorm": scale_norm,
    _M + "phi3.phi3_layernorm.Phi3LayerNorm": scale_norm,
    _M + "gemma.rms_normalization.RMSNormalization": scale_norm,
    _M + "qwen3.qwen3_layernorm.Qwen3LayerNorm": qwen3_norm,
    _M + "t5.t5_layer_norm.T5LayerNorm": t5_norm,
    _L + "position_embedding.PositionEmbedding": position_embedding,
    _L + "token_and_position_embedding.TokenAndPositionEmbedding": token_and_position_embedding,
    _L + "rotary_embedding.RotaryEmbedding": no_weights,
    _L + "alibi_bias.AlibiBias": no_weights,
    _M + "whisper.whisper_backbone.Padder": no_weights,
    _M + "xlnet.xlnet_encoder.XLNetSegmentMatrixLayer": no_weights,
    _M + "xlnet.xlnet_encoder.XLNetAttentionMaskLayer": xlnet_attention_mask_layer,
    _M + "xlnet.xlnet_content_and_query_embedding.ContentAndQueryEmbedding": xlnet_content_and_query_embedding,
    _M + "deberta_v3.relative_embedding.RelativeEmbedding": deberta_relative_embedding,
    _M + "vit.vit_layers.ViTPatchingAndEmbedding": vit_patching_and_embedding,
    _M + "deit.deit_layers.DeiTEmbeddings": deit_embeddings,
    _M + "dinov2.dinov2_layers.DINOV2PatchEmbedding": dinov2_patch_embedding,
    _M + "dinov2.dinov2_layers.DINOV2Embedding": dinov2_embedding,
    _M + "dinov2.dinov2_layers.DINOV2LayerScale": dinov2_layer_scale,
    _M + "vit.vit_layers.MLP": vit_mlp,
    _M + "deit.deit_layers.DeiTIntermediate": deit_intermediate,
    _M + "deit.deit_layers.DeiTOutput": deit_output,
    _M + "dinov2.dinov2_layers.DINOV2MLP": dinov2_mlp,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeMLP": qwen_moe_mlp,
    _M + "mixtral.mixtral_decoder.MixtralMoeExperts": mixtral_experts,
    _M + "mixtral.mixtral_decoder.MixtralSparseMoeBlock": mixtral_block,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeExperts": qwen_experts,
    _M + "qwen_moe.qwen_moe_decoder.QwenSparseMoeBlock": qwen_block,
    _M + "llama.llama_attention.LlamaAttention": decoder_attention,
    _M + "mistral.mistral_attention.CachedMistralAttention": decoder_attention,
    _M + "mixtral.mixtral_attention.CachedMixtralAttention": decoder_attention,
    _M + "gemma.gemma_attention.CachedGemmaAttention": decoder_attention,
    _M + "phi3.phi3_attention.Phi3Attention": decoder_attention,
    _M + "qwen.qwen_attention.QwenAttention": qwen_attention,
    _M + "qwen_moe.qwen_moe_attention.QwenMoeAttention": qwen_attention,
    _M + "qwen3.qwen3_attention.Qwen3Attention": qwen3_attention,
    _M + "falcon.falcon_attention.FalconAttention": falcon_bloom_attention,
    _M + "bloom.bloom_attention.BloomAttention": falcon_bloom_attention,
    _M + "gpt_neo_x.gpt_neo_x_attention.GPTNeoXAttention": gpt_neox_attention,
    _M + "deberta_v3.disentangled_self_attention.DisentangledSelfAttention": deberta_attention,
    _M + "t5.t5_multi_head_attention.T5MultiHeadAttention": t5_attention,
    _M + "whisper.whisper_cached_multi_head_attention.WhisperCachedMultiHeadAttention": whisper_attention,
    _M + "xlnet.relative_attention.TwoStreamRelativeAttention": xlnet_relative_attention,
    _M + "dinov2.dinov2_layers.DINOV2Attention": dinov2_attention,
}

_ZERO_MACS = (
    "llama.llama_layernorm.LlamaLayerNorm",
    "mistral.mistral_layer_norm.MistralLayerNormalization",
    "mixtral.mixtral_layer_norm.MixtralLayerNormalization",
    "qwen.qwen_layernorm.QwenLayerNorm",
    "qwen_moe.qwen_moe_layernorm.QwenMoeLayerNorm",
    "phi3.phi3_layernorm.Phi3LayerNorm",
    "gemma.rms_normalization.RMSNormalization",
    "qwen3.qwen3_layernorm.Qwen3LayerNorm",
    "t5.t5_layer_norm.T5LayerNorm",
    "whisper.whisper_backbone.Padder",
    "xlnet.xlnet_encoder.XLNetSegmentMatrixLayer",
    "xlnet.xlnet_encoder.XLNetAttentionMaskLayer",
    "xlnet.xlnet_content_and_query_embedding.ContentAndQueryEmbedding",
    "deberta_v3.relative_embedding.RelativeEmbedding",
    "dinov2.dinov2_layers.DINOV2LayerScale",
)

# class path -> MACs function (the whole layer, sublayers included)
MACS: dict[str, Callable[[Config, Any, Any], str]] = {
    **{_M + path: zero_macs for path in _ZERO_MACS},
    _L + "position_embedding.PositionEmbedding": zero_macs,
    _L + "token_and_position_embedding.TokenAndPositionEmbedding": zero_macs,
    _L + "rotary_embedding.RotaryEmbedding": zero_macs,
    _L + "alibi_bias.AlibiBias": zero_macs,
    _M + "vit.vit_layers.ViTPatchingAndEmbedding": vit_patching_macs,
    _M + "deit.deit_layers.DeiTEmbeddings": deit_embeddings_macs,
    _M + "dinov2.dinov2_layers.DINOV2PatchEmbedding": dinov2_patch_macs,
    _M + "dinov2.dinov2_layers.DINOV2Embedding": dinov2_patch_macs,
    _M + "vit.vit_layers.MLP": vit_mlp_macs,
    _M + "deit.deit_layers.DeiTIntermediate": deit_intermediate_macs,
    _M + "deit.deit_layers.DeiTOutput": deit_output_macs,
    _M + "dinov2.dinov2_layers.DINOV2MLP": dinov2_mlp_macs,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeMLP": qwen_moe_mlp_macs,
    _M + "mixtral.mixtral_decoder.MixtralMoeExperts": mixtral_experts_macs,
    _M + "mixtral.mixtral_decoder.MixtralSparseMoeBlock": mixtral_block_macs,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeExperts": qwen_experts_macs,
    _M + "qwen_moe.qwen_moe_decoder.QwenSparseMoeBlock": qwen_block_macs,
    _M + "llama.llama_attention.LlamaAttention": decoder_attention_macs,
    _M + "mistral.mistral_attention.CachedMistralAttention": decoder_attention_macs,
    _M + "mixtral.mixtral_attention.CachedMixtralAttention": decoder_attention_macs,
    _M + "gemma.gemma_attention.CachedGemmaAttention": decoder_attention_macs,
    _M + "phi3.phi3_attention.Phi3Attention": decoder_attention_macs,
    _M + "qwen.qwen_attention.QwenAttention": decoder_attention_macs,
    _M + "qwen_moe.qwen_moe_attention.QwenMoeAttention": decoder_attention_macs,
    _M + "qwen3.qwen3_attention.Qwen3Attention": decoder_attention_macs,
    _M + "falcon.falcon_attention.FalconAttention": multi_head_self_attention_macs,
    _M + "bloom.bloom_attention.BloomAttention": multi_head_self_attention_macs,
    _M + "gpt_neo_x.gpt_neo_x_attention.GPTNeoXAttention": multi_head_self_attention_macs,
    _M + "deberta_v3.disentangled_self_attention.DisentangledSelfAttention": deberta_attention_macs,
    _M + "t5.t5_multi_head_attention.T5MultiHeadAttention": t5_attention_macs,
    _M + "dinov2.dinov2_layers.DINOV2Attention": dinov2_attention_macs,
    # An MHA subclass whose build() takes one shape and adds a relative-position
    # stream: MultiHeadAttention's function (found through the MRO) would misread it.
    _M + "xlnet.relative_attention.TwoStreamRelativeAttention": not_covered("TwoStreamRelativeAttention"),
}

# class path -> output shape from (config, build shape), batch axis included
OUTPUT_SHAPES: dict[str, Callable[[Config, Shape], tuple[Any, ...]]] = {
    **{_M + path: same_shape for path in _ZERO_MACS[:9]},
    _L + "token_and_position_embedding.TokenAndPositionEmbedding": embedded_shape,
    _L + "position_embedding.PositionEmbedding": same_shape,
    _M + "vit.vit_layers.ViTPatchingAndEmbedding": vit_embedding_shape,
    _M + "deit.deit_layers.DeiTEmbeddings": deit_embedding_shape,
    _M + "dinov2.dinov2_layers.DINOV2Embedding": dinov2_embedding_shape,
    _M + "dinov2.dinov2_layers.DINOV2PatchEmbedding": dinov2_patch_shape,
    **{
        _M + path: same_shape
        for path in (
            "vit.vit_layers.MLP",
            "dinov2.dinov2_layers.DINOV2MLP",
            "dinov2.dinov2_layers.DINOV2LayerScale",
            "llama.llama_attention.LlamaAttention",
            "phi3.phi3_attention.Phi3Attention",
            "falcon.falcon_attention.FalconAttention",
            "gpt_neo_x.gpt_neo_x_attention.GPTNeoXAttention",
        )
    },
}


def resolve(path: str) -> Optional[type]:
    """The class at ``module.Class``, or None when the installed keras-hub has no such module or class."""
    module_name, _, class_name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    found = getattr(module, class_name, None)
    return found if isinstance(found, type) else None


def register_hub_layers() -> list[type]:
    """Register every formula and MACs function above for the keras-hub classes that exist; [] without keras-hub."""
    try:
        importlib.import_module("keras_hub")
    except ImportError:
        return []
    registered: dict[type, None] = {}
    for path, formula in FORMULAS.items():
        layer_class = resolve(path)
        if layer_class is not None:
            register_formula(layer_class)(formula)
            registered[layer_class] = None
    for path, macs in MACS.items():
        layer_class = resolve(path)
        if layer_class is not None:
            register_macs(layer_class)(macs)
            registered[layer_class] = None
    return list(registered)


def output_shape_function(layer_class: type) -> Optional[Callable[[Config, Shape], tuple[Any, ...]]]:
    """The output-shape function of ``layer_class`` or its nearest registered base, or None."""
    for klass in layer_class.__mro__:
        function = OUTPUT_SHAPES.get(f"{klass.__module__}.{klass.__qualname__}")
        if function is not None:
            return function
    return None
