"""National assets: the national file of a deployment of several provinces, by period."""

import dagster as dg

from assets.core.assets import PERSON_KEYS_KEY, PLACEMENT_KEY
from assets.core.placement import place_persons
from assets.national.publish import build_national
from assets.partitions import (
    NATIONAL_MAPPING,
    PROVINCE,
    coverage_key,
    period_and_province,
    period_partitions,
)
from assets.published.publish import checked_candidate, swap_in
from assets.warehouse import Warehouse
from contract.tables import NATIONAL_TABLES

NATIONAL_CANDIDATE_KEY = ["national", "candidate"]
NATIONAL_REPORT_KEY = ["national", "report"]
PUBLISHED_KEY = dg.AssetKey(["published", "coverage"])


def failed_provinces(
    context: dg.AssetExecutionContext,
    period: str,
    partitions: dg.MultiPartitionsDefinition,
    assets: list[dg.AssetKey],
) -> set[str]:
    """Provinces whose latest run of the period failed at some step of ``assets`` (their
    files still hold earlier numbers, which must not be counted as this period's)."""
    provinces = partitions.get_partitions_def_for_dimension(PROVINCE).get_partition_keys()
    keys = [coverage_key(period, p) for p in provinces]
    failed = set()
    for asset in assets:
        status = context.instance.get_status_by_partition(asset, keys, partitions) or {}
        failed |= {
            period_and_province(key)[1]
            for key, state in status.items()
            if state in (dg.AssetPartitionStatus.FAILED, dg.AssetPartitionStatus.IN_PROGRESS)
        }
    return failed


def national_assets(
    provinces: dg.MultiPartitionsDefinition, province_assets: list[dg.AssetKey]
) -> list[dg.AssetsDefinition]:
    """The placement of persons across provinces, and the candidate and the swap of the
    national file, by period, each reading every covered province's partition of the period
    (``provinces``: their partitions; ``province_assets``: the steps of a province's run)."""

    @dg.asset(
        key=PLACEMENT_KEY,
        deps=[dg.AssetDep(PERSON_KEYS_KEY, partition_mapping=NATIONAL_MAPPING)],
        group_name="national",
        partitions_def=period_partitions,
        kinds={"parquet"},
        description=(
            "Which province counts each person with a valid NIK in several provinces (the "
            "usual rule over all their rows: the latest AKTIF non-PMI registration, ties the "
            "smallest kpj), from the provinces' keys: keyed NIK hashes only "
            "(<warehouse>/placement/<YYYY-MM>.parquet)."
        ),
    )
    def person_placement(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        counted = place_persons(warehouse, context.partition_key)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(sum(counted.values())),
                "counted_by_province": dg.MetadataValue.json(counted),
            }
        )

    @dg.asset(
        key=NATIONAL_CANDIDATE_KEY,
        deps=[dg.AssetDep(PUBLISHED_KEY, partition_mapping=NATIONAL_MAPPING)],
        group_name="national",
        partitions_def=period_partitions,
        kinds={"duckdb"},
        description=(
            "The next national file, built beside it from the provinces' published files "
            "(never their internal files) and checked before it replaces it: the period "
            "once every covered province has published it, else as it was, with the "
            "provinces missing named in mart.national_status."
        ),
    )
    def national_candidate(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period = context.partition_key
        built = build_national(
            warehouse, period, failed_provinces(context, period, provinces, province_assets)
        )
        if built.missing:
            context.log.warning(
                f"national {period}: kept as it was; provinces missing: {', '.join(built.missing)}"
            )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(built.candidate.resolve())),
                "complete": dg.MetadataValue.bool(built.complete),
                "provinces_missing": dg.MetadataValue.json(built.missing),
            }
        )

    @dg.asset(
        key=["national", "coverage"],
        deps=[NATIONAL_CANDIDATE_KEY],
        group_name="national",
        partitions_def=period_partitions,
        kinds={"duckdb"},
        description=(
            "The national DuckDB file (coverage_nasional.duckdb): every covered province's "
            "marts with its province, the national sums and mart.national_status; nothing "
            "personal. Replaced atomically by renaming the checked candidate over it."
        ),
        metadata={"tables": dg.MetadataValue.json([t.name for t in NATIONAL_TABLES])},
    )
    def national_coverage(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        candidate = checked_candidate(warehouse.national_candidate_path)
        path = swap_in(candidate, str(warehouse.national_path))
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path.resolve())),
                "size_bytes": dg.MetadataValue.int(path.stat().st_size),
            }
        )

    @dg.asset(
        key=NATIONAL_REPORT_KEY,
        deps=[["national", "coverage"]],
        group_name="national",
        partitions_def=period_partitions,
        kinds={"html"},
        description=(
            "The national page of the report, in Indonesian, under <warehouse>/report/ "
            "(YYYY-MM.html per complete period, index.html for the latest): the province map, "
            "the provinces ranked, the national headline, sectors, trend and flows, the "
            "provinces still missing (mart.national_status) and a link to each province's "
            "report (<warehouse>/<kode>/report/). Reads only the national file."
        ),
    )
    def national_report(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        from assets.report.national import write_national_reports  # the renderer: see report
        from assets.report.page import INDEX

        # Every page: the provinces' statuses and links it shows change with any period.
        written = write_national_reports(warehouse)
        if not written:
            context.log.warning("national report: no complete period yet, no page written")
        index = warehouse.report_dir / INDEX
        return dg.MaterializeResult(
            metadata={
                "index": dg.MetadataValue.path(str(index.resolve())),
                "pages": dg.MetadataValue.int(len(written)),
            }
        )

    return [person_placement, national_candidate, national_coverage, national_report]
