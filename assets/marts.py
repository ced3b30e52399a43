"""Coverage marts: active persons over Sakernas employed persons, per period.

Every mart is the same computation on a different grid: the grid's cells (all regions,
sectors, combinations, statuses: a cell with nobody in it is a row of zeros, not a gap),
the employed persons of the period's Sakernas year summed into them, the active persons
counted into them, then the contract's formulas (``cakupan_persen``,
``belum_terlindungi`` in assets/sql/macros.sql). Marts are built in the internal file;
the publish step copies them out.
"""

from dataclasses import dataclass

import dagster as dg
import duckdb

from assets.partitions import period_partitions, run_periods, single_run_backfill
from pipelines import warehouse as wh
from pipelines.resources import Warehouse


@dataclass(frozen=True)
class Mart:
    table: wh.Table
    grid: str  # one row per cell, with the cell's key columns and names
    keys: tuple[str, ...]
    description: str

    @property
    def name(self) -> str:
        return self.table.name.split(".")[1]


REGION_GRID = "SELECT kode_bps AS kode_wilayah, kode_kemendagri, nama_wilayah FROM ref_region"
STATUS_GRID = "SELECT * FROM (VALUES ('FORMAL'), ('INFORMAL')) s(status_pekerjaan)"

MARTS = (
    Mart(
        wh.COVERAGE_PROVINCE,
        "SELECT '64' AS provinsi",
        ("provinsi",),
        "Coverage of the province per period; PMI-only persons are counted apart (peserta_pmi).",
    ),
    Mart(wh.COVERAGE_REGION, REGION_GRID, ("kode_wilayah",), "Coverage per regency/city."),
    Mart(
        wh.COVERAGE_SECTOR,
        "SELECT kbli, nama_sektor FROM ref_kbli",
        ("kbli",),
        "Coverage per KBLI 2020 section.",
    ),
    Mart(
        wh.COVERAGE_REGION_SECTOR,
        f"SELECT * FROM ({REGION_GRID}) CROSS JOIN (SELECT kbli, nama_sektor FROM ref_kbli)",
        ("kode_wilayah", "kbli"),
        "Coverage per regency/city and KBLI 2020 section.",
    ),
    Mart(
        wh.COVERAGE_STATUS,
        f"SELECT * FROM ({REGION_GRID}) CROSS JOIN ({STATUS_GRID})",
        ("kode_wilayah", "status_pekerjaan"),
        "Coverage per regency/city, formal (PU, JAKON) and informal (BPU) workers, with the "
        "monthly cost of covering the unprotected at the BPU minimum.",
    ),
)


def build_mart(
    conn: duckdb.DuckDBPyConnection, mart: Mart, periode: str, bpu_minimum_rp: int
) -> None:
    """Replace the period's rows of one mart."""
    keys = ", ".join(mart.keys)
    columns = ", ".join(mart.table.column_names())
    conn.execute("BEGIN TRANSACTION")
    conn.execute(f"DELETE FROM {mart.table.name} WHERE periode = $1", [periode])
    conn.execute(
        f"""
        INSERT INTO {mart.table.name} ({columns})
        WITH labour_year AS (
            SELECT tahun FROM staging.period_labour_year WHERE periode = $1
        ),
        labour AS (
            SELECT '64' AS provinsi, l.* FROM staging.labour l
            WHERE l.tahun = (SELECT tahun FROM labour_year)
        ),
        active AS (
            SELECT '64' AS provinsi, p.* FROM core.person p WHERE p.periode = $1 AND p.aktif
        ),
        cells AS (
            SELECT g.*, lab.pekerja, coalesce(act.peserta_aktif, 0) AS peserta_aktif
            FROM ({mart.grid}) g
            LEFT JOIN (SELECT {keys}, sum(jumlah_pekerja)::BIGINT AS pekerja
                       FROM labour GROUP BY ALL) lab USING ({keys})
            LEFT JOIN (SELECT {keys}, count(*) AS peserta_aktif
                       FROM active GROUP BY ALL) act USING ({keys})
        ),
        final AS (
        SELECT $1 AS periode, *,
               cakupan_persen(peserta_aktif, pekerja) AS cakupan_persen,
               belum_terlindungi(pekerja, peserta_aktif) AS belum_terlindungi,
               coalesce(cakupan_persen(peserta_aktif, pekerja) > 100, false)
                   AS cakupan_di_atas_100,
               belum_terlindungi(pekerja, peserta_aktif) * $2 AS iuran_minimum_bulanan_rp,
               (SELECT count(*) FROM core.person WHERE periode = $1 AND pmi_saja) AS peserta_pmi,
               (SELECT tahun FROM labour_year) AS tahun_pekerja
        FROM cells
        )
        SELECT {columns} FROM final ORDER BY {keys}
        """,
        [periode, bpu_minimum_rp],
    )
    conn.execute("COMMIT")


