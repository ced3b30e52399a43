"""The landing-zone sensor: a new or changed file requests a run of its period."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from assets.partitions import coverage_key
from assets.warehouse import Warehouse
from contract.landing import (
    ignored_entries,
    landed_periods,
    landed_years,
    relative_name,
    snapshot_files,
)
from pipelines.automation.fingerprints import (
    HashBudgetExceeded,
    HashCache,
    Published,
    decide,
    inputs_tags,
    period_inputs,
    published_state,
    runnable_periods,
)
from pipelines.automation.plan import first_phase_request
from pipelines.jobs import JOB_NAME

SENSOR_INTERVAL_SECONDS = 30
#: Hashing stops after this many seconds per sensor tick (a sensor tick must finish in
#: 60 s); the files not hashed yet are hashed on the next ticks.
HASH_BUDGET_SECONDS = 20.0


@dataclass
class LandingCursor:
    """The sensor's memory: file hashes and the fingerprint each period was last seen with."""

    files: dict[str, list[Any]] = field(default_factory=dict)
    periods: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> "LandingCursor":
        if not text:
            return cls()
        data = json.loads(text)
        if data.get("v") != 1:
            return cls()
        return cls(dict(data.get("files", {})), dict(data.get("periods", {})))

    def dump(self) -> str:
        return json.dumps(
            {"v": 1, "files": self.files, "periods": self.periods},
            sort_keys=True,
            separators=(",", ":"),
        )


def landing_rels(landing: Path) -> set[str]:
    rels = set()
    for source in ("enrollment", "labour"):
        root = landing / source
        if root.is_dir():
            for folder in root.iterdir():
                if folder.is_dir():
                    rels |= {
                        relative_name(p, landing)
                        for p in snapshot_files(landing, source, folder.name)
                    }
    return rels


def landing_evaluation(
    warehouse: Warehouse,
    instance: dg.DagsterInstance,
    cursor_text: str | None,
    now: datetime | None = None,
    budget_seconds: float | None = HASH_BUDGET_SECONDS,
) -> tuple[list[dg.RunRequest], str, list[str]]:
    """Run requests for periods whose fingerprint changed since the last tick, the new
    cursor, and log lines. A period is requested only if its inputs also differ from what
    is published for it, so a new cursor (first tick, reset) never reruns published periods.
    """
    landing = warehouse.landing
    cursor = LandingCursor.parse(cursor_text)
    hashes = HashCache(dict(cursor.files), budget_seconds)
    years = landed_years(landing)
    published: dict[str, dict[str, Published]] | None = None
    seen: dict[str, str] = {}
    requests, log = [], []
    runnable = set(runnable_periods(landing, now))
    several = len(warehouse.covered_provinces) > 1
    asked = now or datetime.now(UTC)
    for period in landed_periods(landing):
        if period not in runnable:
            log.append(f"{period}: not a partition yet (the month has not ended), waiting")
            continue
        inputs = period_inputs(landing, period, years)
        try:
            fingerprint = hashes.fingerprint(inputs)
        except HashBudgetExceeded:
            log.append(f"{period}: hashing budget spent, continues next tick")
            continue
        seen[period] = fingerprint
        if cursor.periods.get(period) == fingerprint:
            continue
        if published is None:
            published = {
                p: published_state(warehouse.for_province(p), instance)
                for p in warehouse.covered_provinces
            }
        for province, state in published.items():
            before = state.get(period)
            decision = decide(inputs, before, hashes, fingerprint)
            log.append(f"{period} {province}: inputs {fingerprint[:12]} {decision.reason}")
            if decision.publish:
                # Same inputs on top of the same published state -> same key: a repeated
                # evaluation (a tick retried before its cursor was saved) launches nothing
                # twice.
                key = coverage_key(period, province)
                base = before.run_id[:8] if before else "new"
                request = dg.RunRequest(
                    run_key=f"{key}:{fingerprint[:16]}:{base}",
                    partition_key=key,
                    tags=inputs_tags(inputs, fingerprint, f"landing:{decision.reason}"),
                )
                if several:  # the first phase of the period's plan (automation/plan.py)
                    request = first_phase_request(request, period, fingerprint, asked)
                requests.append(request)
    hashes.keep_only(landing_rels(landing))
    log += [f"ignored: {name}: {why}" for name, why in ignored_entries(landing)]
    return requests, LandingCursor(hashes.entries, seen).dump(), log


@dg.sensor(
    name="landing_sensor",
    job_name=JOB_NAME,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches the landing zone. A new or changed file (by content hash: the same bytes "
        "uploaded again do nothing) requests a run of its period in every covered province "
        "(with several provinces, the first of its phases: the "
        "province_plan_sensor runs the others); a "
        "new or changed labour year requests every landed period that uses it. Files starting with '.' or '_' never "
        "trigger. Periods whose inputs equal what is published are not rerun."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse) -> dg.SensorResult:
    requests, cursor, log = landing_evaluation(warehouse, context.instance, context.cursor)
    for line in log:
        context.log.info(line)
    return dg.SensorResult(
        run_requests=requests,
        cursor=cursor,
        skip_reason=None if requests else dg.SkipReason("no new or changed landing file"),
    )
