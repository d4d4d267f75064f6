"""The notebook view in a real headless Chromium, in light and dark host pages.

For the seeds' models, a model with every mark, graphs, ResNet50, a tiny Llama
and Llama-2-7B built from its config (no weight value anywhere): a screenshot
of each page (tests/artifacts/, ignored by git), every visible text element's
contrast against the background it is painted on (>= 4.5:1, measured by the
page's script after layout, ``browser_support.MEASURE``), the header above the
first layer row, and every folded group showing its members once opened.
"""

from __future__ import annotations

import pytest

from ascii_explain import Formula, FormulaTerm, examples, explain, register_formula, unregister_formula
from tests import graph_models
from tests.browser_support import ARTIFACTS, HOST_FLAGS, HOSTS, WCAG_AA, host_page, measure, screenshot
from tests.stateless_support import LLAMA_7B_PUBLISHED_PARAMS, write_llama_7b_preset
from tests.test_exports import ForgetfulDense, marked_model

keras_hub = pytest.importorskip("keras_hub")


def _seeds_and_graphs() -> list[str]:
    views = [explain(build()).to_html() for build in examples.EXAMPLES.values()]
    # A mismatch (a Dense formula that forgets its bias), a fallback, non-trainable terms.
    register_formula(ForgetfulDense)(
        lambda config, input_shape: Formula([FormulaTerm("kernel", f"{input_shape[-1]}*{config['units']}")])
    )
    try:
        views.append(explain(marked_model()).to_html())
    finally:
        unregister_formula(ForgetfulDense)
    views.append(explain(graph_models.residual_block()).to_html())  # a merge row
    views.append(explain(graph_models.two_level_nested(), expand_nested=True).to_html())
    views.append(explain(graph_models.two_level_nested()).to_html())
    return views


def _resnet50() -> list[str]:
    import keras

    keras.backend.clear_session()
    return [explain(keras.applications.ResNet50(weights=None)).to_html()]


def _tiny_llama() -> list[str]:
    from tests.test_transformers import tiny_llama

    model = tiny_llama()
    return [
        explain(model, input_shape=(1, 16)).to_html(),
        explain(model, input_shape=(1, 16), expand_nested=True).to_html(),
    ]


def _llama_7b(tmp_path_factory) -> list[str]:
    preset = write_llama_7b_preset(tmp_path_factory.mktemp("preset") / "llama2_7b_en")
    e = explain(preset, input_shape=(1, 4096))
    assert e.keras_total_params == LLAMA_7B_PUBLISHED_PARAMS
    return [e.to_html()]


PAGES = ("seeds_and_graphs", "resnet50", "tiny_llama", "llama_7b")


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    """Each page's views, built once for every host (the 7B Llama from its config: nothing allocated)."""
    return {
        "seeds_and_graphs": _seeds_and_graphs(),
        "resnet50": _resnet50(),
        "tiny_llama": _tiny_llama(),
        "llama_7b": _llama_7b(tmp_path_factory),
    }


@pytest.mark.parametrize("host", list(HOSTS))
@pytest.mark.parametrize("page", PAGES)
def test_every_visible_text_is_readable_and_the_header_comes_first(views, page, host, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    fragment = "\n".join(views[page])
    flags = HOST_FLAGS.get(host, ())
    screenshot(host_page(fragment, host, ARTIFACTS / f"html_{page}_{host}.html", measuring=False),
               ARTIFACTS / f"html_{page}_{host}.png", *flags)
    report = measure(host_page(fragment, host, tmp_path / "measured.html"), *flags)

    dark = host != "light"
    assert report["dark_preferred"] == (host == "prefers-dark")  # the flag really set the preference
    assert len(report["views"]) == len(views[page])
    for view in report["views"]:
        background = view["root_background"]
        luminance = sum(background[:3]) / 3
        assert (luminance < 64) if dark else (luminance > 240), (host, view["title"], background)
        assert view["header_first"], view["title"]
        texts = view["texts"] + [text for group in view["groups"] for text in group["texts"]]
        assert len(view["texts"]) > 10
        unreadable = [text for text in texts if text["ratio"] < WCAG_AA]
        assert not unreadable, (host, view["title"], unreadable[:5])
        for group in view["groups"]:
            assert group["visible_before"] == 0, group  # folded: nothing of it shows
            assert group["visible_after"] == group["members"] > 0, group  # opened: every member shows


def test_groups_open_to_their_members(views, tmp_path):
    """The tiny Llama's two blocks are one group, opening to transformer_layer_0 and _1; the 7B's to 32."""
    for page, blocks in (("tiny_llama", 2), ("llama_7b", 32)):
        report = measure(host_page(views[page][0], "light", tmp_path / f"{page}.html"))
        (view,) = report["views"]
        repeats = [group for group in view["groups"] if group["kind"] == "ae-group"]
        assert len(repeats) == 1
        assert repeats[0]["summary"].startswith(f"{blocks} × LlamaTransformerDecoder")
        assert repeats[0]["member_names"] == [f"transformer_layer_{index}" for index in range(blocks)]
        # Each member is a composite block that opens, in turn, to its parts.
        parts = [group for group in view["groups"] if group["kind"] == "ae-node"]
        assert len(parts) == blocks and all(group["visible_after"] == 1 for group in parts)


def test_the_measurement_can_fail(tmp_path):
    """The old view's hard-coded dark text on a JupyterLab dark page: the script reports it unreadable."""
    fragment = (
        '<div class="ascii-explain"><div class="ae-header"><div class="ae-title">old</div></div>'
        '<div class="ae-row" data-layer="x"><span style="color:#1f2328">dark on dark</span></div></div>'
    )
    report = measure(host_page(fragment, "jupyterlab-dark", tmp_path / "old.html"))
    (text,) = [t for t in report["views"][0]["texts"] if t["text"] == "dark on dark"]
    assert text["ratio"] < 1.5


def test_a_missing_browser_fails_in_ci_and_skips_locally(monkeypatch):
    from tests import browser_support

    monkeypatch.setattr(browser_support.shutil, "which", lambda name: None)
    monkeypatch.setattr(browser_support.os.path, "exists", lambda path: False)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        browser_support.chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        browser_support.chromium()
