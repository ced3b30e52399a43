"""The writer lock: one process at a time writes the warehouse.

DuckDB lets one process open a file read-write, and a second writer used to meet the first
on DuckDB's own lock and retry for minutes. Every path that writes the warehouse (`cakupan
run`, `cakupan rebuild`, runs launched by the daemon or the UI) takes this lock first
instead, so a second writer waits and says for whom, or gives up at once (``wait=False``).

- ``fcntl.flock`` on ``<internal file>.lock``. The kernel drops a flock when the last file
  descriptor closes, so a killed holder (``kill -9`` included) never leaves a stale lock:
  the lock state decides, never the file's content.
- The content names the holder (pid, run id, command, since), only for messages.
- Re-entrant within a process: `cakupan run` holds it and executes several in-process
  Dagster runs, each taking it again (and naming itself as the holder while it runs).
- The descriptor is never inheritable (``O_CLOEXEC``), so a child process cannot keep the
  lock alive after its parent died. The lock file is never deleted (deleting it would let
  two processes lock two different files).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: written into the lock file, read by those who wait."""

    pid: int
    command: str
    run_id: str | None = None
    since: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
    host: str = field(default_factory=socket.gethostname)

    def describe(self) -> str:
        if self.run_id:
            return f"run {self.run_id} (pid {self.pid}, {self.command}) since {self.since}"
        return f"{self.command} (pid {self.pid}) since {self.since}"


class WarehouseBusy(Exception):
    """Another process writes the warehouse (raised when not waiting)."""

    def __init__(self, lock_path: Path, holder: Holder | None) -> None:
        self.lock_path = lock_path
        self.holder = holder
        who = holder.describe() if holder else "another process"
        super().__init__(f"the warehouse is being written by {who}")


def read_holder(lock_path: Path) -> Holder | None:
    """The holder named in the lock file (None while it is being rewritten, or unreadable)."""
    try:
        return Holder(**json.loads(lock_path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


@dataclass
class _Held:
    fd: int
    holders: list[Holder]  # outermost first; the last one is written in the file


_held: dict[Path, _Held] = {}
_guard = threading.RLock()


def _write(fd: int, holder: Holder) -> None:
    data = json.dumps(asdict(holder)).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def acquire(
    lock_path: Path,
    holder: Holder,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    poll: float = 0.5,
) -> bool:
    """Take the lock (again, if this process holds it already). True when this call took
    it first in this process: the moment to clean what a killed writer left behind.

    Waits while another process holds it (telling ``on_wait`` once, naming the holder), or
    raises ``WarehouseBusy`` at once when ``wait`` is False."""
    lock_path = Path(os.path.abspath(lock_path))
    with _guard:
        held = _held.get(lock_path)
        if held is not None:
            # Taken again inside the process: the outer command, the inner run (if any).
            outer = held.holders[-1]
            holder = replace(holder, command=outer.command) if holder.run_id else outer
            held.holders.append(holder)
            _write(held.fd, holder)
            return False
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        told = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                        raise
                busy = WarehouseBusy(lock_path, read_holder(lock_path))
                if not wait:
                    raise busy
                if on_wait is not None and not told:
                    on_wait(
                        f"waiting for the warehouse: {str(busy).removeprefix('the warehouse is ')}"
                    )
                    told = True
                time.sleep(poll)
        except BaseException:
            os.close(fd)
            raise
        _write(fd, holder)
        _held[lock_path] = _Held(fd, [holder])
        return True


def release(lock_path: Path) -> None:
    """Give back one acquisition; the last one unlocks (and empties the holder record)."""
    lock_path = Path(os.path.abspath(lock_path))
    with _guard:
        held = _held[lock_path]
        held.holders.pop()
        if held.holders:
            _write(held.fd, held.holders[-1])
            return
        del _held[lock_path]
        try:
            os.ftruncate(held.fd, 0)
            fcntl.flock(held.fd, fcntl.LOCK_UN)
        finally:
            os.close(held.fd)


def held_here(lock_path: Path) -> bool:
    """This process holds the lock."""
    with _guard:
        return Path(os.path.abspath(lock_path)) in _held
