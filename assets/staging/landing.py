"""Reading landing files into DuckDB as text, with their line numbers.

Every file is read with all values as text, so that a value that does not parse becomes
a rejected row (``bad_type``) instead of a failed load; only a file that cannot be read
as a table at all stops its snapshot (``BrokenFileError``). Which files make a snapshot
is the contract's layout (`contract.landing`); each format has its reader beside this
module. Errors never quote the file (see `assets.staging.broken`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.staging.broken import BrokenFileError, column_positions, wrong_field_count
from assets.staging.csv_reader import BATCH_FILES, Layout, batch_layout, read_csv, read_csv_batch
from assets.staging.parquet_reader import read_parquet
from assets.staging.xlsx_reader import read_xlsx
from contract.landing import (
    READABLE_SUFFIXES,
    entry_problem,
    relative_name,
    snapshot_dir,
    snapshot_files,
)

__all__ = ["READERS", "BrokenFileError", "FileRead", "column_positions", "load_snapshot"]


@dataclass(frozen=True)
class FileRead:
    file: str  # relative to the landing directory
    rows: int


#: (connection, path, name, required columns, target table, file order) -> the header's
#: field count (CSV; None for formats whose rows cannot be ragged).
Reader = Callable[[duckdb.DuckDBPyConnection, Path, str, tuple[str, ...], str, int], int | None]


READERS: dict[str, Reader] = {".csv": read_csv, ".parquet": read_parquet, ".xlsx": read_xlsx}

CHANGED = "changed while reading (an upload in progress?): run again once it is complete"


@dataclass(frozen=True)
class Part:
    """One file of a snapshot, as it is read."""

    order: int  # file-name order in the snapshot (decides duplicate_key)
    path: Path
    file: str  # relative to the landing directory

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


def file_state(path: Path) -> tuple[int, int, int, int] | None:
    """What tells that a file changed: (device, inode, size, mtime_ns); None once gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def snapshot_parts(landing: Path, source: str, key: str) -> list[Part]:
    """The snapshot's files; the first one that cannot be a part of it stops the snapshot."""
    files = snapshot_files(landing, source, key)
    if not files:
        folder = relative_name(snapshot_dir(landing, source, key), landing)
        raise BrokenFileError(folder, "no file to read in the snapshot folder")
    parts = []
    for order, path in enumerate(files):
        part = Part(order, path, relative_name(path, landing))
        if part.suffix not in READERS or part.suffix not in READABLE_SUFFIXES[source]:
            allowed = ", ".join(READABLE_SUFFIXES[source])
            raise BrokenFileError(
                part.file,
                f"not a readable {source} file (expected {allowed}; '.' or '_' to ignore)",
            )
        problem = entry_problem(path, landing)
        if problem is not None:
            raise BrokenFileError(part.file, problem)
        parts.append(part)
    return parts


def batches(
    parts: list[Part], columns: tuple[str, ...]
) -> Iterator[tuple[list[Part], Layout | None]]:
    """Consecutive small CSV parts with the same layout go together; any other part alone."""
    batch: list[Part] = []
    layout: Layout | None = None
    for part in parts:
        this = batch_layout(part.path, part.file, columns) if part.suffix == ".csv" else None
        if batch and this is not None and this == layout and len(batch) < BATCH_FILES:
            batch.append(part)
            continue
        if batch:
            yield batch, layout
        batch, layout = [part], this
    if batch:
        yield batch, layout


def read_batch(
    conn: duckdb.DuckDBPyConnection,
    batch: list[Part],
    layout: Layout | None,
    columns: tuple[str, ...],
    target: str,
    states: dict[int, tuple[int, int, int, int] | None],
) -> dict[int, int | None]:
    """Read the parts into ``target``; the header's field count of each (CSV only)."""
    if layout is not None and len(batch) > 1:
        together = [(p.path, p.file, p.order) for p in batch]
        if read_csv_batch(conn, together, layout, columns, target):
            return {p.order: layout.fields for p in batch}
    fields = {}
    for p in batch:
        try:
            fields[p.order] = READERS[p.suffix](conn, p.path, p.file, columns, target, p.order)
        except (BrokenFileError, OSError):
            # Replaced, appended or removed meanwhile: an upload in progress, not a bad file.
            if file_state(p.path) != states[p.order]:
                raise BrokenFileError(p.file, CHANGED) from None
            raise
    return fields


def load_snapshot(
    conn: duckdb.DuckDBPyConnection,
    landing: Path,
    source: str,
    key: str,
    columns: tuple[str, ...],
    target: str,
    workers: int = 1,
) -> list[FileRead]:
    """Read every part of a snapshot into the table ``target`` as text.

    ``target`` gets (file_order, file, line, <columns>, _fields). Raises ``BrokenFileError``
    for the first part that cannot be read as a table, that changed while it was read, or
    when the snapshot has no part.

    With one worker ``target`` is a temporary table of ``conn``. With several, the parts
    are read side by side, each on a connection of its own to ``conn``'s database, into
    a table of that database (a temporary table is seen by its own connection only): for
    a database that lives as long as the read, such as the split's in memory.
    """
    conn.execute(
        f"CREATE OR REPLACE {'TEMP ' if workers == 1 else ''}TABLE {target} "
        "(file_order INTEGER, file VARCHAR, line BIGINT, "
        + ", ".join(f"{c} VARCHAR" for c in columns)
        + ", _fields INTEGER)"
    )
    parts = list(batches(snapshot_parts(landing, source, key), columns))

    def read(part: tuple[list[Part], Layout | None]) -> list[FileRead]:
        batch, layout = part
        if workers == 1:
            return read_checked(conn, batch, layout, columns, target)
        with conn.cursor() as own:
            return read_checked(own, batch, layout, columns, target)

    if workers == 1 or len(parts) == 1:
        by_part = list(map(read, parts))
    else:
        with ThreadPoolExecutor(min(workers, len(parts))) as pool:
            # in file order, so the first broken file in it is the one raised
            by_part = list(pool.map(read, parts))
    return [file_read for reads in by_part for file_read in reads]


def read_checked(
    conn: duckdb.DuckDBPyConnection,
    batch: list[Part],
    layout: Layout | None,
    columns: tuple[str, ...],
    target: str,
) -> list[FileRead]:
    """Read the parts of one batch into ``target``, then check each: not changed while
    read, no row with a field count other than the header's, at least one data row."""
    states = {p.order: file_state(p.path) for p in batch}
    fields = read_batch(conn, batch, layout, columns, target, states)
    found = {
        order: (rows, line, count)
        for order, rows, line, count in conn.execute(
            "SELECT file_order, count(*), min(line) FILTER (_fields IS NOT NULL), "
            f"arg_min(_fields, line) FILTER (_fields IS NOT NULL) FROM {target} "
            "WHERE file_order BETWEEN ? AND ? GROUP BY file_order",
            [batch[0].order, batch[-1].order],
        ).fetchall()
    }
    reads = []
    for p in batch:
        if file_state(p.path) != states[p.order]:
            raise BrokenFileError(p.file, CHANGED)
        rows, line, count = found.get(p.order, (0, None, None))
        if line is not None:
            raise BrokenFileError(
                p.file,
                f"{wrong_field_count(count, fields[p.order] or 0)} (data row {line})",
                line,
            )
        if rows == 0:
            raise BrokenFileError(p.file, "empty: a header but no data rows")
        reads.append(FileRead(p.file, rows))
    return reads
