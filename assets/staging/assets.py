"""Staging assets: the enrollment snapshot and the labour statistics of a period."""

import dagster as dg
import duckdb

from assets.partitions import period_partitions
from assets.staging.landing import BrokenFileError
from assets.staging.stage import (
    StagedSnapshot,
    record_broken_file,
    stage_enrollment,
    stage_labour,
)
from assets.warehouse import Warehouse, table_schema
from contract.landing import ENROLLMENT, LABOUR, landed_years
from contract.periods import labour_year_for
from contract.tables import PERIOD_LABOUR_YEAR, STAGED_ENROLLMENT, STAGED_LABOUR


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


def stop_snapshot(
    conn: duckdb.DuckDBPyConnection, source: str, key: str, error: BrokenFileError
) -> dg.Failure:
    """A broken file stops its snapshot: recorded, and a failure that names file and reason."""
    record_broken_file(conn, source, key, error)
    return dg.Failure(
        description=f"{source} {key} was not staged, nothing of it is published: "
        f"{error.file}: {error.reason}",
        metadata={"file": error.file, "reason": error.reason, "snapshot": key},
        allow_retries=False,
    )


@dg.asset(
    key=STAGED_ENROLLMENT.key,
    group_name="staging",
    partitions_def=period_partitions,
    kinds={"duckdb"},
    description=(
        "Enrollment snapshot of the period (BPJS Ketenagakerjaan, by name by address), "
        "cleaned and typed. Rows that break a contract rule go to quality.rejected_rows "
        "(never dropped); a file that cannot be read stops the period."
    ),
    metadata={"dagster/column_schema": table_schema(STAGED_ENROLLMENT), "pii": "yes"},
    tags={"pii": ""},
)
def staged_enrollment(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    period = context.partition_key
    with warehouse.connect() as conn:
        try:
            snapshot = stage_enrollment(conn, warehouse.landing, period)
        except BrokenFileError as error:
            raise stop_snapshot(conn, ENROLLMENT, period, error) from None
    return dg.MaterializeResult(metadata=snapshot_metadata([snapshot]))


@dg.asset(
    key=STAGED_LABOUR.key,
    group_name="staging",
    partitions_def=period_partitions,
    kinds={"duckdb"},
    description=(
        "Sakernas employed persons (BPS), every landed year. The period's denominator is the "
        "latest landed year <= the period's year. Bad rows go to quality.rejected_rows."
    ),
    metadata={"dagster/column_schema": table_schema(STAGED_LABOUR)},
)
def staged_labour(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    period = context.partition_key
    years = landed_years(warehouse.landing)
    year = labour_year_for(period, years)
    if year is None:
        raise dg.Failure(
            description=f"period {period} has no labour statistics: no folder "
            f"labour/<YYYY>/ with YYYY <= {period[:4]} under {warehouse.landing_dir}",
            allow_retries=False,
        )
    # Every landed year is staged, so that each of its rows is accepted or quarantined;
    # a broken year stops only the periods whose denominator it is.
    snapshots, broken = [], {}
    with warehouse.connect() as conn:
        for landed in years:
            try:
                snapshots.append(stage_labour(conn, warehouse.landing, landed))
            except BrokenFileError as error:
                failure = stop_snapshot(conn, LABOUR, str(landed), error)
                if landed == year:
                    raise failure from None
                broken[str(landed)] = str(error)
                context.log.warning(f"labour {landed} not staged (period {period} uses {year})")
        conn.execute(f"DELETE FROM {PERIOD_LABOUR_YEAR.name} WHERE periode = ?", [period])
        conn.execute(f"INSERT INTO {PERIOD_LABOUR_YEAR.name} VALUES (?, ?)", [period, year])
    return dg.MaterializeResult(
        metadata={
            **snapshot_metadata(snapshots),
            "labour_year": dg.MetadataValue.int(year),
            "broken_years_not_used": dg.MetadataValue.json(broken),
        }
    )
