"""The warehouse resource: the landing zone and the contract's two DuckDB files.

Every DuckDB connection of the pipeline is opened here, so that one place decides how
(memory limit, threads, spill folder) and what a pipeline connection holds (the tables,
the reference data and the contract's macros). Its settings come from
``pipelines/resources.py``; the stages and checks only use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from contract import MACROS_SQL, reference
from contract.amounts import BPU_MINIMUM_CONTRIBUTION_RP, JKM_DEATH_BENEFIT_RP
from contract.tables import INTERNAL_TABLES, Table


class Warehouse(dg.ConfigurableResource):
    """The landing zone and the two DuckDB files of the data contract.

    The internal file holds personal data and is written only by the pipeline; the
    published file holds the marts alone and is replaced atomically for dashboards.
    """

    landing_dir: str = Field(description="Landing zone: enrollment/<YYYY-MM>/ and labour/<YYYY>/.")
    warehouse_dir: str = Field(description="Folder of the DuckDB files, spill files and Data Docs.")
    published_file: str = Field(
        default="",
        description="Published DuckDB file (marts only) for dashboards; "
        "empty: <warehouse_dir>/coverage.duckdb.",
    )
    internal_file: str = Field(
        default="",
        description="Internal DuckDB file (staged rows, persons, quality); "
        "empty: <warehouse_dir>/internal.duckdb.",
    )
    bpu_minimum_contribution_rp: int = Field(
        default=BPU_MINIMUM_CONTRIBUTION_RP,
        description="Minimum monthly BPU contribution (JKK + JKM) used for iuran_minimum_bulanan_rp.",
    )
    jkm_death_benefit_rp: int = Field(
        default=JKM_DEATH_BENEFIT_RP,
        description="JKM death benefit used for santunan_kematian_tidak_terlindungi_rp.",
    )
    memory_limit: str = Field(default="4GB", description="DuckDB memory_limit; spills beyond it.")
    threads: int = Field(default=2, description="DuckDB worker threads.")

    @property
    def published_path(self) -> str:
        return self.published_file or str(Path(self.warehouse_dir) / "coverage.duckdb")

    @property
    def internal_path(self) -> str:
        return self.internal_file or str(Path(self.warehouse_dir) / "internal.duckdb")

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def spill_dir(self) -> Path:
        return Path(self.warehouse_dir) / "spill"

    @property
    def data_docs_dir(self) -> Path:
        return Path(self.warehouse_dir) / "data_docs"

    @property
    def workbook_path(self) -> Path:
        """The Excel workbook of the latest period's marts, beside the published file."""
        return Path(self.published_path).with_suffix(".xlsx")

    @property
    def report_dir(self) -> Path:
        """The HTML reports, one per published period, and index.html for the latest."""
        return Path(self.warehouse_dir) / "report"

    @property
    def candidate_path(self) -> Path:
        """Where the next published file is built and checked before it is swapped in."""
        published = Path(self.published_path)
        return published.with_name(f".{published.stem}.candidate{published.suffix}")

    def duckdb_config(
        self, memory_limit: str | None = None
    ) -> dict[str, str | bool | int | float | list[str]]:
        return {
            "memory_limit": memory_limit or self.memory_limit,
            "threads": self.threads,
            "temp_directory": str(self.spill_dir),
        }

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the internal file, with the tables, the reference data
        and the contract's macros. Always closed, also on error, so that the next step or
        run of this process can open the file again."""
        Path(self.internal_path).parent.mkdir(parents=True, exist_ok=True)
        with self.open(self.internal_path) as conn:
            prepare(conn)
            yield conn

    @contextmanager
    def open(
        self, path: str | Path, read_only: bool = False, storage_version: str | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to any DuckDB file of the warehouse (closed on exit).

        ``storage_version`` (e.g. ``v1.4.0``) writes a *new* file in that version's format,
        so that older DuckDB releases can read it; DuckDB silently ignores it for a file that
        exists already, so callers delete the file first and check `storage_version_of`."""
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        config = self.duckdb_config()
        if storage_version is not None:
            config["storage_compatibility_version"] = storage_version
        conn = duckdb.connect(str(path), read_only=read_only, config=config)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def read_internal(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.open(self.internal_path, read_only=True) as conn:
            yield conn

    @contextmanager
    def read_published(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """The published file read-only, or None when nothing was published yet.

        With DuckDB's default settings, as a dashboard in this process would open it:
        DuckDB refuses a second connection to an open file with other settings."""
        if not Path(self.published_path).exists():
            yield None
            return
        conn = duckdb.connect(self.published_path, read_only=True)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def read_published_fresh(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """The published file as the path names it *now*, read-only, for readers that live
        across publishes (the report asset, the dashboard); None when there is none yet.

        Within one process DuckDB shares one open database per path: ``duckdb.connect(path)``
        while any other connection of the process still holds the file returns the file as
        it was before the last swap. An in-memory database that ATTACHes the path opens the
        file that is there now, whatever else the process holds open. ``USE`` makes the
        published tables readable by their names (``mart.coverage_region``)."""
        path = Path(self.published_path)
        if not path.exists():
            yield None
            return
        conn = duckdb.connect(":memory:")
        try:
            conn.execute("ATTACH ? AS published (READ_ONLY)", [str(path)])
            conn.execute("USE published")
            yield conn
        finally:
            conn.close()


def storage_version_of(conn: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the connection's database file, as DuckDB tags it
    (``v1.4.0+`` for a file DuckDB 1.4 can read)."""
    rows = conn.execute(
        "SELECT tags['storage_version'] FROM duckdb_databases() "
        "WHERE database_name = current_database()"
    ).fetchall()
    return str(rows[0][0]) if rows else ""


def create_tables(conn: duckdb.DuckDBPyConnection, tables: tuple[Table, ...]) -> None:
    """Create the tables, and add columns declared since an existing file was created."""
    for schema in sorted({t.schema for t in tables}):
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table in tables:
        conn.execute(table.ddl())
        existing = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ?",
                [table.schema, table.short_name],
            ).fetchall()
        }
        for column in table.columns:
            if column.name not in existing:
                conn.execute(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type}")


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def load_reference(conn: duckdb.DuckDBPyConnection) -> None:
    """The shipped reference data as temp tables of this connection (they are tiny)."""
    for ref in reference.tables():
        rows = ", ".join("(" + ", ".join(sql_text(v) for v in row) + ")" for row in ref.rows)
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {ref.name} AS "
            f"SELECT * FROM (VALUES {rows}) AS t({', '.join(ref.columns)})"
        )


def prepare(conn: duckdb.DuckDBPyConnection) -> None:
    """Tables, reference data and the contract's SQL macros on a fresh connection."""
    create_tables(conn, INTERNAL_TABLES)
    load_reference(conn)
    conn.execute(MACROS_SQL.read_text())


def table_schema(table: Table) -> dg.TableSchema:
    """A table's columns as the Dagster UI shows them; personal columns tagged ``pii``."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.type,
                description=c.description,
                tags={"pii": ""} if c.personal else {},
            )
            for c in table.columns
        ]
    )
