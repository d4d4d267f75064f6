"""Running the installed ``ascii-explain`` console script (and pytest) in a subprocess.

The console script is the one installed next to ``sys.executable`` (``pip install
".[test]"`` or ``pip install -e .`` puts it there). PYTHONPATH pins the
subprocess to the same ascii_explain source the tests import, so a stale
install elsewhere cannot stand in for the code under test.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import ascii_explain

PACKAGE_ROOT = Path(ascii_explain.__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "ascii-explain"
TIMEOUT = 120

# Loaded through PYTHONPATH as ``sitecustomize``: any attempt to open a network
# connection is logged and refused, so a load that needs the network fails loudly.
NETWORK_GUARD = """
import os, socket

_LOG = os.environ["NETWORK_GUARD_LOG"]


def _refuse(*args, **kwargs):
    with open(_LOG, "a") as log:
        log.write("network use: %r\\n" % (args,))
    raise OSError("network disabled by the test")


socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
with open(_LOG, "a") as log:
    log.write("guard installed\\n")
"""


def subprocess_env(extra_path: Optional[Path] = None) -> dict[str, str]:
    env = dict(os.environ)
    # The CLI must quiet TensorFlow by itself; conftest.py sets this for the test process only.
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    env.pop("PYTEST_ADDOPTS", None)
    paths = [str(extra_path)] if extra_path else []
    paths.append(str(PACKAGE_ROOT))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_cli(*args: str, cwd: Path, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess:
    assert CONSOLE_SCRIPT.exists(), (
        f"no console script at {CONSOLE_SCRIPT}; install the package into this environment "
        '(pip install -e ".[test]") so that ascii-explain exists'
    )
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        cwd=cwd,
        env=env or subprocess_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def run_python(*args: str, cwd: Path, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env or subprocess_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def install_network_guard(directory: Path) -> tuple[dict[str, str], Path]:
    """An environment whose Python refuses network connections, and the guard's log file."""
    guard_dir = directory / "network_guard"
    guard_dir.mkdir(exist_ok=True)
    (guard_dir / "sitecustomize.py").write_text(NETWORK_GUARD, encoding="utf-8")
    log = directory / "network_guard.log"
    env = subprocess_env(extra_path=guard_dir)
    env["NETWORK_GUARD_LOG"] = str(log)
    return env, log


def file_fingerprint(path: Path) -> tuple[str, int, int]:
    """Content hash, size and modification time: all three stay put when a file is only read."""
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_size, stat.st_mtime_ns
