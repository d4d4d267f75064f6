"""The command line: ``ascii-explain [PATH]`` and ``python -m ascii_explain [PATH]``.

PATH is a ``.keras`` file, a Keras ``config.json``, a keras-hub preset
directory, a legacy ``.h5`` file or ``module:callable``; with none, a built-in
example is explained. A ``.keras`` file, a config and a preset are built from
their config alone, no weight value allocated (``read/stateless.py``), unless
``--weights`` asks for the values. Exit codes: 0 explained, 1 ``--check``
found problems (each listed on stderr), 2 bad input (one line on stderr naming
the file and the problem; ``--debug`` shows the traceback instead), 3 an
internal error: an exception of ascii_explain's own while explaining or
drawing a model that loaded, or ``--check`` finding rows an internal error
left unexplained.

Everything written to stderr goes through ``_say``, which makes names from the
model or file ``safe`` (control characters written visibly); stdout gets views
that did the same. A reader that closes the pipe early (``| head -1``) ends the
output quietly, with the exit code the run earned.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from typing import Any, Iterator, Optional, Sequence

from .keras_import import import_keras, native_stderr_silenced
from .read.files import InputError, check_model_file, describe_error, is_callable_spec
from .safe_text import safe
from .terminal import terminal_width

PROG = "ascii-explain"
OWN_FORMATS = ("text", "html", "markdown", "json")
EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL_ERROR = 0, 1, 2, 3


class InternalError(Exception):
    """An exception of ascii_explain's own, on a model that loaded: our bug, not the user's input."""
# Options about reading a file; a model:callable or an example is already built.
_FILE_OPTIONS = {"--weights": "weights", "--no-safe-mode": "no_safe_mode", "--max-config-bytes": "max_config_bytes"}


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["diff"]:  # ``ascii-explain diff A B``: its own options and exit codes
        from .cli_diff import diff_main

        return diff_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    try:
        return run(args)
    except InputError as error:
        if args.debug:
            traceback.print_exc()
        _say(str(error))
    except InternalError as error:
        if args.debug:
            traceback.print_exc()
        cause = error.__cause__ if error.__cause__ is not None else error
        hint = "" if args.debug else "; run with --debug for the traceback"
        _say(
            f"{_source_label(args)}: internal error in ascii_explain (our bug, not your model's) while {error}: "
            f"{describe_error(cause)}{hint}, and please report it"
        )
        return EXIT_INTERNAL_ERROR
    except Exception as error:  # noqa: BLE001 - loading: whatever fails there, the promise is one line
        if args.debug:
            traceback.print_exc()
        hint = "" if args.debug else " (run with --debug for the traceback)"
        _say(f"{_source_label(args)}: {describe_error(error)}{hint}")
    return EXIT_BAD_INPUT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Explain where every parameter of a Keras model comes from: each layer's formula, "
        "checked against Keras's count_params(), in a keras_sequential_ascii-style diagram.",
        epilog="Compare two models: ascii-explain diff A B (ascii-explain diff --help for its options). "
        "Exit status: 0 explained; 1 --check found problems (listed on stderr); 2 bad input; "
        "3 internal error (ascii_explain's own bug).",
    )
    parser.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="a .keras file, a Keras config.json, a keras-hub preset directory, a legacy .h5 file, or "
        "module:callable returning a built keras.Model (default: the built-in example, see --example); "
        "files and presets are built from their config, no weight value allocated",
    )
    parser.add_argument(
        "--example",
        metavar="NAME",
        help="explain a built-in example model instead of PATH (default: seed002; names: "
        "seed000, seed001-mlp, seed001-cnn, seed001-dcnn, seed002, seed003, seed004-cnn, seed004-separable)",
    )
    parser.add_argument(
        "--format",
        default="text",
        type=_format_name,
        metavar="FORMAT",
        help="text (the diagram, default), html, markdown, json, or any tabulate table format "
        "(grid, github, latex, rst, tsv, ...)",
    )
    parser.add_argument(
        "--width",
        type=_positive_int,
        metavar="N",
        help="diagram width in columns (default: $COLUMNS, else the terminal's width, else 100)",
    )
    parser.add_argument("--ascii", action="store_true", help="pure ASCII diagram (no μ|σ)")
    parser.add_argument(
        "--compact",
        action="store_true",
        help="one line per layer: Keras's summary columns plus the formula and mult-adds (the arithmetic "
        "is in the full diagram, without --compact)",
    )
    parser.add_argument("--expand-nested", action="store_true", help="also explain the layers inside nested models")
    parser.add_argument(
        "--expand-repeats",
        action="store_true",
        help="draw identical consecutive blocks one by one, not once with a count",
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, metavar="N", help="batch size for activation and training memory"
    )
    parser.add_argument(
        "--training",
        action="store_true",
        help="show a training step's mult-adds: forward + backward, per sample and for the batch",
    )
    parser.add_argument(
        "--optimizer",
        metavar="NAME",
        help="plan training memory with this Keras optimizer (adam, adamw, sgd, rmsprop, adafactor, lion, ...); "
        "default: the model's compiled optimizer, if any",
    )
    parser.add_argument(
        "--recompute",
        choices=("selective", "full"),
        help="plan the kept activations under recomputation (Korthikanti et al. 2022): selective recomputes "
        "attention's probabilities, full keeps only each layer's inputs",
    )
    parser.add_argument(
        "--input-shape",
        action="append",
        default=[],
        type=_input_shape,
        metavar="[NAME=]SHAPE",
        help="make the dynamic axes concrete, batch axis included: --input-shape 1,128 (every input of that rank) "
        "or one per input, --input-shape token_ids=1,128; shapes, mult-adds and the key/value cache are then "
        "those of a forward pass at that shape",
    )
    parser.add_argument(
        "--generate",
        type=_generate,
        metavar="PROMPT,NEW",
        help="also say what generating NEW tokens after a PROMPT-token prompt costs (prefill, each decode step, "
        "bytes read, arithmetic intensity), from the costs in the sequence length T (no --input-shape); "
        "for --batch-size samples",
    )
    parser.add_argument(
        "--peak-flops",
        type=_positive_rate,
        metavar="X",
        help="with --generate: the device's peak FLOP/s (e.g. 3.12e14), for the roofline bound on each token's time",
    )
    parser.add_argument(
        "--bandwidth",
        type=_positive_rate,
        metavar="X",
        help="with --generate: the device's memory bandwidth in bytes/s (e.g. 2.04e12)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when any layer's formula disagrees with Keras or has no formula (each listed on stderr)",
    )
    parser.add_argument(
        "--custom",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE (dotted name or file.py; the working directory is importable) before loading, "
        "so the custom layers it registers can be deserialized; repeatable",
    )
    parser.add_argument(
        "--weights",
        action="store_true",
        help="also load the weight values of a .keras file or preset (the explanation needs only the config)",
    )
    parser.add_argument(
        "--no-safe-mode",
        action="store_true",
        help="let Keras run the Python code a saved Lambda layer holds (Keras's safe_mode=False); "
        "only for files you trust",
    )
    parser.add_argument(
        "--max-config-bytes",
        type=_positive_int,
        metavar="N",
        help="refuse a config larger than N bytes (default: 64 MiB)",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of stdout")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and TensorFlow's own log messages")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.width is None:
        args.width = terminal_width()
    if args.path and args.example:
        raise InputError(f"{args.path}: give a PATH or --example {args.example}, not both")
    # Before Keras is imported: TensorFlow reads it once, at import.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if args.debug else "3")
    checked_path = None
    if args.path and not is_callable_spec(args.path):
        checked_path = check_model_file(args.path)  # fails fast, before TensorFlow's seconds of import
    file_options = [flag for flag, given in _FILE_OPTIONS.items() if getattr(args, given)]
    if file_options and checked_path is None:
        raise InputError(f"{_source_label(args)}: {', '.join(file_options)} apply to a model file or preset directory")
    with native_stderr_silenced(enabled=not args.debug):
        import_keras()
    from .read.files import import_user_module

    for module in args.custom:
        import_user_module(module, what=f"--custom {module}")
    model = _load(args, checked_path)
    _check_readable(model, args)
    with _ours("explaining the model"):
        explanation = _explain(model, args)
    with _ours("drawing the explanation"):
        text = _render(explanation, args)
    if args.generate is not None:
        text = _with_generation(text, explanation, args)
    elif args.peak_flops is not None or args.bandwidth is not None:
        raise InputError("--peak-flops and --bandwidth apply with --generate PROMPT,NEW")
    _write(text, args)
    if args.check:
        return _check(explanation)
    return EXIT_OK


def _check(explanation: Any) -> int:
    """``--check``: each problem on stderr; 3 when a row is an internal error (ours), else 1 for any problem."""
    from .checks import formula_problems

    with _ours("checking the explanation"):
        problems = formula_problems(explanation)
        # Rows whose formula raised (an internal error of ours), when the explanation records them.
        internal = list(getattr(explanation, "internal_errors", None) or ())
    for problem in problems:
        _say(f"--check: {problem}")
    if internal:
        names = ", ".join(str(getattr(record, "name", record)) for record in internal)
        _say(f"--check: internal error in ascii_explain (our bug; please report it) for {len(internal)}: {names}")
        return EXIT_INTERNAL_ERROR
    return EXIT_CHECK_FAILED if problems else EXIT_OK


@contextlib.contextmanager
def _ours(doing: str) -> Iterator[None]:
    """Exceptions in here are ascii_explain's own (the model loaded and was accepted): exit 3, not 2."""
    try:
        yield
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - reported as ours, in one line
        raise InternalError(doing) from error


