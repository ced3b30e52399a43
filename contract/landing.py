"""The landing zone's layout: which files make a snapshot.

    <landing>/enrollment/<periode>/<any name>.csv | .parquet
    <landing>/labour/<tahun>/<any name>.csv | .parquet | .xlsx

Several files in one folder are parts of one snapshot, read in file-name order (the order
that decides ``duplicate_key``). A file whose name starts with ``.`` or ``_`` is a partial
upload and is never read.

Every other entry of a snapshot folder is a part of the snapshot, also one that cannot be
read (a link to nothing, a link loop, a FIFO, a file that cannot be opened): it stops its
snapshot, named, instead of the snapshot publishing without it (``entry_problem``). A
link is followed only inside the landing zone. Entries that are no snapshot at all
(folders that are not periods or years, files outside them) are reported, never read
(``ignored_entries``).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from contract.periods import is_period, is_year

ENROLLMENT = "enrollment"
LABOUR = "labour"
SOURCES = (ENROLLMENT, LABOUR)
READABLE_SUFFIXES = {
    ENROLLMENT: (".csv", ".parquet"),
    LABOUR: (".csv", ".parquet", ".xlsx"),
}


def is_ignored(path: Path) -> bool:
    """Files starting with '.' or '_' are partial uploads and are never read."""
    return path.name.startswith((".", "_"))


def is_snapshot_key(source: str, key: str) -> bool:
    return is_period(key) if source == ENROLLMENT else is_year(key)


def snapshot_dir(landing: Path, source: str, key: str) -> Path:
    return landing / source / key


def snapshot_files(landing: Path, source: str, key: str) -> list[Path]:
    """The parts of one snapshot, in file-name order: every entry of its folder but ignored
    names and folders, whether it can be read or not (see ``entry_problem``)."""
    folder = snapshot_dir(landing, source, key)
    entries = listed(folder) if folder.is_dir() else []
    return sorted(
        (p for p in entries or () if not is_ignored(p) and not p.is_dir()),
        key=lambda p: p.name,
    )


def listed(folder: Path) -> list[Path] | None:
    """The entries of a folder, or None if it cannot be listed (``ignored_entries`` says so)."""
    try:
        return sorted(folder.iterdir())
    except OSError:
        return None


DISAPPEARED = "disappeared while reading (removed or renamed)"
_NOT_REGULAR = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISDIR, "a folder"),
)


def entry_problem(path: Path, landing: Path) -> str | None:
    """Why a part of a snapshot cannot be read as a file of it, or None if it can.

    Never opens anything but a regular file (opening a FIFO would wait for a writer), and
    opens that without reading, only to learn that it can be opened."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        if path.is_symlink():
            return "a link to nothing (its target does not exist)"
        return DISAPPEARED
    except RuntimeError:  # Python 3.11: "Symlink loop"
        return "a link that loops"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a link that loops"
        return f"cannot be opened: {os.strerror(e.errno or 0).lower()}"
    if not target.is_relative_to(landing.resolve()):
        return "a link that leads outside the landing zone: refused"
    mode = target.stat().st_mode
    for is_kind, kind in _NOT_REGULAR:
        if is_kind(mode):
            return f"not a regular file ({kind})"
    try:
        os.close(os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC))
    except OSError as e:
        return f"cannot be opened: {os.strerror(e.errno or 0).lower()}"
    return None


def landed_keys(landing: Path, source: str) -> list[str]:
    """Snapshot folders (periods or years) that hold at least one file to read."""
    root = landing / source
    if not root.is_dir():
        return []
    return sorted(
        d.name
        for d in listed(root) or ()
        if d.is_dir()
        and is_snapshot_key(source, d.name)
        and snapshot_files(landing, source, d.name)
    )


def landed_periods(landing: Path) -> list[str]:
    return landed_keys(landing, ENROLLMENT)


def landed_years(landing: Path) -> list[int]:
    return [int(y) for y in landed_keys(landing, LABOUR)]


def relative_name(path: Path, landing: Path) -> str:
    """A landing entry's name as every message and table shows it: relative to the zone,
    the entry's own name (a link's, not its target's)."""
    try:
        return path.relative_to(landing).as_posix()
    except ValueError:
        pass
    try:
        return (path.parent.resolve() / path.name).relative_to(landing.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path.as_posix()


def ignored_entries(landing: Path) -> list[tuple[str, str]]:
    """Entries of the landing zone that no snapshot reads, and why: (name, reason).

    So that a folder named ``2025-3`` or ``2025-13``, or a file dropped outside a period
    folder, is reported (run summary, sensor log) instead of silently never read. Names
    starting with '.' or '_' are the convention for "not yet" and are not reported."""
    if not landing.is_dir():
        return []
    ignored: list[tuple[str, str]] = []
    snapshot_kind = {ENROLLMENT: "period folder", LABOUR: "year folder"}
    unlisted = "cannot be listed (no permission to read the folder?)"
    for entry in listed(landing) or ():
        if is_ignored(entry):
            continue
        if entry.name not in SOURCES or not entry.is_dir():
            ignored.append((entry.name, "not a source folder (enrollment/, labour/)"))
            continue
        keys = listed(entry)
        if keys is None:
            ignored.append((entry.name, unlisted))
        for key in keys or ():
            name = relative_name(key, landing)
            if is_ignored(key):
                continue
            if not key.is_dir():
                ignored.append((name, f"a file outside a {snapshot_kind[entry.name]}"))
            elif not is_snapshot_key(entry.name, key.name):
                pattern = "YYYY-MM, month 01-12" if entry.name == ENROLLMENT else "YYYY"
                ignored.append((name, f"not a {snapshot_kind[entry.name]} ({pattern})"))
            elif (parts := listed(key)) is None:
                ignored.append((name, unlisted))
            else:
                ignored += [
                    (relative_name(p, landing), "a folder inside a snapshot folder is not read")
                    for p in parts
                    if not is_ignored(p) and p.is_dir()
                ]
                if not snapshot_files(landing, entry.name, key.name):
                    ignored.append((name, "holds no file to read"))
    return sorted(ignored)
