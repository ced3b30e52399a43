"""Mart assets: one coverage mart per table declared in `contract.tables.MARTS`."""

from collections.abc import Iterator

import dagster as dg
import duckdb

from assets.core.continuity import periods_to_follow, published_periods
from assets.mart.coverage import build_marts
from assets.partitions import province_scope
from assets.warehouse import Warehouse, table_schema
from contract.tables import (
    COVERAGE_PROVINCE,
    COVERAGE_REGION,
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


#: The step that builds the marts (the op of the multi-asset).
MARTS_STEP = "coverage_marts"


def mart_spec(table: Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table.key,
        deps=[PERSON_CONTINUITY.key, STAGED_LABOUR.key],
        group_name="mart",
        kinds={"duckdb"},
        description=table.description,
        metadata={"dagster/column_schema": table_schema(table)},
    )


def mart_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """Every mart, built in one step: one connection, and the persons paired across periods
    once for all the flow marts (`pair_persons`). Each mart is still an asset of its own in
    the UI, which can materialize one alone."""

    @dg.multi_asset(
        name=MARTS_STEP,
        specs=[mart_spec(t) for t in MARTS],
        partitions_def=partitions,
        can_subset=True,
    )
    def coverage_marts(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> Iterator[dg.MaterializeResult]:
        period, warehouse = province_scope(context.partition_key, warehouse)
        tables = [t for t in MARTS if dg.AssetKey(t.key) in context.selected_asset_keys]
        with warehouse.connect() as conn:
            # The published period after this one compares with this one from now on.
            later = periods_to_follow(published_periods(warehouse, conn), period)[1:]
            build_marts(
                conn,
                tables,
                period,
                warehouse.bpu_minimum_contribution_rp,
                jkm_death_benefit_rp=warehouse.jkm_death_benefit_rp,
                later=later[0][0] if later else None,
            )
            metadata = {t.name: mart_metadata(conn, t, period) for t in tables}
        for table in tables:
            yield dg.MaterializeResult(asset_key=table.key, metadata=metadata[table.name])

    return [coverage_marts]
