"""The README's first two commands are the project's set-up; CI must run the second verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.S)


def test_first_command_runs_the_example_and_second_runs_the_tests():
    first, second = readme_commands()[:2]
    assert first.endswith("python -m ascii_explain")
    assert "pip install ." in first
    assert second.endswith("python -m pytest") and '".[test]"' in second


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_readme_example_diagram_is_the_golden_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    golden = (ROOT / "tests" / "golden" / "seed000_w100.txt").read_text(encoding="utf-8").rstrip("\n")
    assert golden in readme


def test_readme_transformer_diagram_is_the_golden_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    golden = (ROOT / "tests" / "golden" / "llama_tiny_t16_w100.txt").read_text(encoding="utf-8").rstrip("\n")
    assert "## Transformers and keras-hub" in readme and golden in readme
