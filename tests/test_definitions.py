"""The code location loads, and what it defines is visible here (a change must edit this file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import yaml

from pipelines import jobs
from pipelines.automation import freshness
from pipelines.definitions import defs

ROOT = Path(__file__).resolve().parents[1]

ASSETS = [
    "core/person",
    "core/person_continuity",
    "core/person_link",
    "mart/coverage_priority",
    "mart/coverage_province",
    "mart/coverage_region",
    "mart/coverage_region_sector",
    "mart/coverage_sector",
    "mart/coverage_status",
    "published/candidate",
    "published/coverage",
    "report/coverage",
    "staging/enrollment",
    "staging/labour",
]
CHECKS = [
    "core/person_link:person_link_rules",
    "mart/coverage_priority:coverage_priority_rules",
    "mart/coverage_priority:coverage_priority_warnings",
    "mart/coverage_province:coverage_province_rules",
    "mart/coverage_province:coverage_province_warnings",
    "mart/coverage_region:coverage_region_rules",
    "mart/coverage_region:coverage_region_warnings",
    "mart/coverage_region_sector:coverage_region_sector_rules",
    "mart/coverage_region_sector:coverage_region_sector_warnings",
    "mart/coverage_sector:coverage_sector_rules",
    "mart/coverage_sector:coverage_sector_warnings",
    "mart/coverage_status:coverage_status_rules",
    "mart/coverage_status:coverage_status_warnings",
    "published/candidate:published_rules",
    "published/coverage:published_fresh",
    "staging/enrollment:staged_enrollment_rules",
    "staging/enrollment:staged_enrollment_warnings",
    "staging/labour:staged_labour_rules",
    "staging/labour:staged_labour_warnings",
]
SCHEDULES = {
    "nightly_coverage": ("0 1 * * *", "Asia/Makassar", "coverage_job", "RUNNING"),
}
SENSORS = {
    "landing_sensor": (30, "coverage_job", "RUNNING"),
    "freshness_sensor": (300, None, "RUNNING"),
}
JOBS = {
    "coverage_job": {
        "tags": {"cakupan/writer": "warehouse"},
        "retry": (3, 15, "EXPONENTIAL"),
        "partitions": ("2015-01", "%Y-%m", "Asia/Makassar"),
    },
}


def test_definitions_are_loadable() -> None:
    dg.Definitions.validate_loadable(defs)


def test_snapshot_of_assets_checks_schedules_sensors_and_jobs() -> None:
    repository = defs.get_repository_def()
    graph = repository.asset_graph
    assert sorted(k.to_user_string() for k in graph.get_all_asset_keys()) == ASSETS
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    assert checks == CHECKS

    schedules = {
        s.name: (s.cron_schedule, s.execution_timezone, s.job_name, s.default_status.value)
        for s in repository.schedule_defs
    }
    assert schedules == SCHEDULES
    sensors = {
        s.name: (
            s.minimum_interval_seconds,
            s.targets[0].job_name if s.targets else None,
            s.default_status.value,
        )
        for s in repository.sensor_defs
    }
    assert sensors == SENSORS

    found = {}
    for name in sorted(repository.job_names):
        if name.startswith("__"):
            continue  # the implicit job of ad-hoc materializations
        job = repository.get_job(name)
        partitions = job.partitions_def
        assert isinstance(partitions, dg.TimeWindowPartitionsDefinition)
        retry = job.op_retry_policy
        assert retry is not None and retry.backoff is not None
        found[name] = {
            "tags": dict(job.run_tags),
            "retry": (retry.max_retries, retry.delay, retry.backoff.value),
            "partitions": (
                partitions.get_first_partition_key(),
                partitions.fmt,
                partitions.timezone,
            ),
        }
        executable = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
        assert sorted(executable) == ASSETS  # the job builds every asset
    assert found == JOBS


def test_groups_equal_key_prefixes_and_backfills_run_one_run_per_period() -> None:
    for asset in defs.get_repository_def().asset_graph.assets_defs:
        for key in asset.keys:
            assert asset.group_names_by_key[key] == key.path[0], key
        # No backfill policy: a backfill from the UI launches one run per period, as
        # `cakupan run` does, so one broken period fails alone.
        assert asset.backfill_policy is None, asset.keys


def test_the_job_runs_every_check_but_freshness() -> None:
    repository = defs.get_repository_def()
    job = repository.get_job("coverage_job")
    in_job = set(job.asset_layer.asset_graph.asset_check_keys)
    everything = set(repository.asset_graph.asset_check_keys)
    fresh = dg.AssetCheckKey(freshness.PUBLISHED_ASSET_KEY, freshness.FRESHNESS_CHECK_NAME)
    assert in_job == everything - {fresh}


def test_instance_queues_runs_and_allows_one_writer(tmp_path: Path) -> None:
    """dagster_home/dagster.yaml: a run queue where the code location runs one run at a time."""
    config = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    (location,) = yaml.safe_load((ROOT / "workspace.yaml").read_text())["load_from"]
    limits = {
        (limit["key"], limit.get("value")): limit["limit"]
        for limit in config["concurrency"]["runs"]["tag_concurrency_limits"]
    }
    assert limits[("dagster/code_location", location["python_module"]["location_name"])] == 1
    assert limits[(jobs.WRITER_TAG, jobs.WRITER_TAG_VALUE)] == 1

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        queue = instance.get_concurrency_config().run_queue_config
        assert queue is not None
        assert {"key": "dagster/code_location", "value": "cakupan", "limit": 1} in (
            queue.tag_concurrency_limits
        )
        assert instance.run_monitoring_enabled


def test_runs_print_through_the_projects_console_logger() -> None:
    """One line per failure, stack traces for bugs (pipelines/console.py), in every run of
    the code location; the run config key stays `console`."""
    from pipelines.console import cakupan_console

    assert defs.loggers == {"console": cakupan_console}
