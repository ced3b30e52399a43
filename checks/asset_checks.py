"""The expectation suites as Dagster asset checks, one check per suite, per period.

Every suite of `checks.suites.SUITES` is an asset check of the same name on the asset it
validates, partitioned like the assets (one result per period in the UI). The checks of
one stage run together in one step (`multi_asset_check`) on one GX datasource:

| step | asset(s) | checks |
|---|---|---|
| ``validate_staging`` | staging/enrollment, staging/labour | staged_*_rules, _warnings |
| ``validate_core`` | core/person_link | person_link_rules |
| ``validate_mart`` | the coverage marts | <mart>_rules, _warnings |
| ``validate_published`` | published/candidate | published_rules |
| ``validate_national`` | national/candidate | national_rules (several provinces) |

ERROR checks are blocking: when one fails, the step fails after reporting every result,
and no asset downstream of the checked one runs. So a broken mart never reaches the
candidate, and a candidate that fails is never swapped in: the published file keeps the
numbers it had. A failed candidate is also deleted. WARN checks report and never block.
"""

import contextlib
import importlib
import threading
import warnings
from collections.abc import Iterator

import dagster as dg

from assets.partitions import period_partitions, province_scope
from assets.warehouse import Warehouse
from checks.suites import CANDIDATE, ERROR, NATIONAL, SUITES, SuiteParams, SuiteSpec

#: Step keys of the validation steps start with this (the bench sums them).
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
                target=_import_quietly,
                name="import-great-expectations",
                daemon=True,
            )
            _import_thread.start()
        return _import_thread


def _import_quietly() -> None:
    """A broken install is reported by the check step that needs GX (``gx_module``), as
    one line; not as a thread's traceback on the console."""
    with contextlib.suppress(Exception):
        importlib.import_module(GX_MODULE)


GX_MODULE = "checks.gx_duckdb"


def gx_module() -> None:
    """Great Expectations imported, or a failure that says so (never retried: a broken
    install stays broken)."""
    try:
        importlib.import_module(GX_MODULE)
    except ImportError as error:
        raise dg.Failure(
            description=f"the checks cannot run: Great Expectations does not import "
            f"({type(error).__name__}: {error}); reinstall the project (`uv sync --frozen`), "
            "then run again",
            allow_retries=False,
        ) from None


#: One instance for every check step, so that Dagster sees one resource definition.
great_expectations_import = GreatExpectationsImport()


def check_spec(spec: SuiteSpec, partitions: dg.PartitionsDefinition) -> dg.AssetCheckSpec:
    with warnings.catch_warnings():
        # Partitioned asset checks are a preview feature of Dagster 1.13, used on purpose:
        # they give each period its own check result in the UI.
        warnings.filterwarnings("ignore", category=dg.PreviewWarning)
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=dg.AssetKey(list(spec.asset)),
            description=spec.description,
            blocking=spec.severity == ERROR,
            partitions_def=partitions,
            metadata={"severity": spec.severity, "suite": spec.name},
        )


def validation_step(
    stage: str, description: str, partitions: dg.PartitionsDefinition
) -> dg.AssetChecksDefinition:
    """One step that runs the suites of the assets under ``stage``/ for the run's partition."""
    specs = [s for s in SUITES if s.asset[0] == stage]
    (database,) = {s.database for s in specs}  # one step validates one file

    @dg.multi_asset_check(
        name=f"{VALIDATION_STEP_PREFIX}{stage}",
        specs=[check_spec(s, partitions) for s in specs],
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
        gx_module()
        from checks.validate import database_path, published_files, run_suites

        period = context.partition_key
        if isinstance(partitions, dg.MultiPartitionsDefinition):
            period, warehouse = province_scope(period, warehouse)
        provinces = warehouse.covered_provinces
        if database == NATIONAL:  # compared with the provinces' files that exist
            provinces = tuple(published_files(warehouse))
        params = SuiteParams(
            period,
            warehouse.bpu_minimum_contribution_rp,
            jkm_death_benefit_rp=warehouse.jkm_death_benefit_rp,
            provinces=provinces,
        )
        suites = [spec.for_period(params) for spec in specs]
        outcomes = run_suites(
            warehouse, context.run.run_id, suites, stage, database, log=context.log.info
        )
        failed = [o for o in outcomes if not o.passed and o.suite.severity == ERROR]
        if failed and database in (CANDIDATE, NATIONAL):
            database_path(warehouse, database).unlink(missing_ok=True)
            context.log.info("the candidate failed its checks and was deleted; not published")
        for outcome in outcomes:
            yield outcome.evaluation(context.partition_key)
        assets_def = context.op_execution_context.assets_def
        for check in context.check_specs:
            yield dg.Output(
                None, output_name=assets_def.get_output_name_for_asset_check_key(check.key)
            )

    return _validate


def asset_checks(partitions: dg.PartitionsDefinition) -> list[dg.AssetChecksDefinition]:
    """The validation steps of the province-level assets, partitioned like them."""
    return [
        validation_step(
            "staging",
            "Validates the staged enrollment and Sakernas rows of the period (GX on DuckDB).",
            partitions,
        ),
        validation_step(
            "core", "Validates core.person_link against the staged rows (GX on DuckDB).", partitions
        ),
        validation_step(
            "mart", "Validates the coverage marts of the period (GX on DuckDB).", partitions
        ),
        validation_step(
            "published",
            "Validates the candidate of the published file before it is swapped in (GX on DuckDB).",
            partitions,
        ),
    ]


def national_checks() -> list[dg.AssetChecksDefinition]:
    """The validation step of the national candidate, by period."""
    return [
        validation_step(
            "national",
            "Validates the candidate of the national file against the provinces' files "
            "before it is swapped in (GX on DuckDB).",
            period_partitions,
        )
    ]
