"""Recommender models built with keras-rs layers, the way keras-rs's examples build them, at tiny sizes.

DCN (examples/dcn.py: one Embedding per feature, concatenated, a FeatureCross, a deep MLP), a
stacked DCN with low-rank crosses written functionally, DLRM (examples/dlrm.py: a bottom MLP over
the dense features, one embedding per categorical feature, DotInteraction, a top MLP) both with
plain Embeddings and with DistributedEmbedding (its CPU/TensorFlow path: one EmbedReduce per
table), and a two-tower retrieval model (examples/basic_retrieval.py: user and item towers, the
item tower's outputs as BruteForceRetrieval's candidates). Each builder returns a built model
with random weights; nothing is downloaded. Needs keras-rs (Python 3.11+).
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import keras_rs
import numpy as np
from keras import layers

VOCABULARIES = {"movie_id": 20, "user_id": 12, "user_gender": 3, "user_zip": 9}
EMBEDDING_DIM = 4


def _categorical_inputs() -> dict[str, Any]:
    return {name: keras.Input((), dtype="int32", name=name) for name in VOCABULARIES}


class DCN(keras.Model):
    """examples/dcn.py's model: embeddings concatenated, one (optionally low-rank) FeatureCross, a deep MLP."""

    def __init__(self, dense_units: tuple[int, ...], projection_dim: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embedding_layers = [
            layers.Embedding(size + 1, EMBEDDING_DIM, name=f"{name}_embedding") for name, size in VOCABULARIES.items()
        ]
        self.cross_layer = keras_rs.layers.FeatureCross(
            projection_dim=projection_dim, kernel_initializer="glorot_normal"
        )
        self.dense_layers = [layers.Dense(units, activation="relu") for units in dense_units]
        self.output_layer = layers.Dense(1)

    def call(self, inputs: dict[str, Any]) -> Any:
        embeddings = [layer(inputs[name]) for layer, name in zip(self.embedding_layers, VOCABULARIES, strict=True)]
        x = keras.ops.concatenate(embeddings, axis=1)
        x = self.cross_layer(x)
        for layer in self.dense_layers:
            x = layer(x)
        return self.output_layer(x)


def dcn() -> keras.Model:
    model = DCN(dense_units=(8, 4), projection_dim=4)
    model({name: np.zeros((2,), "int32") for name in VOCABULARIES})
    return model


def dcn_stacked() -> keras.Model:
    """A functional DCN-v2: three crosses (x0, x_i) beside a deep tower, one full rank and two low rank."""
    inputs = _categorical_inputs()
    embedded = [
        layers.Embedding(size + 1, EMBEDDING_DIM, name=f"{n}_emb")(inputs[n]) for n, size in VOCABULARIES.items()
    ]
    x0 = layers.Concatenate(name="x0")(embedded)
    cross = keras_rs.layers.FeatureCross(name="cross_full")(x0, x0)
    cross = keras_rs.layers.FeatureCross(projection_dim=4, diag_scale=0.1, name="cross_low_rank")(x0, cross)
    cross = keras_rs.layers.FeatureCross(projection_dim=2, use_bias=False, name="cross_no_bias")(x0, cross)
    deep = layers.Dense(8, activation="relu", name="deep_1")(x0)
    deep = layers.Dense(8, activation="relu", name="deep_2")(deep)
    both = layers.Concatenate(name="cross_and_deep")([cross, deep])
    return keras.Model(inputs, layers.Dense(1, name="logit")(both), name="dcn_stacked")


def _mlp(units: tuple[int, ...], name: str) -> keras.Sequential:
    return keras.Sequential([layers.Dense(u, activation="relu") for u in units], name=name)


def dlrm() -> keras.Model:
    """A functional DLRM: bottom MLP to the embedding width, DotInteraction over it and the embeddings, top MLP."""
    dense_features = keras.Input((5,), name="dense_features")
    categorical = _categorical_inputs()
    bottom = _mlp((8, EMBEDDING_DIM), "bottom_mlp")(dense_features)
    embedded = [layers.Embedding(size + 1, EMBEDDING_DIM, name=f"{n}_emb")(x) for (n, x), size in
                zip(categorical.items(), VOCABULARIES.values(), strict=True)]  # fmt: skip
    interactions = keras_rs.layers.DotInteraction(name="interactions")([bottom, *embedded])
    top = layers.Concatenate(name="top_input")([interactions, bottom])
    top = _mlp((8, 4), "top_mlp")(top)
    return keras.Model([dense_features, *categorical.values()], layers.Dense(1, name="logit")(top), name="dlrm")


class DLRM(keras.Model):
    """examples/dlrm.py's model: DistributedEmbedding for the categorical features, DotInteraction, MLPs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        movie = keras_rs.layers.TableConfig(name="movie_table", vocabulary_size=21, embedding_dim=EMBEDDING_DIM)
        user = keras_rs.layers.TableConfig(name="user_table", vocabulary_size=13, embedding_dim=EMBEDDING_DIM,
                                           combiner="sum")  # fmt: skip
        # A plain dict: assigned to the model first, Keras would track it as a TrackedDict, which
        # DistributedEmbedding's keras.tree checks of the input structure then refuse (keras-rs 0.4.0).
        feature_configs = {
            "movie_id": keras_rs.layers.FeatureConfig("movie_id", movie, (None,), (None, EMBEDDING_DIM)),
            # two features share the user table (one EmbedReduce, counted once)
            "user_id": keras_rs.layers.FeatureConfig("user_id", user, (None,), (None, EMBEDDING_DIM)),
            "user_history": keras_rs.layers.FeatureConfig("user_history", user, (None, 3), (None, EMBEDDING_DIM)),
        }
        self.embedding_layer = keras_rs.layers.DistributedEmbedding(feature_configs, name="embeddings")
        self.bottom_mlp = _mlp((8, EMBEDDING_DIM), "bottom_mlp")
        self.dot_layer = keras_rs.layers.DotInteraction(self_interaction=True)
        self.top_mlp = _mlp((8, 4), "top_mlp")
        self.output_layer = layers.Dense(1)

    def call(self, inputs: dict[str, Any]) -> Any:
        dense_output = self.bottom_mlp(inputs["dense_features"])
        embeddings = self.embedding_layer(inputs["categorical"])
        x = self.dot_layer([dense_output, *embeddings.values()])
        x = keras.ops.concatenate([x, dense_output], axis=-1)
        return self.output_layer(self.top_mlp(x))


def dlrm_distributed() -> keras.Model:
    model = DLRM()
    model(
        {
            "dense_features": np.zeros((2, 5), "float32"),
            "categorical": {
                "movie_id": np.zeros((2,), "int32"),
                "user_id": np.zeros((2,), "int32"),
                "user_history": np.zeros((2, 3), "int32"),
            },
        }
    )
    return model


class TwoTower(keras.Model):
    """examples/basic_retrieval.py's model: a user tower, an item tower, and BruteForceRetrieval over the items."""

    def __init__(self, num_users: int, num_items: int, k: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_items = num_items
        self.user_tower = keras.Sequential(
            [layers.Embedding(num_users, 8), layers.Dense(EMBEDDING_DIM)], name="user_tower"
        )
        self.item_tower = keras.Sequential(
            [layers.Embedding(num_items, 8), layers.Dense(EMBEDDING_DIM)], name="item_tower"
        )
        self.retrieval = keras_rs.layers.BruteForceRetrieval(k=k, return_scores=False, name="retrieval")

    def build(self, input_shape: Any) -> None:
        self.user_tower.build(input_shape)
        self.item_tower.build(input_shape)
        super().build(input_shape)

    def call(self, inputs: Any, training: bool = False) -> dict[str, Any]:
        user_embeddings = self.user_tower(inputs)
        result = {"user_embeddings": user_embeddings}
        if not training:
            result["predictions"] = self.retrieval(user_embeddings)
        return result


def two_tower() -> keras.Model:
    model = TwoTower(num_users=10, num_items=15)
    model.build((None,))
    # After training, the example indexes every item: the item tower's outputs become the candidates.
    items = np.arange(model.num_items, dtype="int32")
    model.retrieval.update_candidates(model.item_tower(items), candidate_ids=items * 10)
    model(np.zeros((2,), "int32"))
    return model


def two_tower_functional() -> keras.Model:
    """Towers as one functional graph: the dot-product score for training, and top-k retrieval of candidates."""
    user = keras.Input((), dtype="int32", name="user")
    item = keras.Input((), dtype="int32", name="item")
    user_vector = layers.Dense(EMBEDDING_DIM, name="user_projection")(layers.Embedding(10, 8, name="user_emb")(user))
    item_vector = layers.Dense(EMBEDDING_DIM, name="item_projection")(layers.Embedding(15, 8, name="item_emb")(item))
    score = layers.Dot(axes=1, name="score")([user_vector, item_vector])
    candidates = np.random.default_rng(0).normal(size=(15, EMBEDDING_DIM)).astype("float32")
    top = keras_rs.layers.BruteForceRetrieval(candidates, k=4, name="top_items")(user_vector)
    return keras.Model([user, item], [score, *top], name="two_tower_functional")


CORPUS: dict[str, Callable[[], keras.Model]] = {
    "dcn": dcn,
    "dcn_stacked": dcn_stacked,
    "dlrm": dlrm,
    "dlrm_distributed": dlrm_distributed,
    "two_tower": two_tower,
    "two_tower_functional": two_tower_functional,
}
