"""The phase plan of a deployment of several provinces, and the sensor that runs it by itself.

A province's period is published in two runs, with the placement of persons across
provinces between them (a person with a valid NIK in several provinces is counted in one:
docs/provinces.md), then the national file's run of the period:

| phase | runs | starts when |
|---|---|---|
| ``persons`` | per province: staging up to the persons' keys | the schedule or the landing sensor asks |
| ``placement`` | one: ``national/person_placement`` | every ``persons`` run ended, one succeeded |
| ``publish`` | per province whose ``persons`` run succeeded: the rest | the placement succeeded |
| ``national`` | one: the national file | every ``publish`` run ended, one succeeded |

`cakupan run` follows the plan itself, batch after batch (`pipelines.runner.run_plan`). The
nightly schedule and the landing sensor start the ``persons`` runs of a plan, each tagged
with it (``cakupan/plan``: the period, its inputs' fingerprint, when it was asked); the
``province_plan_sensor`` moves every plan on as its runs end. Each run it requests has a run
key of its plan and phase, so nothing is requested twice. A newer plan of the same period
(the inputs changed again) replaces an older one, which is left where it stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from assets.core.assets import PERSON_KEYS_KEY, PLACEMENT_KEY
from assets.partitions import coverage_key
from contract.tables import PERSON, PERSON_LINK, STAGED_ENROLLMENT, STAGED_LABOUR
from pipelines.automation.fingerprints import (
    FINGERPRINT_TAG,
    LABOUR_YEAR_TAG,
    REASON_TAG,
    STAT_TAG,
)
from pipelines.jobs import JOB_NAME, NATIONAL_JOB_NAME

PLAN_TAG = "cakupan/plan"
PHASE_TAG = "cakupan/phase"
PERSONS, PLACEMENT_PHASE, PUBLISH, NATIONAL = "persons", "placement", "publish", "national"
PHASES = (PERSONS, PLACEMENT_PHASE, PUBLISH, NATIONAL)

#: A province's first run: up to the keys of its persons, which the placement reads.
FIRST_PHASE = tuple(
    dg.AssetKey(k)
    for k in (
        STAGED_ENROLLMENT.key,
        STAGED_LABOUR.key,
        PERSON_LINK.key,
        PERSON.key,
        PERSON_KEYS_KEY,
    )
)
PLACEMENT = dg.AssetKey(PLACEMENT_KEY)
#: The national file's run of a period, once every province has published it.
NATIONAL_RUN = tuple(dg.AssetKey(["national", n]) for n in ("candidate", "coverage", "report"))
#: Plans older than this are not looked at any more (a plan takes minutes to hours).
PLAN_HORIZON = timedelta(days=3)
PLAN_SENSOR_INTERVAL_SECONDS = 15


def phases_of(
    keys: Sequence[dg.AssetKey], provinces: Sequence[str]
) -> list[tuple[dg.AssetKey, ...] | None]:
    """The runs of a province's period: one (None: the whole job) for a deployment of one
    province; for several, up to the persons' keys, then (after the placement) the rest."""
    if len(provinces) < 2:
        return [None]
    first = tuple(k for k in keys if k in FIRST_PHASE)
    return [first, tuple(k for k in sorted(keys) if k not in first)]


def checks_of(job: dg.JobDefinition, keys: Sequence[dg.AssetKey]) -> tuple[dg.AssetCheckKey, ...]:
    """The job's own checks of these assets. A run of a subset of assets names them: left
    unnamed, Dagster adds every check of those assets, the freshness check too, which its
    sensor evaluates and the job leaves out."""
    checks = job.asset_layer.asset_graph.asset_check_keys
    return tuple(sorted((k for k in checks if k.asset_key in keys), key=str))


def plan_name(period: str, fingerprint: str, asked: datetime) -> str:
    """``2025-03:1f2e3d4c5b6a:20261207T010000``: sorts by period, then by when it was asked."""
    return f"{period}:{fingerprint[:12]}:{asked.strftime('%Y%m%dT%H%M%S')}"


def first_phase_request(
    request: dg.RunRequest, period: str, fingerprint: str, asked: datetime
) -> dg.RunRequest:
    """A province's run request of a deployment of several: its first phase, in a plan."""
    tags = {**(request.tags or {}), PLAN_TAG: plan_name(period, fingerprint, asked)}
    return request.with_replaced_attrs(
        asset_selection=list(FIRST_PHASE), tags={**tags, PHASE_TAG: PERSONS}
    )


@dataclass(frozen=True)
class PlanRuns:
    """The runs of one plan, the latest per phase and province (a run re-executed from the
    UI replaces the one it re-executes)."""

    name: str
    persons: dict[str, dg.DagsterRun]
    placement: dg.DagsterRun | None
    publish: dict[str, dg.DagsterRun]
    national: dg.DagsterRun | None

    @property
    def period(self) -> str:
        return self.name.split(":")[0]

    @classmethod
    def of(cls, name: str, runs: Iterable[dg.DagsterRun]) -> PlanRuns:
        """``runs``: newest first (as the instance lists them)."""
        latest: dict[tuple[str, str], dg.DagsterRun] = {}
        for run in runs:
            province = run.tags.get("dagster/partition/province", "")
            latest.setdefault((run.tags[PHASE_TAG], province), run)
        by_phase = {
            phase: {p: r for (ph, p), r in latest.items() if ph == phase} for phase in PHASES
        }
        return cls(
            name,
            by_phase[PERSONS],
            by_phase[PLACEMENT_PHASE].get(""),
            by_phase[PUBLISH],
            by_phase[NATIONAL].get(""),
        )


