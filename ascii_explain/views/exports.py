"""Every export of an Explanation other than the diagram, in one namespace (the CLI's ``--format`` choices).

Only names: each lives in its own view module (``json``, ``tables``,
``markdown``, ``html``). Importing this loads those modules, not tabulate.
"""

from __future__ import annotations

from .html import to_html
from .json import FORMAT_VERSION, to_dict, to_json
from .markdown import to_markdown
from .tables import to_table

__all__ = ["FORMAT_VERSION", "to_dict", "to_html", "to_json", "to_markdown", "to_table"]