def _check_readable(model: Any, args: argparse.Namespace) -> None:
    """explain()'s own one-sentence refusals of a model (not built, not a model) are bad input, before
    anything that fails after them counts as ours."""
    from . import NotBuiltError
    from .read.model import open_reader

    try:
        open_reader(model)
    except (NotBuiltError, TypeError) as error:
        raise InputError(f"{_source_label(args)}: {error}") from error


def _load(args: argparse.Namespace, checked_path: Any) -> Any:
    from .read.files import call_model_factory

    if checked_path is not None:
        from .read.stateless import DEFAULT_MAX_CONFIG_BYTES, model_from_path

        return model_from_path(
            args.path,  # as the user wrote it: every message starts with it
            weights=args.weights,
            safe_mode=not args.no_safe_mode,
            max_config_bytes=args.max_config_bytes or DEFAULT_MAX_CONFIG_BYTES,
        )
    if args.path:
        return call_model_factory(args.path)
    from .examples import DEFAULT_EXAMPLE, EXAMPLES

    name = args.example or DEFAULT_EXAMPLE
    if name not in EXAMPLES:
        raise InputError(f"--example {name}: no such example; choose one of {', '.join(EXAMPLES)}")
    return EXAMPLES[name]()


def _explain(model: Any, args: argparse.Namespace) -> Any:
    from . import NotBuiltError, explain
    from .read.input_shapes import InputShapeError

    options: dict[str, Any] = {"expand_nested": args.expand_nested}
    if args.expand_repeats:
        options["expand_repeats"] = True
    if args.batch_size is not None:
        options["batch_size"] = args.batch_size
    if args.optimizer is not None:
        options["optimizer"] = args.optimizer
    if args.training:
        options["training"] = True
    if args.recompute is not None:
        options["recompute"] = args.recompute
    if args.input_shape:
        options["input_shape"] = _input_shape_option(args.input_shape)
    try:
        return explain(model, width=args.width, ascii_only=args.ascii, **options)
    except InputShapeError as error:  # a shape the model cannot take (before ValueError: it is one)
        raise InputError(f"{_source_label(args)}: --input-shape: {error}") from error
    except NotBuiltError as error:  # explain()'s own one-sentence refusal of the model
        raise InputError(f"{_source_label(args)}: {error}") from error
    except ValueError as error:  # an unknown --optimizer name: explain()'s one sentence says which are
        if args.optimizer is not None and "optimizer" in str(error):
            raise InputError(f"--optimizer {args.optimizer}: {error}") from error
        raise


