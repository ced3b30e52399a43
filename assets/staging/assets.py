"""Staging assets: the enrollment snapshot and the labour statistics of a period."""

import dagster as dg

from assets.partitions import province_scope
from assets.staging.landing import BrokenFileError
from assets.staging.split import split_of
from assets.staging.stage import (
    NoLabourYearError,
    StagedSnapshot,
    stage_enrollment,
    stage_labour_for,
)
from assets.warehouse import Warehouse, table_schema
from contract.tables import STAGED_ENROLLMENT, STAGED_LABOUR


def snapshot_metadata(snapshots: list[StagedSnapshot]) -> dict[str, dg.MetadataValue]:
    rows = [
        "| snapshot | file | rows read |",
        "|---|---|---:|",
        *(f"| {s.key} | {f.file} | {f.rows:,} |" for s in snapshots for f in s.files),
    ]
    by_rule: dict[str, int] = {}
    for s in snapshots:
        for rule, n in s.rejects_by_rule.items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    return {
        "rows_read": dg.MetadataValue.int(sum(s.read for s in snapshots)),
        "rows_accepted": dg.MetadataValue.int(sum(s.accepted for s in snapshots)),
        "rows_rejected": dg.MetadataValue.int(sum(s.rejected for s in snapshots)),
        "rejects_by_rule": dg.MetadataValue.json(by_rule),
        "files": dg.MetadataValue.md("\n".join(rows)),
    }


def contract_failure(what: str, error: BrokenFileError) -> dg.Failure:
    """A broken file stops its snapshot: a failure that names the file and the reason, and
    is never retried (the same bytes would fail the same way)."""
    return dg.Failure(
        description=f"{what} was not staged, nothing of it is published: "
        f"{error.file}: {error.reason}",
        metadata={"file": error.file, "reason": error.reason},
        allow_retries=False,
    )


def staging_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The staging assets, partitioned by ``partitions`` (province x period)."""

    @dg.asset(
        key=STAGED_ENROLLMENT.key,
        group_name="staging",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "Enrollment snapshot of the period (BPJS Ketenagakerjaan, by name by address), "
            "cleaned and typed. Rows that break a contract rule go to quality.rejected_rows "
            "(never dropped); a file that cannot be read stops the period. A province of "
            "several reads its rows of the period's split (the snapshot read once, by "
            "province: <warehouse>/split/)."
        ),
        metadata={"dagster/column_schema": table_schema(STAGED_ENROLLMENT), "pii": "yes"},
        tags={"pii": ""},
    )
    def staged_enrollment(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        with warehouse.connect() as conn:
            try:
                snapshot = stage_enrollment(conn, warehouse.landing, period, split_of(warehouse))
            except BrokenFileError as error:
                raise contract_failure(f"enrollment {period}", error) from None
        return dg.MaterializeResult(metadata=snapshot_metadata([snapshot]))

    @dg.asset(
        key=STAGED_LABOUR.key,
        group_name="staging",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "Sakernas employed persons (BPS), every landed year. The period's denominator is the "
            "latest landed year <= the period's year. Bad rows go to quality.rejected_rows."
        ),
        metadata={"dagster/column_schema": table_schema(STAGED_LABOUR)},
    )
    def staged_labour(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        with warehouse.connect() as conn:
            try:
                staged = stage_labour_for(conn, warehouse.landing, period)
            except NoLabourYearError as error:
                raise dg.Failure(description=str(error), allow_retries=False) from None
            except BrokenFileError as error:
                raise contract_failure(f"the labour statistics of period {period}", error) from None
        for year, problem in staged.broken.items():
            context.log.warning(
                f"labour {year} not staged (period {period} uses {staged.year}): {problem}"
            )
        return dg.MaterializeResult(
            metadata={
                **snapshot_metadata(staged.snapshots),
                "labour_year": dg.MetadataValue.int(staged.year),
                "broken_years_not_used": dg.MetadataValue.json(
                    {str(y): str(e) for y, e in staged.broken.items()}
                ),
            }
        )

    return [staged_enrollment, staged_labour]
