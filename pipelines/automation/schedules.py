"""The nightly schedule: every night, publish what landed or changed."""

from datetime import UTC, datetime

import dagster as dg

from assets.partitions import coverage_key
from assets.warehouse import Warehouse
from contract.landing import landed_years
from contract.periods import TIMEZONE
from pipelines.automation.fingerprints import (
    Decision,
    HashCache,
    decide,
    in_flight_fingerprints,
    inputs_tags,
    period_inputs,
    published_state,
    runnable_periods,
)
from pipelines.automation.plan import first_phase_request
from pipelines.jobs import JOB_NAME

NIGHTLY_CRON = "0 1 * * *"  # 01:00 WITA


def nightly_requests(
    warehouse: Warehouse, instance: dg.DagsterInstance, now: datetime | None = None
) -> tuple[list[dg.RunRequest], list[Decision]]:
    """For each covered province: the latest landed period, and every landed period whose
    inputs changed since the province published it (or that it never published); one run
    per province and period (for several provinces, its first phase: the plan's sensor
    runs the rest)."""
    landing = warehouse.landing
    periods = runnable_periods(landing, now)
    if not periods:
        return [], []
    years = landed_years(landing)
    running = in_flight_fingerprints(instance)
    hashes = HashCache()
    requests, decisions = [], []
    several = len(warehouse.covered_provinces) > 1
    asked = now or datetime.now(UTC)
    for province in warehouse.covered_provinces:
        published = published_state(warehouse.for_province(province), instance)
        for period in periods:
            inputs = period_inputs(landing, period, years)
            decision = decide(inputs, published.get(period), hashes, None)
            if not decision.publish and period == periods[-1]:
                decision = Decision(period, True, "latest", decision.fingerprint)
            decisions.append(decision)
            if not decision.publish:
                continue
            fingerprint = decision.fingerprint or hashes.fingerprint(inputs)
            key = coverage_key(period, province)
            if (key, fingerprint) in running:
                continue
            request = dg.RunRequest(
                run_key=f"{key}:{fingerprint[:16]}",
                partition_key=key,
                tags=inputs_tags(inputs, fingerprint, f"nightly:{decision.reason}"),
            )
            if several:  # the first phase of the period's plan (pipelines/automation/plan.py)
                request = first_phase_request(request, period, fingerprint, asked)
            requests.append(request)
    return requests, decisions


@dg.schedule(
    name="nightly_coverage",
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    job_name=JOB_NAME,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every night at 01:00 WITA: publish the latest landed period, and every landed period "
        "whose inputs (content hash of its enrollment files and of its labour year's files) "
        "changed since it was published or that was never published. One run per covered "
        "province and period; with several provinces, the first of its phases (the "
        "province_plan_sensor runs the others)."
    ),
)
def nightly_coverage(
    context: dg.ScheduleEvaluationContext, warehouse: Warehouse
) -> list[dg.RunRequest] | dg.SkipReason:
    requests, decisions = nightly_requests(
        warehouse, context.instance, context.scheduled_execution_time
    )
    for d in decisions:
        context.log.info(f"{d.period}: {d.reason}{' -> run' if d.publish else ''}")
    if not requests:
        return dg.SkipReason(
            f"nothing to publish: no landed period under {warehouse.landing_dir}/enrollment/"
            if not decisions
            else "every landed period is published from its current inputs or already queued"
        )
    return requests
