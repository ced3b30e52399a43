"""Validating the suites of one check step: GX on DuckDB by SQL pushdown, recorded, with
Data Docs.

For the suites of one step (`checks/asset_checks.py`), `run_suites`:

1. validates every suite with GX (`checks.gx_duckdb`) on one read-only datasource over
   the internal file or the candidate of the published file;
2. adds the results to the step's Data Docs site (`checks.data_docs`);
3. records one row per expectation in ``quality.validation_results`` (`checks.results`);
4. returns a `SuiteOutcome` per suite, which becomes the check's evaluation.

GX itself is imported inside the functions, by the processes that validate.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assets.warehouse import Warehouse
from checks.data_docs import build_docs
from checks.outcomes import SAMPLES, SUITE_META, SuiteOutcome, outcomes_from_result
from checks.results import record
from checks.suites import CANDIDATE, NATIONAL, Suite
from checks.suites.national import province_alias
from contract.tables import PERSONAL_COLUMNS

#: SUMMARY: counts and at most SAMPLES samples per failed expectation, each found by SQL
#: with a LIMIT (`gx_duckdb.validate_table` asks for samples only where an expectation
#: failed); ``row_id`` is returned with every sample (GX's "unexpected index" columns).
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": SAMPLES,
    "unexpected_index_column_names": ["row_id"],
    "return_unexpected_index_query": False,
}


def database_path(warehouse: Warehouse, database: str) -> Path:
    if database == NATIONAL:
        return warehouse.national_candidate_path
    return warehouse.candidate_path if database == CANDIDATE else Path(warehouse.internal_path)


def attachments(warehouse: Warehouse, database: str) -> dict[str, Path]:
    """The files a validation reads besides its own: the national candidate is compared
    with each province's published file (those that exist: a province that never
    published is not in the national file)."""
    if database != NATIONAL:
        return {}
    return {province_alias(p): path for p, path in published_files(warehouse).items()}


def published_files(warehouse: Warehouse) -> dict[str, Path]:
    """The covered provinces' published files that exist, by province."""
    files = {p: Path(warehouse.for_province(p).published_path) for p in warehouse.covered_provinces}
    return {p: path for p, path in files.items() if path.exists()}


def gx_suite_name(names: Sequence[str]) -> str:
    """The GX suite (and Data Docs page) of suites validated together: their common stem,
    e.g. ``coverage_region`` for ``coverage_region_rules`` and ``coverage_region_warnings``."""
    stems = {re.sub(r"_(rules|warnings)$", "", n) for n in names}
    return stems.pop() if len(stems) == 1 and len(names) > 1 else "+".join(names)


def validate(warehouse: Warehouse, suites: Sequence[Suite], database: str) -> list[SuiteOutcome]:
    """Validate each suite with GX; the file is released on return.

    Suites of one period with the same target (a period's rules and warnings) run as one GX
    validation: every validation costs GX ~0.1 s of its own, whatever the data. The
    outcomes are split again by suite (each expectation carries its suite in ``meta``).
    The suites of one period share a read-only datasource, in a fresh GX context per
    period: a GX context re-serialises all its assets whenever one is added, so one context
    for a long backfill would cost time quadratic in the number of periods. The connection
    has the warehouse's DuckDB settings: a check step runs alone, like any other step, and
    a smaller memory limit made the person rules spill at 5M persons.
    """
    import great_expectations as gx

    from checks import gx_duckdb

    outcomes = []
    warehouse.spill_dir.mkdir(parents=True, exist_ok=True)
    path = database_path(warehouse, database)
    batches: dict[str, dict[str, list[Suite]]] = {}
    for suite in suites:
        batches.setdefault(suite.period, {}).setdefault(suite.validation.target, []).append(suite)
    for by_target in batches.values():
        with gx_duckdb.duckdb_datasource(
            path,
            duckdb_config=warehouse.duckdb_config(),
            attach=attachments(warehouse, database),
        ) as source:
            source.create_temp_table = any(
                s.validation.materialize for g in by_target.values() for s in g
            )
            for target, group in by_target.items():
                expectations = []
                for suite in group:
                    for expectation in suite.validation.expectations:
                        expectation.meta = {**(expectation.meta or {}), SUITE_META: suite.name}
                        expectations.append(expectation)
                started = time.perf_counter()
                result = gx_duckdb.validate_table(
                    source,
                    target,
                    gx.ExpectationSuite(
                        name=gx_suite_name([s.name for s in group]), expectations=expectations
                    ),
                    result_format=RESULT_FORMAT,
                )
                seconds = time.perf_counter() - started
                validated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                for suite in group:
                    outcomes.append(
                        SuiteOutcome(
                            suite=suite,
                            expectations=outcomes_from_result(result, PERSONAL_COLUMNS, suite.name),
                            seconds=seconds / len(group),
                            validated_at=validated_at,
                            gx_result=result,
                        )
                    )
    return outcomes


def run_suites(
    warehouse: Warehouse,
    run_id: str,
    suites: Sequence[Suite],
    site: str,
    database: str,
    log: Callable[[str], None] | None = None,
) -> list[SuiteOutcome]:
    """Validate, add to the step's Data Docs, record: the work of one check step."""
    started = time.perf_counter()
    outcomes = validate(warehouse, suites, database)
    validated = time.perf_counter()
    try:
        build_docs(outcomes, warehouse.data_docs_dir / site, run_id)
    except OSError as error:  # e.g. a full disk: name the folder (GX's writes do not)
        raise OSError(error.errno, error.strerror, str(warehouse.data_docs_dir / site)) from None
    documented = time.perf_counter()
    if database != NATIONAL:  # the national file has no internal file: the run's log says
        record(warehouse, run_id, outcomes)
    if log is not None:
        log(
            f"{len(outcomes)} suite validation(s) in {validated - started:.2f} s, Data Docs "
            f"in {documented - validated:.2f} s, recorded in "
            f"{time.perf_counter() - documented:.2f} s"
        )
    return outcomes
