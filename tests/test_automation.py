"""Schedule, sensor, retries and freshness, evaluated on real landing zones and warehouses."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from helpers import Pipeline, enrollment_row, labour_row

from assets.partitions import coverage_key, period_and_province
from pipelines import jobs
from pipelines.automation import fingerprints, freshness, schedules, sensors
from pipelines.definitions import build_defs

pytestmark = pytest.mark.slow

WITA = ZoneInfo("Asia/Makassar")
NIGHT = datetime(2026, 11, 26, 1, 0, tzinfo=WITA)


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A real instance on disk (schedule contexts need an instance they can reload)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        yield instance


def land(pipeline: Pipeline, *periods: str, years: tuple[int, ...] = (2024,)) -> None:
    for year in years:
        pipeline.landing.labour(year, [labour_row(tahun=year)])
    for periode in periods:
        pipeline.landing.enrollment(periode, [enrollment_row()])


def rewrite(path: Path, content: bytes | None = None) -> None:
    """Upload again: new bytes, or the same bytes with a new modification time."""
    data = path.read_bytes() if content is None else content
    path.write_bytes(data)
    later = time.time_ns() + 5_000_000_000
    os.utime(path, ns=(later, later))


def sense(
    pipeline: Pipeline, instance: dg.DagsterInstance, cursor: str | None
) -> tuple[dict[str, dg.RunRequest], str]:
    """One tick of the real landing sensor; run requests by period, and the new cursor."""
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"warehouse": pipeline.warehouse}
    ) as context:
        result = sensors.landing_sensor(context)
    assert isinstance(result, dg.SensorResult)
    assert result.cursor is not None
    requests = {period_of(r): r for r in result.run_requests or []}
    assert len(requests) == len(result.run_requests or [])
    return requests, result.cursor


def nightly(pipeline: Pipeline, instance: dg.DagsterInstance) -> dict[str, dg.RunRequest]:
    with dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=NIGHT,
        resources={"warehouse": pipeline.warehouse},
    ) as context:
        result = schedules.nightly_coverage(context)
    if isinstance(result, dg.SkipReason):
        return {}
    assert isinstance(result, list)
    return {period_of(r): r for r in result}


def period_of(request: dg.RunRequest) -> str:
    """The period of a request of the province 64 (the one province of these tests)."""
    period, province = period_and_province(str(request.partition_key))
    assert province == "64"
    return period


def execute(
    pipeline: Pipeline,
    instance: dg.DagsterInstance,
    request: dg.RunRequest,
    retry_policy: dg.RetryPolicy = jobs.TRANSIENT_RETRY,
    run_id: str | None = None,
) -> dg.ExecuteInProcessResult:
    """Run what a schedule or sensor requested, as the daemon would (its tags included)."""
    job = build_defs(pipeline.warehouse, retry_policy).resolve_job_def(jobs.JOB_NAME)
    return job.execute_in_process(
        run_id=run_id,
        partition_key=request.partition_key,
        tags=request.tags,
        instance=instance,
        raise_on_error=False,
    )


def sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- the schedule -----------------------------------------------------------------------


def test_nightly_schedule_runs_at_one_am_wita() -> None:
    schedule = schedules.nightly_coverage
    assert schedule.cron_schedule == "0 1 * * *"
    assert schedule.execution_timezone == "Asia/Makassar"
    assert schedule.job_name == "coverage_job"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_nightly_requests_latest_and_changed_periods_only(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01", "2025-02")
    first = nightly(pipeline, instance)
    assert sorted(first) == ["2025-01", "2025-02"]  # never published: all new
    assert {r.tags[fingerprints.REASON_TAG] for r in first.values()} == {"nightly:new"}
    for request in first.values():
        assert execute(pipeline, instance, request).success

    # Everything is published from its current inputs: only the latest period, every night.
    again = nightly(pipeline, instance)
    assert sorted(again) == ["2025-02"]
    assert again["2025-02"].tags[fingerprints.REASON_TAG] == "nightly:latest"

    # The same bytes uploaded again (new mtime): hashed, found equal, not rerun.
    rewrite(pipeline.warehouse.landing / "enrollment/2025-01/part-1.csv")
    assert sorted(nightly(pipeline, instance)) == ["2025-02"]

    # New bytes in 2025-01: rerun it, with the fingerprint of its new inputs.
    pipeline.landing.enrollment("2025-01", [enrollment_row(), enrollment_row()])
    changed = nightly(pipeline, instance)
    assert sorted(changed) == ["2025-01", "2025-02"]
    assert changed["2025-01"].tags[fingerprints.REASON_TAG] == "nightly:changed"
    fingerprint = changed["2025-01"].tags[fingerprints.FINGERPRINT_TAG]
    assert fingerprint != first["2025-01"].tags[fingerprints.FINGERPRINT_TAG]
    assert changed["2025-01"].run_key == f"2025-01|64:{fingerprint[:16]}"


def test_nightly_trusts_mtimes_for_runs_that_did_not_record_their_inputs(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01", "2025-02")
    job = build_defs(pipeline.warehouse).resolve_job_def("coverage_job")
    for periode in ("2025-01", "2025-02"):  # as the UI or `cakupan run` would: no input tags
        assert job.execute_in_process(
            partition_key=coverage_key(periode, "64"), instance=instance
        ).success
    assert sorted(nightly(pipeline, instance)) == ["2025-02"]
    rewrite(pipeline.warehouse.landing / "enrollment/2025-01/part-1.csv")
    assert sorted(nightly(pipeline, instance)) == ["2025-01", "2025-02"]


def test_nightly_skips_periods_already_queued_with_the_same_inputs(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    (request,) = nightly(pipeline, instance).values()
    job = build_defs(pipeline.warehouse).resolve_job_def("coverage_job")
    instance.create_run_for_job(
        job,
        tags={**request.tags, "dagster/partition": "2025-01|64"},
        status=dg.DagsterRunStatus.NOT_STARTED,
    )
    assert nightly(pipeline, instance) == {}


def test_nightly_skips_when_nothing_landed(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    with dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=NIGHT,
        resources={"warehouse": pipeline.warehouse},
    ) as context:
        result = schedules.nightly_coverage(context)
    assert isinstance(result, dg.SkipReason)
    assert "no landed period" in (result.skip_message or "")


def test_nightly_requests_resolve_against_the_partitioned_job(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01", "2026-11")  # 2026-11 has not ended on NIGHT: not a partition
    defs = build_defs(pipeline.warehouse)
    repository = defs.get_repository_def()
    with dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=NIGHT,
        repository_def=repository,
        resources={"warehouse": pipeline.warehouse},
    ) as context:
        data = repository.get_schedule_def("nightly_coverage").evaluate_tick(context)
    assert [r.partition_key for r in data.run_requests or []] == ["2025-01|64"]
    assert all(r.tags["dagster/partition/period"] == "2025-01" for r in data.run_requests or [])
    assert all(r.tags["dagster/partition/province"] == "64" for r in data.run_requests or [])


# --- the landing sensor -----------------------------------------------------------------


def test_sensor_new_file_then_nothing(pipeline: Pipeline, instance: dg.DagsterInstance) -> None:
    land(pipeline, "2025-01")
    requests, cursor = sense(pipeline, instance, None)
    assert list(requests) == ["2025-01"]
    request = requests["2025-01"]
    fingerprint = request.tags[fingerprints.FINGERPRINT_TAG]
    assert request.run_key == f"2025-01|64:{fingerprint[:16]}:new"
    assert request.tags[fingerprints.LABOUR_YEAR_TAG] == "2024"
    # Nothing changed: nothing requested; the same tick evaluated twice asks the same.
    assert sense(pipeline, instance, cursor)[0] == {}
    assert sense(pipeline, instance, None)[0]["2025-01"].run_key == request.run_key

    pipeline.landing.enrollment("2025-02", [enrollment_row()], name="a.parquet")
    requests, _ = sense(pipeline, instance, cursor)
    assert list(requests) == ["2025-02"]


def test_sensor_changed_file_requests_its_period(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01", "2025-02")
    first, cursor = sense(pipeline, instance, None)
    pipeline.landing.enrollment("2025-02", [enrollment_row(), enrollment_row()])
    requests, cursor = sense(pipeline, instance, cursor)
    assert list(requests) == ["2025-02"]
    assert requests["2025-02"].run_key != first["2025-02"].run_key
    # A second part of a snapshot changes the snapshot too.
    pipeline.landing.enrollment("2025-01", [enrollment_row()], name="part-2.csv")
    assert list(sense(pipeline, instance, cursor)[0]) == ["2025-01"]


def test_sensor_same_bytes_again_do_nothing(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    _, cursor = sense(pipeline, instance, None)
    path = pipeline.warehouse.landing / "enrollment/2025-01/part-1.csv"
    rewrite(path)  # touch + the identical bytes written again
    requests, new_cursor = sense(pipeline, instance, cursor)
    assert requests == {}
    # The cursor learned the new mtime, so the next tick does not read the file again.
    entry = sensors.LandingCursor.parse(new_cursor).files["enrollment/2025-01/part-1.csv"]
    assert entry[1] == path.stat().st_mtime_ns
    assert entry[2] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_sensor_ignores_partial_uploads(pipeline: Pipeline, instance: dg.DagsterInstance) -> None:
    land(pipeline, "2025-01")
    _, cursor = sense(pipeline, instance, None)
    pipeline.landing.enrollment("2025-01", [enrollment_row()], name="_uploading.csv")
    pipeline.landing.enrollment("2025-01", [enrollment_row()], name=".part-2.csv")
    pipeline.landing.labour(2024, [labour_row(tahun=2024)], name="_draft.csv")
    pipeline.landing.enrollment("2025-02", [enrollment_row()], name="_only-partial.csv")
    requests, new_cursor = sense(pipeline, instance, cursor)
    assert requests == {}
    assert not any("/_" in f or "/." in f for f in sensors.LandingCursor.parse(new_cursor).files)


def test_sensor_new_labour_year_requests_the_periods_that_use_it(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2024-06", "2025-01", "2025-02", "2026-03", years=(2024,))
    _, cursor = sense(pipeline, instance, None)
    pipeline.landing.labour(2025, [labour_row(tahun=2025)])
    requests, cursor = sense(pipeline, instance, cursor)
    # 2025-xx and 2026-03 now use 2025 (the latest year <= theirs); 2024-06 keeps 2024.
    assert sorted(requests) == ["2025-01", "2025-02", "2026-03"]
    assert {r.tags[fingerprints.LABOUR_YEAR_TAG] for r in requests.values()} == {"2025"}
    # A changed file of a labour year: every period that uses that year, and only those.
    pipeline.landing.labour(2024, [labour_row(tahun=2024, jumlah_pekerja=7)])
    requests, _ = sense(pipeline, instance, cursor)
    assert sorted(requests) == ["2024-06"]


def test_sensor_waits_for_a_month_to_end(pipeline: Pipeline, instance: dg.DagsterInstance) -> None:
    land(pipeline, "2025-01")
    future = (datetime.now(WITA) + timedelta(days=40)).strftime("%Y-%m")
    pipeline.landing.enrollment(future, [enrollment_row()])
    requests, cursor = sense(pipeline, instance, None)
    assert list(requests) == ["2025-01"]
    # Not remembered, so it is requested once its month has ended and it is a partition.
    assert future not in sensors.LandingCursor.parse(cursor).periods


def test_sensor_does_not_rerun_published_periods_but_reverted_inputs_do(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    path = pipeline.warehouse.landing / "enrollment/2025-01/part-1.csv"
    original = path.read_bytes()
    requests, cursor = sense(pipeline, instance, None)
    first = requests["2025-01"]
    assert execute(pipeline, instance, first).success
    # A new sensor (reset cursor, first deploy): published periods are not rerun.
    assert sense(pipeline, instance, None)[0] == {}

    pipeline.landing.enrollment("2025-01", [enrollment_row(), enrollment_row()])
    requests, cursor = sense(pipeline, instance, cursor)
    assert execute(pipeline, instance, requests["2025-01"]).success
    assert pipeline.published("SELECT peserta_aktif FROM mart.coverage_province") == [(2,)]

    rewrite(path, original)  # the first upload comes back: publish it again
    requests, cursor = sense(pipeline, instance, cursor)
    back = requests["2025-01"]
    assert back.tags[fingerprints.FINGERPRINT_TAG] == first.tags[fingerprints.FINGERPRINT_TAG]
    assert back.run_key != first.run_key  # a new key, or Dagster would skip it
    assert execute(pipeline, instance, back).success
    assert pipeline.published("SELECT peserta_aktif FROM mart.coverage_province") == [(1,)]


def test_sensor_requests_resolve_against_the_partitioned_job(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01", "2025-02")
    repository = build_defs(pipeline.warehouse).get_repository_def()
    sensor = repository.get_sensor_def("landing_sensor")
    assert sensor.minimum_interval_seconds == 30
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    with dg.build_sensor_context(
        instance=instance, repository_def=repository, resources={"warehouse": pipeline.warehouse}
    ) as context:
        data = sensor.evaluate_tick(context)
    assert sorted(r.partition_key or "" for r in data.run_requests or []) == [
        "2025-01|64",
        "2025-02|64",
    ]
    assert data.cursor


def test_sensor_hashing_budget_spreads_work_over_ticks(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01", "2025-02", "2025-03")
    requests, cursor, _ = sensors.landing_evaluation(
        pipeline.warehouse, instance, None, budget_seconds=0.0
    )
    # A zero budget still hashes one file per tick: every tick makes progress.
    assert requests == []
    seen: set[str] = set()
    for _ in range(10):
        requests, cursor, _ = sensors.landing_evaluation(
            pipeline.warehouse, instance, cursor, budget_seconds=0.0
        )
        seen |= {period_and_province(str(r.partition_key))[0] for r in requests}
    assert seen == {"2025-01", "2025-02", "2025-03"}


# --- retries and failed runs ------------------------------------------------------------

HOLD_LOCK = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
conn.close()
"""


