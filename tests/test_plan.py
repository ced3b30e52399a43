"""A deployment of several provinces publishes by itself: the nightly schedule or the landing
sensor starts each period's plan, the plan's sensor moves it on (pipelines/automation/plan.py).

The daemon's part is played by the test: tick the sensor or the schedule, run what it
requests as real Dagster runs on one instance, until nothing more is requested.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from helpers import Pipeline, make_nik
from test_distributed import tables
from test_provinces import BANJARMASIN, PERIOD, SAMARINDA, land_two_provinces, person

from pipelines import jobs
from pipelines.automation import plan, schedules, sensors
from pipelines.automation.fingerprints import FINGERPRINT_TAG
from pipelines.definitions import build_defs

pytestmark = pytest.mark.slow


def land_with_a_shared_person(pipeline: Pipeline) -> None:
    """Two provinces, and one person with the same valid NIK in both."""
    rows = land_two_provinces(pipeline, in_63=3, in_64=4)
    nik = make_nik(date(1980, 5, 5), region="647201", serial="0999")
    rows += [
        person(SAMARINDA, 999, birth=date(1980, 5, 5), nik=nik, kpj="90000000001"),
        person(BANJARMASIN, 999, birth=date(1980, 5, 5), nik=nik, kpj="90000000002"),
    ]
    pipeline.landing.write("enrollment", PERIOD, rows, "part-1.csv")


def run_requested(
    defs: dg.Definitions, instance: dg.DagsterInstance, requests: list[dg.RunRequest]
) -> None:
    """Each request as the daemon launches it: its job, partition, assets, checks, tags."""
    for request in requests:
        job = defs.resolve_job_def(request.job_name or jobs.JOB_NAME)
        if request.asset_selection is not None:
            checks = request.asset_check_keys
            job = job.get_subset(
                asset_selection=set(request.asset_selection),
                asset_check_selection=None if checks is None else set(checks),
            )
        job.execute_in_process(
            partition_key=request.partition_key,
            tags=request.tags,
            instance=instance,
            raise_on_error=False,
        )


def plan_tick(defs: dg.Definitions, instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    sensor = defs.resolve_sensor_def("province_plan_sensor")
    with dg.build_sensor_context(instance=instance, definitions=defs) as context:
        result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    return list(result.run_requests or [])


def until_done(
    defs: dg.Definitions, instance: dg.DagsterInstance, first: list[dg.RunRequest]
) -> list[list[str]]:
    """Run the first requests, then whatever the plan's sensor asks, tick after tick; the
    phases of each tick's requests."""
    ticks, requests = [], first
    while requests:
        ticks.append(sorted({r.tags[plan.PHASE_TAG] for r in requests}))
        run_requested(defs, instance, requests)
        requests = plan_tick(defs, instance)
        assert len(ticks) < 10, ticks
    return ticks


