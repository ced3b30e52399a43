"""The code location loads, and what it defines is visible here (a change must edit this file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import yaml

from pipelines import jobs
from pipelines.automation import freshness
from pipelines.definitions import build_defs, defs
from pipelines.resources import warehouse_from_env

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
#: The coverage job's steps, in the order they run: the six marts are one step (a
#: multi-asset); the check steps block what follows them.
STEPS = [
    "staging__enrollment",
    "staging__labour",
    "validate_staging",
    "core__person_link",
    "validate_core",
    "core__person",
    "core__person_continuity",
    "coverage_marts",
    "validate_mart",
    "published__candidate",
    "validate_published",
    "published__coverage",
    "report__coverage",
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
        "partitions": ("2015-01", "%Y-%m", "Asia/Makassar", ["64"]),
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
        multi = job.partitions_def
        assert isinstance(multi, dg.MultiPartitionsDefinition)
        assert [d.name for d in multi.partitions_defs] == ["period", "province"]
        partitions = multi.get_partitions_def_for_dimension("period")
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
                multi.get_partitions_def_for_dimension("province").get_partition_keys(),
            ),
        }
        executable = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
        assert sorted(executable) == ASSETS  # the job builds every asset
    assert found == JOBS


def test_the_coverage_job_runs_in_these_steps() -> None:
    job = defs.resolve_job_def(jobs.JOB_NAME)
    assert sorted(node.name for node in job.graph.nodes) == sorted(STEPS)


def test_several_provinces_add_the_national_assets_by_period(tmp_path: Path) -> None:
    """A deployment of several provinces: the province-level assets by province x period,
    the national file's assets by period, each national period reading that period of
    every province; a run of a province carries its province in its tags."""
    warehouse = warehouse_from_env({}, overrides={"provinces": "63,64"})
    repository = build_defs(warehouse).get_repository_def()
    graph = repository.asset_graph
    assert sorted(
        k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "national"
    ) == [
        "national/candidate",
        "national/coverage",
        "national/person_placement",
        "national/report",
    ]
    core = sorted(k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "core")
    assert core == [
        "core/person",
        "core/person_continuity",
        "core/person_counted",
        "core/person_keys",
        "core/person_link",
    ]
    assert sorted(n for n in repository.job_names if not n.startswith("__")) == [
        "coverage_job",
        "national_job",
    ]
    province = repository.get_job("coverage_job").partitions_def
    assert isinstance(province, dg.MultiPartitionsDefinition)
    assert province.get_partitions_def_for_dimension("province").get_partition_keys() == [
        "63",
        "64",
    ]
    national = repository.get_job("national_job").partitions_def
    assert isinstance(national, dg.TimeWindowPartitionsDefinition)
    candidate = graph.get(dg.AssetKey(["national", "candidate"]))
    published = dg.AssetKey(["published", "coverage"])
    assert isinstance(
        candidate.assets_def.get_partition_mapping(published),
        dg.MultiToSingleDimensionPartitionMapping,
    )
    upstream = candidate.assets_def.get_partition_mapping(
        published
    ).get_upstream_mapped_partitions_result_for_partitions(
        national.subset_with_partition_keys(["2025-03"]), national, province
    )
    assert sorted(upstream.partitions_subset.get_partition_keys()) == ["2025-03|63", "2025-03|64"]
    checks = {k.name for k in graph.asset_check_keys if k.asset_key.path[0] == "national"}
    assert checks == {"national_rules"}

    key = dg.MultiPartitionKey({"period": "2025-03", "province": "63"})
    tags = province.get_tags_for_partition_key(key)
    assert tags["dagster/partition/province"] == "63"
    assert tags["dagster/partition/period"] == "2025-03"
    assert warehouse.writer_of_run(tags).lock_path == Path(
        warehouse.warehouse_dir, "63", "internal.duckdb.lock"
    )


def test_one_province_keeps_todays_files() -> None:
    warehouse = warehouse_from_env({})
    assert warehouse.for_province("64") is warehouse
    assert warehouse.internal_path == "data/warehouse/internal.duckdb"
    assert warehouse.published_path == "data/warehouse/coverage.duckdb"
    assert warehouse.lock_path == Path("data/warehouse/internal.duckdb.lock")
    assert "national_job" not in defs.get_repository_def().job_names


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
