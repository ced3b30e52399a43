"""The cakupan code location: one Definitions object, loaded by workspace.yaml."""

import dagster as dg

from assets.marts import mart_assets
from assets.partitions import period_partitions
from assets.persons import person_link, persons
from assets.publish import published_candidate, published_coverage
from assets.staging import staged_enrollment, staged_labour
from checks.asset_checks import all_asset_checks
from pipelines import automation
from pipelines.resources import Warehouse, warehouse_from_env

all_assets = [
    staged_enrollment,
    staged_labour,
    person_link,
    persons,
    *mart_assets,
    published_candidate,
    published_coverage,
]


def coverage_job(retry_policy: dg.RetryPolicy):  # returns an unresolved asset job
    """Landing zone -> staged rows -> persons -> marts -> published file, for given periods.

    Its runs carry the writer tag that the run queue limits to one at a time
    (dagster_home/dagster.yaml), and retry transient step failures with backoff.
    """
    return dg.define_asset_job(
        name=automation.JOB_NAME,
        # The freshness check is evaluated by its sensor, not by every run.
        selection=dg.AssetSelection.assets(*all_assets)
        - dg.AssetSelection.checks(*automation.asset_checks),
        partitions_def=period_partitions,
        description="Stage, resolve persons, build the marts and publish, for the chosen periods.",
        tags={automation.WRITER_TAG: automation.WRITER_TAG_VALUE},
        op_retry_policy=retry_policy,
    )


def build_defs(
    warehouse: Warehouse, retry_policy: dg.RetryPolicy = automation.TRANSIENT_RETRY
) -> dg.Definitions:
    """The code location on a given warehouse (the CLI's flags and the tests bind their own).

    ``retry_policy`` replaces the job's retries (tests use short delays).
    """
    return dg.Definitions(
        assets=all_assets,
        asset_checks=[*automation.asset_checks, *all_asset_checks],
        jobs=[coverage_job(retry_policy)],
        schedules=automation.schedules,
        sensors=automation.sensors,
        resources={"warehouse": warehouse},
        # Steps share one DuckDB file that only one process may write: run them in one process.
        executor=dg.in_process_executor,
    )


defs = build_defs(warehouse_from_env())