def _with_generation(text: str, explanation: Any, args: argparse.Namespace) -> str:
    """``--generate``: the generation plan after the diagram, or as the JSON's ``generation`` key."""
    import json

    if args.format not in ("text", "json"):
        raise InputError(f"--generate: the plan is printed with --format text or json, not {args.format}")
    prompt, new_tokens = args.generate
    try:
        plan = explanation.generation(
            prompt, new_tokens, peak_flops=args.peak_flops, bandwidth=args.bandwidth
        )
    except ValueError as error:  # no decoder, an --input-shape given, ...: the sentence says what to do
        raise InputError(f"{_source_label(args)}: --generate: {error}") from error
    if args.format == "json":
        data = json.loads(text)
        data["generation"] = plan.to_dict()
        return json.dumps(data, sort_keys=True, indent=2)
    return f"{text}\n\n{plan.render()}"


def _input_shape_option(given: list[tuple[Optional[str], tuple[int, ...]]]) -> Any:
    """One unnamed shape as is; named shapes as a dict by input name (mixing both is refused)."""
    names = [name for name, _ in given]
    if all(name is None for name in names) and len(given) == 1:
        return given[0][1]
    if any(name is None for name in names):
        raise InputError("--input-shape: give one SHAPE, or NAME=SHAPE for each input, not a mix")
    return {name: shape for name, shape in given}


