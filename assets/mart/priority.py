"""``mart.coverage_priority``: coverage and the cost of the gap for the priority groups.

Unlike the other marts its cells are not a partition of the province: a group is a
predicate on a Sakernas cell and on a person (contract/priority.py), and groups overlap.
So it has its own SQL (``priority.sql``) rather than the shared grid of ``coverage.sql``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.sql import render
from assets.warehouse import sql_text
from contract.priority import PRIORITY_GROUPS
from contract.tables import COVERAGE_PRIORITY

SQL = Path(__file__).parent


def groups_values() -> str:
    """The declared groups as SQL ``VALUES`` rows (kelompok, nama, kbli, status)."""

    def value(text: str | None) -> str:
        return "NULL::VARCHAR" if text is None else sql_text(text)

    return ", ".join(
        f"({value(g.kelompok)}, {value(g.nama)}, {value(g.kbli)}, {value(g.status_pekerjaan)})"
        for g in PRIORITY_GROUPS
    )


def build_priority(
    conn: duckdb.DuckDBPyConnection, period: str, bpu_minimum_rp: int, jkm_death_benefit_rp: int
) -> None:
    """Replace the period's rows of mart.coverage_priority."""
    table = COVERAGE_PRIORITY
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("SET VARIABLE bpu_minimum_rp = ?::BIGINT", [bpu_minimum_rp])
    conn.execute("SET VARIABLE jkm_death_benefit_rp = ?::BIGINT", [jkm_death_benefit_rp])
    conn.execute("BEGIN TRANSACTION")
    conn.execute(f"DELETE FROM {table.name} WHERE periode = ?", [period])
    conn.execute(
        render(
            SQL / "priority.sql",
            table=table.name,
            columns=", ".join(table.column_names()),
            groups=groups_values(),
            order_by=table.order,
        )
    )
    conn.execute("COMMIT")
