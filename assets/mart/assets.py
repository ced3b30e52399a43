"""Mart assets: one coverage mart per table declared in `contract.tables.MARTS`."""

import dagster as dg
import duckdb

from assets.core.continuity import periods_to_follow, published_periods
from assets.mart.coverage import build_mart, refresh_comparison
from assets.partitions import province_scope
from assets.warehouse import Warehouse, table_schema
from contract.tables import (
    COVERAGE_PROVINCE,
    COVERAGE_REGION,
    FLOW_MARTS,
    MARTS,
    PERSON_CONTINUITY,
    STAGED_LABOUR,
    Table,
)


def region_table_markdown(conn: duckdb.DuckDBPyConnection, period: str) -> str:
    rows = conn.execute(
        """
        SELECT kode_wilayah, kode_kemendagri, nama_wilayah, pekerja, peserta_aktif,
               cakupan_persen, belum_terlindungi
        FROM mart.coverage_region WHERE periode = ? ORDER BY kode_wilayah
        """,
        [period],
    ).fetchall()
    lines = [
        "| BPS | Kemendagri | wilayah | pekerja | peserta aktif | cakupan % | belum terlindungi |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for bps, kmd, nama, pekerja, aktif, pct, belum in rows:
        pct_text = "" if pct is None else f"{pct:.1f}"
        lines.append(
            f"| {bps} | {kmd} | {nama} | {pekerja or 0:,} | {aktif:,} | {pct_text} | {belum or 0:,} |"
        )
    return "\n".join(lines)


def mart_metadata(
    conn: duckdb.DuckDBPyConnection, table: Table, period: str
) -> dict[str, dg.MetadataValue]:
    (rows,) = conn.execute(
        f"SELECT count(*) FROM {table.name} WHERE periode = ?", [period]
    ).fetchone() or (0,)
    metadata: dict[str, dg.MetadataValue] = {"dagster/row_count": dg.MetadataValue.int(rows)}
    if table is COVERAGE_PROVINCE:
        pct, aktif, pekerja = conn.execute(
            "SELECT cakupan_persen, peserta_aktif, pekerja FROM mart.coverage_province "
            "WHERE periode = ?",
            [period],
        ).fetchone() or (None, 0, 0)
        metadata["cakupan_persen"] = dg.MetadataValue.float(
            float("nan") if pct is None else round(pct, 2)
        )
        metadata["peserta_aktif / pekerja"] = dg.MetadataValue.text(f"{aktif:,} / {pekerja or 0:,}")
        previous, baru, berhenti = conn.execute(
            "SELECT periode_sebelumnya, peserta_baru, peserta_berhenti "
            "FROM mart.coverage_province WHERE periode = ?",
            [period],
        ).fetchone() or (None, None, None)
        metadata["flows"] = dg.MetadataValue.text(
            f"+{baru:,} joined, -{berhenti:,} left since {previous}"
            if previous
            else "no earlier published period"
        )
    if table is COVERAGE_REGION:
        metadata["coverage_by_region"] = dg.MetadataValue.md(region_table_markdown(conn, period))
    return metadata


def mart_asset(table: Table, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=table.key,
        deps=[PERSON_CONTINUITY.key, STAGED_LABOUR.key],
        group_name="mart",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=table.description,
        metadata={"dagster/column_schema": table_schema(table)},
    )
    def _mart(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        with warehouse.connect() as conn:
            build_mart(
                conn,
                table,
                period,
                warehouse.bpu_minimum_contribution_rp,
                jkm_death_benefit_rp=warehouse.jkm_death_benefit_rp,
            )
            if table in FLOW_MARTS:
                # The published period after this one compares with this one from now on.
                for later, _ in periods_to_follow(published_periods(warehouse, conn), period)[1:]:
                    refresh_comparison(conn, table, later)
            return dg.MaterializeResult(metadata=mart_metadata(conn, table, period))

    return _mart


def mart_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [mart_asset(t, partitions) for t in MARTS]
