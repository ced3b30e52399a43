"""Running the coverage job for landed periods: the code path of `cakupan run` and `make run`.

It executes the same job, assets and checks as the Dagster UI does, one run per province and
period (as a backfill from the UI does), so that a broken snapshot fails alone and the
others are still published; then, for a deployment of several provinces, one run of the
national assets per period. Each period that is not published gets one line: where, why, and
what to do; the stack trace is kept for bugs (unexpected exceptions).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import dagster as dg

from assets.partitions import coverage_key
from assets.warehouse import Warehouse, WarehouseFault, fault_of
from contract.landing import landed_periods, landed_years
from pipelines.automation.fingerprints import HashCache, inputs_tags, period_inputs
from pipelines.automation.plan import NATIONAL_RUN, PLACEMENT, checks_of, phases_of
from pipelines.console import first_line, redact_values, resource_refusal_line
from pipelines.definitions import build_defs
from pipelines.jobs import JOB_NAME, NATIONAL_JOB_NAME
from pipelines.resources import covered_provinces


@dataclass(frozen=True)
class PeriodOutcome:
    period: str
    success: bool
    run_id: str
    error: str | None = None  # one line: where, why, what to do
    trace: str | None = None  # the stack trace, when the failure is a bug
    province: str | None = None  # Kemendagri code; None: the national file


#: What to do about a contract failure of a step, when the failure does not say it itself.
WHAT_TO_DO = {
    "staging__enrollment": "correct or replace that file in the landing zone (a file whose "
    "name starts with _ or . is ignored), then run again",
    "staging__labour": "land the labour statistics (or correct the file named), then run again",
}
CHECK_FAILED = "DagsterAssetCheckFailedError"
INTERRUPTS = {"DagsterExecutionInterruptedError", "KeyboardInterrupt"}
DUCKDB_LOCKED = re.compile(r'Could not set lock on file "([^"]+)".*?\(PID (\d+)\)', re.S)


def step_name(step_key: str | None) -> str:
    """``staging__enrollment`` -> ``staging/enrollment`` (the asset key, as the UI shows)."""
    return (step_key or "run").replace("__", "/")


def failure_message(
    result: dg.ExecuteInProcessResult, warehouse: Warehouse
) -> tuple[str, str | None]:
    """(one line, the stack trace when it is a bug) for the first failure of a run."""
    for event in result.all_events:
        refusal = resource_refusal_line(event)
        if refusal is not None:
            return refusal, None
        if not event.is_step_failure or event.step_failure_data is None:
            continue
        data = event.step_failure_data
        user, error = data.user_failure_data, data.error
        step = event.step_key or ""
        if user is not None and user.description:
            hint = user.metadata.get("what_to_do")
            line = first_line(user.description)
            if hint is None and step in WHAT_TO_DO:
                line += f"; {WHAT_TO_DO[step]}"
            return line, None
        if error is None:
            return f"{step_name(step)}: failed", None
        cause = error.cause or error
        if error.cls_name == CHECK_FAILED:
            return check_failure_line(result, step, warehouse), None
        fault = fault_of(cause.message, "")
        if fault is not None:
            file, kind, reason = fault
            return (
                f"{step_name(step)}: {WarehouseFault(file, reason, warehouse.what_to_do(file, kind))}",
                None,
            )
        locked = DUCKDB_LOCKED.search(cause.message)
        if locked:
            return (
                f"{step_name(step)}: {locked[1]} is open in another program (pid {locked[2]}); "
                "close it, then run again",
                None,
            )
        return (
            f"{step_name(step)}: unexpected error (a bug): {cause.cls_name}: "
            f"{redact_values(first_line(cause.message))}; please report it with the stack "
            "trace above",
            redact_values(error.to_string()),
        )
    for check in result.get_asset_check_evaluations():
        if not check.passed and check.severity == dg.AssetCheckSeverity.ERROR:
            return check_failure_line(result, "", warehouse), None
    return "the run failed", None


def check_failure_line(result: dg.ExecuteInProcessResult, step: str, warehouse: Warehouse) -> str:
    failed = sorted(
        f"{c.check_name} on {c.asset_key.to_user_string()}"
        for c in result.get_asset_check_evaluations()
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    )
    return (
        f"{step_name(step)}: blocking check(s) failed: {', '.join(failed) or 'see the run'}; "
        "the published numbers are kept; the failed rules are in quality.validation_results "
        f"and the Data Docs in {warehouse.data_docs_dir}/"
    )


def interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """The run stopped because the process got SIGINT or SIGTERM."""
    return any(
        e.event_type_value == "RUN_CANCELED"
        or (
            e.is_step_failure
            and e.step_failure_data is not None
            and e.step_failure_data.error is not None
            and e.step_failure_data.error.cls_name in INTERRUPTS
        )
        for e in result.all_events
    )


def period_tags(warehouse: Warehouse, period: str, years: list[int]) -> dict[str, str]:
    """The same input tags as scheduled runs, so the schedule knows what a run read."""
    inputs = period_inputs(warehouse.landing, period, years)
    return inputs_tags(inputs, HashCache().fingerprint(inputs), reason="cli")


@dataclass(frozen=True)
class Launch:
    """One run of the plan: a job on one partition, with its asset selection (None: all)."""

    job: str
    period: str
    tags: dict[str, str]
    selection: tuple[dg.AssetKey, ...] | None = None
    province: str | None = None  # None: a national run
    checks: tuple[dg.AssetCheckKey, ...] | None = None  # None: every check of the selection

    @property
    def partition_key(self) -> str:
        return (
            self.period if self.province is None else str(coverage_key(self.period, self.province))
        )


#: Runs a batch of launches (they may run side by side) and gives their outcomes, in order.
Launcher = Callable[[list[Launch]], list[PeriodOutcome]]


def run_plan(
    warehouse: Warehouse, periods: list[str], job: dg.JobDefinition, launch: Launcher
) -> list[PeriodOutcome]:
    """The phase plan both modes follow (in process, or as queued runs on the workers):
    per period, each phase's runs of the coverage ``job`` for every province (a batch: they
    may run side by side), the placement between the phases; then the national file's runs,
    one per period."""
    years = landed_years(warehouse.landing)
    provinces = covered_provinces(warehouse)
    phases = phases_of(sorted(job.asset_layer.executable_asset_keys), provinces)
    outcomes = []
    for period in periods:
        tags = period_tags(warehouse, period, years)
        done: dict[str, PeriodOutcome] = {}
        for number, selection in enumerate(phases):
            if number > 0:  # the placement, between the two runs of each province
                (placed,) = launch([Launch(NATIONAL_JOB_NAME, period, {}, (PLACEMENT,))])
                if not placed.success:  # no province publishes without it
                    done = {p: replace(placed, province=p) for p in provinces}
                    break
            todo = [p for p in provinces if p not in done or done[p].success]
            checks = None if selection is None else checks_of(job, selection)
            batch = [Launch(JOB_NAME, period, tags, selection, p, checks) for p in todo]
            done.update(zip(todo, launch(batch), strict=True))
        outcomes += [done[p] for p in provinces if p in done]
    if len(provinces) > 1:
        outcomes += launch([Launch(NATIONAL_JOB_NAME, p, {}, NATIONAL_RUN) for p in periods])
    return outcomes


def run_each_period(
    warehouse: Warehouse,
    periods: list[str] | None = None,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "WARNING",
    verbose: bool = False,
) -> list[PeriodOutcome]:
    """One run of the coverage job per covered province and period (default: every landed
    period), in order, then one run of the national file per period when the deployment
    covers several provinces. There, a province's period is two runs: up to its persons'
    keys, then (once every province's keys are in and the placement is made) the rest.

    Without Dagster's step retries: Dagster retries a step interrupted by SIGINT or SIGTERM
    (for preempted cloud workers), so Ctrl-C would not stop `cakupan run`; and the one
    transient failure they were for, another writer, now waits on the writer lock. An
    interrupted run raises KeyboardInterrupt (the next runs are not started)."""
    defs = build_defs(warehouse, retry_policy=None)
    # One instance for all the runs: a national run reads which province runs failed.
    instance = instance or dg.DagsterInstance.ephemeral()
    console = {"log_level": log_level, "verbose": verbose, "failures": False}

    def execute(run: Launch) -> dg.ExecuteInProcessResult:
        job = defs.resolve_job_def(run.job)
        if run.selection is not None:
            checks = None if run.checks is None else set(run.checks)
            job = job.get_subset(asset_selection=set(run.selection), asset_check_selection=checks)
        result = job.execute_in_process(
            tags=run.tags,
            partition_key=run.partition_key,
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": console}}},
        )
        if interrupted(result):
            raise KeyboardInterrupt
        return result

    def outcome(
        period: str, result: dg.ExecuteInProcessResult, province: str | None = None
    ) -> PeriodOutcome:
        scoped = warehouse if province is None else warehouse.for_province(province)
        line, trace = (None, None) if result.success else failure_message(result, scoped)
        return PeriodOutcome(period, result.success, result.run_id, line, trace, province)

    def launch(batch: list[Launch]) -> list[PeriodOutcome]:
        outcomes = []
        for run in batch:
            outcomes.append(outcome(run.period, execute(run), run.province))
        return outcomes

    chosen = sorted(periods) if periods else landed_periods(warehouse.landing)
    return run_plan(warehouse, chosen, defs.resolve_job_def(JOB_NAME), launch)
