"""Running expectation suites for the asset checks: GX on DuckDB, recorded, with Data Docs.

For the suites of one check step (`checks/asset_checks.py`), `run_suites`:

1. validates every suite with GX by SQL pushdown (`checks.gx_duckdb`), on one read-only
   datasource over the internal file or the candidate of the published file;
2. adds the results to the step's GX Data Docs site, ``<warehouse_dir>/data_docs/<site>/``
   (one page per validation and period; validating a period again replaces its page);
3. records one row per expectation in ``quality.validation_results`` through a short
   read-write connection, opened only after GX closed its read-only one (DuckDB lets a
   process hold a file with one configuration at a time);
4. returns a `SuiteOutcome` per suite and period, which becomes the check's evaluation.

Nothing personal leaves the validation: samples are ``row_id`` values (``file:line``, grain
keys, column names), and sample *values* only of columns that cannot hold personal data.

`validation_summary` reads ``quality.validation_results`` back for ``cakupan run``'s
summary; it needs no GX. GX itself is imported inside the functions that validate.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import duckdb

from checks.suites import CANDIDATE, ERROR, WARN, Suite
from pipelines import warehouse as wh

if TYPE_CHECKING:
    from pipelines.resources import Warehouse

#: SUMMARY: counts and at most 5 samples per expectation, each found by SQL with a LIMIT;
#: ``row_id`` is returned with every sample (GX's "unexpected index" columns).
SAMPLES = 5
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": SAMPLES,
    "unexpected_index_column_names": ["row_id"],
    "return_unexpected_index_query": False,
}
#: DuckDB settings of the validating connection: a modest share of the machine, so that
#: validation adds little to the pipeline's peak memory.
GX_MEMORY_LIMIT = "1GB"
#: Key of an expectation's ``meta`` that names its suite.
SUITE_META = "cakupan_suite"
#: GX's name of `checks.suites`' ExpectNoRowsWhere.
NO_ROWS_WHERE = "expect_no_rows_where"
DATA_DOCS_DIR = "data_docs"
DOCS_SITE = "cakupan"
#: Under each site: the GX validation results its pages are rendered from (JSON).
DOCS_RESULTS_DIR = ".results"
DOCS_INDEX_LIMIT = 200


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # GX type, with its column: expect_column_values_to_not_be_null(kpj)
    rule: str
    success: bool
    observed: Any  # JSON-able
    unexpected_count: int | None
    sample_row_ids: list[str]
    sample_values: list[Any]  # aligned with the row ids; None for a personal column
    exception: str | None = None

    def samples(self) -> list[str]:
        return [
            row_id if value is None else f"{row_id} ({value})"
            for row_id, value in zip(self.sample_row_ids, self.sample_values, strict=True)
        ]


@dataclass
class SuiteOutcome:
    suite: Suite
    expectations: list[ExpectationOutcome]
    seconds: float
    validated_at: dt.datetime
    data_docs_page: Path | None = None
    data_docs_index: Path | None = None
    gx_result: Any = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return all(e.success for e in self.expectations)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(list(self.suite.asset))

    def description(self) -> str:
        n = len(self.expectations)
        if self.passed:
            return f"{self.suite.periode}: all {n} expectations of {self.suite.name} hold."
        parts = [
            e.rule + (f" ({e.unexpected_count:,} rows)" if e.unexpected_count else "")
            for e in self.failed
        ]
        return f"{self.suite.periode}: {len(parts)} of {n} expectations failed: " + "; ".join(parts)

    def metadata(self) -> dict[str, dg.MetadataValue]:
        failed = self.failed
        metadata: dict[str, dg.MetadataValue] = {
            "periode": dg.MetadataValue.text(self.suite.periode),
            "suite": dg.MetadataValue.text(self.suite.name),
            "expectations": dg.MetadataValue.md(expectations_markdown(self.expectations)),
            "expectations_evaluated": dg.MetadataValue.int(len(self.expectations)),
            "expectations_failed": dg.MetadataValue.int(len(failed)),
            "unexpected_rows": dg.MetadataValue.int(sum(e.unexpected_count or 0 for e in failed)),
            "sample_row_ids": dg.MetadataValue.json(
                {e.rule: e.sample_row_ids for e in failed if e.sample_row_ids}
            ),
            "validation_seconds": dg.MetadataValue.float(round(self.seconds, 3)),
        }
        if self.data_docs_page is not None:
            metadata["data_docs"] = dg.MetadataValue.path(str(self.data_docs_page))
        if self.data_docs_index is not None:
            metadata["data_docs_site"] = dg.MetadataValue.path(str(self.data_docs_index))
        return metadata

    def evaluation(self) -> dg.AssetCheckEvaluation:
        """The check's result for this suite's partition.

        An ``AssetCheckResult`` cannot name a partition (Dagster 1.13 derives it from the
        run, and a run of several periods has none): the evaluation, which is what Dagster
        makes of an ``AssetCheckResult``, can, so each period gets its own result.
        """
        return dg.AssetCheckEvaluation(
            asset_key=self.asset_key,
            check_name=self.suite.name,
            passed=self.passed,
            metadata=self.metadata(),
            severity=(
                dg.AssetCheckSeverity.ERROR
                if self.suite.severity == ERROR
                else dg.AssetCheckSeverity.WARN
            ),
            description=self.description(),
            blocking=self.suite.severity == ERROR,
            partition=self.suite.periode,
        )


# ------------------------------------------------------------------------------ results


def _md(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text.replace("|", "\\|").replace("\n", " ")


def expectations_markdown(outcomes: Sequence[ExpectationOutcome]) -> str:
    lines = [
        "| | rule | expectation | observed | unexpected | sample row ids (value) |",
        "|---|---|---|---|---:|---|",
    ]
    for e in outcomes:
        mark = "ok" if e.success else "**FAILED**"
        observed = _md(e.observed) if e.observed is not None else ""
        if e.exception:
            observed = f"error: {_md(e.exception)[:200]}"
        unexpected = "" if e.unexpected_count is None else f"{e.unexpected_count:,}"
        lines.append(
            f"| {mark} | {_md(e.rule)} | `{e.expectation}` | {observed} | {unexpected} | "
            f"{_md(', '.join(e.samples()))} |"
        )
    return "\n".join(lines)


def _json_safe(value: Any) -> Any:
    """Observed values as plain JSON (NaN and infinities become null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def outcomes_from_result(
    result: Any, personal: frozenset[str], suite: str | None = None
) -> list[ExpectationOutcome]:
    """Per-expectation outcomes of a GX suite result, with samples as row ids only; with
    ``suite``, only the expectations of that suite (see `validate`)."""
    from checks import gx_duckdb

    outcomes = []
    for row, item in zip(gx_duckdb.summarize(result), result.results, strict=True):
        if suite is not None and (item.expectation_config.meta or {}).get(SUITE_META) != suite:
            continue
        details = item.result or {}
        column = row["kwargs"].get("column")
        label = row["expectation"] + (f"({column})" if column else "")
        observed = row["observed_value"]
        if observed is None and "element_count" in details:
            observed = {
                "element_count": details.get("element_count"),
                "unexpected_percent": round(details.get("unexpected_percent") or 0.0, 4),
            }
        # GX returns each sample as {row_id, <column>: value}; the value is kept only for a
        # column that cannot hold personal data.
        shown = column is not None and column not in personal and column != "row_id"
        samples = [
            i for i in details.get("partial_unexpected_index_list") or [] if isinstance(i, dict)
        ][:SAMPLES]
        row_ids = [str(i.get("row_id")) for i in samples]
        values = [i.get(column) if shown else None for i in samples]
        unexpected = row["unexpected_count"]
        if unexpected is None and row["expectation"] == NO_ROWS_WHERE:
            unexpected = observed  # the number of rows the rule's query returned
        outcomes.append(
            ExpectationOutcome(
                expectation=label,
                rule=item.expectation_config.description or label,
                success=bool(row["success"]),
                observed=_json_safe(observed),
                unexpected_count=unexpected,
                sample_row_ids=row_ids,
                sample_values=_json_safe(values),
                exception=row["exception"],
            )
        )
    return outcomes


# ----------------------------------------------------------------------------- running


def database_path(warehouse: Warehouse, database: str) -> Path:
    from assets.publish import candidate_path

    if database == CANDIDATE:
        return candidate_path(warehouse.published_path)
    return Path(warehouse.internal_path)


def gx_duckdb_config(warehouse: Warehouse) -> dict[str, str | int]:
    return {
        "threads": warehouse.threads,
        "memory_limit": GX_MEMORY_LIMIT,
        "temp_directory": str(warehouse.spill_dir),
    }


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
    for a long backfill would cost time quadratic in the number of periods.
    """
    import great_expectations as gx

    from checks import gx_duckdb

    personal = wh.personal_column_names()
    outcomes = []
    warehouse.spill_dir.mkdir(parents=True, exist_ok=True)
    path = database_path(warehouse, database)
    batches: dict[str, dict[str, list[Suite]]] = {}
    for suite in suites:
        batches.setdefault(suite.periode, {}).setdefault(suite.target, []).append(suite)
    for by_target in batches.values():
        with gx_duckdb.duckdb_datasource(path, duckdb_config=gx_duckdb_config(warehouse)) as source:
            source.create_temp_table = any(s.materialize for g in by_target.values() for s in g)
            for target, group in by_target.items():
                expectations = []
                for suite in group:
                    for expectation in suite.expectations:
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
                            expectations=outcomes_from_result(result, personal, suite.name),
                            seconds=seconds / len(group),
                            validated_at=validated_at,
                            gx_result=result,
                        )
                    )
    return outcomes


def cache_data_docs_templates() -> None:
    """GX gives every Data Docs view a new Jinja environment, which compiles GX's ~30
    templates again: ~0.15 s of each ~0.2 s build. Let those environments share one
    bytecode cache (keyed by template name and source checksum), so that a process compiles
    the templates once. Idempotent; changes nothing else."""
    import jinja2
    from great_expectations.render.view.view import DefaultJinjaView

    if getattr(DefaultJinjaView.__init__, "__cakupan_bytecode__", False):
        return

    class ProcessBytecodeCache(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    cache = ProcessBytecodeCache()
    original = DefaultJinjaView.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    __init__.__cakupan_bytecode__ = True  # type: ignore[attr-defined]
    DefaultJinjaView.__init__ = __init__  # type: ignore[method-assign]


def _docs_context(site_dir: Path) -> Any:
    """An in-memory GX context whose validation results persist under the site, so that the
    site keeps the latest page of every suite and period, not just those of this run."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    defaults.stores[defaults.validation_results_store_name]["store_backend"] = {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": str(site_dir / DOCS_RESULTS_DIR),
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_dir),
                },
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "show_how_to_buttons": False,
                    # The index links the newest pages only: its cost stays bounded.
                    "validation_results_limit": DOCS_INDEX_LIMIT,
                },
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def build_docs(outcomes: Sequence[SuiteOutcome], site_dir: Path, run_id: str) -> Path:
    """Add this step's validations to its Data Docs site and render their pages.

    One page per GX validation and period: a period validated again replaces its page (GX's
    "run name" is ``<periode>_<Dagster run>``), the pages of other periods stay, so the links
    in earlier check results keep working. Sets each outcome's page and the site's index.
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    cache_data_docs_templates()
    site_dir = site_dir.resolve()  # GX wants absolute paths
    context = _docs_context(site_dir)
    store = context.validation_results_store
    stored = store.list_keys()
    now = dt.datetime.now(dt.UTC)
    pages: dict[int, Any] = {}  # one page per GX validation (suites validated together share it)
    for outcome in outcomes:
        result = outcome.gx_result
        if id(result) in pages:
            continue
        name, periode = result.suite_name, outcome.suite.periode
        for old in stored:
            if old.expectation_suite_identifier.name == name and str(
                old.run_id.run_name
            ).startswith(f"{periode}_"):
                store.remove_key(old)
        batch = result.meta.get("active_batch_definition") or {}
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
            run_id=RunIdentifier(run_name=f"{periode}_{run_id[:8]}", run_time=now),
            batch_identifier=re.sub(r"[^\w.-]", "_", batch.get("data_asset_name") or "batch"),
        )
        store.set(key, result)
        pages[id(result)] = key
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=list(pages.values()))
    index = site_dir / "index.html"
    for outcome in outcomes:
        *folders, name = pages[id(outcome.gx_result)].to_tuple()
        page = site_dir.joinpath("validations", *folders, f"{name}.html")
        outcome.data_docs_page = page if page.is_file() else index
        outcome.data_docs_index = index
    return index


def record(warehouse: Warehouse, run_id: str, outcomes: Sequence[SuiteOutcome]) -> None:
    """One row per expectation in quality.validation_results (a rerun of a run replaces its rows)."""
    rows = [
        (
            run_id,
            o.asset_key.to_user_string(),
            o.suite.periode,
            o.suite.name,
            e.expectation,
            e.rule,
            o.suite.severity,
            e.success,
            json.dumps(e.observed),
            e.unexpected_count,
            o.validated_at,
        )
        for o in outcomes
        for e in o.expectations
    ]
    conn = duckdb.connect(warehouse.internal_path, config=warehouse.duckdb_config())
    try:
        wh.create_tables(conn, (wh.VALIDATION_RESULTS,))
        conn.execute("BEGIN TRANSACTION")
        for o in outcomes:
            conn.execute(
                "DELETE FROM quality.validation_results "
                "WHERE run_id = ? AND suite = ? AND periode = ?",
                [run_id, o.suite.name, o.suite.periode],
            )
        if rows:
            columns = wh.VALIDATION_RESULTS.column_names()
            conn.executemany(
                f"INSERT INTO {wh.VALIDATION_RESULTS.name} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                rows,
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


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
    build_docs(outcomes, Path(warehouse.warehouse_dir) / DATA_DOCS_DIR / site, run_id)
    documented = time.perf_counter()
    record(warehouse, run_id, outcomes)
    if log is not None:
        log(
            f"{len(outcomes)} suite validation(s) in {validated - started:.2f} s, Data Docs "
            f"in {documented - validated:.2f} s, recorded in "
            f"{time.perf_counter() - documented:.2f} s"
        )
    return outcomes


# ----------------------------------------------------------------------------- summary


@dataclass
class PeriodSummary:
    periode: str
    passed: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    expectations: int = 0

    def line(self) -> str:
        checks = len(self.passed) + len(self.warned) + len(self.failed)
        text = (
            f"{self.periode}: {checks} checks, {len(self.passed)} passed, "
            f"{len(self.warned)} warned, {len(self.failed)} failed "
            f"({self.expectations} expectations)"
        )
        if self.failed:
            text += "; failed: " + ", ".join(self.failed)
        if self.warned:
            text += "; warned: " + ", ".join(self.warned)
        return text


def validation_summary(
    conn: duckdb.DuckDBPyConnection, periods: Iterable[str]
) -> list[PeriodSummary]:
    """Per period, the checks of the latest run that validated it (quality.validation_results):
    passed, warned (a WARN suite that failed) or failed (an ERROR suite that failed)."""
    chosen = sorted(set(periods))
    (exists,) = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'quality' AND table_name = 'validation_results'"
    ).fetchone() or (0,)
    if not chosen or not exists:
        return []
    rows = conn.execute(
        """
        WITH latest_run AS (
            SELECT periode, arg_max(run_id, validated_at) AS run_id
            FROM quality.validation_results WHERE list_contains(?, periode) GROUP BY periode
        )
        SELECT periode, suite, any_value(severity), bool_and(success), count(*)
        FROM quality.validation_results JOIN latest_run USING (periode, run_id)
        GROUP BY periode, suite ORDER BY periode, suite
        """,
        [chosen],
    ).fetchall()
    summaries: dict[str, PeriodSummary] = {}
    for periode, suite, severity, success, n in rows:
        summary = summaries.setdefault(periode, PeriodSummary(periode))
        summary.expectations += n
        if success:
            summary.passed.append(suite)
        elif severity == WARN:
            summary.warned.append(suite)
        else:
            summary.failed.append(suite)
    return [summaries[p] for p in chosen if p in summaries]
