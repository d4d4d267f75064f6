"""Views over an Explanation's records: the text diagram, HTML, Markdown, JSON, tabulate tables, traces.

Each view reads the records and one shared view model (``model.py``: marks,
percentages, arithmetic pieces, totals as kinds of lines) and never another
view's text. Shared formatting lives in neutral modules (``formatting.py``,
``styled.py``, ``arithmetic_text.py``, ``cost_text.py``). No view imports
``explanation.py`` or ``trace.py``: they take those objects as arguments,
typed by the protocols in ``model.py`` and ``trace_values.py``.

Nothing is imported here, so drawing the diagram loads neither tabulate nor
the HTML and JSON views.
"""
