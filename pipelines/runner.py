"""Running the coverage job for landed periods: the code path of `cakupan run` and `make run`.

It executes the same job, assets and checks as the Dagster UI does, one run per period, so
that a broken period fails alone and the other periods are still published.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from assets.landing import landed_periods, landed_years
from pipelines.automation import HashCache, inputs_tags, period_inputs
from pipelines.definitions import build_defs
from pipelines.resources import Warehouse, env


@dataclass(frozen=True)
class PeriodOutcome:
    periode: str
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


def run_periods(
    warehouse: Warehouse,
    periods: list[str] | None = None,
    instance: dg.DagsterInstance | None = None,
) -> list[PeriodOutcome]:
    """Materialize the coverage job for each period (default: every landed period)."""
    job = build_defs(warehouse).resolve_job_def("coverage_job")
    years = landed_years(warehouse.landing)
    log_level = env("CAKUPAN_LOG_LEVEL", "WARNING")
    chosen = sorted(periods) if periods else landed_periods(warehouse.landing)
    outcomes = []
    for periode in chosen:
        # The same input tags as scheduled runs, so the schedule knows what this run read.
        inputs = period_inputs(warehouse.landing, periode, years)
        tags = inputs_tags(inputs, HashCache().fingerprint(inputs), reason="cli")
        result = job.execute_in_process(
            tags=tags,
            partition_key=periode,
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
        outcomes.append(
            PeriodOutcome(
                periode,
                result.success,
                result.run_id,
                None if result.success else failure_message(result),
            )
        )
    return outcomes
