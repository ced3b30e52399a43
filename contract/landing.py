"""The landing zone's layout: which files make a snapshot.

    <landing>/enrollment/<periode>/<any name>.csv | .parquet
    <landing>/labour/<tahun>/<any name>.csv | .parquet | .xlsx

Several files in one folder are parts of one snapshot, read in file-name order (the order
that decides ``duplicate_key``). A file whose name starts with ``.`` or ``_`` is a partial
upload and is never read.
"""

from __future__ import annotations

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
    """The parts of one snapshot, in file-name order."""
    folder = snapshot_dir(landing, source, key)
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and not is_ignored(p)), key=lambda p: p.name
    )


def landed_keys(landing: Path, source: str) -> list[str]:
    """Snapshot folders (periods or years) that hold at least one file to read."""
    root = landing / source
    if not root.is_dir():
        return []
    return sorted(
        d.name
        for d in root.iterdir()
        if d.is_dir()
        and is_snapshot_key(source, d.name)
        and snapshot_files(landing, source, d.name)
    )


def landed_periods(landing: Path) -> list[str]:
    return landed_keys(landing, ENROLLMENT)


def landed_years(landing: Path) -> list[int]:
    return [int(y) for y in landed_keys(landing, LABOUR)]


def relative_name(path: Path, landing: Path) -> str:
    """A landing file's name as every message and table shows it: relative to the zone."""
    try:
        return path.resolve().relative_to(landing.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
