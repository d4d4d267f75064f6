"""``python -m ascii_explain``: explain a built-in example model (issue 7 grows this)."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    from .examples import DEFAULT_EXAMPLE, EXAMPLES

    parser = argparse.ArgumentParser(
        prog="ascii-explain",
        description="Explain where every parameter of a Keras model comes from.",
    )
    parser.add_argument(
        "--example",
        choices=sorted(EXAMPLES),
        default=DEFAULT_EXAMPLE,
        help="built-in example model to explain (default: %(default)s)",
    )
    parser.add_argument("--width", type=int, default=100, help="diagram width in columns (default: %(default)s)")
    parser.add_argument("--ascii", action="store_true", help="pure ASCII output (no μ|σ)")
    args = parser.parse_args(argv)

    from . import explain

    explanation = explain(EXAMPLES[args.example]())
    print(explanation.render(width=args.width, ascii_only=args.ascii))
    return 0 if not explanation.mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
