"""The expectation suites as Dagster asset checks, one check per suite, per period.

Every suite of `checks.suites.SUITE_SPECS` is an asset check of the same name on the asset
it validates, partitioned like the assets (one result per period in the UI). The checks of
one stage run together in one step (`multi_asset_check`), which validates each of the run's
periods with GX on one DuckDB datasource:

| step | asset(s) | checks |
|---|---|---|
| ``validate_staging_enrollment`` | staging/enrollment | staged_enrollment_rules, _warnings |
| ``validate_staging_labour`` | staging/labour | staged_labour_rules, _warnings |
| ``validate_person_link`` | core/person_link | person_link_rules |
| ``validate_marts`` | the five marts | coverage_<mart>_rules, _warnings |
| ``validate_published`` | published/candidate | published_rules |

ERROR checks are blocking: when one fails for any period of the run, the step fails after
reporting every result, and no asset downstream of the checked one runs. So a broken mart
never reaches the candidate, and a candidate that fails is never swapped in: the published
file keeps the numbers it had. A failed candidate is also deleted (it may hold personal
data). WARN checks report and never block.

A run of several periods (a single-run backfill) gets one evaluation per period: the step
emits ``AssetCheckEvaluation`` events with their partition, as Dagster 1.13 makes of an
``AssetCheckResult`` in a single-period run.
"""

import importlib
import threading
import warnings
from collections.abc import Iterator

import dagster as dg

from assets.partitions import period_partitions
from checks.suites import ERROR, INTERNAL, SUITE_SPECS, SuiteSpec
from pipelines.resources import Warehouse

#: Step keys of the validation steps start with this (pipelines/bench.py sums them).
VALIDATION_STEP_PREFIX = "validate_"


class GreatExpectationsImport(dg.ConfigurableResource):
    """Imports Great Expectations in a background thread as soon as a run with checks starts.

    Importing GX costs ~4 s and ~180 MB. Only processes that validate pay it (the UI's and
    the daemon's processes never do), and a run pays it while staging reads the landing
    files (DuckDB works outside the GIL) instead of before its first check.
    """

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        _start_import()

    def wait(self) -> None:
        """Returns once GX is imported (at once if it already was)."""
        _start_import().join()


_import_thread: threading.Thread | None = None
_import_lock = threading.Lock()


def _start_import() -> threading.Thread:
    global _import_thread
    with _import_lock:
        if _import_thread is None:
            _import_thread = threading.Thread(
                target=importlib.import_module,
                args=("checks.gx_duckdb",),
                name="import-great-expectations",
                daemon=True,
            )
            _import_thread.start()
        return _import_thread


#: One instance for every check step, so that Dagster sees one resource definition.
great_expectations_import = GreatExpectationsImport()


def check_spec(spec: SuiteSpec) -> dg.AssetCheckSpec:
    with warnings.catch_warnings():
        # Partitioned asset checks are a preview feature of Dagster 1.13, used on purpose:
        # they give each period its own check result in the UI.
        warnings.filterwarnings("ignore", category=dg.PreviewWarning)
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=dg.AssetKey(list(spec.asset)),
            description=spec.description,
            blocking=spec.severity == ERROR,
            partitions_def=period_partitions,
            metadata={"severity": spec.severity, "suite": spec.name},
        )


def validation_step(
    site: str, specs: list[SuiteSpec], description: str
) -> dg.AssetChecksDefinition:
    """One step that runs ``specs`` for every period of the run; ``site`` names its Data Docs."""
    database = specs[0].database if specs else INTERNAL
    assert all(s.database == database for s in specs), "one step validates one file"

    @dg.multi_asset_check(
        name=f"{VALIDATION_STEP_PREFIX}{site}",
        specs=[check_spec(s) for s in specs],
        description=description,
        compute_kind="great_expectations",
        resource_defs={"great_expectations_import": great_expectations_import},
    )
    def _validate(
        context: dg.AssetCheckExecutionContext,
        warehouse: Warehouse,
        great_expectations_import: GreatExpectationsImport,
    ) -> Iterator[dg.AssetCheckEvaluation | dg.Output[None]]:
        great_expectations_import.wait()
        from checks.validation import run_suites

        periods = sorted(context.partition_keys)
        rp = warehouse.bpu_minimum_contribution_rp
        suites = [spec.build(periode, rp) for periode in periods for spec in specs]
        outcomes = run_suites(
            warehouse, context.run.run_id, suites, site, database, log=context.log.info
        )
        failed = [o for o in outcomes if not o.passed and o.suite.severity == ERROR]
        if failed and database != INTERNAL:
            from checks.validation import database_path

            database_path(warehouse, database).unlink(missing_ok=True)
            context.log.error("the candidate failed its checks and was deleted; not published")
        for outcome in outcomes:
            yield outcome.evaluation()
        assets_def = context.op_execution_context.assets_def
        for check in context.check_specs:
            yield dg.Output(
                None, output_name=assets_def.get_output_name_for_asset_check_key(check.key)
            )

    return _validate


def _for_assets(*prefixes: str) -> list[SuiteSpec]:
    return [s for s in SUITE_SPECS if "/".join(s.asset).startswith(prefixes)]


all_asset_checks = [
    validation_step(
        "staging_enrollment",
        _for_assets("staging/enrollment"),
        "Validates the staged enrollment rows of each period (GX on DuckDB).",
    ),
    validation_step(
        "staging_labour",
        _for_assets("staging/labour"),
        "Validates the staged Sakernas rows of each period's labour year (GX on DuckDB).",
    ),
    validation_step(
        "person_link",
        _for_assets("core/person_link"),
        "Validates core.person_link against the staged rows (GX on DuckDB).",
    ),
    validation_step(
        "marts",
        _for_assets("mart/"),
        "Validates the five coverage marts of each period (GX on DuckDB).",
    ),
    validation_step(
        "published",
        _for_assets("published/"),
        "Validates the candidate of the published file before it is swapped in (GX on DuckDB).",
    ),
]
