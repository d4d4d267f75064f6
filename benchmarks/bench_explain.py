"""Benchmark: ``str(explain(model))`` against Keras's own ``model.summary()``.

Run from the repository root::

    python benchmarks/bench_explain.py                 # everything, 7 rounds
    python benchmarks/bench_explain.py --rounds 3 --models resnet50v2,chain
    python benchmarks/bench_explain.py --no-scaling --no-import --no-memory
    python benchmarks/bench_explain.py --config-only   # only the command line on config-only models

In ONE process it builds ResNet50V2, DenseNet121, EfficientNetB0
(``weights=None``: nothing is downloaded) and a long functional chain, then
times ``str(explain(model))`` and ``model.summary(print_fn=<discard>)``
interleaved (the order alternates each round), several rounds, and prints the
medians and the ratio ours/Keras per model. It also prints:

- the ratio per model of the real-world corpus in the tests (``tests/keras_io_corpus.py``,
  ``tests/zoo_corpus.py``, ``tests/hub_corpus.py``: their builders imported), with its median and worst
  (``--no-corpus`` skips it, ``--corpus-rounds`` sets its rounds);
- ``explain(m, optimizer="adam")`` and the patched ``summary()`` against ``str(explain(m))``;
- the time per layer for chains of 100/200/400/800/3,000 layers (flat = linear);
- the time ``import ascii_explain``, ``from ascii_explain import explain`` and
  the first ``explain`` add after ``import keras`` (fresh subprocesses, median);
- the peak extra Python memory of explaining and rendering (tracemalloc).

``--config-only`` runs ``bench_config_only.py`` instead: the command line on
Llama-2-7B's preset config and a saved ResNet50V2, no weight value allocated,
against ``import keras, keras_hub`` / ``import keras`` in the same run.

TensorFlow's thread pools are limited to one thread each before TensorFlow is
imported, so its background threads do not compete with the timed code on a
small machine. The load average is printed with the numbers: on a busy machine
rerun when it is quieter.
"""

from __future__ import annotations

import os

# Before TensorFlow is imported: one thread per pool, no C++ log lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this checkout's ascii_explain, not an installed one

MODELS = ("resnet50v2", "densenet121", "efficientnetb0", "chain")
DEFAULT_CHAIN = 400
SCALING = (100, 200, 400, 800, 3000)  # issue 20: large graphs stay linear at 3,000 layers


# ------------------------------------------------------------------ models


def build_application(name: str) -> Any:
    import keras

    builders = {
        "resnet50v2": keras.applications.ResNet50V2,
        "densenet121": keras.applications.DenseNet121,
        "efficientnetb0": keras.applications.EfficientNetB0,
    }
    return builders[name](weights=None)


def build_chain(n_layers: int) -> Any:
    """A functional chain of exactly ``n_layers`` layers (the InputLayer included).

    The layers cycle through Dense, BatchNormalization, Activation and Dropout
    so that formulas, MACs, shape arithmetic and the Activation folding all run.
    """
    import keras
    from keras import layers

    inputs = keras.Input((32,), name="x")
    x = inputs
    makers: list[Callable[[int], Any]] = [
        lambda i: layers.Dense(32, name=f"dense_{i}"),
        lambda i: layers.BatchNormalization(name=f"bn_{i}"),
        lambda i: layers.Activation("relu", name=f"relu_{i}"),
        lambda i: layers.Dropout(0.1, name=f"drop_{i}"),
    ]
    for i in range(n_layers - 1):
        x = makers[i % len(makers)](i)(x)
    # Keras's own graph mapping (keras.src.ops.function._build_map) recurses once per layer: past ~900
    # layers it needs more than Python's default 1,000 frames to build the model at all.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * n_layers + 1000))
    model = keras.Model(inputs, x, name=f"chain_{n_layers}")
    assert len(model.layers) == n_layers
    return model


# ------------------------------------------------------------------ timing


def _discard(*args: Any, **kwargs: Any) -> None:
    pass


def ours(model: Any) -> str:
    from ascii_explain import explain

    return str(explain(model))


def keras_summary(model: Any) -> None:
    model.summary(print_fn=_discard)


