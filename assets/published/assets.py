"""Published assets: the candidate of the next published file, and the swap."""

import dagster as dg

from assets.partitions import province_scope
from assets.published.publish import build_candidate, checked_candidate, swap_in
from assets.published.workbook import replace_workbook, write_workbook_temp
from assets.warehouse import Warehouse
from contract.tables import MARTS, PUBLISHED_TABLES

CANDIDATE_KEY = ["published", "candidate"]


def published_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The candidate and the swap, partitioned by ``partitions`` (province x period)."""

    @dg.asset(
        key=CANDIDATE_KEY,
        deps=[t.key for t in MARTS],
        group_name="published",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "The next published file, built beside the published one and checked before it "
            "replaces it: the marts of this run's period, every other period as published."
        ),
    )
    def published_candidate(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        path = build_candidate(warehouse, period, context.run_id)
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path.resolve()))})

    @dg.asset(
        key=["published", "coverage"],
        deps=[CANDIDATE_KEY],
        group_name="published",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "The published DuckDB file dashboards read (coverage.duckdb): the mart tables of every "
            "landed period and nothing personal. Replaced atomically by renaming the checked "
            "candidate over it, so readers never see a half-built file and are never locked out. "
            "Beside it, coverage.xlsx: the marts of the latest period, one sheet per table."
        ),
        metadata={"tables": dg.MetadataValue.json([t.name for t in PUBLISHED_TABLES])},
    )
    def published_coverage(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        _, warehouse = province_scope(context.partition_key, warehouse)
        candidate = checked_candidate(warehouse.candidate_path)
        # Read before the swap: once swapped, nothing may fail (a retry would find no candidate).
        with warehouse.open(candidate, read_only=True) as conn:
            in_file = [
                r[0]
                for r in conn.execute(
                    "SELECT periode FROM mart.published_periods ORDER BY periode"
                ).fetchall()
            ]
            workbook = write_workbook_temp(conn, warehouse.workbook_path)
        try:
            path = swap_in(candidate, warehouse.published_path)
        except BaseException:
            if workbook is not None:
                workbook.unlink(missing_ok=True)
            raise
        metadata = {
            "path": dg.MetadataValue.path(str(path.resolve())),
            "periods_in_file": dg.MetadataValue.json(in_file),
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        }
        if workbook is not None:
            excel = replace_workbook(workbook, warehouse.workbook_path)
            metadata["workbook"] = dg.MetadataValue.path(str(excel.resolve()))
        return dg.MaterializeResult(metadata=metadata)

    return [published_candidate, published_coverage]
