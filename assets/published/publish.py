"""Publishing: the marts, and nothing personal, in the file dashboards read.

DuckDB lets no reader open a file that a process holds read-write, so the published file
is never written in place: a candidate file is built beside it, checked by blocking asset
checks, closed, and renamed over the old one. A dashboard that has the old file open
keeps reading it; the next open sees the new one, complete. Only the period of this run
is taken from the internal marts; every other period keeps the numbers it had, so a
period whose run failed never changes what was published for it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from assets.warehouse import Warehouse, storage_version_of
from contract.tables import MARTS, PUBLISHED_PERIODS, Table

#: The contract's "Compatibility": DuckDB 1.4 (LTS) and every later version read the
#: published file. The candidate is written fresh in 1.4's storage format (the oldest 1.4
#: release, so that every 1.4.x reads it); DuckDB tags such a file ``v1.4.0+``.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


def table_exists(conn: duckdb.DuckDBPyConnection, catalog: str, table: Table) -> bool:
    (n,) = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [catalog, table.schema, table.short_name],
    ).fetchone() or (0,)
    return n > 0


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_rows_sql(table: Table) -> str:
    """This run's rows of a published table, from the internal file ($1 the period,
    $2 the run id)."""
    if table is PUBLISHED_PERIODS:
        return (
            "SELECT periode, tahun AS tahun_pekerja, (now() AT TIME ZONE 'UTC') AS published_at, "
            "$2 AS run_id FROM internal.staging.period_labour_year WHERE periode = $1"
        )
    return f"SELECT * FROM internal.{table.name} WHERE periode = $1"


def build_candidate(warehouse: Warehouse, period: str, run_id: str) -> Path:
    """A complete new published file: this run's period from the internal marts, every
    other period as it was published before. Every mart column is copied (the contract
    allows adding columns); the checks on the candidate keep personal data out."""
    published = Path(warehouse.published_path)
    candidate = warehouse.candidate_path
    candidate.parent.mkdir(parents=True, exist_ok=True)
    candidate.unlink(missing_ok=True)
    with warehouse.open(candidate, storage_version=PUBLISHED_STORAGE_VERSION) as conn:
        if storage_version_of(conn) != f"{PUBLISHED_STORAGE_VERSION}+":
            raise RuntimeError(
                f"{candidate}: written as DuckDB storage {storage_version_of(conn)!r}, "
                f"not {PUBLISHED_STORAGE_VERSION}: DuckDB 1.4 could not open it"
            )
        conn.execute("ATTACH ? AS internal (READ_ONLY)", [warehouse.internal_path])
        has_old = published.exists()
        if has_old:
            conn.execute("ATTACH ? AS old (READ_ONLY)", [str(published)])
        conn.execute("CREATE SCHEMA mart")
        for table in (*MARTS, PUBLISHED_PERIODS):
            rows = new_rows_sql(table)
            if has_old and table_exists(conn, "old", table):
                rows += f" UNION ALL BY NAME SELECT * FROM old.{table.name} WHERE periode <> $1"
            conn.execute(
                f"CREATE TABLE {table.name} AS SELECT * FROM ({rows}) "
                f"ORDER BY {', '.join(table.grain)}",
                [period, run_id] if table is PUBLISHED_PERIODS else [period],
            )
            for statement in table.comments():
                conn.execute(statement)
        conn.execute("DETACH internal")
        if has_old:
            conn.execute("DETACH old")
        conn.execute("CHECKPOINT")
    return candidate


def swap_in(candidate: Path, published_path: str) -> Path:
    """Replace the published file by the candidate in one rename (atomic on one file system)."""
    published = Path(published_path)
    fsync_path(candidate)
    os.replace(candidate, published)
    fsync_path(published.parent)
    return published
