"""The hints the output gives ("... shows them"), written once in Python's words and spoken in the
interface the output appears in: the command line names its flags, Python its arguments.

The records and views write the Python form (these constants); a view drawn
for the command line (``render(..., interface="cli")``) swaps each for its
flag with ``speak``. Nothing here imports the rest of the package.
"""

from __future__ import annotations

PYTHON = "python"
CLI = "cli"
INTERFACES = (PYTHON, CLI)

EXPAND_REPEATS = "render(expand_repeats=True)"
EXPAND_NESTED = "explain(model, expand_nested=True)"
INPUT_SHAPE = "explain(model, input_shape=(1, T))"
OPTIMIZER = "pass optimizer= (a name or a keras.optimizers instance)"
AT_LENGTH = "e.at(T=n) for numbers"
GENERATION = "e.generation(prompt, new_tokens)"

_CLI_FORMS = {
    EXPAND_REPEATS: "--expand-repeats",
    EXPAND_NESTED: "--expand-nested",
    INPUT_SHAPE: "--input-shape 1,T",
    OPTIMIZER: "pass --optimizer NAME (adam, sgd, ...)",
    AT_LENGTH: "--input-shape 1,N for numbers",
    GENERATION: "--generate PROMPT,NEW",
}


def check_interface(interface: str) -> str:
    if interface not in INTERFACES:
        raise ValueError(f"interface must be {' or '.join(map(repr, INTERFACES))}; got {interface!r}")
    return interface


def speak(text: str, interface: str) -> str:
    """``text`` with each hint in ``interface``'s words (unchanged for Python)."""
    if interface != CLI:
        return text
    for python_form, cli_form in _CLI_FORMS.items():
        if python_form in text:
            text = text.replace(python_form, cli_form)
    return text
