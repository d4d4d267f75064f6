"""The command line: ``ascii-explain [PATH]`` and ``python -m ascii_explain [PATH]``.

PATH is a ``.keras`` file, a legacy ``.h5`` file or ``module:callable``; with
none, a built-in example is explained. Exit codes: 0 explained, 1 ``--check``
found problems (each listed on stderr), 2 bad input (one line on stderr naming
the file and the problem; ``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from typing import Any, Iterator, Optional, Sequence

from .read.files import InputError, check_model_file, describe_error, is_callable_spec

PROG = "ascii-explain"
OWN_FORMATS = ("text", "html", "markdown", "json")
EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except InputError as error:
        if args.debug:
            traceback.print_exc()
        _say(str(error))
    except Exception as error:  # noqa: BLE001 - the promise is one line, not a traceback
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
        epilog="Exit status: 0 explained; 1 --check found problems (listed on stderr); 2 bad input.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="a .keras file, a legacy .h5 file, or module:callable returning a built keras.Model "
        "(default: the built-in example, see --example)",
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
        "--width", type=_positive_int, default=100, metavar="N", help="diagram width in columns (default: 100)"
    )
    parser.add_argument("--ascii", action="store_true", help="pure ASCII diagram (no μ|σ)")
    parser.add_argument("--expand-nested", action="store_true", help="also explain the layers inside nested models")
    parser.add_argument(
        "--expand-repeats",
        action="store_true",
        help="draw identical consecutive blocks one by one, not once with a count",
    )
    parser.add_argument("--batch-size", type=_positive_int, metavar="N", help="batch size for activation sizes")
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
    parser.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of stdout")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and TensorFlow's own log messages")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.path and args.example:
        raise InputError(f"{args.path}: give a PATH or --example {args.example}, not both")
    # Before Keras is imported: TensorFlow reads it once, at import.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if args.debug else "3")
    checked_path = None
    if args.path and not is_callable_spec(args.path):
        checked_path = check_model_file(args.path)  # fails fast, before TensorFlow's seconds of import
    with _native_stderr_silenced(enabled=not args.debug):
        _import_keras()
    from .read.files import import_user_module

    for module in args.custom:
        import_user_module(module, what=f"--custom {module}")
    model = _load(args, checked_path)
    explanation = _explain(model, args)
    _write(_render(explanation, args), args)
    if args.check:
        from .checks import formula_problems

        problems = formula_problems(explanation)
        for problem in problems:
            _say(f"--check: {problem}")
        return EXIT_CHECK_FAILED if problems else EXIT_OK
    return EXIT_OK


def _load(args: argparse.Namespace, checked_path: Any) -> Any:
    from .read.files import call_model_factory, load_model_file

    if checked_path is not None:
        return load_model_file(checked_path, args.path)
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
    if args.input_shape:
        options["input_shape"] = _input_shape_option(args.input_shape)
    try:
        return explain(model, width=args.width, ascii_only=args.ascii, **options)
    except (NotBuiltError, TypeError, InputShapeError) as error:  # explain()'s own one-sentence errors
        raise InputError(f"{_source_label(args)}: {error}") from error


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

    fmt = args.format
    if fmt == "text":
        return explanation.render(width=args.width, ascii_only=args.ascii)  # expand_repeats: given to explain()
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


def _import_keras() -> None:
    try:
        import keras
    except Exception as error:  # noqa: BLE001 - a broken TensorFlow install is bad input too
        problem = describe_error(error)
        raise InputError(f"cannot import Keras ({problem}); check the TensorFlow/Keras install") from error
    if keras.backend.backend() != "tensorflow":
        _import_tensorflow_now()


def _import_tensorflow_now() -> None:
    """On the JAX or PyTorch backend, load TensorFlow now, while its C++ log lines are silenced.

    Keras 3.15.1 imports TensorFlow, when it is installed, the first time a
    layer is serialized on any backend (``serialization_lib.serialize_keras_object``
    asks ``tf.available`` from ``get_config``), which would print its log lines
    in the middle of the output. TensorFlow is a dependency of ascii_explain, but
    a missing or broken one is no error on another backend.
    """
    try:
        import tensorflow  # noqa: F401
    except Exception:  # noqa: BLE001 - not needed on this backend
        pass


@contextlib.contextmanager
def _native_stderr_silenced(enabled: bool = True) -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while TensorFlow's C++ libraries load.

    TF 2.21 logs through absl before ``absl::InitializeLog()`` ("WARNING: All log
    messages before absl::InitializeLog() ...", oneDNN and CUDA notices) and
    ignores TF_CPP_MIN_LOG_LEVEL for those, so only the file descriptor can
    keep the promise of one line on stderr. ``--debug`` leaves it alone.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _source_label(args: argparse.Namespace) -> str:
    if args.path:
        return str(args.path)
    return f"example {args.example or 'seed002'}"


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


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
