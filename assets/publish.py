"""Publishing: the marts, and nothing personal, in the file dashboards read.

DuckDB lets no reader open a file that a process holds read-write, so the published file
is never written in place: a new file is built beside it, checked, closed and renamed
over the old one. A dashboard that has the old file open keeps reading it; the next open
sees the new one, complete. Only the periods of this run are taken from the internal
marts; every other period keeps the numbers it had, so a period whose run failed never
changes what was published for it.
"""

import os
import uuid
from pathlib import Path

import dagster as dg
import duckdb

from assets.partitions import period_partitions, run_periods, single_run_backfill
from pipelines import warehouse as wh
from pipelines.resources import Warehouse

#: Columns that hold personal data anywhere in the warehouse; none may be published.
PERSONAL_COLUMNS = frozenset(
    c.name for t in wh.INTERNAL_TABLES for c in t.columns if c.personal
) | {"nik", "nama", "alamat", "tanggal_lahir", "kpj"}


def personal_columns_in(conn: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = conn.execute(
        "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE database_name = ? AND lower(column_name) IN (SELECT unnest(?))",
        [catalog, sorted(PERSONAL_COLUMNS)],
    ).fetchall()
    return [r[0] for r in rows]


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


def publish(internal_path: str, published_path: str, periods: list[str], run_id: str) -> Path:
    """Build the new published file with this run's periods, then swap it in atomically."""
    published = Path(published_path)
    published.parent.mkdir(parents=True, exist_ok=True)
    for stale in published.parent.glob(f".{published.name}.*.tmp"):
        stale.unlink()  # left by a crashed publish; one writer at a time owns this folder
    building = published.with_name(f".{published.name}.{uuid.uuid4().hex}.tmp")
    conn = duckdb.connect(str(building))
    try:
        conn.execute("ATTACH ? AS internal (READ_ONLY)", [internal_path])
        has_old = published.exists()
        if has_old:
            conn.execute("ATTACH ? AS old (READ_ONLY)", [str(published)])
        wh.create_tables(conn, wh.PUBLISHED_TABLES)
        for table in wh.PUBLISHED_TABLES:
            for statement in table.comments():
                conn.execute(statement)
        for table in wh.MARTS:
            columns = ", ".join(table.column_names())
            if has_old and table_exists(conn, "old", table.name):
                conn.execute(
                    f"INSERT INTO {table.name} BY NAME SELECT * FROM old.{table.name} "
                    "WHERE NOT list_contains(?, periode)",
                    [periods],
                )
            conn.execute(
                f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
                f"FROM internal.{table.name} WHERE list_contains(?, periode)",
                [periods],
            )
        if has_old and table_exists(conn, "old", wh.PUBLISHED_PERIODS.name):
            conn.execute(
                f"INSERT INTO {wh.PUBLISHED_PERIODS.name} BY NAME SELECT * FROM "
                f"old.{wh.PUBLISHED_PERIODS.name} WHERE NOT list_contains(?, periode)",
                [periods],
            )
        conn.execute(
            f"""
            INSERT INTO {wh.PUBLISHED_PERIODS.name}
            SELECT periode, tahun, now()::TIMESTAMP, ?
            FROM internal.staging.period_labour_year WHERE list_contains(?, periode)
            """,
            [run_id, periods],
        )
        (catalog,) = conn.execute("SELECT current_database()").fetchone() or ("",)
        leaked = personal_columns_in(conn, catalog)
        if leaked:
            raise dg.Failure(
                description=f"refusing to publish personal data: {', '.join(leaked)}",
                allow_retries=False,
            )
        conn.execute("DETACH internal")
        if has_old:
            conn.execute("DETACH old")
        conn.execute("CHECKPOINT")
    except BaseException:
        conn.close()
        building.unlink(missing_ok=True)
        raise
    conn.close()
    fsync_path(building)
    os.replace(building, published)
    fsync_path(published.parent)
    return published


@dg.asset(
    key=["published", "coverage"],
    deps=[t.name.split(".") for t in wh.MARTS],
    group_name="publish",
    partitions_def=period_partitions,
    backfill_policy=single_run_backfill,
    kinds={"duckdb"},
    description=(
        "The published DuckDB file dashboards read (coverage.duckdb): the mart tables of every "
        "landed period and nothing personal, replaced atomically (write a new file, rename)."
    ),
    metadata={"tables": dg.MetadataValue.json([t.name for t in wh.PUBLISHED_TABLES])},
)
def published_coverage(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    periods = run_periods(context)
    path = publish(warehouse.internal_path, warehouse.published_path, periods, context.run_id)
    conn = duckdb.connect(str(path), read_only=True)
    try:
        published_periods = [
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
            "periods_published_now": dg.MetadataValue.json(periods),
            "periods_in_file": dg.MetadataValue.json(published_periods),
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        }
    )
