"""Settings and resources: the one place where cakupan reads its environment.

Every path and tunable comes from a ``CAKUPAN_*`` environment variable with a default
that works from the repository root, so ``make run`` needs no configuration and an
operator can point the same code at production folders without editing it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from pipelines import warehouse

#: Minimum monthly contribution of a non-wage earner (BPU): JKK Rp10,000 + JKM Rp6,800.
BPU_MINIMUM_CONTRIBUTION_RP = 16_800


def env(name: str, default: str) -> str:
    """An environment variable, where an empty value counts as unset."""
    return os.environ.get(name) or default


class Warehouse(dg.ConfigurableResource):
    """The landing zone and the two DuckDB files of the data contract.

    The internal file holds personal data and is written only by the pipeline; the
    published file holds the marts alone and is replaced atomically for dashboards.
    """

    landing_dir: str = Field(description="Landing zone: enrollment/<YYYY-MM>/ and labour/<YYYY>/.")
    warehouse_dir: str = Field(description="Folder of the DuckDB files, spill files and Data Docs.")
    published_path: str = Field(description="Published DuckDB file (marts only) for dashboards.")
    internal_path: str = Field(description="Internal DuckDB file (staged rows, persons, quality).")
    bpu_minimum_contribution_rp: int = Field(
        default=BPU_MINIMUM_CONTRIBUTION_RP,
        description="Minimum monthly BPU contribution (JKK + JKM) used for iuran_minimum_bulanan_rp.",
    )
    memory_limit: str = Field(default="4GB", description="DuckDB memory_limit; spills beyond it.")
    threads: int = Field(default=2, description="DuckDB worker threads.")

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def spill_dir(self) -> Path:
        return Path(self.warehouse_dir) / "spill"

    def duckdb_config(self) -> dict[str, str | bool | int | float | list[str]]:
        return {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "temp_directory": str(self.spill_dir),
        }

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the internal file, with schemas, reference and macros.

        The connection is always closed, also on error, so the next step or run of this
        process can open the file again.
        """
        Path(self.internal_path).parent.mkdir(parents=True, exist_ok=True)
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(self.internal_path, config=self.duckdb_config())
        try:
            warehouse.prepare(conn)
            yield conn
        finally:
            conn.close()


def warehouse_from_env(
    landing_dir: str | None = None, warehouse_dir: str | None = None
) -> Warehouse:
    """The warehouse resource configured from ``CAKUPAN_*`` environment variables; the
    arguments (the CLI's flags) take precedence over them."""
    flag = warehouse_dir is not None
    warehouse_dir = warehouse_dir or env("CAKUPAN_WAREHOUSE_DIR", "data/warehouse")

    def in_warehouse(variable: str, name: str) -> str:
        default = f"{warehouse_dir}/{name}"
        return default if flag else env(variable, default)

    return Warehouse(
        landing_dir=landing_dir or env("CAKUPAN_LANDING_DIR", "data/landing"),
        warehouse_dir=warehouse_dir,
        published_path=in_warehouse("CAKUPAN_PUBLISHED_PATH", "coverage.duckdb"),
        internal_path=in_warehouse("CAKUPAN_INTERNAL_PATH", "internal.duckdb"),
        bpu_minimum_contribution_rp=int(
            env("CAKUPAN_BPU_MINIMUM_CONTRIBUTION_RP", str(BPU_MINIMUM_CONTRIBUTION_RP))
        ),
        memory_limit=env("CAKUPAN_DUCKDB_MEMORY_LIMIT", "4GB"),
        threads=int(env("CAKUPAN_DUCKDB_THREADS", "2")),
    )
