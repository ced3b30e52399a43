"""The national file: every covered province's published marts side by side, and their sums.

Built from the provinces' *published* files only (never from their internal files: nothing
personal reaches it), as a candidate beside ``coverage_nasional.duckdb``, checked, then
renamed over it, like a province's published file. A period is rebuilt only when every
covered province has published it from its latest run; otherwise the file keeps the rows it
had for that period (if any) and ``mart.national_status`` names the provinces missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from assets.published.publish import held_tables, new_published_file, write_about
from assets.warehouse import Warehouse, fault_point, load_reference, sql_text
from contract import MACROS_SQL
from contract.reference import table as reference_table
from contract.tables import (
    NATIONAL_STACKED,
    NATIONAL_STATUS,
    NATIONAL_SUMMED,
    NATIONAL_SUMS,
    NATIONAL_TABLES,
    PUBLISHED_PERIODS,
    Table,
)

PUBLISHED, MISSING = "published", "missing"

#: A summed national row: the counts of `NATIONAL_SUMS` summed, the ratios below
#: recomputed from the sums with the contract's macros, any other column the grain or a
#: name (the same in every province).
DERIVED = {
    "cakupan_persen": "cakupan_persen(peserta_aktif, pekerja)",
    "cakupan_di_atas_100": "coalesce(cakupan_persen(peserta_aktif, pekerja) > 100, false)",
    "cakupan_persen_sebelumnya": "cakupan_persen(peserta_aktif_sebelumnya, pekerja_sebelumnya)",
    "perubahan_poin": "cakupan_persen(peserta_aktif, pekerja) "
    "- cakupan_persen(peserta_aktif_sebelumnya, pekerja_sebelumnya)",
}


@dataclass(frozen=True)
class Province:
    kode_kemendagri: str
    kode_bps: str | None
    nama: str
    file: Path

    @property
    def alias(self) -> str:
        return f"p{self.kode_kemendagri}"

    @property
    def columns_sql(self) -> str:
        """The province's columns of the national tables, as SQL literals."""
        bps = "NULL" if self.kode_bps is None else sql_text(self.kode_bps)
        return (
            f"{bps}::VARCHAR AS kode_provinsi, {sql_text(self.kode_kemendagri)} AS "
            f"kode_provinsi_kemendagri, {sql_text(self.nama)} AS nama_provinsi"
        )


@dataclass(frozen=True)
class NationalBuild:
    candidate: Path
    complete: bool
    missing: list[str]  # Kemendagri codes


def provinces_of(warehouse: Warehouse) -> list[Province]:
    ref = reference_table("ref_province")
    names = dict(zip(ref.column("kode_kemendagri"), ref.column("nama_provinsi"), strict=True))
    bps = dict(zip(ref.column("kode_kemendagri"), ref.column("kode_bps"), strict=True))
    return [
        Province(p, bps[p] or None, names[p], Path(warehouse.for_province(p).published_path))
        for p in warehouse.covered_provinces
    ]


def stacked_sql(national: Table, mart: Table, provinces: list[Province]) -> str:
    """The provinces' rows of ``mart`` for the period ($1), each with its province."""
    parts = [
        f"SELECT {p.columns_sql}, * FROM {p.alias}.{mart.name} WHERE periode = $1"
        for p in provinces
    ]
    return f"SELECT {', '.join(national.column_names())} FROM ({' UNION ALL BY NAME '.join(parts)})"


def summed_sql(national: Table, mart: Table, provinces: list[Province]) -> str:
    """The sum over the provinces of ``mart``'s rows for the period ($1). The coverage of
    the previous period is recomputed from each province's row of its previous period."""
    same_cell = "".join(f" AND prev.{d} = cur.{d}" for d in mart.dimensions)
    parts = [
        f"SELECT cur.*, prev.pekerja AS pekerja_sebelumnya FROM {p.alias}.{mart.name} cur "
        f"LEFT JOIN {p.alias}.{mart.name} prev ON prev.periode = cur.periode_sebelumnya"
        f"{same_cell} WHERE cur.periode = $1"
        for p in provinces
    ]
    keys = list(national.grain)
    sums = [c for c in national.column_names() if c in NATIONAL_SUMS]
    names = [c for c in national.column_names() if c not in (*keys, *sums, *DERIVED)]
    inner = ", ".join(
        [
            *keys,
            *(f"sum({c})::BIGINT AS {c}" for c in sums),
            "sum(pekerja_sebelumnya)::BIGINT AS pekerja_sebelumnya",
            *(f"max({c}) AS {c}" for c in names),
        ]
    )
    outer = ", ".join(
        f"{DERIVED[c]} AS {c}" if c in DERIVED else c for c in national.column_names()
    )
    return (
        f"SELECT {outer} FROM (SELECT {inner} FROM ({' UNION ALL BY NAME '.join(parts)}) "
        f"GROUP BY {', '.join(keys)})"
    )


