"""National assets: the national file of a deployment of several provinces, by period."""

import dagster as dg

from assets.national.publish import build_national
from assets.partitions import (
    NATIONAL_MAPPING,
    PROVINCE,
    coverage_key,
    period_and_province,
    period_partitions,
)
from assets.published.publish import swap_in
from assets.warehouse import Warehouse
from contract.tables import NATIONAL_TABLES

NATIONAL_CANDIDATE_KEY = ["national", "candidate"]
PUBLISHED_KEY = dg.AssetKey(["published", "coverage"])


def failed_provinces(
    context: dg.AssetExecutionContext, period: str, partitions: dg.MultiPartitionsDefinition
) -> set[str]:
    """Provinces whose latest attempt to publish the period failed (their files still hold
    earlier numbers, which must not be counted as this period's)."""
    keys = [
        coverage_key(period, p)
        for p in partitions.get_partitions_def_for_dimension(PROVINCE).get_partition_keys()
    ]
    status = context.instance.get_status_by_partition(PUBLISHED_KEY, keys, partitions) or {}
    return {
        period_and_province(key)[1]
        for key, state in status.items()
        if state in (dg.AssetPartitionStatus.FAILED, dg.AssetPartitionStatus.IN_PROGRESS)
    }


def national_assets(provinces: dg.MultiPartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The candidate and the swap of the national file, by period, reading every covered
    province's published file of the period (``provinces``: their partitions)."""

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
        built = build_national(warehouse, period, failed_provinces(context, period, provinces))
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
        candidate = warehouse.national_candidate_path
        if not candidate.exists():
            raise dg.Failure(f"no checked candidate to publish at {candidate}", allow_retries=False)
        path = swap_in(candidate, str(warehouse.national_path))
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path.resolve())),
                "size_bytes": dg.MetadataValue.int(path.stat().st_size),
            }
        )

    return [national_candidate, national_coverage]
