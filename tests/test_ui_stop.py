"""`make ui` started without a terminal (systemd, docker, a CI job) stops on SIGTERM or
SIGINT within 30 s and leaves no process behind.

Started in the background by a non-interactive shell, a command inherits SIGINT as
ignored (POSIX), and `dagster dev` copies that onto SIGTERM: it used to ignore both, and
its webserver, daemon and code servers stayed up. The test starts `make ui` exactly so,
waits until the webserver answers, sends the signal, and looks in /proc for every
process it saw start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

pytestmark = [pytest.mark.ui, pytest.mark.xdist_group("ui_stop")]

STOPS_WITHIN = 30
STARTS_WITHIN = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def descendants(root: int) -> set[int]:
    """Every live process below ``root`` (by parent pid, from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return {p for p in found if alive(p)}


def signal_ignored(pid: int, signo: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signo - 1)))
    return False


@pytest.mark.parametrize("how", ["SIGTERM to make", "SIGINT to the group"])
def test_make_ui_without_a_terminal_stops_on_a_signal_and_leaves_nothing(
    tmp_path: Path, how: str
) -> None:
    landing = tmp_path / "landing"
    (landing / "enrollment").mkdir(parents=True)  # so `make ui` generates no demo data
    port = free_port()
    log = tmp_path / "ui.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CAKUPAN_", "DAGSTER_"))},
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "CAKUPAN_LANDING_DIR": str(landing),
        "CAKUPAN_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
    }
    # A non-interactive shell starting make in the background, as a service manager would:
    # make inherits SIGINT as ignored. The shell leads its own process group.
    shell = subprocess.Popen(
        [
            "bash",
            "-c",
            f"make -C {ROOT} ui UI_PORT={port} </dev/null >{log} 2>&1 & echo $!; wait",
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    seen: set[int] = set()
    try:
        assert shell.stdout is not None
        make = int(shell.stdout.readline())
        time.sleep(1)  # make has started (its signal dispositions are set before exec)
        assert signal_ignored(make, signal.SIGINT)  # the situation of the defect
        deadline = time.monotonic() + STARTS_WITHIN
        while True:
            seen |= descendants(shell.pid)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, log.read_text()
            assert alive(make), log.read_text()
            time.sleep(0.5)
        time.sleep(3)  # the daemon and the code servers have started too
        seen |= descendants(shell.pid)
        assert len(seen) >= 4, seen  # make, the wrapper, dagster dev, webserver, daemon...

        if how == "SIGTERM to make":
            os.kill(make, signal.SIGTERM)
        else:
            os.killpg(shell.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
        sent = time.monotonic()
        while (left := {p for p in seen | descendants(shell.pid) if alive(p)}) and (
            time.monotonic() - sent < STOPS_WITHIN
        ):
            time.sleep(0.2)
        assert not left, f"{len(left)} process(es) left {STOPS_WITHIN} s after {how}"
        text = log.read_text()
        assert "Traceback" not in text
        assert "Warning" not in text, text  # Dagster's Beta/Preview/Supersession warnings
    finally:
        for pid in seen | descendants(shell.pid):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        shell.wait(timeout=30)
