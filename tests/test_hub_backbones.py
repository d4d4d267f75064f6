"""Every backbone class of keras-hub is in the corpus (issue 21, item 1).

``keras_hub.models`` exports 78 ``*Backbone`` classes in 0.32.0 (79 names: the
``Backbone`` base class too). Each must be the class of a model built in
``tests/hub_corpus.py`` / ``tests/hub_vision_corpus.py`` (``HUB_MODELS``), or of
the ``backbone`` a task model there wraps, or of a backbone nested in one (a
CLIP inside Stable Diffusion 3, a ResNet inside BASNet) — so the corpus tests
(``tests/test_realworld.py``, ``tests/test_transformers.py``,
``tests/test_hub_vision.py``, ``tests/test_hub_layers.py``) explain it. A class
is exempt only when listed in ``ABSTRACT`` with the reason it cannot be built on
its own. An alias (``Qwen2Backbone`` is ``QwenBackbone``) is covered by the
class it names.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import pytest

keras_hub = pytest.importorskip("keras_hub")

from . import hub_corpus  # noqa: E402

ABSTRACT = {
    # The base class of every backbone: a Functional model with no layers of its own
    # to build; each concrete backbone in the corpus is one.
    "Backbone": "the base class of all backbones, no architecture of its own",
    # The base of the backbones that expose ``pyramid_outputs`` (ResNet, CSPNet, MiT,
    # ...): it adds that property to Backbone and no layers, so it has nothing to
    # build on its own; its concrete subclasses in the corpus build it
    # (test_feature_pyramid_backbone_is_built_through_its_subclasses).
    "FeaturePyramidBackbone": "a base class (Backbone plus pyramid_outputs), built through its concrete subclasses",
}


def backbone_classes() -> dict[str, type]:
    models = keras_hub.models
    return {
        name: getattr(models, name)
        for name in dir(models)
        if name.endswith("Backbone") and inspect.isclass(getattr(models, name))
    }


@functools.cache
def corpus_classes() -> frozenset[type]:
    """The exact classes of every backbone the corpus builds: the models, their task backbones, nested backbones."""
    base = keras_hub.models.Backbone
    found: set[type] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for builder in hub_corpus.HUB_MODELS.values():
            model = builder()
            for candidate in (model, getattr(model, "backbone", None)):
                if candidate is not None:
                    found.add(type(candidate))
            for layer in model._flatten_layers(include_self=False, recursive=True):  # private, keras 3.15.1
                if isinstance(layer, base):
                    found.add(type(layer))
    return frozenset(found)


def test_keras_hub_has_the_backbones_this_corpus_was_written_for():
    # 0.32.0: 78 backbones and the base class; a newer keras-hub with more names fails the next test instead
    assert len(backbone_classes()) >= 79


def test_every_backbone_class_is_built_in_the_corpus():
    built = corpus_classes()
    missing = sorted(
        name for name, klass in backbone_classes().items() if klass not in built and name not in ABSTRACT
    )
    assert not missing, f"keras_hub.models backbones with no model in tests/hub_corpus.py: {missing}"


def test_the_abstract_list_holds_only_base_classes():
    """A listed class must really be a base: some corpus backbone subclasses it, and none is exactly it."""
    built = corpus_classes()
    classes = backbone_classes()
    for name in ABSTRACT:
        klass = classes[name]
        assert klass not in built, name
        assert any(issubclass(other, klass) and other is not klass for other in built), name


def test_feature_pyramid_backbone_is_built_through_its_subclasses():
    from keras_hub.src.models.feature_pyramid_backbone import FeaturePyramidBackbone

    pyramids = {klass.__name__ for klass in corpus_classes() if issubclass(klass, FeaturePyramidBackbone)}
    assert {"ResNetBackbone", "CSPNetBackbone", "MiTBackbone"} <= pyramids, pyramids
