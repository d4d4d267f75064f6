"""Regenerate the README's pictures of the notebook view with headless Chromium.

    TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python scripts/html_pictures.py

docs/html_example.png: the views of tests/golden/marked.html and tests/golden/llama_tiny_t16.html
on a light page; docs/html_example_dark.png: the tiny Llama's on a JupyterLab dark page, its group of blocks and
the first block opened (as a click on each, or to_html(expand_repeats=True, expand_nested=True), opens them).
Reads the goldens, so the pictures show exactly what the tests check.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import host_page, screenshot  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"


def main() -> None:
    marked = (GOLDEN / "marked.html").read_text(encoding="utf-8")
    llama = (GOLDEN / "llama_tiny_t16.html").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as work:
        page = host_page(marked + "\n<br>\n" + llama, "light", Path(work) / "light.html", measuring=False)
        screenshot(page, ROOT / "docs" / "html_example.png", width=1100, height=1030)
        opened = llama.replace('<details class="ae-group">', '<details class="ae-group" open>')
        opened = opened.replace('<details class="ae-node">', '<details class="ae-node" open>', 1)  # its first block
        page = host_page(opened, "jupyterlab-dark", Path(work) / "dark.html", measuring=False)
        screenshot(page, ROOT / "docs" / "html_example_dark.png", width=1100, height=720)


if __name__ == "__main__":
    main()
