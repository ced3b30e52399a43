"""Reading a national snapshot once: its rows split by province, for every province to stage.

A deployment of several provinces receives national enrollment snapshots: every file holds
rows of every province. The first province run of a period that needs the period's split
makes it, under the split's own lock, and every other province run reuses it: the
landing files are read once (with the same readers, checks and line numbers as a
one-province deployment), judged nowhere yet, and written per province as Parquet in one
pass (``split.sql``). A split is remade when the snapshot's files changed since (their
size and modification time, in ``manifest.json``). It holds personal data: it lives in
the warehouse, beside the internal files, never in the landing zone.

A deployment of one province reads the landing zone itself, as before.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets import lock
from assets.sql import render
from assets.staging.landing import FileRead, file_state, load_snapshot
from assets.warehouse import Warehouse, load_reference, sql_text
from contract import MACROS_SQL
from contract.landing import snapshot_files
from contract.row_rules import ENROLLMENT

SQL = Path(__file__).parent
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Split:
    """Where the splits of a deployment of several provinces live, and for whom."""

    root: Path  # <warehouse>/split
    province: str  # the province that reads
    provinces: tuple[str, ...]  # every covered province
    duckdb_config: dict[str, str | bool | int | float | list[str]]

    def folder(self, period: str) -> Path:
        return self.root / "enrollment" / period

    def province_files(self, landing: Path, period: str) -> str:
        """The Parquet files of this province's rows of the period (a glob), splitting the
        snapshot first when it has not been split from its current files."""
        folder = self.folder(period)
        holder = lock.Holder(pid=os.getpid(), command="split")
        lock.acquire(folder.with_name(f"{period}.lock"), holder)
        try:
            landed = landed_state(landing, period)
            if read_manifest(folder) != landed:
                self.split(landing, period, landed)
        finally:
            lock.release(folder.with_name(f"{period}.lock"))
        return str(folder / f"province={self.province}" / "*.parquet")

    def split(self, landing: Path, period: str, landed: list[list[object]]) -> None:
        """Read every file of the snapshot once (side by side, as many as DuckDB has
        threads) and write its rows by province; the folder is replaced whole (a reader
        never sees half a split)."""
        folder = self.folder(period)
        building = folder.with_name(f".{period}.{uuid.uuid4().hex[:8]}")
        conn = duckdb.connect(":memory:", config=self.duckdb_config)
        try:
            load_reference(conn, self.provinces)  # the tables the cleaning macros name
            conn.execute(MACROS_SQL.read_text())
            workers = int(self.duckdb_config.get("threads", 1))  # type: ignore[arg-type]
            load_snapshot(
                conn, landing, ENROLLMENT.source, period, ENROLLMENT.columns, "raw_rows", workers
            )
            conn.execute(
                render(
                    SQL / "split.sql",
                    cleaned=ENROLLMENT.cleaned,
                    provinces="(" + ", ".join(sql_text(p) for p in self.provinces) + ")",
                    first_province=sql_text(self.provinces[0]),
                    folder=str(building).replace("'", "''"),
                )
            )
        finally:
            conn.close()
        building.mkdir(parents=True, exist_ok=True)  # a snapshot without rows writes none
        (building / MANIFEST).write_text(json.dumps(landed))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(building, folder)


def split_of(warehouse: Warehouse) -> Split | None:
    """The split a province of a deployment of several reads (None: one province)."""
    root = warehouse.split_root
    if root is None:
        return None
    (province,) = warehouse.covered_provinces
    return Split(root, province, warehouse.deployment, warehouse.duckdb_config())


def landed_state(landing: Path, period: str) -> list[list[object]]:
    """What tells that the snapshot's files changed: each file's name, size and mtime."""
    return [
        [path.name, *(file_state(path) or ())[2:]]
        for path in snapshot_files(landing, ENROLLMENT.source, period)
    ]


def read_manifest(folder: Path) -> list[list[object]] | None:
    try:
        found: list[list[object]] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return found


def load_split(
    conn: duckdb.DuckDBPyConnection, files: str, columns: tuple[str, ...], target: str
) -> list[FileRead]:
    """This province's rows of the snapshot into ``target``, as ``load_snapshot`` reads a
    snapshot (original file order, file and line kept); the rows read per original file."""
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {target} (file_order INTEGER, file VARCHAR, line BIGINT, "
        + ", ".join(f"{c} VARCHAR" for c in columns)
        + ", _fields INTEGER)"
    )
    if not any(Path(files).parent.glob("*.parquet")):
        return []  # no row of this province in the snapshot
    names = ", ".join(("file_order", "file", "line", *columns, "_fields"))
    conn.execute(
        f"INSERT INTO {target} SELECT {names} FROM read_parquet(?) ORDER BY file_order, line",
        [files],
    )
    return [
        FileRead(file, rows)
        for file, rows in conn.execute(
            f"SELECT file, count(*) FROM {target} GROUP BY file_order, file ORDER BY file_order"
        ).fetchall()
    ]
