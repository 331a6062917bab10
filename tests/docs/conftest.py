"""Fixtures for the browser tests of the documentation site: a Chromium binary, the built site and a local server."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MKDOCS_YML = ROOT / "mkdocs.yml"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
APT_TIMEOUT = (
    15 * 60
)  # seconds for update + install together; a cold `apt-get update` plus Chromium's dependencies is slow on CI machines
APT_LOCK = Path(tempfile.gettempdir()) / "rule-kit-chromium-install.lock"


def _which_chromium() -> str | None:
    """An explicit RULE_KIT_CHROMIUM wins over whatever happens to be on PATH."""
    explicit = os.environ.get("RULE_KIT_CHROMIUM")
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            pytest.fail(f"RULE_KIT_CHROMIUM={explicit!r} is not an executable")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _apt(deadline: float, *args: str) -> subprocess.CompletedProcess[str]:
    """Run apt-get non-interactively, output merged so a skip can quote its tail."""
    timeout = max(deadline - time.monotonic(), 1.0)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        return subprocess.run(
            ["apt-get", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return subprocess.CompletedProcess(exc.cmd, 124, f"{out}\n(gave up: {APT_TIMEOUT} s for the whole install)")


def _install_chromium() -> str:
    """Install Debian's chromium; returns apt's output (for the skip reason when it does not work)."""
    deadline = time.monotonic() + APT_TIMEOUT
    install = ("install", "-y", "-qq", "chromium")
    result = _apt(deadline, *install)
    log = result.stdout
    if result.returncode != 0:  # a fresh CI image has no package lists yet
        log += _apt(deadline, "update", "-qq").stdout
        log += _apt(deadline, *install).stdout
    return log


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a Chromium executable; installs Debian's package on CI machines (root + apt) that lack one."""
    found = _which_chromium()
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(f"no Chromium ({', '.join(CHROMIUM_NAMES)}) on PATH, RULE_KIT_CHROMIUM unset, and no root apt-get")
    # pytest-xdist workers share the machine: one installs, the others wait and then find the binary.
    with APT_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            found = _which_chromium()
            log = "" if found else _install_chromium()
            found = found or _which_chromium()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    if not found:
        tail = "\n".join(log.strip().splitlines()[-15:])
        pytest.skip(f"Chromium not found and `apt-get install chromium` did not provide it:\n{tail}")
    return found


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's site as users get it: a strict build of the real mkdocs.yml (warnings are failures)."""
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(MKDOCS_YML), "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stderr}"
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files without one stderr line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """The browser drops connections when a page is closed; that is not an error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[str]:
    """Serve the built site over http (search's web worker and fetches do not work from file:// URLs)."""
    with serve(built_site) as url:
        yield url


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A static http server for `folder` on an ephemeral port of 127.0.0.1, for as long as the block runs."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go, kept after the run so a person (or CI upload) can look at the rendered pages."""
    folder = Path(os.environ.get("RULE_KIT_ARTIFACTS") or ROOT / "test-artifacts" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
