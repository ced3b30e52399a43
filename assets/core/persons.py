"""Persons: coverage counts people, not registrations.

The contract's person rules, in SQL inside DuckDB (the SQL files beside this module):

1. rows with the same valid NIK are one person; two different valid NIKs never are;
2. a row without a valid NIK joins the person that has a row with the same birth date,
   the same sex, the same regency/city and the same or nearly the same normalised name
   (``normalise_name``, ``names_nearly_same`` in contract/macros.sql; the nearest name,
   then a shared address, then the smallest person_id); otherwise it is a person of its
   own, together with the other NIK-less rows that match it;
3. every accepted row belongs to exactly one person.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.sql import render
from assets.warehouse import fault_point

SQL = Path(__file__).parent
#: Label propagation stops after this many rounds (a group of names needs as many rounds
#: as its longest chain of nearly-same names; real groups need two or three).
MAX_LABEL_ROUNDS = 100


def link_registrations(conn: duckdb.DuckDBPyConnection, period: str) -> None:
    """Replace the period's core.person_link: each accepted registration and its person."""
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute(render(SQL / "link_registrations.sql"))
    for _ in range(MAX_LABEL_ROUNDS):
        (changed,) = conn.execute(render(SQL / "spread_labels.sql")).fetchone() or (0,)
        if changed == 0:
            break
    conn.execute("BEGIN TRANSACTION")
    conn.execute("DELETE FROM core.person_link WHERE periode = ?", [period])
    conn.execute(render(SQL / "person_link.sql"))
    fault_point("persons")  # tests only: a kill inside the write
    conn.execute("COMMIT")


def write_persons(conn: duckdb.DuckDBPyConnection, period: str) -> None:
    """Replace the period's core.person: one row per person, active or not."""
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("BEGIN TRANSACTION")
    conn.execute("DELETE FROM core.person WHERE periode = ?", [period])
    conn.execute(render(SQL / "person.sql"))
    conn.execute("COMMIT")
