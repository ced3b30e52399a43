"""Freshness: a red check when a landed period waits too long to be published."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from assets.warehouse import Warehouse
from contract.landing import landed_years
from pipelines.automation.fingerprints import (
    HashCache,
    decide,
    period_inputs,
    published_state,
    runnable_periods,
)

#: A period whose inputs landed (or changed) must be published within a day, and the
#: published file must have been rewritten in the last 36 hours (the nightly run
#: republishes the latest period every night).
FRESHNESS_CHECK_NAME = "published_fresh"
PUBLISHED_ASSET_KEY = dg.AssetKey(["published", "coverage"])
PUBLISH_WITHIN = timedelta(days=1)
PUBLISHED_MAX_AGE = timedelta(hours=36)
FRESHNESS_INTERVAL_SECONDS = 300
FRESHNESS_HEARTBEAT = timedelta(hours=1)


@dataclass(frozen=True)
class FreshnessReport:
    checked_at: datetime
    overdue: dict[str, str]  # period -> why
    published_age: timedelta | None  # None: no published file
    landed: int

    @property
    def file_too_old(self) -> bool:
        return self.published_age is not None and self.published_age > PUBLISHED_MAX_AGE

    @property
    def passed(self) -> bool:
        return not self.overdue and not self.file_too_old

    @property
    def description(self) -> str:
        problems = [f"{p} {why}" for p, why in sorted(self.overdue.items())]
        if self.file_too_old and self.published_age is not None:
            hours = self.published_age.total_seconds() / 3600
            problems.append(f"the published file was last written {hours:.0f} h ago (> 36 h)")
        if not problems:
            return f"all {self.landed} landed period(s) published from their current inputs"
        return "; ".join(problems)

    @property
    def signature(self) -> str:
        return json.dumps([sorted(self.overdue), self.file_too_old])

    def metadata(self) -> dict[str, dg.MetadataValue]:
        age = self.published_age
        return {
            "overdue_periods": dg.MetadataValue.json(dict(sorted(self.overdue.items()))),
            "published_file_age_hours": dg.MetadataValue.float(
                round(age.total_seconds() / 3600, 2) if age is not None else -1.0
            ),
            "landed_periods": dg.MetadataValue.int(self.landed),
            "checked_at": dg.MetadataValue.timestamp(self.checked_at),
        }


def freshness_report(
    warehouse: Warehouse, instance: dg.DagsterInstance, now: datetime | None = None
) -> FreshnessReport:
    """Red when a landed (or changed) period waits more than a day to be published, or when
    the published file was not rewritten for 36 hours; in every covered province (named
    with the period, ``64/2025-03``, when there are several)."""
    now = now or datetime.now(UTC)
    landing = warehouse.landing
    periods = runnable_periods(landing, now)
    years = landed_years(landing)
    hashes = HashCache()
    overdue = {}
    ages = []
    for province in warehouse.covered_provinces:
        scoped = warehouse.for_province(province)
        published = published_state(scoped, instance)
        for period in periods:
            inputs = period_inputs(landing, period, years)
            decision = decide(inputs, published.get(period), hashes, None)
            landed_at = inputs.latest_mtime
            if decision.publish and landed_at is not None and now - landed_at > PUBLISH_WITHIN:
                what = "landed" if decision.reason == "new" else "changed"
                name = f"{province}/{period}" if warehouse.several_provinces else period
                overdue[name] = f"{what} {landed_at:%Y-%m-%d %H:%M} UTC and not published since" + (
                    "" if inputs.labour_year is not None else " (no labour year <= its year)"
                )
        path = Path(scoped.published_path)
        if path.exists():
            ages.append(now - datetime.fromtimestamp(path.stat().st_mtime, UTC))
    return FreshnessReport(now, overdue, max(ages, default=None), len(periods))


@dg.asset_check(
    asset=PUBLISHED_ASSET_KEY,
    name=FRESHNESS_CHECK_NAME,
    blocking=False,
    description=(
        "Fails when a landed period, or a period whose inputs changed, has not been published "
        "within a day, or when the published file is older than 36 hours. Evaluated every "
        "5 minutes by freshness_sensor (no run needed, so a stuck run queue cannot hide it)."
    ),
)
def published_fresh(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    report = freshness_report(warehouse, context.instance)
    return dg.AssetCheckResult(
        passed=report.passed, description=report.description, metadata=report.metadata()
    )


def freshness_evaluation(report: FreshnessReport) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=PUBLISHED_ASSET_KEY,
        check_name=FRESHNESS_CHECK_NAME,
        passed=report.passed,
        metadata=report.metadata(),
        description=report.description,
        severity=dg.AssetCheckSeverity.ERROR,
        blocking=False,
    )


@dg.sensor(
    name="freshness_sensor",
    minimum_interval_seconds=FRESHNESS_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Evaluates the published_fresh check without a run: reports it when its result "
        "changes, and at least every hour."
    ),
)
def freshness_sensor(
    context: dg.SensorEvaluationContext, warehouse: Warehouse
) -> dg.SensorResult | dg.SkipReason:
    report = freshness_report(warehouse, context.instance)
    last: Mapping[str, Any] = json.loads(context.cursor) if context.cursor else {}
    reported_at = datetime.fromtimestamp(float(last.get("reported_at", 0)), UTC)
    if (
        last.get("signature") == report.signature
        and report.checked_at - reported_at < FRESHNESS_HEARTBEAT
    ):
        return dg.SkipReason(f"unchanged: {report.description}")
    cursor = json.dumps(
        {"signature": report.signature, "reported_at": report.checked_at.timestamp()}
    )
    verdict = "passed" if report.passed else "FAILED"
    return dg.SensorResult(
        asset_events=[freshness_evaluation(report)],
        cursor=cursor,
        # No run is requested: the tick only reports the check (shown as skipped).
        skip_reason=dg.SkipReason(f"{FRESHNESS_CHECK_NAME} {verdict}: {report.description}"),
    )
