"""The notebook view's stylesheet: readable in any theme, no JavaScript, no external resource.

Colours are custom properties on the view's root (``--ae-*``), set from the
host where it says what it is and from ``prefers-color-scheme`` where it does
not: JupyterLab and nbconvert mark the page ``data-jp-theme-light``, VS Code's
notebook webviews carry ``vscode-light`` / ``vscode-dark`` /
``vscode-high-contrast`` classes, Colab ``html[theme=dark]``. The root paints
its own background, the host's own (``--jp-layout-color0``,
``--vscode-editor-background``) when there is one, so every text colour below
is measured against a background we know: each accent keeps a contrast of at
least 4.5:1 against the light (white, #f6f8fa, the tinted rows) or the dark
(#111111 to #252526, the tinted rows) backgrounds it can land on
(tests/test_html_browser.py measures it in Chromium).

The marks never rely on colour alone: every marked row starts with its sign
(``!``, ``?``, ``E`` ...) and says why in words; non-trainable terms are in
italics and flagged "(non-trainable)".
"""

from __future__ import annotations

ROOT_CLASS = "ascii-explain"

_LIGHT = {
    "bg": "#ffffff",
    "fg": "#1f2328",
    "dim": "#57606a",
    "error": "#a40e26",
    "warn": "#7a4a00",
    "nontrainable": "#7d4300",
    "ok": "#116329",
    "border": "#d0d7de",
    "head-bg": "#f6f8fa",
    "error-bg": "#fde2e1",
    "warn-bg": "#fff3cd",
    "bar": "#0969da",
    "bar-track": "#d8dee4",
}
_DARK = {
    "bg": "#1e1e1e",
    "fg": "#e6edf3",
    "dim": "#a3adb8",
    "error": "#ff9492",
    "warn": "#e3b341",
    "nontrainable": "#f0a35e",
    "ok": "#56d364",
    "border": "#3d444d",
    "head-bg": "#252526",
    "error-bg": "#3d1618",
    "warn-bg": "#3a2c05",
    "bar": "#4493f8",
    "bar-track": "#3d444d",
}
# The host's own background and text, where it defines them; ours otherwise.
_HOST_BG = "var(--jp-layout-color0, var(--vscode-editor-background, {bg}))"
_HOST_FG = "var(--jp-content-font-color1, var(--vscode-editor-foreground, {fg}))"

LIGHT_HOSTS = (
    '[data-jp-theme-light="true"]',
    "body.vscode-light",
    "body.vscode-high-contrast-light",
    'html[theme="light"]',
)
DARK_HOSTS = (
    '[data-jp-theme-light="false"]',
    "body.vscode-dark",
    "body.vscode-high-contrast:not(.vscode-high-contrast-light)",
    'html[theme="dark"]',
)

FONT = "system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace"
# Grid columns shared by every row, so the cells of nested and folded rows line up.
COLUMNS = "minmax(16em,2.4fr) minmax(6em,1fr) 6.5em 5.5em 7.5em 5.5em 7.5em 3em"

# A viewer that drops <style> elements (GitHub's notebook preview) still gets readable text:
# the root's inline style, with the light palette as the fallback of every variable.
ROOT_INLINE = f"color:var(--ae-fg,{_LIGHT['fg']});background:var(--ae-bg,{_LIGHT['bg']});font-family:{FONT}"


def _palette(colours: dict[str, str], scheme: str) -> str:
    declarations = [f"--ae-{name}:{value}" for name, value in colours.items() if name not in ("bg", "fg")]
    declarations.append(f"--ae-bg:{_HOST_BG.format(bg=colours['bg'])}")
    declarations.append(f"--ae-fg:{_HOST_FG.format(fg=colours['fg'])}")
    declarations.append(f"color-scheme:{scheme}")
    return ";".join(declarations)


def _scoped(hosts: tuple[str, ...]) -> str:
    return ",".join(f"{host} .{ROOT_CLASS}" for host in hosts)