def _render(explanation: Any, args: argparse.Namespace) -> str:
    from .views import exports
    from .views.diagram_layout import DiagramTooNarrowError

    fmt = args.format
    if fmt == "text":
        try:
            detail = "compact" if args.compact else "full"
            return explanation.render(width=args.width, ascii_only=args.ascii, interface="cli", detail=detail)
        except DiagramTooNarrowError as error:  # --width asked for too little: the user's to change
            raise InputError(f"--width {args.width}: {error}") from error
    if fmt == "json":
        return exports.to_json(explanation)
    if fmt == "html":
        return exports.to_html(explanation)
    # "markdown" is tabulate's "github" table, unlike Explanation.to_markdown() (heading, escaping, totals).
    return exports.to_table(explanation, fmt)


def _write(text: str, args: argparse.Namespace) -> None:
    if args.output is None:
        try:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_to_devnull()  # the reader has all it wanted (| head -1): no traceback, no message
        except UnicodeEncodeError as error:
            raise InputError(
                f"standard output ({sys.stdout.encoding}) cannot show {error.object[error.start : error.end]!r}; "
                "use --ascii, --output FILE, or set PYTHONIOENCODING=utf-8"
            ) from error
        return
    if args.path and os.path.exists(args.path) and os.path.exists(args.output):
        if os.path.samefile(args.path, args.output):
            raise InputError(f"{args.output}: is the model file itself; the model file is never written")
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as error:
        raise InputError(f"{args.output}: cannot write the output ({error.strerror or error})") from error


def _source_label(args: argparse.Namespace) -> str:
    if args.path:
        return str(args.path)
    return f"example {args.example or 'seed002'}"


def _stdout_to_devnull() -> None:
    """After a broken pipe: point stdout at /dev/null, so Python's flush at exit has nowhere to fail.

    (The recipe of Python's signal module documentation, "Note on SIGPIPE".)
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # a replaced stdout without a file descriptor: nothing to redirect
        pass


def _say(message: str) -> None:
    """One line on stderr; names from the model or file in it made ``safe``."""
    try:
        print(f"{PROG}: {safe(message)}", file=sys.stderr)
    except BrokenPipeError:  # stderr piped into a reader that has gone: nothing more to say
        pass


def _format_name(value: str) -> str:
    from tabulate import tabulate_formats

    if value in OWN_FORMATS or value in tabulate_formats:
        return value
    raise argparse.ArgumentTypeError(
        f"unknown format {value!r}; choose {', '.join(OWN_FORMATS)} or a tabulate format: {', '.join(tabulate_formats)}"
    )


def _input_shape(value: str) -> tuple[Optional[str], tuple[int, ...]]:
    """``1,128`` -> (None, (1, 128)); ``token_ids=1,128`` -> ("token_ids", (1, 128))."""
    name, _, sizes = value.rpartition("=")
    try:
        shape = tuple(int(size) for size in sizes.split(",") if size.strip())
    except ValueError:
        shape = ()
    if not shape or any(size < 1 for size in shape):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a shape: write the sizes with commas, batch axis included, e.g. 1,128"
        )
    return (name or None), shape


def _generate(value: str) -> tuple[int, int]:
    """``4096,256`` -> (4096, 256): the prompt's tokens and the new ones."""
    parts = value.split(",")
    try:
        prompt, new_tokens = (int(part) for part in parts)
    except ValueError:
        prompt = new_tokens = 0
    if prompt < 1 or new_tokens < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not PROMPT,NEW: two positive whole numbers, e.g. 4096,256"
        )
    return prompt, new_tokens


def _positive_rate(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number (per second, e.g. 2.04e12)") from None
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} must be a positive number")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be at least 1")
    return number


if __name__ == "__main__":
    sys.exit(main())