def new_rows_sql(national: Table, provinces: list[Province]) -> str:
    for mart, table in NATIONAL_SUMMED.items():
        if table is national:
            return summed_sql(national, mart, provinces)
    mart = next(m for m, t in NATIONAL_STACKED.items() if t is national)
    return stacked_sql(national, mart, provinces)


def publication_status(
    conn: duckdb.DuckDBPyConnection, provinces: list[Province], period: str, failed: set[str]
) -> dict[str, str]:
    """Each province's status for the period: published when its file (attached) holds the
    period and its latest run of the period did not fail (``failed``: it did)."""
    status = {}
    for p in provinces:
        held = False
        if p.kode_kemendagri not in failed and p.alias in attached(conn):
            (held,) = conn.execute(
                f"SELECT count(*) > 0 FROM {p.alias}.{PUBLISHED_PERIODS.name} WHERE periode = ?",
                [period],
            ).fetchone() or (False,)
        status[p.kode_kemendagri] = PUBLISHED if held else MISSING
    return status


def attached(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT database_name FROM duckdb_databases()").fetchall()}


def attach_readable(
    warehouse: Warehouse, conn: duckdb.DuckDBPyConnection, path: Path, alias: str
) -> bool:
    """ATTACH a published file read-only; False when there is none, or it cannot be read
    (a damaged file counts as not published: said in the run's log)."""
    damaged = warehouse.damage(path)
    if not path.exists() or damaged is not None:
        if damaged is not None:
            dg.get_dagster_logger().warning(f"{damaged}: read as not published")
        return False
    conn.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
    return True


def build_national(warehouse: Warehouse, period: str, failed: set[str]) -> NationalBuild:
    """The national candidate: this period from the provinces' files when every covered
    province has published it, else as the national file had it; every other period as
    the national file had it."""
    provinces = provinces_of(warehouse)
    candidate = warehouse.national_candidate_path
    with new_published_file(warehouse, candidate) as conn:
        load_reference(conn, warehouse.covered_provinces)  # temp tables the macros name
        conn.execute(MACROS_SQL.read_text())
        has_old = attach_readable(warehouse, conn, warehouse.national_path, "old")
        for p in provinces:
            attach_readable(warehouse, conn, p.file, p.alias)
        status = publication_status(conn, provinces, period, failed)
        complete = all(s == PUBLISHED for s in status.values())
        old_tables = held_tables(conn, "old") if has_old else set()
        conn.execute("CREATE SCHEMA mart")
        write_about(conn)  # the contract version, as in every published file
        for table in NATIONAL_TABLES:
            parts = []
            if table is NATIONAL_STATUS:
                parts += [
                    f"SELECT $1 AS periode, {p.columns_sql}, "
                    f"{sql_text(status[p.kode_kemendagri])} AS status"
                    for p in provinces
                ]
            elif complete:
                parts.append(new_rows_sql(table, provinces))
            if table.name in old_tables:
                kept = "periode <> $1" if complete or table is NATIONAL_STATUS else "true"
                parts.append(f"SELECT * FROM old.{table.name} WHERE {kept}")
            if parts:
                rows = " UNION ALL BY NAME ".join(f"({part})" for part in parts)
                conn.execute(
                    f"CREATE TABLE {table.name} AS SELECT {', '.join(table.column_names())} "
                    f"FROM ({rows}) ORDER BY {', '.join(table.grain)}",
                    [period] if "$1" in rows else [],
                )
            else:
                conn.execute(table.ddl())
            for statement in table.comments():
                conn.execute(statement)
            fault_point("candidate")
        for name in ("old", *(p.alias for p in provinces)):
            if name in attached(conn):
                conn.execute(f"DETACH {name}")
        conn.execute("CHECKPOINT")
    missing = sorted(k for k, s in status.items() if s == MISSING)
    return NationalBuild(candidate, complete, missing)