def region_table_markdown(conn: duckdb.DuckDBPyConnection, periods: list[str]) -> str:
    rows = conn.execute(
        """
        SELECT periode, kode_wilayah, kode_kemendagri, nama_wilayah, pekerja, peserta_aktif,
               cakupan_persen, belum_terlindungi
        FROM mart.coverage_region WHERE list_contains(?, periode) ORDER BY periode, kode_wilayah
        """,
        [periods],
    ).fetchall()
    lines = [
        "| periode | BPS | Kemendagri | wilayah | pekerja | peserta aktif | cakupan % | belum terlindungi |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for p, bps, kmd, nama, pekerja, aktif, pct, belum in rows:
        pct_text = "" if pct is None else f"{pct:.1f}"
        lines.append(
            f"| {p} | {bps} | {kmd} | {nama} | {pekerja or 0:,} | {aktif:,} | {pct_text} | "
            f"{belum or 0:,} |"
        )
    return "\n".join(lines)


def mart_metadata(
    conn: duckdb.DuckDBPyConnection, mart: Mart, periods: list[str]
) -> dict[str, dg.MetadataValue]:
    (rows,) = conn.execute(
        f"SELECT count(*) FROM {mart.table.name} WHERE list_contains(?, periode)", [periods]
    ).fetchone() or (0,)
    metadata: dict[str, dg.MetadataValue] = {"dagster/row_count": dg.MetadataValue.int(rows)}
    if mart.table is wh.COVERAGE_PROVINCE:
        for periode, pct, aktif, pekerja in conn.execute(
            "SELECT periode, cakupan_persen, peserta_aktif, pekerja FROM mart.coverage_province "
            "WHERE list_contains(?, periode) ORDER BY periode",
            [periods],
        ).fetchall():
            metadata[f"cakupan_persen {periode}"] = dg.MetadataValue.float(
                float("nan") if pct is None else round(pct, 2)
            )
            metadata[f"peserta_aktif / pekerja {periode}"] = dg.MetadataValue.text(
                f"{aktif:,} / {pekerja or 0:,}"
            )
    if mart.table is wh.COVERAGE_REGION:
        metadata["coverage_by_region"] = dg.MetadataValue.md(region_table_markdown(conn, periods))
    return metadata


def mart_asset(mart: Mart) -> dg.AssetsDefinition:
    @dg.asset(
        name=mart.name,
        key_prefix=["mart"],
        deps=[["core", "person"], ["staging", "labour"]],
        group_name="marts",
        partitions_def=period_partitions,
        backfill_policy=single_run_backfill,
        kinds={"duckdb"},
        description=mart.description,
        metadata={"dagster/column_schema": mart.table.dagster_schema()},
    )
    def _mart(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        periods = run_periods(context)
        with warehouse.connect() as conn:
            for periode in periods:
                build_mart(conn, mart, periode, warehouse.bpu_minimum_contribution_rp)
            return dg.MaterializeResult(metadata=mart_metadata(conn, mart, periods))

    return _mart


mart_assets = [mart_asset(m) for m in MARTS]