def stylesheet() -> str:
    """The CSS of one view, every selector under ``.ascii-explain`` (nothing leaks into the host page)."""
    r = f".{ROOT_CLASS}"
    rules = [
        f"{r}{{{_palette(_LIGHT, 'light')}}}",
        f"@media (prefers-color-scheme: dark){{{r}{{{_palette(_DARK, 'dark')}}}}}",
        # A host that says its theme wins over the system's preference (a light JupyterLab on a dark OS).
        f"{_scoped(LIGHT_HOSTS)}{{{_palette(_LIGHT, 'light')}}}",
        f"{_scoped(DARK_HOSTS)}{{{_palette(_DARK, 'dark')}}}",
        f"{r}{{color:var(--ae-fg);background:var(--ae-bg);font-family:{FONT};font-size:13px;line-height:1.45;"
        "padding:8px 10px;border:1px solid var(--ae-border);border-radius:6px;max-width:100%;overflow-x:auto}",
        f"{r} *{{box-sizing:border-box}}",
        f"{r} code,{r} .ae-code{{font-family:{MONO};font-size:12px}}",
        # The header.
        f"{r} .ae-header{{background:var(--ae-head-bg);border-radius:4px;padding:6px 10px;margin-bottom:8px}}",
        f"{r} .ae-title{{font-weight:bold;font-size:14px;margin:0 0 4px 0}}",
        f"{r} .ae-facts{{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}}",
        f"{r} .ae-facts dt{{color:var(--ae-dim);margin:0}}",
        f"{r} .ae-facts dd{{margin:0}}",
        f"{r} .ae-marked{{margin:4px 0 0 0;padding-left:1.2em}}",
        f"{r} .ae-all-totals>summary{{cursor:pointer;color:var(--ae-dim);margin-top:4px}}",
        f"{r} .ae-all-totals pre{{font-family:{MONO};font-size:12px;white-space:pre-wrap;margin:4px 0 0 0}}",
        # The tree: every row one grid with the same columns.
        f"{r} .ae-tree{{min-width:68em}}",
        f"{r} .ae-row{{display:grid;grid-template-columns:{COLUMNS};gap:0 8px;align-items:baseline;"
        "padding:3px 4px;border-bottom:1px solid var(--ae-border)}",
        f"{r} .ae-colhead{{font-weight:bold;border-bottom:2px solid var(--ae-dim)}}",
        f"{r} .ae-num{{text-align:right;white-space:nowrap}}",
        f"{r} .ae-shapes{{white-space:normal}}",  # several outputs: the list wraps, each shape stays whole
        f"{r} .ae-shape{{white-space:nowrap}}",
        f"{r} .ae-c{{text-align:center}}",
        f"{r} .ae-layer{{overflow-wrap:anywhere}}",
        f"{r} .ae-class{{color:var(--ae-dim)}}",
        f"{r} .ae-glyph{{font-family:{MONO};color:var(--ae-dim);white-space:pre}}",
        f"{r} .ae-mark{{display:inline-block;width:1.1em;text-indent:0;font-weight:bold;font-family:{MONO}}}",
        f"{r} .ae-reads{{color:var(--ae-dim)}}",
        f"{r} .ae-detail{{grid-column:1/-1;font-family:{MONO};font-size:12px;white-space:pre-wrap;"
        "color:var(--ae-dim);padding-left:var(--ae-indent,0)}",
        f"{r} .ae-detail .ae-arithmetic{{color:var(--ae-fg)}}",
        f"{r} .ae-nontrainable{{color:var(--ae-nontrainable);font-style:italic}}",
        f"{r} .ae-mismatch,{r} .ae-internal_error{{background:var(--ae-error-bg)}}",
        f"{r} .ae-fallback,{r} .ae-adjusted{{background:var(--ae-warn-bg)}}",
        f"{r} .ae-mismatch .ae-mark,{r} .ae-internal_error .ae-mark,{r} .ae-error{{color:var(--ae-error)}}",
        f"{r} .ae-fallback .ae-mark,{r} .ae-adjusted .ae-mark,{r} .ae-inferred .ae-mark,"
        f"{r} .ae-warning{{color:var(--ae-warn)}}",
        f"{r} .ae-agrees{{color:var(--ae-ok)}}",
        f"{r} .ae-dimmed{{color:var(--ae-dim)}}",
        # The share bars: a track and a filled part whose width is the share (an inline style).
        f"{r} .ae-bar{{display:inline-block;width:3.2em;height:.6em;margin-left:4px;vertical-align:middle;"
        "background:var(--ae-bar-track);border-radius:2px;overflow:hidden}",
        f"{r} .ae-bar>span{{display:block;height:100%;background:var(--ae-bar)}}",
        # Folding: our own disclosure sign, so the summary can be a grid row.
        f"{r} summary{{list-style:none;cursor:pointer}}",
        f"{r} summary::-webkit-details-marker{{display:none}}",
        f"{r} .ae-fold{{display:inline-block;width:1.1em;text-indent:0;color:var(--ae-dim)}}",
        f"{r} details>summary .ae-fold::before{{content:'\\25B8'}}",
        f"{r} details[open]>summary .ae-fold::before{{content:'\\25BE'}}",
        f"{r} .ae-group>summary .ae-layer{{font-weight:bold}}",
        f"{r} .ae-count{{font-weight:bold}}",
    ]
    return "\n".join(rules)
