"""Benchmark: the command line on models explained from their config alone, against the bare imports.

Run from the repository root (``bench_explain.py --config-only`` runs this too)::

    python benchmarks/bench_config_only.py            # 5 rounds
    python benchmarks/bench_config_only.py --rounds 9

It writes, into a temporary directory,

- ``llama2_7b_en/config.json``: Llama-2-7B as keras-hub's ``llama2_7b_en``
  preset describes it (vocabulary 32,000, 32 layers, hidden 4,096,
  intermediate 11,008, 32 heads), serialized by keras-hub itself from a tiny
  ``LlamaBackbone`` with the sizes put in -- 6,738,415,616 parameters that
  never exist in memory;
- ``resnet50v2.keras``: ``keras.applications.ResNet50V2(weights=None)`` saved.

Each round runs, in fresh processes and alternating which goes first, the
command line on a model and its baseline: ``python -c "import keras, keras_hub"``
for the preset, ``python -c "import keras"`` for the ResNet (and the ResNet
with ``--weights`` against the same baseline, for comparison). It prints the
median wall time and peak resident memory (``ru_maxrss`` from ``os.wait4``, per
process) of each -- this process never imports Keras, because Linux counts the
RSS a child inherits at ``fork`` in its ``ru_maxrss``: the files are written
by a child too -- as ratios and differences against the baseline measured in
the same run, with the issue's targets. Every command's output is checked: the
CLI must print Keras's own total.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent

LLAMA_2_7B = {
    "vocabulary_size": 32000,
    "num_layers": 32,
    "num_query_heads": 32,
    "num_key_value_heads": 32,
    "hidden_dim": 4096,
    "intermediate_dim": 11008,
}
LLAMA_2_7B_PARAMS = 6_738_415_616  # Meta's published count; Keras's count_params() gives it too


@dataclass(frozen=True)
class Case:
    label: str
    command: list[str]
    baseline_label: str
    baseline: list[str]
    expected_total: int
    max_ratio: Optional[float]  # the targets; None: shown for comparison only
    max_extra_mb: Optional[float]


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    peak_mb: float  # peak resident set size, 10^6 bytes


# ------------------------------------------------------------------ the files


def write_llama_2_7b_preset(directory: Path) -> Path:
    """A keras-hub preset directory whose config.json is Llama-2-7B's, serialized by keras-hub itself."""
    import keras
    import keras_hub

    tiny = keras_hub.models.LlamaBackbone(
        vocabulary_size=11, num_layers=1, num_query_heads=2, num_key_value_heads=2, hidden_dim=8, intermediate_dim=16
    )
    config = keras.saving.serialize_keras_object(tiny)
    for key in ("build_config", "compile_config"):  # keras-hub's KerasPresetSaver leaves them out too
        config.pop(key, None)
    config["config"].update(LLAMA_2_7B)
    preset = directory / "llama2_7b_en"
    preset.mkdir()
    (preset / "config.json").write_text(json.dumps(config, indent=4), encoding="utf-8")
    return preset


def write_resnet50v2(directory: Path) -> tuple[Path, int]:
    import keras

    model = keras.applications.ResNet50V2(weights=None)
    path = directory / "resnet50v2.keras"
    model.save(path)
    return path, model.count_params()


