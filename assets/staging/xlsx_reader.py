"""A labour workbook (XLSX) -> the snapshot's raw rows, every cell as the text it shows.

Workbooks made in offices hold more than the table: an instructions sheet, a title and
merged group headers above the header row, a summary sheet. The table is found by its
required column names: the one sheet whose first rows hold a row with every required
column (two such sheets stop the year: which one is meant?); that row is the header, and
line 1 is the row below it. Rows with no value at all are not rows (as blank lines in a
CSV). Cells are read by value (fastexcel/calamine, every cell as text): a formula by its
saved value (a saved error value reads as missing), a whole number without '.0', a date
cell at midnight as its ISO date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import fastexcel
import polars as pl

from assets.staging.broken import BrokenFileError, column_positions

#: How many rows at the top of each sheet may hold titles above the header row.
SCAN_ROWS = 30
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2}) 00:00:00(?:\.0+)?$"


def header_name(value: Any) -> str:
    return "" if value is None else str(value).strip().lstrip("\ufeff").strip().lower()


def not_a_workbook(file: str, error: Exception) -> BrokenFileError:
    """Only the error's class: calamine's text may quote the workbook."""
    return BrokenFileError(file, f"not a readable XLSX workbook ({type(error).__name__})")


def find_table(
    reader: fastexcel.ExcelReader, required: tuple[str, ...], file: str
) -> tuple[str, int]:
    """(sheet, header row index) of the one sheet holding the required columns."""
    found: list[tuple[str, int]] = []
    best: tuple[int, str, list[str]] = (0, "", list(required))
    for sheet in reader.sheet_names:
        top = reader.load_sheet(
            sheet, header_row=None, skip_rows=0, n_rows=SCAN_ROWS, dtypes="string"
        ).to_polars()
        for i, row in enumerate(top.rows()):
            names = {header_name(v) for v in row}
            missing = [c for c in required if c not in names]
            if not missing:
                found.append((sheet, i))
                break
            if len(required) - len(missing) > best[0]:
                best = (len(required) - len(missing), sheet, missing)
    if len(found) > 1:
        raise BrokenFileError(
            file,
            f"sheets '{found[0][0]}' and '{found[1][0]}' both have the required columns: "
            "keep one table per file",
        )
    if not found:
        where = f" (sheet '{best[1]}' lacks: {', '.join(best[2])})" if best[0] else ""
        raise BrokenFileError(file, f"no sheet has a header row with every required column{where}")
    return found[0]


def read_xlsx(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    file: str,
    columns: tuple[str, ...],
    target: str,
    file_order: int,
) -> None:
    try:
        reader = fastexcel.read_excel(str(path))
        sheet, header_row = find_table(reader, columns, file)
        frame = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()
    except BrokenFileError:
        raise
    except Exception as e:  # fastexcel raises its own types for broken workbooks
        raise not_a_workbook(file, e) from None
    header = [header_name(v) for v in frame.row(header_row)]
    positions = column_positions(header, columns, file)
    blank = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in frame.columns
    )
    rows = (
        frame.slice(header_row + 1)
        .with_row_index("line", offset=1)
        .filter(~blank)
        .select(
            "line",
            *(
                pl.col(frame.columns[positions[c]]).str.replace(_MIDNIGHT, "$1").alias(c)
                for c in columns
            ),
        )
    )
    conn.register("xlsx_rows", rows.to_arrow())
    try:
        conn.execute(
            f"INSERT INTO {target} (file_order, file, line, {', '.join(columns)}) "
            f"SELECT ?, ?, line, {', '.join(columns)} FROM xlsx_rows",
            [file_order, file],
        )
    finally:
        conn.unregister("xlsx_rows")
