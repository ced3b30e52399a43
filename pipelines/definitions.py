"""The cakupan code location: one Definitions object, loaded by workspace.yaml."""

import dagster as dg

from assets.core.assets import person, person_continuity, person_link
from assets.mart.assets import mart_assets
from assets.published.assets import published_candidate, published_coverage
from assets.report.assets import coverage_report
from assets.staging.assets import staged_enrollment, staged_labour
from assets.warehouse import Warehouse
from checks.asset_checks import all_asset_checks
from pipelines import automation
from pipelines.console import cakupan_console
from pipelines.distributed import celery_executor
from pipelines.jobs import TRANSIENT_RETRY, coverage_job
from pipelines.resources import check_settings, distributed, warehouse_from_env

all_assets = [
    staged_enrollment,
    staged_labour,
    person_link,
    person,
    person_continuity,
    *mart_assets,
    published_candidate,
    published_coverage,
    coverage_report,
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
    # The freshness check is evaluated by its sensor, not by every run.
    job_assets = dg.AssetSelection.assets(*all_assets) - dg.AssetSelection.checks(
        *automation.check_defs
    )
    return dg.Definitions(
        assets=all_assets,
        asset_checks=[*automation.check_defs, *all_asset_checks],
        jobs=[coverage_job(job_assets, retry_policy)],
        schedules=automation.schedule_defs,
        sensors=automation.sensor_defs,
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
