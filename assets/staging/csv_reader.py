"""A CSV landing file -> the snapshot's raw rows, every value as text, with data-row numbers.

The contract's CSV: UTF-8 (a BOM is accepted), comma-separated, a header row, ``""``
quoting. Every row must have as many fields as the header: a row with fewer or more
(even a trailing comma, whose extra field is empty) means the file is not a table, and
its snapshot stops naming the data row. A file whose lines end partly in CRLF and partly
in LF is read as if they all ended in LF (``read_csv``).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.staging.broken import BrokenFileError, column_positions, csv_error, is_fault

CHUNK = 1 << 20
#: DuckDB's null string while padding short rows: text no export holds, so that NULL only
#: ever means "the row has no such field" (empty fields stay '').
NO_FIELD = "\x01\x02\x03"
#: One column more than the header: a row with one extra field fills it.
EXTRA = "_extra_field"
_PADDING_AND_QUOTED_BREAKS = "does not support null_padding in conjunction with quoted new lines"


def line_endings(path: Path) -> tuple[int, int]:
    """(CRLF count, bare-LF count), streaming; a CRLF split across chunks counts once."""
    crlf = lf = 0
    previous_cr = False
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            n_lf = chunk.count(b"\n")
            n_crlf = chunk.count(b"\r\n") + (1 if previous_cr and chunk.startswith(b"\n") else 0)
            crlf += n_crlf
            lf += n_lf - n_crlf
            previous_cr = chunk.endswith(b"\r")
    return crlf, lf


def normalise_line_endings(source: Path, target: Path) -> None:
    """Copy with every CRLF as LF, streaming (a CR at a chunk's end waits for the next)."""
    with source.open("rb") as fin, target.open("wb") as fout:
        carry = b""
        while chunk := fin.read(CHUNK):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""
            if carry:
                chunk = chunk[:-1]
            fout.write(chunk.replace(b"\r\n", b"\n"))
        fout.write(carry)


@contextmanager
def lf_copy(path: Path) -> Iterator[Path]:
    """A private temp copy of the file with every CRLF as LF, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="cakupan-") as folder:  # mode 0700
        copy = Path(folder) / "line-endings.csv"
        normalise_line_endings(path, copy)
        yield copy


def csv_header(path: Path, file: str) -> list[str]:
    """The header row's fields (a bad byte further down is DuckDB's to find, with its row)."""
    try:
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            first = next(csv.reader(f), None)
    except csv.Error:
        raise BrokenFileError(file, "not CSV: the header row cannot be read") from None
    if first is None:
        raise BrokenFileError(file, "empty file (no header row)")
    if any("\udc80" <= ch <= "\udcff" for field in first for ch in field):
        raise BrokenFileError(file, "not UTF-8 text (in the header row)")
    if len(first) == 1 and first[0].count(";") >= 2:
        raise BrokenFileError(file, "separated by ';', not ',' (export it as comma-separated)")
    return first


def scan(fields: int, padded: bool, parallel: bool = True) -> str:
    """read_csv over the file with one text column per header field (c0, c1, ...).

    ``padded``: one more column (``EXTRA``) and short rows padded with NULL, so that every
    row's field count can be checked; DuckDB's strict mode alone lets a row whose extra
    fields are all empty through."""
    names = [f"c{i}" for i in range(fields)] + ([EXTRA] if padded else [])
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    padding = f", null_padding = true, nullstr = '{NO_FIELD}'" if padded else ""
    return (
        "read_csv(?, header = true, auto_detect = false, strict_mode = true, delim = ',', "
        f"quote = '\"', escape = '\"', columns = {columns}{padding}, parallel = {parallel})"
    )


def field_count(fields: int) -> str:
    """A padded row's field count where it differs from the header's, else NULL."""
    present = " + ".join(f"(c{i} IS NOT NULL)::INTEGER" for i in range(fields))
    return (
        f"CASE WHEN {EXTRA} IS NOT NULL THEN {fields + 1} "
        f"WHEN c{fields - 1} IS NULL THEN {present} END"
    )


def insert_sql(target: str, columns: tuple[str, ...], positions: dict[str, int]) -> str:
    """INSERT ... SELECT over ``rows``: the columns as text (empty = missing), and the field
    count of each row whose field count differs from the header's (``_fields``)."""
    values = ", ".join(f"NULLIF(c{positions[c]}, '') AS {c}" for c in columns)
    return (
        f"INSERT INTO {target} (file_order, file, line, {', '.join(columns)}, _fields) "
        f"SELECT file_order, file, line, {values}, _fields FROM rows"
    )


