"""Coverage marts: active persons over Sakernas employed persons, per period.

A mart is declared once, in `contract.tables` (its columns and its grain); its grid is the
product of the reference cells of its dimensions (the grain without ``periode``), so that
a cell nobody falls into is a row of zeros, not a gap. ``coverage.sql`` computes every
mart. Marts are built in the internal file; the publish step copies them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from assets.mart.priority import build_priority
from assets.sql import render
from assets.warehouse import fault_point
from contract.amounts import JKM_DEATH_BENEFIT_RP
from contract.tables import COVERAGE_PRIORITY, FLOW_MARTS, PERIOD_COMPARISON_COLUMNS, Table

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


def own_columns(table: Table) -> list[str]:
    """The mart's columns that coverage.sql computes (the comparison columns come after)."""
    compared = {c.name for c in PERIOD_COMPARISON_COLUMNS}
    return [c for c in table.column_names() if c not in compared]


def build_marts(
    conn: duckdb.DuckDBPyConnection,
    tables: Sequence[Table],
    period: str,
    bpu_minimum_rp: int,
    jkm_death_benefit_rp: int = JKM_DEATH_BENEFIT_RP,
    later: str | None = None,
) -> None:
    """Replace the period's rows of ``tables`` (with their flow and trend columns, compared
    with the period's previous one in core.previous_period, for `FLOW_MARTS`); then, if
    ``later`` is the published period after this one, its flow and trend columns again:
    it compares with this period from now on."""
    flows = [t for t in tables if t in FLOW_MARTS]
    if flows:
        pair_persons(conn, period)
    for table in tables:
        build_mart(conn, table, period, bpu_minimum_rp, jkm_death_benefit_rp)
    if flows and later is not None:
        pair_persons(conn, later)
        for table in flows:
            refresh_comparison(conn, table, later)


def build_mart(
    conn: duckdb.DuckDBPyConnection,
    table: Table,
    period: str,
    bpu_minimum_rp: int,
    jkm_death_benefit_rp: int,
) -> None:
    """Replace the period's rows of one mart (a flow mart: after `pair_persons`)."""
    if table is COVERAGE_PRIORITY:  # overlapping groups: its own SQL (priority.py)
        build_priority(conn, period, bpu_minimum_rp, jkm_death_benefit_rp)
        return
    dims = ", ".join(table.dimensions)
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("SET VARIABLE bpu_minimum_rp = ?", [bpu_minimum_rp])
    conn.execute("BEGIN TRANSACTION")
    conn.execute(f"DELETE FROM {table.name} WHERE periode = ?", [period])
    conn.execute(
        render(
            SQL / "coverage.sql",
            table=table.name,
            columns=", ".join(own_columns(table)),
            grid=grid_sql(table),
            dimensions_select=f"{dims}," if dims else "",
            group_by=f"GROUP BY {dims}" if dims else "",
            join_on=f"USING ({dims})" if dims else "ON true",
            order_by=table.order,
        )
    )
    if table in FLOW_MARTS:
        conn.execute(compare_sql(table))
    fault_point("marts")  # tests only: a kill inside the write
    conn.execute("COMMIT")


#: Every dimension a flow mart cuts by: the persons are paired in cells of all of them.
PAIRED_DIMENSIONS = tuple(dict.fromkeys(d for t in FLOW_MARTS for d in t.dimensions))


def pair_persons(conn: duckdb.DuckDBPyConnection, period: str) -> None:
    """The period's active persons beside the previous period's, counted in cells
    (``paired_persons``, a temporary table that every flow mart's comparison reads)."""
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute(
        render(
            SQL / "pair_persons.sql",
            person_dimensions=", ".join(PAIRED_DIMENSIONS),
            now_dimensions=", ".join(f"n.{d} AS now_{d}" for d in PAIRED_DIMENSIONS),
            then_dimensions=", ".join(f"b.{d} AS then_{d}" for d in PAIRED_DIMENSIONS),
        )
    )


def same_cell(table: Table, a: str, b: str) -> str:
    """SQL: rows ``a`` and ``b`` are in the same cell of the mart."""
    return " AND ".join(f"{a}.{d} = {b}.{d}" for d in table.dimensions) or "true"


def compare_sql(table: Table) -> str:
    """compare.sql for one mart: fills the flow and trend columns of the period's rows."""
    dims = table.dimensions
    return render(
        SQL / "compare.sql",
        table=table.name,
        same_cell=" AND ".join(f"now_{d} = then_{d}" for d in dims) or "true",
        now_dimensions_as_cell="".join(f"now_{d} AS {d}, " for d in dims),
        then_dimensions_as_cell="".join(f"then_{d} AS {d}, " for d in dims),
        group_by_now=f"GROUP BY {', '.join(f'now_{d}' for d in dims)}" if dims else "",
        group_by_then=f"GROUP BY {', '.join(f'then_{d}' for d in dims)}" if dims else "",
        dimensions_m0="".join(f"m0.{d}, " for d in dims),
        same_cell_a=same_cell(table, "m0", "a"),
        same_cell_t=same_cell(table, "m0", "t"),
        same_cell_pm=same_cell(table, "m0", "pm"),
        same_cell_mc=same_cell(table, "m", "c"),
    )


def refresh_comparison(conn: duckdb.DuckDBPyConnection, table: Table, period: str) -> None:
    """Recompute only the flow and trend columns of a period's rows (after `pair_persons`
    of that period): for the published period after this run's one, whose previous period
    becomes this run's period."""
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("BEGIN TRANSACTION")
    conn.execute(compare_sql(table))
    conn.execute("COMMIT")