def succeeded(runs: Iterable[dg.DagsterRun]) -> list[str]:
    return sorted(
        r.tags.get("dagster/partition/province", "")
        for r in runs
        if r.status == dg.DagsterRunStatus.SUCCESS
    )


@dataclass(frozen=True)
class Selection:
    """The assets of a run, and their checks."""

    assets: tuple[dg.AssetKey, ...]
    checks: tuple[dg.AssetCheckKey, ...]


def next_requests(plan: PlanRuns, second_phase: Selection) -> tuple[list[dg.RunRequest], str]:
    """What a plan asks for next, and a line that says where it stands."""
    name, period = plan.name, plan.period
    tags = {PLAN_TAG: name}
    waiting = [p for p, r in sorted(plan.persons.items()) if not r.is_finished]
    if waiting:
        return [], f"{name}: waiting for the persons of {', '.join(waiting)}"
    ready = succeeded(plan.persons.values())
    if not ready:
        return [], f"{name}: no province staged its persons; nothing to place"
    if plan.placement is None:
        return [
            dg.RunRequest(
                run_key=f"{name}:{PLACEMENT_PHASE}",
                job_name=NATIONAL_JOB_NAME,
                partition_key=period,
                asset_selection=[PLACEMENT],
                tags={**tags, PHASE_TAG: PLACEMENT_PHASE},
            )
        ], f"{name}: the persons of {', '.join(ready)} are in: placing them"
    if not plan.placement.is_finished:
        return [], f"{name}: waiting for the placement"
    if plan.placement.status != dg.DagsterRunStatus.SUCCESS:
        return [], (
            f"{name}: the placement run {plan.placement.run_id} failed; no province publishes "
            "the period until it is re-executed (Dagster UI, Runs)"
        )
    todo = [p for p in ready if p not in plan.publish]
    if todo:
        return [
            dg.RunRequest(
                run_key=f"{name}:{PUBLISH}:{province}",
                job_name=JOB_NAME,
                partition_key=coverage_key(period, province),
                asset_selection=list(second_phase.assets),
                asset_check_keys=list(second_phase.checks),
                tags={**inputs_of(plan.persons[province]), **tags, PHASE_TAG: PUBLISH},
            )
            for province in todo
        ], f"{name}: placed: publishing {', '.join(todo)}"
    waiting = [p for p, r in sorted(plan.publish.items()) if not r.is_finished]
    if waiting:
        return [], f"{name}: waiting for {', '.join(waiting)} to publish"
    if plan.national is None:
        if not succeeded(plan.publish.values()):
            return [], f"{name}: no province published; the national file keeps what it had"
        return [
            dg.RunRequest(
                run_key=f"{name}:{NATIONAL}",
                job_name=NATIONAL_JOB_NAME,
                partition_key=period,
                asset_selection=list(NATIONAL_RUN),
                tags={**tags, PHASE_TAG: NATIONAL},
            )
        ], f"{name}: every province ran: the national file"
    return [], f"{name}: done ({plan.national.status.value.lower()})"


def inputs_of(run: dg.DagsterRun) -> dict[str, str]:
    """The inputs tags of a plan's first run: its publishing run records what it read."""
    keys = (FINGERPRINT_TAG, STAT_TAG, LABOUR_YEAR_TAG, REASON_TAG)
    return {k: run.tags[k] for k in keys if k in run.tags}


def plan_requests(
    instance: dg.DagsterInstance, second_phase: Selection, now: datetime
) -> tuple[list[dg.RunRequest], list[str]]:
    """The next runs of the newest plan of every period, and where each plan stands."""
    runs = instance.get_runs(
        dg.RunsFilter(tags={PHASE_TAG: list(PHASES)}, created_after=now - PLAN_HORIZON)
    )
    by_plan: dict[str, list[dg.DagsterRun]] = {}
    for run in runs:
        if PLAN_TAG in run.tags:
            by_plan.setdefault(run.tags[PLAN_TAG], []).append(run)
    newest: dict[str, str] = {}
    for name in sorted(by_plan):  # by period, then by when it was asked
        newest[name.split(":")[0]] = name
    requests, log = [], []
    for name in sorted(newest.values()):
        asked, line = next_requests(PlanRuns.of(name, by_plan[name]), second_phase)
        requests += asked
        log.append(line)
    return requests, log


def second_phase_of(job: dg.JobDefinition) -> Selection:
    """The coverage job's assets after the placement, and their checks."""
    keys = tuple(k for k in sorted(job.asset_layer.executable_asset_keys) if k not in FIRST_PHASE)
    return Selection(keys, checks_of(job, keys))


def province_plan_sensor(jobs: Sequence[Any]) -> dg.SensorDefinition:
    """The sensor of a deployment of several provinces; ``jobs``: the coverage job and the
    national job, which its requests name."""

    @dg.sensor(
        name="province_plan_sensor",
        jobs=list(jobs),
        minimum_interval_seconds=PLAN_SENSOR_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Moves each plan of a deployment of several provinces on as its runs end: once "
            "every province's persons are staged, the placement of persons across provinces; "
            "then each province's marts, published file and report; then the national file of "
            "the period."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        repository = context.repository_def
        if repository is None:  # the daemon always passes it
            raise dg.DagsterInvariantViolationError("province_plan_sensor needs its definitions")
        second_phase = second_phase_of(repository.get_job(JOB_NAME))
        requests, log = plan_requests(context.instance, second_phase, datetime.now(UTC))
        for line in log:
            context.log.info(line)
        return dg.SensorResult(
            run_requests=requests,
            skip_reason=None if requests else dg.SkipReason("; ".join(log) or "no plan under way"),
        )

    return _sensor