def read_csv(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    file: str,
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> int:
    """Insert the file's rows into ``target``; the header's field count is returned (the
    caller stops the snapshot at the first row with another count, see ``_fields``).

    A file whose lines end partly in CRLF and partly in LF is read from a copy with LF
    endings: DuckDB reads one kind per file and stops on a mix (its ``new_line`` option
    would silently read no rows). The endings are counted only when a read fails, so a
    good file is read once. Dropping a CR before a LF never adds or removes a record, so
    data-row numbers stay those of the file; a CRLF inside a quoted value becomes LF."""
    try:
        return read_csv_file(conn, path, file, columns, target, file_order)
    except BrokenFileError:
        crlf, lf = line_endings(path)
        if not (crlf and lf):
            raise
    conn.execute(f"DELETE FROM {target} WHERE file_order = ?", [file_order])
    with lf_copy(path) as copy:
        return read_csv_file(conn, copy, file, columns, target, file_order)


def read_csv_file(
    conn: duckdb.DuckDBPyConnection,
    source: Path,
    file: str,
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> int:
    header = csv_header(source, file)
    positions = column_positions(header, columns, file)
    fields = len(header)
    quoted_line_breaks = False
    try:
        conn.execute(
            f"WITH rows AS (SELECT ?::INTEGER AS file_order, ?::VARCHAR AS file, "
            f"row_number() OVER () AS line, *, {field_count(fields)} AS _fields "
            f"FROM {scan(fields, padded=True)}) {insert_sql(target, columns, positions)}",
            [file_order, file, str(source)],
        )
    except duckdb.Error as e:
        if is_fault(e):
            raise
        if _PADDING_AND_QUOTED_BREAKS not in str(e):
            raise csv_error(e, file, fields) from None
        quoted_line_breaks = True
    if quoted_line_breaks:  # outside the handler: DuckDB's text is not chained
        read_with_quoted_line_breaks(
            conn, source, file, fields, positions, columns, target, file_order
        )
    return fields


def read_with_quoted_line_breaks(
    conn: duckdb.DuckDBPyConnection,
    source: Path,
    file: str,
    fields: int,
    positions: dict[str, int],
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> None:
    """A file with line breaks inside quoted values, which DuckDB's parallel reader cannot
    pad: its strict read inserts the rows (it reports every error but a row whose extra
    fields are all empty), then a single-threaded padded pass counts each row's fields.
    (That pass alone would skip a row with an unclosed quote without a word.)"""
    try:
        conn.execute(
            f"WITH rows AS (SELECT ?::INTEGER AS file_order, ?::VARCHAR AS file, "
            f"row_number() OVER () AS line, *, NULL::INTEGER AS _fields "
            f"FROM {scan(fields, padded=False)}) {insert_sql(target, columns, positions)}",
            [file_order, file, str(source)],
        )
        [(rows, line, found)] = conn.execute(
            "SELECT count(*), min(line) FILTER (n IS NOT NULL), arg_min(n, line) "
            "FILTER (n IS NOT NULL) FROM (SELECT row_number() OVER () AS line, "
            f"{field_count(fields)} AS n FROM {scan(fields, padded=True, parallel=False)})",
            [str(source)],
        ).fetchall()
    except duckdb.Error as e:
        if is_fault(e):
            raise
        raise csv_error(e, file, fields) from None
    [(inserted,)] = conn.execute(
        f"SELECT count(*) FROM {target} WHERE file_order = ?", [file_order]
    ).fetchall()
    if rows != inserted:
        raise BrokenFileError(file, "not a well-formed CSV file (rows could not be told apart)")
    if line is not None:
        conn.execute(
            f"UPDATE {target} SET _fields = ? WHERE file_order = ? AND line = ?",
            [found, file_order, line],
        )


#: Files up to this size with the same header are read together (see ``read_csv_batch``).
SMALL_FILE_BYTES = 1 << 20
BATCH_FILES = 1000


@dataclass(frozen=True)
class Layout:
    """What a batch of CSV files must share: the header's field count and the positions of
    the required columns."""

    fields: int
    positions: tuple[tuple[str, int], ...]


def batch_layout(path: Path, file: str, columns: tuple[str, ...]) -> Layout | None:
    """The layout of a small CSV file with a good header, or None (then it is read alone,
    which also names whatever is wrong with it)."""
    try:
        if path.stat().st_size > SMALL_FILE_BYTES:
            return None
        header = csv_header(path, file)
        positions = column_positions(header, columns, file)
    except (BrokenFileError, OSError):
        return None
    return Layout(len(header), tuple(positions.items()))


def read_csv_batch(
    conn: duckdb.DuckDBPyConnection,
    parts: list[tuple[Path, str, int]],
    layout: Layout,
    columns: tuple[str, ...],
    target: str,
) -> bool:
    """Several small CSV files (path, name, file order; consecutive orders) with the same
    layout in one read: a read_csv call costs ~10 ms however small the file, so 2,000
    one-row files take 20 s one by one and about 1 s together. Line numbers count per file
    (DuckDB keeps the files' order and each file's row order). False if the read failed:
    the files are then read one by one, each naming its own error."""
    first = parts[0][2]
    try:
        conn.execute(
            f"WITH rows AS (SELECT ?::INTEGER + file_index::INTEGER AS file_order, "
            "list_extract(?::VARCHAR[], file_index::INTEGER + 1) AS file, "
            "g - min(g) OVER (PARTITION BY file_index) + 1 AS line, * "
            f"FROM (SELECT row_number() OVER () AS g, file_index, *, "
            f"{field_count(layout.fields)} AS _fields FROM {scan(layout.fields, padded=True)})) "
            f"{insert_sql(target, columns, dict(layout.positions))}",
            [first, [file for _, file, _ in parts], [str(path) for path, _, _ in parts]],
        )
    except duckdb.Error as e:
        if is_fault(e):
            raise
        return False
    return True
