"""A real headless Chromium for the notebook view's tests: screenshots, and measurements after layout.

The view itself has no JavaScript; the *test page* around it does: a small
script (``MEASURE``) that, once the page is laid out, writes into the DOM what
a reader would see — every visible text element's colour, the background it
sits on (composited up the ancestors), their contrast ratio (WCAG 2), whether
the header comes before the first layer row, and what a folded group shows
before and after it is opened. ``--dump-dom`` then hands the DOM back.

The browser is the distribution's (``apt-get install chromium``, which
``.ci/run`` does). Without it a test fails in CI (``CI`` set) and skips
locally, saying why.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # ignored by git (.gitignore)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--disable-dev-shm-usage",  # a container's /dev/shm is small: shared memory in /tmp instead
)
WCAG_AA = 4.5  # the contrast ratio normal text needs (WCAG 2.1, 1.4.3)


def chromium() -> str:
    """The browser's path; fails in CI and skips locally when there is none."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if found:
        return found
    message = "no chromium: apt-get install -y chromium (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_chromium(page: Path, *extra: str, timeout: float = 90, attempts: int = 2) -> str:
    """Run Chromium on ``page`` with ``extra`` flags, in a fresh profile; its stdout.

    Chromium runs in a process group of its own, killed whole on a timeout (its
    renderer and GPU processes with it); a run that hangs, as headless Chromium
    now and then does on a loaded machine, is tried once more.
    """
    browser = chromium()
    for attempt in range(attempts):
        with tempfile.TemporaryDirectory(prefix="ae-chromium-") as profile:
            process = subprocess.Popen(
                [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                if attempt + 1 < attempts:
                    continue
                raise AssertionError(f"chromium did not finish in {timeout:g} s, {attempts} times: {page}") from None
        if process.returncode != 0:
            raise AssertionError(f"chromium exited {process.returncode}: {stderr[-2000:]}")
        return stdout
    raise AssertionError("unreachable")


def screenshot(page: Path, png: Path, *extra: str, width: int = 1200, height: int = 2000) -> Path:
    run_chromium(page, f"--screenshot={png}", f"--window-size={width},{height}", *extra)
    assert png.exists() and png.stat().st_size > 1000, f"no screenshot written to {png}"
    return png


def measure(page: Path, *extra: str) -> dict[str, Any]:
    """What ``MEASURE`` found on ``page`` after layout (the page must include it)."""
    dom = run_chromium(page, "--dump-dom", "--window-size=1200,2000", *extra)
    found = re.search(r'<pre id="ae-report">(.*?)</pre>', dom, re.S)
    assert found, "the page's measuring script wrote no report:\n" + dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


# Host pages: the view's HTML inside the page a notebook front end would give it.
# JupyterLab's dark theme (variables as in @jupyterlab/theme-dark-extension 4.x); VS Code's dark webview.
HOSTS = {
    "light": ("", "", "background:#ffffff"),
    "jupyterlab-dark": (
        'data-jp-theme-light="false" data-jp-theme-name="JupyterLab Dark"',
        "--jp-layout-color0:#111111;--jp-content-font-color1:rgba(255,255,255,1);",
        "background:#111111",
    ),
    "vscode-dark": (
        'class="vscode-dark"',
        "--vscode-editor-background:#1f1f1f;--vscode-editor-foreground:#cccccc;",
        "background:#1f1f1f",
    ),
    # No host variables: the system's preference alone (Chromium run with --force-dark-mode).
    "prefers-dark": ("", "", "background:#121212"),
}
HOST_FLAGS = {"prefers-dark": ("--force-dark-mode", "--blink-settings=preferredColorScheme=0")}


def host_page(view_html: str, host: str, path: Path, measuring: bool = True) -> Path:
    """Write ``view_html`` (one view or several, as a notebook's outputs) into a page of ``host`` at ``path``."""
    body_attributes, variables, background = HOSTS[host]
    script = f"<script>{MEASURE}</script>" if measuring else ""
    path.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>host</title>"
        f"<style>:root{{{variables}}} body{{{background};margin:12px;font-family:sans-serif}}</style></head>"
        f"<body {body_attributes}>\n{view_html}\n{script}</body></html>\n",
        encoding="utf-8",
    )
    return path


# The measuring script (runs in the test page only). Colours are composited as the browser paints
# them: each ancestor's background over the one below, the text's colour over the result.
MEASURE = r"""
(function () {
  function rgba(text) {
    var m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) { return [0, 0, 0, 0]; }
    var p = m[1].split(/[ ,\/]+/).filter(function (s) { return s.length; }).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {
    var a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) { return [0, 0, 0, 0]; }
    return [0, 1, 2].map(function (i) {
      return (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    }).concat([a]);
  }
  function background(el) {
    var layers = [];
    for (var node = el; node && node.nodeType === 1; node = node.parentElement) {
      layers.push(rgba(getComputedStyle(node).backgroundColor));
    }
    var colour = [255, 255, 255, 1];  // the canvas under everything
    for (var i = layers.length - 1; i >= 0; i--) { colour = over(layers[i], colour); }
    return colour;
  }
  function luminance(c) {
    var v = [0, 1, 2].map(function (i) {
      var s = c[i] / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function visible(el) {
    return el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && el.getClientRects().length > 0;
  }
  function ownText(el) {
    var text = "";
    el.childNodes.forEach(function (n) { if (n.nodeType === 3) { text += n.textContent; } });
    return text.trim();
  }
  function texts(root) {
    var found = [];
    root.querySelectorAll("*").forEach(function (el) {
      var text = ownText(el);
      if (!text || el.tagName === "STYLE" || el.tagName === "SCRIPT" || !visible(el)) { return; }
      var bg = background(el);
      var fg = over(rgba(getComputedStyle(el).color), bg);
      found.push({text: text.slice(0, 60), cls: el.className, ratio: Math.round(contrast(fg, bg) * 100) / 100,
                  fg: fg.map(Math.round), bg: bg.map(Math.round)});
    });
    return found;
  }
  function measureView(view) {
    var report = {title: (view.querySelector(".ae-title") || view).textContent};
    report.root_background = background(view).map(Math.round);
    report.texts = texts(view);
    var header = view.querySelector(".ae-header");
    var firstRow = view.querySelector(".ae-row[data-layer], .ae-row[data-group]");
    report.header_first = !!(header && firstRow &&
        (header.compareDocumentPosition(firstRow) & Node.DOCUMENT_POSITION_FOLLOWING) &&
        header.getBoundingClientRect().bottom <= firstRow.getBoundingClientRect().top);
    // Every closed group, outer ones first: what it shows, then open it and look again.
    report.groups = [];
    view.querySelectorAll("details:not([open])").forEach(function (group) {
      if (group.closest(".ae-all-totals") && !group.classList.contains("ae-all-totals")) { return; }
      if (!visible(group.querySelector("summary"))) { return; }  // inside another closed group
      var members = Array.prototype.slice.call(group.children).filter(function (c) { return c.tagName !== "SUMMARY"; });
      var found = {kind: group.className, summary: group.querySelector("summary").textContent.slice(0, 160),
                   members: members.length, visible_before: members.filter(visible).length};
      group.open = true;
      found.visible_after = members.filter(function (m) {
        return visible(m) && m.getBoundingClientRect().height > 0;
      }).length;
      found.member_names = members.map(function (m) {
        var row = m.matches("[data-layer]") ? m : m.querySelector("[data-layer]");
        return row ? row.getAttribute("data-layer") : "";
      });
      found.texts = texts(group);  // left open: the groups inside it are measured next, in document order
      report.groups.push(found);
    });
    return report;
  }
  var report = {dark_preferred: matchMedia("(prefers-color-scheme: dark)").matches, views: []};
  document.querySelectorAll(".ascii-explain").forEach(function (view) { report.views.push(measureView(view)); });
  var out = document.createElement("pre");
  out.id = "ae-report";
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
})();
"""
