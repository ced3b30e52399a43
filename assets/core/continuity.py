"""Persons across periods: who continues whom, from one published period to the next.

The contract's additions of 2026-11-28: each person of period P continues at most one
person of the previous period and each of those is continued at most once; they match by
a shared valid NIK, or else by birth date, sex, regency/city and the same or nearly the
same name (person rule 2, made precise on 2026-12-07), with at least one of the two rows without a valid NIK. Where several
match, a shared NIK wins, then the nearest name, then the smallest person_id. "Previous"
is the latest period before P that has been published, whatever the gap.

So the published file never depends on the order runs happened in, a run also follows
the persons of the published period right after its own (if any) from its own period:
once this run publishes, that is its previous period (`periods_to_follow`). The marts
refresh that period's flow columns and the publish step takes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from assets.file_version import CURRENT
from assets.sql import render
from assets.warehouse import Warehouse, fault_of
from contract.tables import PUBLISHED_PERIODS

SQL = Path(__file__).parent
PUBLISHED_SQL = SQL.parent / "published"
#: Pairing by name stops after this many rounds (each round takes at least one pair;
#: real data needs two or three: several candidates are rare inside a block).
MAX_FOLLOW_ROUNDS = 1000


def published_periods(warehouse: Warehouse, conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The periods in the published file, in order (none before the first publish).

    A published file that this run's publish rebuilds from the internal marts (damaged, or
    not this version's: `rebuild_reason`) gets the periods the internal file (``conn``)
    says were published (``recovered_periods.sql``): those, then."""
    path = Path(warehouse.published_path)
    if not path.exists():
        return []
    found = warehouse.file_version(str(path))  # its tables are read through by the publish
    if found is None or found.kind == CURRENT:
        try:
            with warehouse.read_published() as published:
                if published is not None:
                    rows = published.execute(f"SELECT periode FROM {PUBLISHED_PERIODS.name}")
                    return sorted(r[0] for r in rows.fetchall())
        except duckdb.Error as error:
            if fault_of(str(error), str(path)) is None:
                raise
    conn.execute(render(PUBLISHED_SQL / "recovered_periods.sql", internal=""))
    return [p for (p,) in conn.execute("SELECT periode FROM recovered ORDER BY 1").fetchall()]


def periods_to_follow(published: Sequence[str], period: str) -> list[tuple[str, str | None]]:
    """(period, its previous period) for this run's period, and for the published period
    right after it (whose previous period this one becomes once it is published)."""
    earlier = [p for p in published if p < period]
    later = [p for p in published if p > period]
    pairs: list[tuple[str, str | None]] = [(period, max(earlier) if earlier else None)]
    if later:
        pairs.append((min(later), period))
    return pairs


def follow_persons(conn: duckdb.DuckDBPyConnection, period: str, previous: str | None) -> None:
    """Replace the period's rows of core.previous_period and core.person_continuity."""
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("SET VARIABLE periode_sebelumnya = ?", [previous])
    if previous is None:
        for table in ("followed", "followed_by_name"):
            conn.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} "
                "(person_id VARCHAR, person_id_sebelumnya VARCHAR, match_rule VARCHAR)"
            )
    else:
        conn.execute(render(SQL / "follow_persons.sql"))
        for _ in range(MAX_FOLLOW_ROUNDS):
            (taken,) = conn.execute(render(SQL / "follow_round.sql")).fetchone() or (0,)
            if taken == 0:
                break
    conn.execute("BEGIN TRANSACTION")
    conn.execute("DELETE FROM core.previous_period WHERE periode = ?", [period])
    conn.execute("INSERT INTO core.previous_period VALUES (?, ?)", [period, previous])
    conn.execute("DELETE FROM core.person_continuity WHERE periode = ?", [period])
    conn.execute(render(SQL / "person_continuity.sql"))
    conn.execute("COMMIT")
