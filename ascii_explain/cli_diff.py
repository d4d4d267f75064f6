"""The command line's ``ascii-explain diff A B``: what changed between two models, for people and for CI.

Exit codes: 0 compared; 1 the parameters grew by more than
``--fail-on-growth PERCENT``; 2 bad input (one line on stderr). ``cli.main``
hands ``diff ...`` to :func:`diff_main` before its own parser runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from .diff import ModelDiff, diff, load_model
from .keras_import import import_keras, native_stderr_silenced
from .read.files import InputError, check_model_file, describe_error, is_callable_spec
from .terminal import terminal_width

PROG = "ascii-explain diff"

EXIT_OK, EXIT_GREW, EXIT_BAD_INPUT = 0, 1, 2


def build_diff_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Show what changed between two models, layer by layer: parameters, mult-adds, "
        "output shapes and formulas before -> after.",
        epilog="Exit status: 0 compared; 1 parameters grew by more than --fail-on-growth; 2 bad input.",
    )
    parser.add_argument("before", metavar="A", help="the model before: a .keras/.h5 file or module:callable")
    parser.add_argument("after", metavar="B", help="the model after: a .keras/.h5 file or module:callable")
    parser.add_argument(
        "--fail-on-growth",
        type=_percent_argument,
        metavar="PERCENT",
        help="exit 1 when B has more than PERCENT%% more parameters than A (for CI)",
    )
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument(
        "--width",
        type=int,
        metavar="N",
        help="text width in columns (default: $COLUMNS, else the terminal's width, else 100)",
    )
    parser.add_argument("--show-unchanged", action="store_true", help="also list the layers that did not change")
    parser.add_argument(
        "--custom", action="append", default=[], metavar="MODULE", help="import MODULE first (custom layers)"
    )
    return parser


def diff_main(argv: Optional[Sequence[str]] = None) -> int:
    """``ascii-explain diff A B``: print the diff; the exit status says whether the parameters grew too much."""
    args = build_diff_parser().parse_args(argv)
    # Before Keras is imported: TensorFlow reads it once, at import.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        for spec in (args.before, args.after):
            if not is_callable_spec(spec):
                check_model_file(spec)  # fails fast, before TensorFlow's seconds of import
        with native_stderr_silenced():
            import_keras()
        from .read.files import import_user_module

        for module in args.custom:
            import_user_module(module, what=f"--custom {module}")
        model_diff = diff(load_model(args.before), load_model(args.after))
    except InputError as error:
        _say(str(error))
        return EXIT_BAD_INPUT
    except Exception as error:  # noqa: BLE001 - the promise is one line, not a traceback
        _say(describe_error(error))
        return EXIT_BAD_INPUT
    if args.format == "json":
        text = model_diff.to_json()
    elif args.format == "markdown":
        text = model_diff.to_markdown(show_unchanged=args.show_unchanged)
    else:
        text = model_diff.to_text(width=args.width or terminal_width(), show_unchanged=args.show_unchanged)
    sys.stdout.write(text + "\n")
    if args.fail_on_growth is not None and model_diff.params_growth_percent > args.fail_on_growth:
        _say(f"parameters grew {_growth_words(model_diff)}, more than --fail-on-growth {args.fail_on_growth:g}%")
        return EXIT_GREW
    return EXIT_OK


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _growth_words(model_diff: ModelDiff) -> str:
    growth = model_diff.params_growth_percent
    share = "from none" if growth == float("inf") else f"{growth:.2f}%"
    return f"{share} ({model_diff.params_before:,} -> {model_diff.params_after:,})"


def _percent_argument(value: str) -> float:
    try:
        number = float(value.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a percentage") from None
    if number < 0 or number != number:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return number