@contextmanager
def write_lock_held(path: str) -> Iterator[None]:
    """Another process writing the internal file, as `cakupan run` or a DuckDB shell would."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def retry_events(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        e.step_key or "" for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"
    ]


def test_job_retries_transient_failures_with_backoff(pipeline: Pipeline) -> None:
    policy = build_defs(pipeline.warehouse).resolve_job_def("coverage_job").op_retry_policy
    assert policy == jobs.TRANSIENT_RETRY
    assert policy is not None
    assert policy.max_retries >= 2
    assert policy.backoff == dg.Backoff.EXPONENTIAL
    assert (policy.delay or 0) >= 5


def test_a_locked_warehouse_is_retried_until_it_is_free(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    run_id = str(uuid.uuid4())
    quick = dg.RetryPolicy(max_retries=5, delay=0.5, backoff=dg.Backoff.EXPONENTIAL)
    results: list[dg.ExecuteInProcessResult] = []
    with write_lock_held(pipeline.warehouse.internal_path):
        run = threading.Thread(
            target=lambda: results.append(
                execute(
                    pipeline, instance, dg.RunRequest(partition_key="2025-01|64"), quick, run_id
                )
            )
        )
        run.start()
        deadline = time.monotonic() + 60
        while not any(  # the first attempt met the lock: now free the file
            e.dagster_event and e.dagster_event.event_type_value == "STEP_UP_FOR_RETRY"
            for e in instance.all_logs(run_id)
        ):
            assert run.is_alive() and time.monotonic() < deadline
            time.sleep(0.1)
    run.join(timeout=60)
    (result,) = results
    assert result.success
    assert retry_events(result)
    assert pipeline.published("SELECT periode FROM mart.published_periods") == [("2025-01",)]


def test_a_failed_run_leaves_the_published_file_exactly_as_it_was(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    assert execute(pipeline, instance, dg.RunRequest(partition_key="2025-01|64")).success
    published = pipeline.warehouse.published_path
    before = sha(published), Path(published).stat().st_mtime_ns

    # A contract failure (a broken file) fails at once: not retried, nothing published.
    broken = pipeline.warehouse.landing / "enrollment/2025-01/part-2.csv"
    broken.write_bytes(b"\xff\xfe not utf-8")
    result = execute(pipeline, instance, dg.RunRequest(partition_key="2025-01|64"))
    assert not result.success
    assert retry_events(result) == []
    assert (sha(published), Path(published).stat().st_mtime_ns) == before

    # A transient failure that outlasts the retries: failed, nothing published either.
    broken.unlink()
    pipeline.landing.enrollment("2025-01", [enrollment_row(), enrollment_row()])
    with write_lock_held(pipeline.warehouse.internal_path):
        once = dg.RetryPolicy(max_retries=1, delay=0.2)
        result = execute(pipeline, instance, dg.RunRequest(partition_key="2025-01|64"), once)
    assert not result.success
    assert len(retry_events(result)) >= 1
    assert (sha(published), Path(published).stat().st_mtime_ns) == before
    assert pipeline.published("SELECT peserta_aktif FROM mart.coverage_province") == [(1,)]


# --- freshness --------------------------------------------------------------------------


def test_freshness_passes_after_publishing_and_fails_a_day_later_for_waiting_periods(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    report = freshness.freshness_report(pipeline.warehouse, instance)
    assert report.passed  # landed just now: within the day
    late = datetime.now(UTC) + timedelta(hours=25)
    report = freshness.freshness_report(pipeline.warehouse, instance, now=late)
    assert not report.passed
    assert list(report.overdue) == ["2025-01"]
    assert "not published" in report.description

    (request,) = nightly(pipeline, instance).values()
    assert execute(pipeline, instance, request).success
    assert freshness.freshness_report(pipeline.warehouse, instance, now=late).passed
    # Inputs that change must be published within a day too.
    pipeline.landing.enrollment("2025-01", [enrollment_row(), enrollment_row()])
    report = freshness.freshness_report(pipeline.warehouse, instance, now=late)
    assert list(report.overdue) == ["2025-01"] and "changed" in report.overdue["2025-01"]


def test_freshness_fails_when_the_published_file_is_older_than_36_hours(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    (request,) = nightly(pipeline, instance).values()
    assert execute(pipeline, instance, request).success
    now = datetime.now(UTC)
    assert freshness.freshness_report(
        pipeline.warehouse, instance, now + timedelta(hours=35)
    ).passed
    report = freshness.freshness_report(pipeline.warehouse, instance, now + timedelta(hours=37))
    assert not report.passed and report.overdue == {}
    assert "36 h" in report.description


def test_freshness_sensor_reports_the_check_without_a_run(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    resources = {"warehouse": pipeline.warehouse}
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        result = freshness.freshness_sensor(context)
    assert isinstance(result, dg.SensorResult)
    (evaluation,) = result.asset_events
    assert isinstance(evaluation, dg.AssetCheckEvaluation)
    assert evaluation.passed and evaluation.check_name == "published_fresh"
    assert evaluation.asset_key == dg.AssetKey(["published", "coverage"])
    instance.report_runless_asset_event(evaluation)  # what the daemon does with it
    # Unchanged result within the hour: not reported again.
    with dg.build_sensor_context(
        instance=instance, cursor=result.cursor, resources=resources
    ) as again:
        assert isinstance(freshness.freshness_sensor(again), dg.SkipReason)


def test_freshness_check_runs_as_an_asset_check(
    pipeline: Pipeline, instance: dg.DagsterInstance
) -> None:
    land(pipeline, "2025-01")
    result = dg.materialize(
        [freshness.published_fresh],
        resources={"warehouse": pipeline.warehouse},
        instance=instance,
        selection=dg.AssetSelection.checks(freshness.published_fresh),
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed
