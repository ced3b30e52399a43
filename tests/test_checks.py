"""Expectation suites as asset checks: real GX on real DuckDB, through real Dagster runs.

A clean run passes every ERROR check; a planted defect of each kind fails the check that
names it, blocks the publish and leaves the published numbers as they were; a warning is
shown and does not block. Defects are planted in the internal file between runs, then only
the checks and the assets downstream of the tampered table run again (a rerun of the asset
itself would rebuild the table and undo the defect).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from helpers import Pipeline, enrollment_row, labour_row, make_nik

from assets.mart.assets import MARTS_STEP
from assets.partitions import coverage_key, coverage_partitions
from assets.warehouse import Warehouse
from checks import suites
from checks.asset_checks import VALIDATION_STEP_PREFIX, asset_checks
from checks.results import validation_summary
from contract.reference import DEFAULT_PROVINCES
from contract.tables import PERSONAL_COLUMNS, PUBLISHED_TABLES
from pipelines.definitions import province_assets
from pipelines.runner import run_each_period
from pipelines.summary import print_validation
from tools.demo_data import generate_demo_landing

pytestmark = pytest.mark.slow
PERSONAL = PERSONAL_COLUMNS
PARTITIONS = coverage_partitions(DEFAULT_PROVINCES)
all_assets = province_assets(PARTITIONS)
all_asset_checks = asset_checks(PARTITIONS)


def assets_under(*key: str) -> list[dg.AssetsDefinition]:
    """The assets whose keys start with ``key`` (``mart``; ``core``, ``person``)."""
    return [a for a in all_assets if all(list(k.path[: len(key)]) == list(key) for k in a.keys)]


[person], [person_link], mart_assets = (
    assets_under("core", "person"),
    assets_under("core", "person_link"),
    assets_under("mart"),
)
[published_candidate], [published_coverage] = (
    assets_under("published", "candidate"),
    assets_under("published", "coverage"),
)


def check_step(stage: str) -> dg.AssetChecksDefinition:
    [step] = [c for c in all_asset_checks if c.node_def.name == f"{VALIDATION_STEP_PREFIX}{stage}"]
    return step


def run_selected(
    pipeline: Pipeline,
    period: str,
    assets: list[dg.AssetsDefinition],
    checks: list[dg.AssetChecksDefinition],
) -> dg.ExecuteInProcessResult:
    """Run some assets (with their checks) and some check steps, as the UI lets one do."""
    job = dg.define_asset_job(
        "planted",
        selection=dg.AssetSelection.assets(*assets) | dg.AssetSelection.checks(*checks),
        partitions_def=PARTITIONS,
    )
    defs = dg.Definitions(
        assets=all_assets,
        asset_checks=all_asset_checks,
        jobs=[job],
        resources={"warehouse": pipeline.warehouse},
        executor=dg.in_process_executor,
    )
    return defs.resolve_job_def("planted").execute_in_process(
        partition_key=coverage_key(period, DEFAULT_PROVINCES[0]), raise_on_error=False
    )


def evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str | None], Any]:
    """The check evaluations of a run by check name and period."""
    return {(e.check_name, period_of(e.partition)): e for e in result.get_asset_check_evaluations()}


def period_of(partition: str | None) -> str | None:
    """The period of a check's partition (``2025-03|64``: the province 64's)."""
    return partition and partition.split("|")[0]


#: The suites of a province's run (national_rules checks the national file of several).
PROVINCE_SUITES = [s for s in suites.SUITES if s.asset[0] != "national"]


def expectation_rows(evaluation: Any) -> str:
    return str(evaluation.metadata["expectations"].value)


def failed_rules(evaluation: Any) -> list[str]:
    return [
        line
        for line in expectation_rows(evaluation).splitlines()
        if line.startswith("| **FAILED**")
    ]


def province(pipeline: Pipeline) -> list[tuple[Any, ...]]:
    return pipeline.published(
        "SELECT periode, pekerja, peserta_aktif, cakupan_persen FROM mart.coverage_province "
        "ORDER BY periode"
    )


def tamper(pipeline: Pipeline, *statements: str) -> None:
    with duckdb.connect(pipeline.warehouse.internal_path) as conn:
        for statement in statements:
            conn.execute(statement)


def metadata_text(result: dg.ExecuteInProcessResult) -> str:
    return json.dumps(
        [
            {k: str(v.value) for k, v in e.metadata.items()}
            for e in result.get_asset_check_evaluations()
        ]
    )


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small landing zone, staged, resolved and published once per test process."""
    root = tmp_path_factory.mktemp("published")
    pipeline = Pipeline(root)
    pipeline.landing.full_labour(2025, jumlah=10)
    pipeline.landing.enrollment(
        "2025-03",
        [enrollment_row(kode_wilayah=k, kbli=s) for k in ("6401", "6472") for s in "AG"],
    )
    pipeline.run_ok()
    return root


@pytest.fixture
def published(published_once: Path, tmp_path: Path) -> Pipeline:
    """A copy of the published warehouse, to plant a defect in."""
    shutil.copytree(published_once, tmp_path, dirs_exist_ok=True)
    return Pipeline(tmp_path)


# ------------------------------------------------------------------------------ suites


def test_every_suite_is_a_check_and_keeps_personal_data_out_of_samples() -> None:
    in_steps = [key.name for step in all_asset_checks for key in step.check_keys]
    assert sorted(in_steps) == sorted(s.name for s in PROVINCE_SUITES)
    for spec in suites.SUITES:
        validation = spec.build(suites.SuiteParams("2025-03", 16_800))
        assert re.search(r"\brow_id\b", validation.target)
        for expectation in validation.expectations:
            assert expectation.description, f"{spec.name}: every expectation states its rule"
            kwargs = expectation.configuration.kwargs
            columns = {kwargs.get("column"), *(kwargs.get("column_list") or [])} - {None}
            # GX's samples of a column expectation are values: never of a personal column.
            assert not columns & PERSONAL, (spec.name, expectation)
            if "unexpected_rows_query" in kwargs:
                assert kwargs["unexpected_rows_query"].startswith("SELECT row_id, count(*)")


def test_loading_the_code_location_does_not_import_great_expectations() -> None:
    # GX costs ~4 s and ~180 MB: the UI, the daemon and the CLI's startup must not pay it.
    code = (
        "import sys, pipelines.definitions; "
        "assert 'great_expectations' not in sys.modules, 'GX imported at load time'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_personal_columns_come_from_the_declarations_and_the_contract() -> None:
    assert {"nama", "nik", "alamat", "tanggal_lahir", "kpj"} <= PERSONAL
    assert {"person_id", "kpj_terpilih", "raw"} <= PERSONAL  # declared personal=True
    published = {c.name for t in PUBLISHED_TABLES for c in t.columns}
    assert not published & PERSONAL


# ------------------------------------------------------------------------- clean run


@pytest.mark.e2e
def test_clean_demo_run_passes_every_error_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = Pipeline(tmp_path)
    periods = ["2025-03", "2025-04"]
    generate_demo_landing(pipeline.landing.root, persons=1500, seed=3, periods=periods)
    # Relative folders, as `make run` has them (data/warehouse).
    monkeypatch.chdir(tmp_path)
    relative = Warehouse(landing_dir="landing", warehouse_dir="warehouse", memory_limit="1GB")
    instance = dg.DagsterInstance.ephemeral()
    outcomes = run_each_period(relative, periods, instance=instance)
    assert all(o.success for o in outcomes), [o.error for o in outcomes]

    # Every check has a result for every period, in Dagster's check storage (the UI's view).
    for spec in PROVINCE_SUITES:
        key = dg.AssetCheckKey(dg.AssetKey(list(spec.asset)), spec.name)
        records = instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
        assert sorted(str(period_of(r.partition)) for r in records) == periods, spec.name
        if spec.severity == suites.ERROR:
            assert all(r.evaluation and r.evaluation.passed for r in records), spec.name

    rows = pipeline.internal(
        "SELECT periode, severity, bool_and(success), count(DISTINCT suite), count(*) "
        "FROM quality.validation_results GROUP BY ALL ORDER BY ALL"
    )
    errors = sum(s.severity == suites.ERROR for s in PROVINCE_SUITES)
    assert [(p, s, ok, n) for p, s, ok, n, _ in rows if s == "ERROR"] == [
        (p, "ERROR", True, errors) for p in periods
    ]
    with duckdb.connect(pipeline.warehouse.internal_path, read_only=True) as conn:
        summary = validation_summary(conn, periods)
        capsys.readouterr()
        print_validation(relative, conn, periods)
    assert [(s.period, len(s.passed) + len(s.warned), s.failed) for s in summary] == [
        (p, len(PROVINCE_SUITES), []) for p in periods
    ]
    # The demo plants NIKs that disagree with the birth date or sex: a warning.
    assert all("staged_enrollment_warnings" in s.warned for s in summary)
    # `make run` prints one line per period.
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    for s in summary:
        assert (
            f"{s.period}: {len(PROVINCE_SUITES)} checks, {len(s.passed)} passed, "
            f"{len(s.warned)} warned, 0 failed"
        ) in "\n".join(lines)

    docs = pipeline.warehouse.data_docs_dir
    sites = sorted(p.parent.name for p in docs.glob("*/index.html"))
    assert sites == ["core", "mart", "published", "staging"]
    # One run per period: the pages of the first period's checks are still there, linked.
    key = dg.AssetCheckKey(dg.AssetKey(["mart", "coverage_region"]), "coverage_region_rules")
    for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=10):
        assert record.evaluation is not None
        page = Path(str(record.evaluation.metadata["data_docs"].value))
        assert page.is_file() and page.name == f"{period_of(record.partition)}.html"
        assert f"/{record.run_id}/" in str(page)  # GX's run name: the Dagster run


# ------------------------------------------------------------------------ planted defects


def test_a_mart_sum_that_does_not_match_fails_the_province_check_and_blocks(
    published: Pipeline,
) -> None:
    before = province(published)
    # The province claims one more active participant than its regions and sectors hold;
    # its own formulas stay consistent, so only the sum rule can catch it.
    tamper(
        published,
        "UPDATE mart.coverage_province SET peserta_aktif = peserta_aktif + 1, "
        "cakupan_persen = 100.0 * (peserta_aktif + 1) / pekerja, "
        "belum_terlindungi = greatest(pekerja - peserta_aktif - 1, 0)",
    )
    result = run_selected(
        published, "2025-03", [published_candidate, published_coverage], [check_step("mart")]
    )
    assert not result.success
    found = evaluations(result)
    province_rules = found[("coverage_province_rules", "2025-03")]
    assert not province_rules.passed
    assert province_rules.severity == dg.AssetCheckSeverity.ERROR
    [failed] = failed_rules(province_rules)
    assert "Province = sum of regions = sum of sectors" in failed
    assert "2025-03 vs mart.coverage_region" in failed  # sample row ids: the grain key
    assert found[("coverage_region_rules", "2025-03")].passed
    # Blocked: no candidate was built, the published file kept its numbers.
    assert not any(
        e.is_step_success for e in result.all_events if e.step_key == "published__candidate"
    )
    assert province(published) == before
    assert published.internal(
        "SELECT count(*) FROM quality.validation_results WHERE suite = 'coverage_province_rules' "
        "AND NOT success AND expectation LIKE 'expect_no_rows_where%' AND unexpected_count = 4"
    ) == [(1,)]


def test_a_duplicated_labour_key_fails_the_labour_check_and_blocks(published: Pipeline) -> None:
    before = province(published)
    tamper(
        published,
        "INSERT INTO staging.labour SELECT * FROM staging.labour "
        "WHERE kode_wilayah = '6472' AND kbli = 'G' AND status_pekerjaan = 'FORMAL'",
    )
    downstream = [person, person_link, *mart_assets, published_candidate, published_coverage]
    result = run_selected(published, "2025-03", downstream, [check_step("staging")])
    assert not result.success
    rules = evaluations(result)[("staged_labour_rules", "2025-03")]
    assert not rules.passed
    failed = "\n".join(failed_rules(rules))
    assert "status_pekerjaan) is unique (duplicate_key" in failed
    line = published.internal(
        "SELECT line FROM staging.labour WHERE kode_wilayah = '6472' AND kbli = 'G' "
        "AND status_pekerjaan = 'FORMAL' LIMIT 1"
    )[0][0]
    assert f"labour/2025/sakernas.csv:{line}" in failed
    # The marts depend on the labour rows: none was rebuilt, nothing was published.
    steps = {e.step_key for e in result.all_events if e.is_step_success}
    assert not steps & {MARTS_STEP, "published__candidate", "published__coverage"}
    assert province(published) == before


def test_a_registration_without_a_person_fails_the_person_link_check(published: Pipeline) -> None:
    before = province(published)
    tamper(
        published,
        "DELETE FROM core.person_link WHERE kpj = (SELECT max(kpj) FROM core.person_link)",
    )
    downstream = [person, *mart_assets, published_candidate, published_coverage]
    result = run_selected(published, "2025-03", downstream, [check_step("core")])
    assert not result.success
    rules = evaluations(result)[("person_link_rules", "2025-03")]
    [failed] = failed_rules(rules)
    assert "exactly one person" in failed and "enrollment/2025-03/part-1.csv:" in failed
    assert province(published) == before


