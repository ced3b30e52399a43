"""Publishing: the marts, and nothing personal, in the file dashboards read.

DuckDB lets no reader open a file that a process holds read-write, so the published file
is never written in place: a candidate file is built beside it (``published/candidate``),
checked by blocking asset checks, closed, and renamed over the old one
(``published/coverage``). A dashboard that has the old file open keeps reading it; the next open
sees the new one, complete. Only the periods of this run are taken from the internal
marts; every other period keeps the numbers it had, so a period whose run failed never
changes what was published for it.
"""

import os
from pathlib import Path

import dagster as dg
import duckdb

from assets.partitions import period_partitions, run_periods, single_run_backfill
from pipelines import warehouse as wh
from pipelines.resources import Warehouse


def table_exists(conn: duckdb.DuckDBPyConnection, catalog: str, table: str) -> bool:
    schema, name = table.split(".")
    (n,) = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [catalog, schema, name],
    ).fetchone() or (0,)
    return n > 0


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def candidate_path(published_path: str) -> Path:
    """Where the next published file is built and checked before it is swapped in."""
    published = Path(published_path)
    return published.with_name(f".{published.stem}.candidate{published.suffix}")


def build_candidate(
    internal_path: str, published_path: str, periods: list[str], run_id: str
) -> Path:
    """A complete new published file: this run's periods from the internal marts, every
    other period as it was published before. Every mart column is copied (the contract
    allows adding columns); the checks on the candidate keep personal data out."""
    published = Path(published_path)
    candidate = candidate_path(published_path)
    candidate.parent.mkdir(parents=True, exist_ok=True)
    candidate.unlink(missing_ok=True)
    conn = duckdb.connect(str(candidate))
    try:
        conn.execute("ATTACH ? AS internal (READ_ONLY)", [internal_path])
        has_old = published.exists()
        if has_old:
            conn.execute("ATTACH ? AS old (READ_ONLY)", [str(published)])
        conn.execute("CREATE SCHEMA mart")
        for table in (*wh.MARTS, wh.PUBLISHED_PERIODS):
            new_rows = (
                f"SELECT * FROM internal.{table.name} WHERE list_contains($1, periode)"
                if table is not wh.PUBLISHED_PERIODS
                else "SELECT periode, tahun AS tahun_pekerja, (now() AT TIME ZONE 'UTC') AS published_at, "
                "$2 AS run_id FROM internal.staging.period_labour_year "
                "WHERE list_contains($1, periode)"
            )
            if has_old and table_exists(conn, "old", table.name):
                new_rows += (
                    f" UNION ALL BY NAME SELECT * FROM old.{table.name} "
                    "WHERE NOT list_contains($1, periode)"
                )
            keys = ", ".join(c.name for c in table.columns if c.name in GRAIN_COLUMNS)
            conn.execute(
                f"CREATE TABLE {table.name} AS SELECT * FROM ({new_rows}) ORDER BY {keys}",
                [periods, run_id] if table is wh.PUBLISHED_PERIODS else [periods],
            )
            for statement in table.comments():
                conn.execute(statement)
        conn.execute("DETACH internal")
        if has_old:
            conn.execute("DETACH old")
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return candidate


def swap_in(candidate: Path, published_path: str) -> Path:
    """Replace the published file by the candidate in one rename (atomic on one file system)."""
    published = Path(published_path)
    fsync_path(candidate)
    os.replace(candidate, published)
    fsync_path(published.parent)
    return published


GRAIN_COLUMNS = ("periode", "kode_wilayah", "kbli", "status_pekerjaan")


@dg.asset(
    key=["published", "candidate"],
    deps=[t.name.split(".") for t in wh.MARTS],
    group_name="publish",
    partitions_def=period_partitions,
    backfill_policy=single_run_backfill,
    kinds={"duckdb"},
    description=(
        "The next published file, built beside the published one and checked before it "
        "replaces it: the marts of this run's periods, every other period as published."
    ),
)
def published_candidate(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    periods = run_periods(context)
    path = build_candidate(
        warehouse.internal_path, warehouse.published_path, periods, context.run_id
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path.resolve())),
            "periods": dg.MetadataValue.json(periods),
        }
    )


@dg.asset(
    key=["published", "coverage"],
    deps=[["published", "candidate"]],
    group_name="publish",
    partitions_def=period_partitions,
    backfill_policy=single_run_backfill,
    kinds={"duckdb"},
    description=(
        "The published DuckDB file dashboards read (coverage.duckdb): the mart tables of every "
        "landed period and nothing personal. Replaced atomically by renaming the checked "
        "candidate over it, so readers never see a half-built file and are never locked out."
    ),
    metadata={"tables": dg.MetadataValue.json([t.name for t in wh.PUBLISHED_TABLES])},
)
def published_coverage(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    candidate = candidate_path(warehouse.published_path)
    if not candidate.exists():
        raise dg.Failure(f"no checked candidate to publish at {candidate}", allow_retries=False)
    path = swap_in(candidate, warehouse.published_path)
    conn = duckdb.connect(str(path), read_only=True)
    try:
        in_file = [
            r[0]
            for r in conn.execute(
                "SELECT periode FROM mart.published_periods ORDER BY periode"
            ).fetchall()
        ]
    finally:
        conn.close()
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path.resolve())),
            "periods_published_now": dg.MetadataValue.json(run_periods(context)),
            "periods_in_file": dg.MetadataValue.json(in_file),
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        }
    )
