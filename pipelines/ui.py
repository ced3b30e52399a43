"""`make ui` / `cakupan ui`: `dagster dev` (webserver + daemon) that stops on a signal.

Started without a terminal (systemd, docker, a CI job, `make ui &` in a script), a command
inherits SIGINT as ignored, and `dagster dev` then ignores SIGTERM too (it copies SIGINT's
handler onto SIGTERM), so its webserver, daemon and code servers never stopped. This
wrapper:

- checks the settings first (exit 2 with one line per bad setting, nothing started);
- starts `dagster dev` in its own process group, with the default signal handlers back
  and told to get SIGINT if the wrapper dies (``PR_SET_PDEATHSIG``);
- on SIGTERM, SIGINT or SIGHUP sends `dagster dev` SIGINT (its clean shutdown), waits
  ``GRACE`` seconds, then kills whatever is left of its group (a hung code server or run).

So it stops within 30 s of either signal, leaving no process behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from types import FrameType

#: Seconds `dagster dev` gets to stop its webserver, daemon and code servers itself.
GRACE = 20.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


def _child_setup() -> None:  # pragma: no cover (runs between fork and exec)
    for signo in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(signo, signal.SIG_DFL)  # undo an inherited SIG_IGN
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the handlers still do
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGINT)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def settings_problems() -> list[str]:
    from pipelines.resources import setting_problems, warehouse_from_env, warehouse_problems

    return setting_problems() + warehouse_problems(warehouse_from_env(resolve=True))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    problems = settings_problems()
    for problem in problems:
        print(f"cakupan: {problem}", file=sys.stderr)
    if problems:
        return 2
    stop: list[int] = []

    def on_signal(signo: int, frame: FrameType | None) -> None:
        stop.append(signo)

    for signo in STOP_SIGNALS:
        signal.signal(signo, on_signal)  # also replaces an inherited SIG_IGN
    # Dagster's own processes: no Beta/Preview/Supersession warnings on the console (the
    # code location silences them too, once it is imported).
    env = {**os.environ, "PYTHONWARNINGS": "ignore::FutureWarning"}
    dev = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", *args],
        start_new_session=True,
        preexec_fn=_child_setup,
        env=env,
    )
    pgid = dev.pid
    while dev.poll() is None and not stop:
        time.sleep(0.2)
    if stop and dev.poll() is None:
        dev.send_signal(signal.SIGINT)  # dagster dev: KeyboardInterrupt, a clean shutdown
        with contextlib.suppress(subprocess.TimeoutExpired):
            dev.wait(timeout=GRACE)
    deadline = time.monotonic() + 3
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)  # code servers or run workers left over
    if dev.poll() is None:
        dev.wait()
    return 128 + stop[0] if stop else (dev.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
