"""A Parquet landing file -> the snapshot's raw rows, each value as the text it stands for.

Exports carry real types. A value is judged by what it is, as the CSV text of the same
value would be: a DATE is its ISO date, a TIMESTAMP at midnight is its date (any other
time of day stays a date-time, which the ISO-date rule rejects: a time is never cut
off), a TIMESTAMP WITH TIME ZONE is taken in WITA, integers and decimals are their digits,
a whole DOUBLE has no '.0'. A column that cannot stand for text (nested, binary, time)
stops the snapshot naming the column and its type.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.staging.broken import BrokenFileError, column_positions, is_fault, parquet_error
from contract.periods import TIMEZONE

NESTED = {"struct", "list", "map", "array", "union"}
INTEGER = {
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "hugeint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "uhugeint",
}
TIMESTAMP = {"timestamp", "timestamp_s", "timestamp_ms", "timestamp_ns"}
TIMESTAMP_TZ = {"timestamp with time zone", "timestamptz_ns"}


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text_of(name: str, type_id: str) -> str | None:
    """SQL for the value of a column as contract text, or None if it cannot be text."""
    c = quoted(name)
    if type_id == "varchar":
        return c
    if type_id == "null":  # a column written with no value at all
        return "CAST(NULL AS VARCHAR)"
    if type_id in INTEGER or type_id == "boolean":
        return f"CAST({c} AS VARCHAR)"
    if type_id == "date":
        return f"strftime({c}, '%Y-%m-%d')"
    if type_id in TIMESTAMP | TIMESTAMP_TZ:
        ts = (
            f"timezone('{TIMEZONE}', CAST({c} AS TIMESTAMPTZ))"
            if type_id in TIMESTAMP_TZ
            else f"CAST({c} AS TIMESTAMP)"
        )
        return (
            f"CASE WHEN {ts} = date_trunc('day', {ts}) THEN strftime({ts}, '%Y-%m-%d') "
            f"ELSE replace(CAST({ts} AS VARCHAR), ' ', 'T') END"
        )
    if type_id in {"double", "float"}:
        return (
            f"CASE WHEN isfinite({c}) AND {c} = trunc({c}) AND abs({c}) < 9007199254740992 "
            f"THEN CAST(CAST({c} AS BIGINT) AS VARCHAR) ELSE CAST({c} AS VARCHAR) END"
        )
    if type_id == "decimal":
        return (
            f"CASE WHEN {c} = trunc({c}) THEN CAST(CAST({c} AS HUGEINT) AS VARCHAR) "
            f"ELSE CAST({c} AS VARCHAR) END"
        )
    return None  # nested, blob, time, uuid, interval, ...


def top_level_names(schema: list[tuple[str, int | None]]) -> list[str]:
    """The file's own column names from parquet_schema rows (name, num_children) in schema
    order (row 0 is the root): DuckDB renames repeated names, the file does not."""

    def after(i: int) -> int:  # the row after the subtree rooted at row i
        children = schema[i][1] or 0
        i += 1
        for _ in range(children):
            i = after(i)
        return i

    names, i = [], 1
    while i < len(schema):
        names.append(schema[i][0])
        i = after(i)
    return names


def read_parquet(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    file: str,
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> None:
    try:
        relation = conn.read_parquet(str(path))
        names, types = relation.columns, [t.id for t in relation.types]
        schema = conn.execute(
            "SELECT name, num_children FROM parquet_schema(?)", [str(path)]
        ).fetchall()
    except duckdb.Error as e:
        if is_fault(e):
            raise
        raise parquet_error(e, file) from None
    own = top_level_names(schema)
    positions = column_positions(own if len(own) == len(names) else names, columns, file)
    select = []
    for c in columns:
        name, type_id = names[positions[c]], types[positions[c]]
        if type_id in NESTED:
            raise BrokenFileError(
                file, f"column '{c}' has a nested type ({type_id.upper()}), expected text"
            )
        text = text_of(name, type_id)
        if text is None:
            raise BrokenFileError(
                file, f"column '{c}' has type {type_id.upper()}, expected text, a number or a date"
            )
        select.append(f"{text} AS {c}")
    try:
        conn.execute(
            f"INSERT INTO {target} (file_order, file, line, {', '.join(columns)}) "
            f"SELECT ?, ?, file_row_number + 1, {', '.join(select)} "
            "FROM read_parquet(?, file_row_number = true)",
            [file_order, file, str(path)],
        )
    except duckdb.Error as e:
        if is_fault(e):
            raise
        raise parquet_error(e, file) from None
