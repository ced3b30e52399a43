"""Running the coverage job for landed periods: the code path of `cakupan run` and `make run`.

It executes the same job, assets and checks as the Dagster UI does, one run per period (as
a backfill from the UI does), so that a broken period fails alone and the other periods
are still published.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from assets.warehouse import Warehouse
from contract.landing import landed_periods, landed_years
from pipelines.automation.fingerprints import HashCache, inputs_tags, period_inputs
from pipelines.definitions import build_defs
from pipelines.jobs import JOB_NAME


@dataclass(frozen=True)
class PeriodOutcome:
    period: str
    success: bool
    run_id: str
    error: str | None = None


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The first failed step's own words (a Failure's description names file and reason)."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            if user is not None and user.description:
                return f"{event.step_key}: {user.description}"
            if error is not None:
                cause = error.cause or error
                return f"{event.step_key}: {cause.message.strip()}"
    for check in result.get_asset_check_evaluations():
        if not check.passed and check.severity == dg.AssetCheckSeverity.ERROR:
            return f"check {check.check_name} on {check.asset_key.to_user_string()} failed"
    return "the run failed"


def run_each_period(
    warehouse: Warehouse,
    periods: list[str] | None = None,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "WARNING",
) -> list[PeriodOutcome]:
    """One run of the coverage job per period (default: every landed period), in order."""
    job = build_defs(warehouse).resolve_job_def(JOB_NAME)
    years = landed_years(warehouse.landing)
    outcomes = []
    for period in sorted(periods) if periods else landed_periods(warehouse.landing):
        # The same input tags as scheduled runs, so the schedule knows what this run read.
        inputs = period_inputs(warehouse.landing, period, years)
        tags = inputs_tags(inputs, HashCache().fingerprint(inputs), reason="cli")
        result = job.execute_in_process(
            tags=tags,
            partition_key=period,
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
        outcomes.append(
            PeriodOutcome(
                period,
                result.success,
                result.run_id,
                None if result.success else failure_message(result),
            )
        )
    return outcomes
