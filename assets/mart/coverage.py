"""Coverage marts: active persons over Sakernas employed persons, per period.

A mart is declared once, in `contract.tables` (its columns and its grain); its grid is the
product of the reference cells of its dimensions (the grain without ``periode``), so that
a cell nobody falls into is a row of zeros, not a gap. ``coverage.sql`` computes every
mart. Marts are built in the internal file; the publish step copies them out.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.sql import render
from assets.warehouse import fault_point
from contract.tables import Table

SQL = Path(__file__).parent

#: Each dimension's cells, with the names shown beside the codes.
DIMENSION_GRIDS = {
    "kode_wilayah": "SELECT kode_bps AS kode_wilayah, kode_kemendagri, nama_wilayah FROM ref_region",
    "kbli": "SELECT kbli, nama_sektor FROM ref_kbli",
    "status_pekerjaan": "SELECT * FROM (VALUES ('FORMAL'), ('INFORMAL')) s(status_pekerjaan)",
}


def grid_sql(table: Table) -> str:
    """One row per cell of the mart: the cross product of its dimensions' cells."""
    grids = [f"({DIMENSION_GRIDS[d]})" for d in table.dimensions]
    return "SELECT * FROM " + " CROSS JOIN ".join(grids) if grids else "SELECT 1 AS cell"


def build_mart(
    conn: duckdb.DuckDBPyConnection, table: Table, period: str, bpu_minimum_rp: int
) -> None:
    """Replace the period's rows of one mart."""
    dims = ", ".join(table.dimensions)
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("SET VARIABLE bpu_minimum_rp = ?", [bpu_minimum_rp])
    conn.execute("BEGIN TRANSACTION")
    conn.execute(f"DELETE FROM {table.name} WHERE periode = ?", [period])
    conn.execute(
        render(
            SQL / "coverage.sql",
            table=table.name,
            columns=", ".join(table.column_names()),
            grid=grid_sql(table),
            dimensions_select=f"{dims}," if dims else "",
            group_by=f"GROUP BY {dims}" if dims else "",
            join_on=f"USING ({dims})" if dims else "ON true",
            order_by=", ".join(table.grain),
        )
    )
    fault_point("marts")  # tests only: a kill inside the write
    conn.execute("COMMIT")