def _time(function: Callable[[Any], Any], model: Any) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this thread) of one call.

    Both sides run in this one Python thread, so the thread's CPU time leaves
    out what other processes (and TensorFlow's own threads) take from it on a
    busy machine; the wall time is what a user waits.
    """
    gc.collect()
    wall, cpu = time.perf_counter(), time.thread_time()
    function(model)
    return time.perf_counter() - wall, time.thread_time() - cpu


def time_interleaved(models: dict[str, Any], rounds: int) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds of ours and Keras per model; the two alternate which goes first."""
    for model in models.values():  # warm-up: lazy imports, rich's first console, Keras caches
        ours(model)
        keras_summary(model)
    samples: dict[str, dict[str, list[float]]] = {
        name: {"ours": [], "keras": [], "ours_cpu": [], "keras_cpu": []} for name in models
    }
    for round_index in range(rounds):
        for name, model in models.items():
            pair = [("ours", ours), ("keras", keras_summary)]
            if round_index % 2:
                pair.reverse()
            for label, function in pair:
                wall, cpu = _time(function, model)
                samples[name][label].append(wall)
                samples[name][label + "_cpu"].append(cpu)
    return {
        name: {label: statistics.median(values) for label, values in by_label.items()}
        for name, by_label in samples.items()
    }


# ------------------------------------------------------------------ the real-world corpus


def corpus_builders() -> dict[str, Callable[[], Any]]:
    """The tests' real-world corpus by name ("io:...", "zoo:...", "hub:..."); keras-hub's part only if installed."""
    sys.path.insert(0, str(ROOT))
    from tests.keras_io_corpus import KERAS_IO_MODELS
    from tests.zoo_corpus import ZOO_MODELS

    try:
        from tests.hub_corpus import HUB_MODELS
    except ImportError:  # keras_hub is optional
        HUB_MODELS = {}
    return {
        **{f"io:{name}": builder for name, builder in KERAS_IO_MODELS.items()},
        **{f"zoo:{name}": builder for name, builder in ZOO_MODELS.items()},
        **{f"hub:{name}": builder for name, builder in HUB_MODELS.items()},
    }


def corpus_ratios(rounds: int) -> dict[str, dict[str, float]]:
    """Median wall seconds of ours and Keras's summary per corpus model, built and timed one at a time."""
    results = {}
    for name, builder in corpus_builders().items():
        model = builder()
        results[name] = time_interleaved({name: model}, rounds)[name]
        del model
        gc.collect()
    return results


def with_adam(model: Any) -> str:
    from ascii_explain import explain

    return str(explain(model, optimizer="adam"))


def patched_summary(model: Any) -> None:
    import ascii_explain

    ascii_explain.summary(model, print_fn=_discard)


def time_variants(models: dict[str, Any], rounds: int) -> dict[str, dict[str, float]]:
    """Median wall seconds of ``str(explain(m))``, with ``optimizer="adam"`` and the patched summary, interleaved."""
    variants = (("ours", ours), ("adam", with_adam), ("summary", patched_summary))
    for model in models.values():
        for _, function in variants:
            function(model)
    samples: dict[str, dict[str, list[float]]] = {name: {label: [] for label, _ in variants} for name in models}
    for round_index in range(rounds):
        for name, model in models.items():
            order = list(variants) if round_index % 2 == 0 else list(reversed(variants))
            for label, function in order:
                samples[name][label].append(_time(function, model)[0])
    return {name: {label: statistics.median(values) for label, values in by.items()} for name, by in samples.items()}


# ------------------------------------------------------------------ import time

_IMPORT_PROBE = r"""
import os, sys, time, json
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, sys.argv[1])
import keras
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(2)])
before = set(sys.modules)
t0 = time.perf_counter()
import ascii_explain
t1 = time.perf_counter()
from ascii_explain import explain
t2 = time.perf_counter()
str(explain(model))
t3 = time.perf_counter()
str(explain(model))
t4 = time.perf_counter()
loaded = sorted(m for m in set(sys.modules) - before if not m.startswith("ascii_explain"))
print(json.dumps({"package": t1 - t0, "explain": t2 - t1, "first_use": t3 - t2, "second_use": t4 - t3,
                  "loaded": loaded}))
"""


def time_imports(runs: int) -> dict[str, Any]:
    """Medians over fresh interpreters, with a bytecode cache as an installed package has.

    pip compiles a package's modules when it installs it; a checkout run with
    PYTHONDONTWRITEBYTECODE=1 would compile every module on each import. So
    the probe writes bytecode to a temporary PYTHONPYCACHEPREFIX (the checkout
    is not touched), one run fills it, and the timed runs use it.
    """
    results: dict[str, list[float]] = {}
    loaded: list[str] = []
    with tempfile.TemporaryDirectory() as cache:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for run in range(runs + 1):
            output = subprocess.run(
                [sys.executable, "-c", _IMPORT_PROBE, str(ROOT)], check=True, capture_output=True, text=True, env=env
            ).stdout
            measured = json.loads(output.strip().splitlines()[-1])
            loaded = measured.pop("loaded")
            if run == 0:
                continue  # filled the bytecode cache
            for key, value in measured.items():
                results.setdefault(key, []).append(value)
    medians: dict[str, Any] = {key: statistics.median(values) for key, values in results.items()}
    medians["loaded"] = loaded
    return medians


# ------------------------------------------------------------------ memory


def peak_memory(model: Any) -> tuple[int, int]:
    """(peak extra bytes while explaining and rendering, bytes the Explanation and text keep)."""
    from ascii_explain import explain

    gc.collect()
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        explanation = explain(model)
        text = str(explanation)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del explanation, text
    return peak - baseline, current - baseline


def model_param_bytes(model: Any) -> int:
    """Bytes of the model's weights (what a copy of them would cost)."""
    import numpy as np

    total = 0
    for variable in model.weights:
        size = 1
        for dim in variable.shape:
            size *= int(dim)
        total += size * np.dtype(str(variable.dtype)).itemsize
    return total


# ------------------------------------------------------------------ report


def machine() -> dict[str, str]:
    import keras
    import tensorflow as tf

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per model (median reported)")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {', '.join(MODELS)}")
    parser.add_argument("--chain", type=int, default=DEFAULT_CHAIN, help="layers in the 'chain' model")
    parser.add_argument(
        "--scaling", default=",".join(map(str, SCALING)), help="chain lengths for the per-layer table ('' to skip)"
    )
    parser.add_argument("--no-scaling", action="store_true", help="skip the per-layer scaling table")
    parser.add_argument("--import-runs", type=int, default=7, help="fresh subprocesses for the import times")
    parser.add_argument("--no-import", action="store_true", help="skip the import times")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    parser.add_argument("--no-corpus", action="store_true", help="skip the real-world corpus of the tests")
    parser.add_argument("--corpus-rounds", type=int, default=5, help="timed rounds per corpus model")
    parser.add_argument("--no-variants", action="store_true", help="skip optimizer= and the patched summary")
    parser.add_argument(
        "--config-only",
        action="store_true",
        help="only the command line on config-only models (a 7B preset, a saved ResNet50V2) vs the bare imports; "
        "--rounds applies (default there: 5)",
    )
    args = parser.parse_args(argv)
    if args.config_only:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bench_config_only

        rounds_given = any(arg.startswith("--rounds") for arg in (argv if argv is not None else sys.argv[1:]))
        bench_config_only.run(args.rounds if rounds_given else 5)
        return

    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")

    import keras
    import tensorflow as tf

    try:  # the environment variables above already say this; the API makes sure
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    keras.utils.set_random_seed(0)

    info = machine()
    load_start = load()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
        f"TensorFlow {info['tensorflow']}, Keras {info['keras']}"
    )
    print(f"load average at start: {load_start}")
    arguments = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"command: python benchmarks/bench_explain.py {arguments}".rstrip())
    print()

    models = {}
    for name in names:
        models[name] = build_chain(args.chain) if name == "chain" else build_application(name)
    results = time_interleaved(models, args.rounds)

    print(f"explain vs model.summary(), median of {args.rounds} rounds: wall ms (CPU ms of the thread)")
    print()
    print("| model | layers | params | explain ms | summary ms | ours/Keras | ours/Keras, CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, model in models.items():
        r = results[name]
        print(
            f"| {model.name} | {len(model.layers)} | {model.count_params():,} | "
            f"{r['ours'] * 1e3:.1f} ({r['ours_cpu'] * 1e3:.1f}) | "
            f"{r['keras'] * 1e3:.1f} ({r['keras_cpu'] * 1e3:.1f}) | "
            f"{r['ours'] / r['keras']:.2f} | {r['ours_cpu'] / r['keras_cpu']:.2f} |"
        )
    print()

    if not args.no_corpus:
        corpus = corpus_ratios(args.corpus_rounds)
        print(f"the tests' real-world corpus, median of {args.corpus_rounds} rounds: wall ms")
        print()
        print("| model | explain ms | summary ms | ours/Keras |")
        print("|---|---:|---:|---:|")
        for name, r in sorted(corpus.items(), key=lambda item: item[1]["ours"] / item[1]["keras"]):
            print(f"| {name} | {r['ours'] * 1e3:.1f} | {r['keras'] * 1e3:.1f} | {r['ours'] / r['keras']:.2f} |")
        corpus_only = [r["ours"] / r["keras"] for r in corpus.values()]
        worst = max(corpus, key=lambda name: corpus[name]["ours"] / corpus[name]["keras"])
        print()
        print(
            f"corpus: {len(corpus_only)} models, ours/Keras median {statistics.median(corpus_only):.2f}, "
            f"worst {max(corpus_only):.2f} ({worst})"
        )
        print()
    if not args.no_variants:
        variants = time_variants(models, args.rounds)
        print(f"options against str(explain(m)), median of {args.rounds} rounds: wall ms")
        print()
        print("| model | explain ms | optimizer='adam' ms | ratio | patched summary() ms | ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r in variants.items():
            print(
                f"| {models[name].name} | {r['ours'] * 1e3:.1f} | {r['adam'] * 1e3:.1f} | "
                f"{r['adam'] / r['ours']:.2f} | {r['summary'] * 1e3:.1f} | {r['summary'] / r['ours']:.2f} |"
            )
        print()

    lengths = [] if args.no_scaling else [int(n) for n in args.scaling.split(",") if n.strip()]
    if lengths:
        chains = {f"chain_{n}": build_chain(n) for n in lengths}
        scaling = time_interleaved(chains, args.rounds)
        print("time per layer, functional chains (flat = linear in the number of layers): wall (CPU of the thread)")
        print()
        print("| layers | explain ms | explain µs/layer | summary ms | summary µs/layer | ours/Keras, CPU |")
        print("|---:|---:|---:|---:|---:|---:|")
        for n in lengths:
            r = scaling[f"chain_{n}"]
            print(
                f"| {n} | {r['ours'] * 1e3:.1f} ({r['ours_cpu'] * 1e3:.1f}) | "
                f"{r['ours'] / n * 1e6:.0f} ({r['ours_cpu'] / n * 1e6:.0f}) | "
                f"{r['keras'] * 1e3:.1f} ({r['keras_cpu'] * 1e3:.1f}) | "
                f"{r['keras'] / n * 1e6:.0f} ({r['keras_cpu'] / n * 1e6:.0f}) | {r['ours_cpu'] / r['keras_cpu']:.2f} |"
            )
        print()
        del chains

    if not args.no_import:
        imports = time_imports(args.import_runs)
        print(f"import cost after `import keras`, median of {args.import_runs} fresh processes (ms)")
        print()
        print("| step | ms |")
        print("|---|---:|")
        print(f"| `import ascii_explain` | {imports['package'] * 1e3:.1f} |")
        print(f"| `from ascii_explain import explain` | {imports['explain'] * 1e3:.1f} |")
        print(f"| first `str(explain(model))` (3 layers; loads the renderer) | {imports['first_use'] * 1e3:.1f} |")
        print(f"| second `str(explain(model))` | {imports['second_use'] * 1e3:.1f} |")
        print()
        print("modules loaded by all of that besides ascii_explain's own: " + (", ".join(imports["loaded"]) or "none"))
        print()

    if not args.no_memory:
        print("peak extra Python memory of explain + render (tracemalloc; weights for comparison)")
        print()
        print("| model | peak (KiB) | kept by the Explanation and text (KiB) | weights (KiB) |")
        print("|---|---:|---:|---:|")
        for model in models.values():
            peak, kept = peak_memory(model)
            weights = model_param_bytes(model)
            print(f"| {model.name} | {peak / 1024:,.0f} | {kept / 1024:,.0f} | {weights / 1024:,.0f} |")
        print()

    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