def test_a_personal_column_in_the_candidate_blocks_the_swap(published: Pipeline) -> None:
    before = province(published)
    nik = published.internal("SELECT nik FROM staging.enrollment LIMIT 1")[0][0]
    # build_candidate copies every mart column: a personal column would reach dashboards.
    tamper(
        published,
        "ALTER TABLE mart.coverage_region ADD COLUMN nik VARCHAR",
        f"UPDATE mart.coverage_region SET nik = '{nik}'",
    )
    result = run_selected(published, "2025-03", [published_candidate, published_coverage], [])
    assert not result.success
    rules = evaluations(result)[("published_rules", "2025-03")]
    assert not rules.passed and rules.blocking
    failed = "\n".join(failed_rules(rules))
    assert "No column that can hold personal data" in failed
    assert "mart.coverage_region.nik" in failed
    assert nik not in metadata_text(result)
    # The swap did not happen and the rejected candidate is gone.
    assert province(published) == before
    assert "nik" not in {
        c for (c,) in published.published("SELECT column_name FROM duckdb_columns()")
    }
    assert not published.warehouse.candidate_path.exists()
    # Data Docs show the failed rule, never the personal value.
    site = published.warehouse.data_docs_dir / "published"
    pages = "".join(p.read_text() for p in site.rglob("*.html"))
    assert "No column that can hold personal data" in pages and nik not in pages
    page = Path(str(rules.metadata["data_docs"].value))
    assert page.is_file() and page.is_relative_to(site)


# ------------------------------------------------------------------------------ warnings


def test_warnings_show_per_period_and_do_not_block(pipeline: Pipeline) -> None:
    pipeline.landing.labour(
        2025,
        [
            labour_row(kode_wilayah="6472", jumlah_pekerja=4),
            labour_row(kode_wilayah="6474", jumlah_pekerja=1),
        ],
    )
    birth = date(1990, 5, 15)
    march = [enrollment_row(kode_wilayah="6472"), enrollment_row(kode_wilayah="6474")]
    march.append(  # a valid NIK of a man on a woman's row: kept, and warned about
        enrollment_row(
            kode_wilayah="6474", nik=make_nik(birth, "L", serial="9999"), jenis_kelamin="P"
        )
    )
    pipeline.landing.enrollment("2025-03", march)
    april = [enrollment_row(kode_wilayah="6472") for _ in range(3)]  # 25 % -> 75 %
    pipeline.landing.enrollment("2025-04", april)
    instance = dg.DagsterInstance.ephemeral()
    outcomes = run_each_period(pipeline.warehouse, ["2025-03", "2025-04"], instance=instance)
    assert all(o.success for o in outcomes)
    assert province(pipeline) == [("2025-03", 5, 3, 60.0), ("2025-04", 5, 3, 60.0)]

    found = {}
    for spec in PROVINCE_SUITES:  # one result per check and period, in Dagster's storage
        key = dg.AssetCheckKey(dg.AssetKey(list(spec.asset)), spec.name)
        for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=5):
            assert record.evaluation is not None
            found[(spec.name, period_of(record.partition))] = record.evaluation
    for period in ("2025-03", "2025-04"):
        assert all((s.name, period) in found for s in PROVINCE_SUITES)
    warned = {k for k, e in found.items() if not e.passed}
    assert all(found[k].severity == dg.AssetCheckSeverity.WARN for k in warned)
    assert warned == {
        ("staged_enrollment_warnings", "2025-03"),  # nik_cocok = false
        ("coverage_region_warnings", "2025-03"),  # 6474: 2 active, 1 worker: 200 %
        ("coverage_region_sector_warnings", "2025-03"),  # 6474 x G
        ("coverage_status_warnings", "2025-03"),  # 6474 x FORMAL
        ("coverage_region_warnings", "2025-04"),  # 6472: 25 % -> 75 %, 6474: 200 % -> 0 %
    }
    nik_rows = failed_rules(found[("staged_enrollment_warnings", "2025-03")])
    assert "enrollment/2025-03/part-1.csv:3" in nik_rows[0]
    [above_100] = failed_rules(found[("coverage_region_warnings", "2025-03")])
    assert "2025-03/6474 (200.0 %)" in above_100
    moved = "\n".join(failed_rules(found[("coverage_region_warnings", "2025-04")]))
    assert "2025-04/6472: +50.0 points since 2025-03" in moved
    metadata = json.dumps(
        [{k: str(v.value) for k, v in e.metadata.items()} for e in found.values()]
    )
    assert not re.search(r"\b\d{16}\b", metadata)  # no NIK in any metadata
