"""Publishing: the marts, and nothing personal, in the file dashboards read.

DuckDB lets no reader open a file that a process holds read-write, so the published file
is never written in place: a candidate file is built beside it, checked by blocking asset
checks, closed, and renamed over the old one. A dashboard that has the old file open
keeps reading it; the next open sees the new one, complete. Only the period of this run
is taken from the internal marts; every other period keeps the numbers it had, so a
period whose run failed never changes what was published for it. One exception keeps the
file independent of the order runs happened in: the published period right after this
run's one compares with this one from now on, so its flow and trend columns are taken
as the run refreshed them (`refreshed_successor`).

A published file that DuckDB cannot read (damaged), or that is not this version's (an older
cakupan's, or a foreign file, kept aside first: `rebuild_reason`), is not
copied from: every period that was published is taken from the internal marts instead
(``recovered_periods.sql``). A newer version's file is never overwritten.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from assets.mart.coverage import own_columns
from assets.sql import render
from assets.warehouse import Warehouse, fault_point, rebuild_reason, storage_version_of
from contract.tables import ABOUT, FLOW_MARTS, MARTS, PUBLISHED_PERIODS, Table
from contract.version import CONTRACT_VERSION, package_version

#: The contract's "Compatibility": DuckDB 1.4 (LTS) and every later version read the
#: published file. The candidate is written fresh in 1.4's storage format (the oldest 1.4
#: release, so that every 1.4.x reads it); DuckDB tags such a file ``v1.4.0+``.
PUBLISHED_STORAGE_VERSION = "v1.4.0"

SQL = Path(__file__).parent


def table_exists(conn: duckdb.DuckDBPyConnection, catalog: str, table: Table) -> bool:
    (n,) = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [catalog, table.schema, table.short_name],
    ).fetchone() or (0,)
    return n > 0


def held_tables(conn: duckdb.DuckDBPyConnection, catalog: str | None = None) -> set[str]:
    """The tables a published file holds, as ``schema.table`` (older files hold fewer);
    ``catalog``: an attached file's, else the connection's own."""
    return {
        f"{schema}.{name}"
        for schema, name in conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = coalesce(?, current_database())",
            [catalog],
        ).fetchall()
    }


@contextmanager
def new_published_file(warehouse: Warehouse, path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new, empty file in the storage format of published files (DuckDB 1.4 reads it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with warehouse.open(path, storage_version=PUBLISHED_STORAGE_VERSION) as conn:
        if storage_version_of(conn) != f"{PUBLISHED_STORAGE_VERSION}+":
            raise RuntimeError(
                f"{path}: written as DuckDB storage {storage_version_of(conn)!r}, "
                f"not {PUBLISHED_STORAGE_VERSION}: DuckDB 1.4 could not open it"
            )
        yield conn


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_rows_sql(table: Table) -> str:
    """This run's rows of a published table, from the internal file ($1 the periods taken
    from it, $2 the run id)."""
    if table is PUBLISHED_PERIODS:
        return (
            "SELECT periode, tahun AS tahun_pekerja, (now() AT TIME ZONE 'UTC') AS published_at, "
            "$2 AS run_id FROM internal.staging.period_labour_year WHERE periode = $1[1]"
        )
    return f"SELECT * FROM internal.{table.name} WHERE list_contains($1, periode)"


def column_names(conn: duckdb.DuckDBPyConnection, catalog: str, table: Table) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [catalog, table.schema, table.short_name],
    ).fetchall()
    return {r[0] for r in rows}


def refreshed_successor(conn: duckdb.DuckDBPyConnection, period: str) -> str | None:
    """The published period right after ``period``, if this run refreshed its flow and
    trend columns (its previous period becomes ``period``) and its own numbers in the
    internal marts are still the published ones. If that period's last run did not publish
    (its internal numbers differ), it keeps its published rows until it publishes again."""
    if not table_exists(conn, "old", PUBLISHED_PERIODS):
        return None
    (later,) = conn.execute(
        f"SELECT min(periode) FROM old.{PUBLISHED_PERIODS.name} WHERE periode > ?", [period]
    ).fetchone() or (None,)
    if later is None:
        return None
    (compared,) = conn.execute(
        "SELECT count(*) FROM internal.core.previous_period "
        "WHERE periode = ? AND periode_sebelumnya = ?",
        [later, period],
    ).fetchone() or (0,)
    if not compared:
        return None
    for table in FLOW_MARTS:
        if not table_exists(conn, "old", table):
            return None
        old_columns = column_names(conn, "old", table)
        cols = ", ".join(c for c in own_columns(table) if c in old_columns)
        (differ,) = conn.execute(
            f"""SELECT count(*) FROM (
                (SELECT {cols} FROM internal.{table.name} WHERE periode = $1
                 EXCEPT ALL SELECT {cols} FROM old.{table.name} WHERE periode = $1)
                UNION ALL
                (SELECT {cols} FROM old.{table.name} WHERE periode = $1
                 EXCEPT ALL SELECT {cols} FROM internal.{table.name} WHERE periode = $1))""",
            [later],
        ).fetchone() or (0,)
        if differ:
            return None
    return str(later)


def build_candidate(warehouse: Warehouse, period: str, run_id: str) -> Path:
    """A complete new published file: this run's period from the internal marts, every
    other period as it was published before. Every mart column is copied (the contract
    allows adding columns); the checks on the candidate keep personal data out."""
    published = Path(warehouse.published_path)
    candidate = warehouse.candidate_path
    rebuild = rebuild_reason(warehouse.file_version(str(published), read_through=True))
    with new_published_file(warehouse, candidate) as conn:
        conn.execute("ATTACH ? AS internal (READ_ONLY)", [warehouse.internal_path])
        has_old = published.exists() and rebuild is None
        if has_old:
            conn.execute("ATTACH ? AS old (READ_ONLY)", [str(published)])
        if rebuild is not None:
            recover_periods(conn, rebuild)
        conn.execute("CREATE SCHEMA mart")
        write_about(conn)
        successor = refreshed_successor(conn, period) if has_old else None
        for table in (*MARTS, PUBLISHED_PERIODS):
            periods = [period]
            if successor and table in FLOW_MARTS:
                periods.append(successor)
            rows = new_rows_sql(table)
            if has_old and table_exists(conn, "old", table):
                rows += (
                    f" UNION ALL BY NAME SELECT * FROM old.{table.name} "
                    "WHERE NOT list_contains($1, periode)"
                )
            if rebuild is not None:
                rows += f" UNION ALL BY NAME {recovered_rows_sql(table)}"
            conn.execute(
                f"CREATE TABLE {table.name} AS SELECT * FROM ({rows}) ORDER BY {table.order}",
                [periods, run_id] if table is PUBLISHED_PERIODS else [periods],
            )
            for statement in table.comments():
                conn.execute(statement)
            fault_point("candidate")
        conn.execute("DETACH internal")
        if has_old:
            conn.execute("DETACH old")
        conn.execute("CHECKPOINT")
    return candidate


def checked_candidate(candidate: Path) -> Path:
    """The candidate the checks let through (they delete one that fails)."""
    if not candidate.exists():
        raise dg.Failure(f"no checked candidate to publish at {candidate}", allow_retries=False)
    return candidate


def write_about(conn: duckdb.DuckDBPyConnection) -> None:
    """``mart.about``: the contract version this file is written for, and when."""
    conn.execute(ABOUT.ddl())
    conn.execute(
        f"INSERT INTO {ABOUT.name} VALUES (?, ?, now() AT TIME ZONE 'UTC')",
        [CONTRACT_VERSION, package_version()],
    )
    for statement in ABOUT.comments():
        conn.execute(statement)


def swap_in(candidate: Path, published_path: str) -> Path:
    """Replace the published file by the candidate in one rename (atomic on one file system)."""
    published = Path(published_path)
    fsync_path(candidate)
    fault_point("before_swap")
    os.replace(candidate, published)
    fsync_path(published.parent)
    fault_point("after_swap")
    return published


# --- a published file that is not copied from -------------------------------------------


def recover_periods(conn: duckdb.DuckDBPyConnection, reason: str) -> None:
    """The temp table ``recovered``: the periods to take from the internal marts because
    the published file is not copied from (``reason``: the run said it when it started)."""
    conn.execute(render(SQL / "recovered_periods.sql", internal="internal."))
    periods = [p for (p,) in conn.execute("SELECT periode FROM recovered ORDER BY 1").fetchall()]
    dg.get_dagster_logger().info(
        f"{reason}: rebuilt from the internal marts, with the periods published before "
        f"({', '.join(periods) or 'none'}) and this run's"
    )


def recovered_rows_sql(table: Table) -> str:
    """A published table's rows of the recovered periods, from the internal file ($1: this
    run's periods, which ``new_rows_sql`` gives)."""
    if table is PUBLISHED_PERIODS:
        return (
            "SELECT r.periode, y.tahun AS tahun_pekerja, r.published_at, r.run_id "
            "FROM recovered r JOIN internal.staging.period_labour_year y USING (periode) "
            "WHERE NOT list_contains($1, r.periode)"
        )
    return (
        f"SELECT * FROM internal.{table.name} "
        "WHERE periode IN (SELECT periode FROM recovered) AND NOT list_contains($1, periode)"
    )