@pytest.mark.parametrize("trigger", ["landing_sensor", "nightly_schedule"])
def test_several_provinces_publish_by_themselves_as_cakupan_run_does(
    tmp_path: Path, trigger: str
) -> None:
    automatic = Pipeline(tmp_path / "automatic", provinces="63,64")
    land_with_a_shared_person(automatic)
    defs = build_defs(automatic.warehouse)
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        if trigger == "landing_sensor":
            with dg.build_sensor_context(
                instance=instance, resources={"warehouse": automatic.warehouse}
            ) as context:
                result = sensors.landing_sensor(context)
            first = list(result.run_requests or [])
        else:
            first, _ = schedules.nightly_requests(automatic.warehouse, instance)
        assert {r.tags[plan.PHASE_TAG] for r in first} == {plan.PERSONS}
        assert sorted(str(r.partition_key) for r in first) == [f"{PERIOD}|63", f"{PERIOD}|64"]
        ticks = until_done(defs, instance, first)
        assert ticks == [["persons"], ["placement"], ["publish"], ["national"]]
        runs = instance.get_runs()
        assert len(runs) == 6 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        # The freshness check is its sensor's, never a run's.
        checks = {
            e.dagster_event.asset_check_evaluation_data.check_name
            for r in runs
            for e in instance.all_logs(r.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
            if e.dagster_event
        }
        assert "published_rules" in checks, checks
        assert "published_fresh" not in checks
        # The run that published a province's period recorded what it read (the schedule
        # and the sensor compare it with the landing zone).
        publishing = [r for r in runs if r.tags[plan.PHASE_TAG] == plan.PUBLISH]
        assert {r.tags[FINGERPRINT_TAG] for r in publishing} == {first[0].tags[FINGERPRINT_TAG]}
        # Nothing is asked twice, and the landing sensor (even with a new cursor) finds every
        # province's period published from the inputs it has now.
        assert plan_tick(defs, instance) == []
        assert sensors.landing_evaluation(automatic.warehouse, instance, None)[0] == []

    by_hand = Pipeline(tmp_path / "by_hand", provinces="63,64")
    land_with_a_shared_person(by_hand)
    by_hand.run_ok()
    for name in ["63/coverage.duckdb", "64/coverage.duckdb", "coverage_nasional.duckdb"]:
        assert tables(tmp_path / "automatic/warehouse" / name) == tables(
            tmp_path / "by_hand/warehouse" / name
        ), name


# --- where a plan stands, on hand-made runs ----------------------------------------------


def made_run(phase: str, status: dg.DagsterRunStatus, province: str = "") -> dg.DagsterRun:
    tags = {plan.PHASE_TAG: phase, plan.PLAN_TAG: NAME, FINGERPRINT_TAG: "f" * 64}
    if province:
        tags["dagster/partition/province"] = province
    job = jobs.JOB_NAME if province else jobs.NATIONAL_JOB_NAME
    return dg.DagsterRun(job_name=job, status=status, tags=tags)


NAME = "2025-03:ffffffffffff:20261207T010000"
OK, FAILED, STARTED = (
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.STARTED,
)
REGION = dg.AssetKey(["mart", "coverage_region"])
SECOND = plan.Selection((REGION,), (dg.AssetCheckKey(REGION, "coverage_region_rules"),))


def stands(*runs: dg.DagsterRun) -> tuple[list[tuple[str, str]], str]:
    requests, line = plan.next_requests(plan.PlanRuns.of(NAME, runs), SECOND)
    return [(r.tags[plan.PHASE_TAG], str(r.partition_key)) for r in requests], line


def test_the_placement_waits_for_every_province_persons() -> None:
    requests, line = stands(made_run("persons", OK, "63"), made_run("persons", STARTED, "64"))
    assert requests == [] and "waiting for the persons of 64" in line


def test_a_province_whose_persons_failed_does_not_publish_the_others_do() -> None:
    persons = [made_run("persons", OK, "63"), made_run("persons", FAILED, "64")]
    assert stands(*persons)[0] == [("placement", "2025-03")]
    placed = made_run("placement", OK)
    assert stands(*persons, placed)[0] == [("publish", "2025-03|63")]
    published = made_run("publish", OK, "63")
    assert stands(*persons, placed, published)[0] == [("national", "2025-03")]


def test_a_failed_placement_stops_the_plan_and_says_so() -> None:
    persons = [made_run("persons", OK, "63"), made_run("persons", OK, "64")]
    requests, line = stands(*persons, made_run("placement", FAILED))
    assert requests == [] and "failed" in line and "re-executed" in line


def test_the_national_file_waits_for_every_province_to_publish() -> None:
    persons = [made_run("persons", OK, "63"), made_run("persons", OK, "64")]
    placed = made_run("placement", OK)
    requests, line = stands(
        *persons, placed, made_run("publish", OK, "63"), made_run("publish", STARTED, "64")
    )
    assert requests == [] and "waiting for 64 to publish" in line


def test_a_newer_plan_of_a_period_replaces_an_older_one(tmp_path: Path) -> None:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        for asked in ("20261206T010000", "20261207T010000"):
            name = f"2025-03:ffffffffffff:{asked}"
            for province in ("63", "64"):
                instance.add_run(
                    dg.DagsterRun(
                        job_name=jobs.JOB_NAME,
                        status=OK,
                        tags={
                            plan.PHASE_TAG: plan.PERSONS,
                            plan.PLAN_TAG: name,
                            "dagster/partition/province": province,
                        },
                    )
                )
        from datetime import UTC, datetime

        requests, log = plan.plan_requests(instance, SECOND, datetime.now(UTC))
    assert [r.run_key for r in requests] == ["2025-03:ffffffffffff:20261207T010000:placement"]
    assert len(log) == 1