def write_files(directory: Path) -> dict[str, Any]:
    """Both files, written by a child process (see the module docstring): their paths and ResNet's count."""
    output = subprocess.run(
        [sys.executable, __file__, "--write", str(directory)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _write_and_report(directory: Path) -> None:
    preset = write_llama_2_7b_preset(directory)
    resnet, resnet_params = write_resnet50v2(directory)
    print(json.dumps({"preset": str(preset), "resnet": str(resnet), "resnet_params": resnet_params}))


# ------------------------------------------------------------------ measuring


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "ascii-explain"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ascii_explain"]


def measure(command: list[str], env: dict[str, str], cwd: Path) -> tuple[Run, str]:
    """Wall time and this process's own peak RSS (os.wait4: per child, unlike RUSAGE_CHILDREN)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {stderr.strip()[-500:]}")
    return Run(wall, usage.ru_maxrss * 1024 / 1e6), stdout  # ru_maxrss is in KiB on Linux


def run_cases(cases: list[Case], rounds: int, cwd: Path) -> dict[str, dict[str, list[Run]]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for limit in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        env.pop(limit, None)  # bench_explain.py limits its own threads; users run with TensorFlow's defaults
    runs: dict[str, dict[str, list[Run]]] = {case.label: {"ours": [], "baseline": []} for case in cases}
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache  # compiled bytecode, as an installed package has
        for round_index in range(rounds + 1):  # round 0 fills the bytecode and OS file caches
            for case in cases:
                pair = [("ours", case.command), ("baseline", case.baseline)]
                if round_index % 2:
                    pair.reverse()
                for side, command in pair:
                    run, stdout = measure(command, env, cwd)
                    if side == "ours" and f"{case.expected_total:,}" not in stdout:  # Keras's own total
                        raise SystemExit(f"{case.label}: the output does not show {case.expected_total:,}")
                    if round_index:
                        runs[case.label][side].append(run)
    return runs


# ------------------------------------------------------------------ report


def report(cases: list[Case], runs: dict[str, dict[str, list[Run]]], rounds: int) -> list[str]:
    lines = [
        f"the command line on config-only models vs the bare imports, median of {rounds} fresh processes each",
        "",
        "| model (CLI) | baseline | wall s | baseline s | ratio | target | peak MB | baseline MB | above | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        ours, base = runs[case.label]["ours"], runs[case.label]["baseline"]
        wall = statistics.median(run.wall for run in ours)
        base_wall = statistics.median(run.wall for run in base)
        peak = statistics.median(run.peak_mb for run in ours)
        base_peak = statistics.median(run.peak_mb for run in base)
        ratio, extra = wall / base_wall, peak - base_peak
        ratio_target = _target(ratio, case.max_ratio, "{:.2f}×")
        extra_target = _target(extra, case.max_extra_mb, "{:.0f} MB")
        lines.append(
            f"| {case.label} | {case.baseline_label} | {wall:.2f} | {base_wall:.2f} | {ratio:.2f}× | {ratio_target} | "
            f"{peak:,.0f} | {base_peak:,.0f} | +{extra:,.0f} | {extra_target} |"
        )
    return lines


def _target(value: float, limit: Optional[float], form: str) -> str:
    if limit is None:
        return "-"
    return f"≤ {form.format(limit)} {'ok' if value <= limit else 'MISSED'}"


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median reported)")
    parser.add_argument("--write", metavar="DIR", help=argparse.SUPPRESS)  # the child that writes the files
    args = parser.parse_args(argv)
    if args.write:
        _write_and_report(Path(args.write))
    else:
        run(args.rounds)


def run(rounds: int) -> None:
    """Write the files, measure, print the table."""
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        written = write_files(directory)
        preset, resnet, resnet_params = written["preset"], written["resnet"], written["resnet_params"]
        cli = cli_command()
        import_keras = [sys.executable, "-c", "import keras"]
        import_hub = [sys.executable, "-c", "import keras, keras_hub"]
        cases = [
            Case(
                "Llama-2-7B preset (config.json)", [*cli, str(preset)], "`import keras, keras_hub`", import_hub,
                LLAMA_2_7B_PARAMS, 2.0, 250.0,
            ),
            Case(
                "ResNet50V2 .keras", [*cli, str(resnet)], "`import keras`", import_keras,
                resnet_params, 1.25, 120.0,
            ),
            Case(
                "ResNet50V2 .keras --weights", [*cli, str(resnet), "--weights"], "`import keras`", import_keras,
                resnet_params, None, None,
            ),
        ]  # fmt: skip
        runs = run_cases(cases, rounds, directory)
    print(f"load average at the end: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print()
    print("\n".join(report(cases, runs, rounds)))
    print()


if __name__ == "__main__":
    main()
