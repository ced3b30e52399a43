"""Reading landing files into DuckDB as text, with their line numbers.

Every file is read with all values as text, so that a value that does not parse becomes
a rejected row (``bad_type``) instead of a failed load; only a file that cannot be read
as a table at all stops its snapshot (``BrokenFileError``). Which files make a snapshot
is the contract's layout (`contract.landing`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from contract.landing import READABLE_SUFFIXES, relative_name, snapshot_dir, snapshot_files


class BrokenFileError(Exception):
    """A landing file that cannot be read as a table; its whole snapshot stops."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class FileRead:
    file: str  # relative to the landing directory
    rows: int


def column_positions(header: list[str], required: tuple[str, ...], file: str) -> dict[str, int]:
    """Position of each required column; names match trimmed and case-insensitively."""
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    if not any(names):
        raise BrokenFileError(file, "no header row")
    positions: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in required:
            if name in positions:
                raise BrokenFileError(file, f"column '{name}' appears twice in the header")
            positions[name] = i
    missing = [c for c in required if c not in positions]
    if missing:
        raise BrokenFileError(file, f"lacks required column(s): {', '.join(missing)}")
    return positions


def csv_header(path: Path, file: str) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            first = next(csv.reader(f), None)
    except UnicodeDecodeError:
        raise BrokenFileError(file, "not UTF-8 text") from None
    except csv.Error as e:
        raise BrokenFileError(file, f"not CSV: {e}") from None
    if first is None:
        raise BrokenFileError(file, "empty file (no header row)")
    return first


def duckdb_error(e: duckdb.Error) -> str:
    """The first lines of a DuckDB error: enough to say what is wrong, no stack of hints."""
    lines = [line for line in str(e).splitlines() if line.strip()]
    return " ".join(lines[:3])


def select_columns(positions: dict[str, int], columns: tuple[str, ...], source: str) -> str:
    return ", ".join(f"CAST({source}{positions[c]} AS VARCHAR) AS {c}" for c in columns)


def read_csv(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    file: str,
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> None:
    header = csv_header(path, file)
    positions = column_positions(header, columns, file)
    all_columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    conn.execute(
        f"""
        INSERT INTO {target}
        SELECT ?, ?, row_number() OVER (), {select_columns(positions, columns, "c")}
        FROM read_csv(?, header = true, auto_detect = false, strict_mode = true,
                      delim = ',', quote = '"', escape = '"', columns = {all_columns})
        """,
        [file_order, file, str(path)],
    )


def read_parquet(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    file: str,
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> None:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0",
            [str(path)],
        ).fetchall()
    ]
    positions = column_positions(names, columns, file)
    select = ", ".join(f'CAST("{names[positions[c]]}" AS VARCHAR) AS {c}' for c in columns)
    conn.execute(
        f"""
        INSERT INTO {target}
        SELECT ?, ?, file_row_number + 1, {select}
        FROM read_parquet(?, file_row_number = true)
        """,
        [file_order, file, str(path)],
    )


def read_xlsx(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    file: str,
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> None:
    """The first sheet, every cell as text (whole numbers without a trailing '.0')."""
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as e:  # fastexcel raises its own error types for broken workbooks
        raise BrokenFileError(file, f"not a readable XLSX workbook: {e}") from None
    positions = column_positions(frame.columns, columns, file)
    sheet = frame.select(
        [pl.col(frame.columns[positions[c]]).cast(pl.String).alias(c) for c in columns]
    ).with_row_index("line", offset=1)
    conn.register("xlsx_sheet", sheet.to_arrow())
    try:
        conn.execute(
            f"INSERT INTO {target} SELECT ?, ?, line, {', '.join(columns)} FROM xlsx_sheet",
            [file_order, file],
        )
    finally:
        conn.unregister("xlsx_sheet")


READERS = {".csv": read_csv, ".parquet": read_parquet, ".xlsx": read_xlsx}


def load_snapshot(
    conn: duckdb.DuckDBPyConnection,
    landing: Path,
    source: str,
    key: str,
    columns: tuple[str, ...],
    target: str,
) -> list[FileRead]:
    """Read every part of a snapshot into the temp table ``target`` as text.

    ``target`` gets (file_order, file, line, <columns>). Raises ``BrokenFileError`` for
    the first part that cannot be read as a table, or when the snapshot has no part.
    """
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {target} (file_order INTEGER, file VARCHAR, line BIGINT, "
        + ", ".join(f"{c} VARCHAR" for c in columns)
        + ")"
    )
    files = snapshot_files(landing, source, key)
    if not files:
        folder = relative_name(snapshot_dir(landing, source, key), landing)
        raise BrokenFileError(folder, "no file to read in the snapshot folder")
    reads = []
    for order, path in enumerate(files):
        file = relative_name(path, landing)
        reader = READERS.get(path.suffix.lower())
        if reader is None or path.suffix.lower() not in READABLE_SUFFIXES[source]:
            allowed = ", ".join(READABLE_SUFFIXES[source])
            raise BrokenFileError(
                file, f"not a readable {source} file (expected {allowed}; '.' or '_' to ignore)"
            )
        try:
            reader(conn, path, file, columns, target, order)
        except duckdb.Error as e:
            raise BrokenFileError(file, duckdb_error(e)) from None
        (rows,) = conn.execute(
            f"SELECT count(*) FROM {target} WHERE file_order = ?", [order]
        ).fetchone() or (0,)
        if rows == 0:
            raise BrokenFileError(file, "empty: a header but no data rows")
        reads.append(FileRead(file, rows))
    return reads
