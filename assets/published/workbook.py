"""The Excel workbook beside the published file: the marts of the latest period.

Many offices work in Excel and never open a DuckDB file. The workbook holds one sheet per
mart (named after the table, e.g. ``coverage_region``), the contract's column names as
headers, the latest period's rows in grain order; nothing personal (the marts hold
nothing personal, and the published file's checks hold them to it).

It is written like the published file: to a temporary file in the same folder, then
renamed over the old one, so a reader never opens a half-written workbook.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter

from assets.published.publish import fsync_path, held_tables
from contract.tables import MARTS, Table


def latest_period(conn: duckdb.DuckDBPyConnection) -> str | None:
    rows = conn.execute("SELECT max(periode) FROM mart.published_periods").fetchall()
    return rows[0][0] if rows else None


def mart_frames(conn: duckdb.DuckDBPyConnection, period: str) -> dict[Table, pl.DataFrame]:
    """Each mart's rows of the period (the marts the file holds), in grain order."""
    held = held_tables(conn)
    return {
        table: conn.sql(
            f"SELECT * FROM {table.name} WHERE periode = ? ORDER BY {table.order}",
            params=[period],
        ).pl()
        for table in MARTS
        if table.name in held
    }


def write_workbook_temp(conn: duckdb.DuckDBPyConnection, path: Path) -> Path | None:
    """The workbook of the latest period of ``conn``'s file, written to a temporary file
    beside ``path`` (None when the file holds no period). `replace_workbook` puts it in
    place; a failure here leaves the workbook that was there."""
    period = latest_period(conn)
    if period is None:
        return None
    frames = mart_frames(conn, period)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its files are private to their owner, and the workbook is for others.
    temp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        with xlsxwriter.Workbook(temp) as workbook:  # the zip is written on close
            for table, frame in frames.items():
                frame.write_excel(
                    workbook=workbook,
                    worksheet=table.short_name[:31],  # Excel's limit on sheet names
                    autofit=True,
                    float_precision=2,  # display only: the values keep full precision
                    freeze_panes=(1, 0),
                )
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def replace_workbook(temp: Path, path: Path) -> Path:
    """Rename the new workbook over the old one (atomic on one file system)."""
    fsync_path(temp)
    os.replace(temp, path)
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        fsync_path(path.parent)
    return path
