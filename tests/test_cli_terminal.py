"""The command line in a terminal (issue 23): its width, hints in its own words, --help, bad shapes."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest

from ascii_explain import cli, examples, explain
from ascii_explain.safe_text import columns
from ascii_explain.terminal import DEFAULT_WIDTH, terminal_width

from . import graph_models, hub_corpus
from .cli_support import PACKAGE_ROOT, TIMEOUT, subprocess_env


def _run_in_terminal(args: list[str], cols: int, env: dict[str, str]) -> str:
    """``python -m ascii_explain ARGS`` with stdout on a pseudo-terminal ``cols`` columns wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "ascii_explain", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=PACKAGE_ROOT,
    )
    os.close(follower)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], TIMEOUT)
            if not ready:
                raise TimeoutError("the command line wrote nothing for too long")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower closed: the process is done writing
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        process.wait(timeout=TIMEOUT)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_the_command_line_draws_at_the_terminal_width():
    env = subprocess_env()
    env.pop("COLUMNS", None)
    text = _run_in_terminal(["--example", "seed000"], 80, env)
    lines = text.rstrip("\n").splitlines()
    assert max(map(columns, lines)) <= 80
    expected = explain(examples.seed000_small_cnn()).render(width=80, interface="cli")
    assert text.rstrip("\n") == expected
    assert expected != explain(examples.seed000_small_cnn()).render(width=100)  # 80 columns is not the default


def test_width_comes_from_columns_then_the_terminal_then_100(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

        def fileno(self):
            raise OSError("no real terminal behind it")

    monkeypatch.setenv("COLUMNS", "123")
    assert terminal_width(io.StringIO()) == 123
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(io.StringIO()) == DEFAULT_WIDTH == 100  # not a terminal
    assert terminal_width(Terminal()) == 100  # a terminal whose size cannot be read


def test_width_option_overrides_columns(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "160")
    assert cli.main(["--example", "seed000", "--width", "70"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == explain(examples.seed000_small_cnn()).render(
        width=70, interface="cli"
    )
    assert cli.main(["--example", "seed000"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == explain(examples.seed000_small_cnn()).render(
        width=160, interface="cli"
    )


def test_hints_name_flags_on_the_command_line_and_arguments_in_python():
    nested = explain(graph_models.two_level_nested())
    python, command_line = nested.render(), nested.render(interface="cli")
    assert "explain(model, expand_nested=True) shows them" in python
    assert "--expand-nested shows them" in command_line and "expand_nested=True" not in command_line
    llama = explain(hub_corpus.llama())
    python, command_line = llama.render(), llama.render(interface="cli")
    assert "render(expand_repeats=True) draws every one" in python
    assert "--expand-repeats draws every one" in command_line and "render(" not in command_line
    # without input_shape, the costs are in T: the hints for numbers and for generation speak flags too
    # (compared with the lines' wrapping undone)
    flat_cli, flat_python = " ".join(command_line.split()), " ".join(python.split())
    assert "--input-shape 1,N for numbers" in flat_cli and "--generate PROMPT,NEW" in flat_cli
    assert "e.at(T=n) for numbers" in flat_python and "e.generation(prompt, new_tokens)" in flat_python
    assert "explain(model" not in command_line and "e.at(" not in command_line and "e.generation(" not in command_line
    with pytest.raises(ValueError, match="interface must be"):
        nested.render(interface="shell")


def test_help_lists_the_diff_subcommand(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "ascii-explain diff A B" in " ".join(capsys.readouterr().out.split())


def test_a_shape_the_model_cannot_take_is_bad_input(capsys):
    assert cli.main(["--example", "seed001-mlp", "--input-shape", "1,8"]) == cli.EXIT_BAD_INPUT == 2
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1
    assert "--input-shape" in error and "has 8 on axis 1, where the model fixes 4" in error
    assert "our bug" not in error
