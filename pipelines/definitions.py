"""The cakupan code location: one Definitions object, loaded by workspace.yaml."""

import dagster as dg

from assets.core.assets import core_assets
from assets.mart.assets import mart_assets
from assets.national.assets import national_assets
from assets.partitions import coverage_partitions
from assets.published.assets import published_assets
from assets.report.assets import report_assets
from assets.staging.assets import staging_assets
from assets.warehouse import Warehouse
from checks.asset_checks import asset_checks, national_checks
from pipelines import automation
from pipelines.console import cakupan_console
from pipelines.distributed import celery_executor
from pipelines.jobs import TRANSIENT_RETRY, coverage_job, national_job
from pipelines.resources import check_settings, covered_provinces, distributed, warehouse_from_env


def province_assets(
    partitions: dg.PartitionsDefinition, several: bool = False
) -> list[dg.AssetsDefinition]:
    """The assets of one province's files, in the order of the stages (``several``: with
    the placement of persons across provinces)."""
    return [
        *staging_assets(partitions),
        *core_assets(partitions, several),
        *mart_assets(partitions),
        *published_assets(partitions),
        *report_assets(partitions),
    ]


def build_defs(
    warehouse: Warehouse,
    retry_policy: dg.RetryPolicy | None = TRANSIENT_RETRY,
    executor: dg.ExecutorDefinition = dg.in_process_executor,
) -> dg.Definitions:
    """The code location on a given warehouse (the CLI's flags and the tests bind their own).

    ``retry_policy`` replaces the job's retries (tests use short delays; `cakupan run` none:
    Dagster retries an interrupted step, so Ctrl-C would not stop it).
    """
    provinces = covered_provinces(warehouse)
    partitions = coverage_partitions(provinces)
    all_assets = province_assets(partitions, several=len(provinces) > 1)
    checks = [*automation.check_defs, *asset_checks(partitions)]
    # The freshness check is evaluated by its sensor, not by every run.
    job_assets = dg.AssetSelection.assets(*all_assets) - dg.AssetSelection.checks(
        *automation.check_defs
    )
    jobs = [coverage_job(job_assets, retry_policy)]
    sensors = list(automation.sensor_defs)
    if len(provinces) > 1:  # a deployment of one province has no national file
        national = national_assets(partitions, [k for a in all_assets for k in a.keys])
        all_assets += national
        checks += national_checks()
        jobs.append(national_job(dg.AssetSelection.assets(*national), retry_policy))
        sensors.append(automation.province_plan_sensor(jobs))
    return dg.Definitions(
        assets=all_assets,
        asset_checks=checks,
        jobs=jobs,
        schedules=automation.schedule_defs,
        sensors=sensors,
        resources={"warehouse": warehouse},
        # Steps share one DuckDB file that only one process may write: by default they run
        # in one process; CAKUPAN_EXECUTOR=celery runs each on a Celery worker (one at a
        # time under the writer lock, and other runs of the warehouse kept in the queue).
        executor=executor,
        # One line per failure on the console, stack traces for bugs (pipelines/console.py).
        loggers={"console": cakupan_console},
    )


# Settings that are not valid stop the code location from loading, with their names: a
# run would only fail on them later (and used to be retried for minutes).
check_settings()
defs = build_defs(
    warehouse_from_env(), executor=celery_executor() if distributed() else dg.in_process_executor
)
