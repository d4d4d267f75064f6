"""The tutorial notebook runs from top to bottom, and its committed outputs are the ones it produces.

``pytest --update-golden`` re-executes it and writes the outputs back (read the diff), the same
deliberate mechanism as the golden files.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import keras
import nbclient
import nbformat
import pytest

# The committed outputs are a record of a run on the default backend (its first cell prints it).
pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the notebook's committed outputs were made on the TensorFlow backend (its first cell prints the backend)",
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "ascii_explain_tutorial.ipynb"
# TensorFlow's C++ start-up lines (absl, oneDNN, CUDA) reach stderr whatever TF_CPP_MIN_LOG_LEVEL says.
STARTUP_NOISE = re.compile(r"^(WARNING: All log messages before absl|I0000 |W0000 |E0000 ).*$\n?", re.M)


def _without_startup_noise(notebook) -> None:
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        kept = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = STARTUP_NOISE.sub("", output.text)
                if not output.text.strip():
                    continue
            kept.append(output)
        cell.outputs = kept


def _readable_outputs(notebook) -> list[list[str]]:
    """Per code cell: its stdout, stderr and the plain text of its results (what a reader sees).

    A cell's stream arrives in as many messages as the kernel happened to flush, so streams are
    joined before comparing.
    """
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        streams = {"stdout": "", "stderr": ""}
        results = []
        for output in cell.outputs:
            if output.output_type == "stream":
                streams[output.name] += output.text
            elif "data" in output:
                results.append(output["data"].get("text/plain", ""))
        cells.append([f"{name}: {text}" for name, text in streams.items() if text] + results)
    return cells


def test_tutorial_notebook_runs_and_its_outputs_are_current(request):
    committed = nbformat.read(NOTEBOOK, as_version=4)
    executed = copy.deepcopy(committed)
    # Raises CellExecutionError, naming the cell, if any cell fails.
    nbclient.NotebookClient(
        executed,
        timeout=180,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the committed notebook: its diffs show only real changes
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()
    _without_startup_noise(executed)
    if request.config.getoption("--update-golden"):
        nbformat.write(executed, NOTEBOOK)
        return
    outputs = _readable_outputs(executed)
    assert all(outputs), "every code cell shows something"
    text = "\n".join(part for cell in outputs for part in cell)
    assert "kernel 3*3*3*2 + bias 2 = (3*3*3+1)*2 = 56" in text
    assert "moving_mean        32  trainable=False" in text
    assert "= 3*3*32 + (32+1)*64 = 2400" in text
    assert "14816 192 | Keras: 14816" in text
    html = [o["data"]["text/html"] for c in executed.cells if c.cell_type == "code" for o in c.outputs if "data" in o]
    assert any('class="ae-row ae-mismatch"' in part for part in html)
    # The notebook view: its header before its tree, in every displayed explanation.
    views = [part for part in html if 'class="ascii-explain"' in part]
    assert views and all(part.index('class="ae-header"') < part.index('class="ae-tree"') for part in views)
    # No TensorFlow start-up lines in what is committed (they would be noise in every reader's copy).
    committed_streams = [o.text for c in committed.cells if c.cell_type == "code" for o in c.outputs
                         if o.output_type == "stream"]
    assert not any(STARTUP_NOISE.search(text) for text in committed_streams)
    assert _readable_outputs(committed) == outputs, (
        "the committed outputs are stale; run pytest --update-golden tests/test_notebook.py and commit the notebook"
    )
