"""Great Expectations 1.x validation of tables in a DuckDB file, by SQL pushdown.

GX computes every metric as SQL on DuckDB (through duckdb-engine); no table is loaded
into pandas. Only aggregates and a few sample values per expectation come back.

GX 1.x does not support DuckDB out of the box, so importing this module patches three
spots of the installed GX, narrowly and idempotently (see `install_duckdb_patches`):

1. DuckDB joins GX's "persisted connection" dialects (GX issues #10738, #11579).
   GX's `SqlAlchemyExecutionEngine.execute_query` leaves its `with engine.connect()`
   block *before* the caller fetches the rows. Leaving it rolls back SQLAlchemy's
   autobegun transaction, DuckDB drops a connection's pending result on ROLLBACK, and
   duckdb-engine's cursor *is* that connection; so every metric query fetches `[]`
   and every expectation fails with `IndexError` in `resolve_metric_bundle`. GX keeps
   one connection open (and uses a `StaticPool`) for dialects listed in
   `_PERSISTED_CONNECTION_DIALECTS`, as it does for sqlite; we add "duckdb" there.
2. DuckDB's regex predicate is mapped (`regexp_matches`, a substring match like
   Python's `re.search`, which is what GX's regex metrics mean). Otherwise
   `get_dialect_regex_expression` returns None for DuckDB and every regex expectation
   raises "Regex is not supported for dialect duckdb".
3. A value set is a hash lookup (`ExpectColumnValuesToBeInSet`). GX computes the unexpected
   counts of a batch's column expectations in one aggregate query, one
   ``sum(CASE WHEN x NOT IN (v1, ..., vn) ...)`` each; DuckDB evaluates such a list as n
   comparisons per row (~1 s per million rows for the 115 district codes of one province),
   but ``x IN (SELECT v FROM (VALUES ...))`` as one hash join. Same rows, same samples.

Usage::

    with duckdb_datasource(db_path) as ds:  # read-only; closed (file released) on exit
        result = validate_table(ds, "staging.enrollment", suite)
        march = validate_table(ds, "SELECT * FROM staging.enrollment WHERE periode = '2025-03'", suite)
    rows = summarize(result)            # plain per-expectation dicts

DuckDB allows one read-write process per file, and in one process all connections to a
file must share a configuration: call this only once the pipeline has closed its own
connection to the file (the datasource is read-only by default).

Import this module lazily, inside the asset or check that validates: importing GX takes
about 4 s and 180 MB, which every Dagster process would otherwise pay at load time.
"""

from __future__ import annotations

import hashlib
import re
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import great_expectations as gx
import great_expectations.execution_engine.sqlalchemy_execution_engine as _gx_sqlae
import great_expectations.expectations.metrics.util as _gx_metrics_util
import sqlalchemy as sa
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.expectations import Expectation
from great_expectations.expectations.metrics.column_map_metrics.column_values_in_set import (
    ColumnValuesInSet as _GXColumnValuesInSet,
)
from great_expectations.validator.v1_validator import Validator

__all__ = [
    "RESULT_FORMAT",
    "close_datasource",
    "duckdb_datasource",
    "install_duckdb_patches",
    "open_datasource",
    "summarize",
    "validate_table",
]

# SUMMARY gives unexpected_count/percent and a few sample values, each computed in SQL
# with a LIMIT; COMPLETE would fetch every unexpected value (and row ids) into Python.
RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 5}

_DUCKDB = "duckdb"
_TABLE_NAME = re.compile(r"^\s*(?:(?P<schema>[A-Za-z_]\w*)\.)?(?P<table>[A-Za-z_]\w*)\s*$")


# --------------------------------------------------------------------------- patches


class _DuckDBDialectName(str):
    """Stands in for a `GXSqlDialect` member in `_PERSISTED_CONNECTION_DIALECTS`.

    GX's enum has no DuckDB member and cannot be extended. GX reads that tuple two ways:
    `dialect_name in tuple` (a str "duckdb"; equal to this str) and `d.value` with
    `connection_string.startswith(d.value)` (hence `value`).
    """

    value = _DUCKDB


def _is_duckdb(dialect: Any) -> bool:
    # GX passes `execution_engine.dialect_module` (None for DuckDB) or else the engine's
    # dialect instance, whose `name` duckdb-engine sets to "duckdb".
    return getattr(dialect, "name", None) == _DUCKDB


# GX's own function, even if this module is reloaded after patching.
_ORIGINAL_REGEX_EXPRESSION = getattr(
    _gx_metrics_util.get_dialect_regex_expression,
    "__wrapped_by_cakupan__",
    _gx_metrics_util.get_dialect_regex_expression,
)


def _regex_expression_with_duckdb(
    column: Any, regex: str, dialect: Any, positive: bool = True
) -> Any:
    """GX's `get_dialect_regex_expression` plus a DuckDB branch, which GX lacks."""
    if _is_duckdb(dialect):
        matches = sa.func.regexp_matches(column, sa.literal(regex))
        return matches if positive else sa.not_(matches)
    return _ORIGINAL_REGEX_EXPRESSION(column, regex, dialect, positive)


_regex_expression_with_duckdb.__wrapped_by_cakupan__ = _ORIGINAL_REGEX_EXPRESSION  # type: ignore[attr-defined]

# GX's in-set condition, even if this module is reloaded after patching.
_ORIGINAL_IN_SET = getattr(
    _GXColumnValuesInSet._sqlalchemy_impl,
    "__wrapped_by_cakupan__",
    _GXColumnValuesInSet._sqlalchemy_impl,
)


def _in_set_with_duckdb(column: Any, value_set: Any, **kwargs: Any) -> Any:
    """GX's in-set condition; on DuckDB, the set as a subquery (a hash join, not a chain
    of comparisons). GX's own handling of an empty set or a None in it is kept."""
    if _is_duckdb(kwargs.get("_dialect")) and value_set and None not in value_set:
        values = sa.values(sa.column("v"), name="value_set").data([(v,) for v in value_set])
        return column.in_(sa.select(values.c.v))
    return _ORIGINAL_IN_SET(column, value_set, **kwargs)


_in_set_with_duckdb.__wrapped_by_cakupan__ = _ORIGINAL_IN_SET  # type: ignore[attr-defined]


def install_duckdb_patches() -> None:
    """Make GX 1.x work on DuckDB (GX #10738, #11579); idempotent, runs at import.

    Every patch only changes behaviour for the "duckdb" dialect.
    """
    # 1. Persisted connection: see the module docstring. Read by `get_connection` and
    #    `_dialect_requires_persisted_connection` (which then picks a StaticPool).
    persisted = _gx_sqlae._PERSISTED_CONNECTION_DIALECTS
    if _DUCKDB not in persisted:
        _gx_sqlae._PERSISTED_CONNECTION_DIALECTS = (*persisted, _DuckDBDialectName(_DUCKDB))  # type: ignore[assignment]
    # 2. Regex: the metric modules imported the function by name, so rebind it in each
    #    GX module that holds the original (util plus the six regex metric modules).
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if (
            name.startswith("great_expectations.")
            and getattr(module, "get_dialect_regex_expression", None) is _ORIGINAL_REGEX_EXPRESSION
        ):
            module.get_dialect_regex_expression = _regex_expression_with_duckdb  # type: ignore[attr-defined]
    # 3. Value sets: the metric calls `cls._sqlalchemy_impl` when it runs.
    _GXColumnValuesInSet._sqlalchemy_impl = staticmethod(_in_set_with_duckdb)  # type: ignore[method-assign,assignment]


install_duckdb_patches()


# ------------------------------------------------------------------------ datasource


def _ephemeral_context() -> Any:
    """An in-memory GX context: nothing on disk, no progress bars, no analytics."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def open_datasource(
    db_path: str | Path,
    *,
    read_only: bool = True,
    duckdb_config: Mapping[str, object] | None = None,
    name: str = "warehouse",
) -> SQLDatasource:
    """An ephemeral GX context with a SQL datasource on the DuckDB file `db_path`.

    Read-only by default (`?access_mode=read_only`), so it can never change the
    warehouse. `duckdb_config` (e.g. `{"threads": 1, "memory_limit": "256MB"}`) goes
    into the URL, which duckdb-engine hands to `duckdb.connect(config=...)`: it bounds
    DuckDB's share of the peak RSS (uniqueness checks are hash aggregations).
    Close it with `close_datasource` to release the file.
    """
    params = {str(k): str(v) for k, v in (duckdb_config or {}).items()}
    if read_only:
        params["access_mode"] = "read_only"
    url = f"duckdb:///{Path(db_path).resolve()}"
    if params:
        url += "?" + urlencode(params)
    return _ephemeral_context().data_sources.add_sql(name=name, connection_string=url)


def close_datasource(datasource: SQLDatasource) -> None:
    """Close every DuckDB connection GX opened, so others can open the file again.

    GX has no close step for a datasource: its execution engine keeps the persisted
    connection, and the datasource keeps a second engine for reflection.
    """
    engine = datasource.get_execution_engine()
    connection = getattr(engine, "_connection", None)
    if connection is not None:
        connection.close()
        engine._connection = None
    engine.close()
    datasource.get_engine().dispose()


@contextmanager
def duckdb_datasource(
    db_path: str | Path,
    *,
    read_only: bool = True,
    duckdb_config: Mapping[str, object] | None = None,
    attach: Mapping[str, Path] | None = None,
) -> Iterator[SQLDatasource]:
    """`open_datasource` as a context manager that always releases the file. ``attach``:
    other DuckDB files, read-only, under their names (the connection is persisted, so
    every query of the validation sees them)."""
    datasource = open_datasource(db_path, read_only=read_only, duckdb_config=duckdb_config)
    try:
        if attach:
            with datasource.get_execution_engine().get_connection() as connection:
                for name, path in attach.items():
                    connection.exec_driver_sql(
                        f"ATTACH '{Path(path).resolve()}' AS {name} (READ_ONLY)"
                    )
        yield datasource
    finally:
        close_datasource(datasource)


# ------------------------------------------------------------------------ validation


def _asset(datasource: SQLDatasource, target: str) -> Any:
    """The table asset (`schema.table`) or query asset (anything else) for `target`."""
    match = _TABLE_NAME.match(target)
    if match:
        asset_name = target.strip()
    else:
        asset_name = "query_" + hashlib.sha1(target.encode()).hexdigest()[:12]
    if asset_name in datasource.get_asset_names():
        return datasource.get_asset(asset_name)
    if match:
        with warnings.catch_warnings():
            # GX 1.14 deprecated `schema_name` for a datasource-level schema, which the
            # generic SQLDatasource cannot express; it still works and is still needed.
            warnings.filterwarnings("ignore", "`schema_name` is deprecated", DeprecationWarning)
            return datasource.add_table_asset(
                name=asset_name, table_name=match["table"], schema_name=match["schema"]
            )
    query = target.strip().rstrip(";")
    if not re.match(r"(?is)select\s", query):  # GX wants "SELECT ..."; allow WITH etc.
        query = f"SELECT * FROM (\n{query}\n) AS q"
    return datasource.add_query_asset(name=asset_name, query=query)


def validate_table(
    source: str | Path | SQLDatasource,
    target: str,
    suite: gx.ExpectationSuite | Sequence[Expectation],
    *,
    result_format: str | dict[str, Any] = RESULT_FORMAT,
) -> ExpectationSuiteValidationResult:
    """Validate a table (`"staging.enrollment"`) or a SQL query in DuckDB with GX.

    `source` is a DuckDB file path (opened read-only and closed again) or a datasource
    from `open_datasource` / `duckdb_datasource` (reused, several tables per context).
    A query (e.g. `SELECT * FROM staging.enrollment WHERE periode = '2025-03'`) filters
    rows; DuckDB materialises it as a temp table, still out of Python. `suite` may be a
    plain list of expectations. Returns GX's result; see `summarize` for plain dicts.
    """
    if not isinstance(source, SQLDatasource):
        with duckdb_datasource(source) as datasource:
            return validate_table(datasource, target, suite, result_format=result_format)
    asset = _asset(source, target)
    if not isinstance(suite, gx.ExpectationSuite):
        suite = gx.ExpectationSuite(name=f"checks.{asset.name}", expectations=list(suite))
    names = [definition.name for definition in asset.batch_definitions]
    definition = (
        asset.get_batch_definition("whole")
        if "whole" in names
        else asset.add_batch_definition_whole_table("whole")
    )
    # `Batch.validate` would build the batch a second time from its definition (for a query
    # asset with temp tables: the query materialised twice); a Validator builds it once.
    validator = Validator(batch_definition=definition, result_format=cast(Any, result_format))
    samples = _sample_count(result_format)
    if not samples:
        return validator.validate_expectation_suite(suite)
    # Samples only where they say something: a first pass with none (GX's sample queries,
    # two per column expectation, each a full scan when no row breaks the rule, find
    # nothing for an expectation that holds), then each failed column expectation again,
    # on the same batch, with its samples. Every result is what one pass would return.
    validator.result_format = cast(
        Any, {**cast(dict, result_format), "partial_unexpected_count": 0}
    )
    result = validator.validate_expectation_suite(suite)
    validator.result_format = cast(Any, result_format)
    for index, item in enumerate(result.results):
        if not item.success and "partial_unexpected_list" in (item.result or {}):
            config = item.expectation_config
            assert config is not None  # GX always sets it on results from `validate`
            result.results[index] = validator.validate_expectation(config.to_domain_obj())
    return result


def _sample_count(result_format: str | dict[str, Any]) -> int:
    """How many unexpected samples per expectation ``result_format`` asks for (0: none, or
    a format that has none, or one that keeps every unexpected row)."""
    if not isinstance(result_format, dict):
        return 0
    if result_format.get("result_format") not in ("BASIC", "SUMMARY"):
        return 0
    return int(result_format.get("partial_unexpected_count", 20))


def summarize(result: ExpectationSuiteValidationResult) -> list[dict[str, Any]]:
    """One plain dict per expectation, e.g. for Dagster metadata or logs.

    Keys: expectation, column, kwargs, success, observed_value, unexpected_count,
    unexpected_percent, partial_unexpected_list, exception (message if GX raised).
    """
    rows = []
    for item in result.results:
        config = item.expectation_config
        assert config is not None  # GX always sets it on results from `validate`
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        details = item.result or {}
        info = item.exception_info or {}
        # A failed metric is reported as {metric_id: {...}} rather than at the top level.
        infos = [info] if "raised_exception" in info else list(info.values())
        errors = [i.get("exception_message") for i in infos if i.get("raised_exception")]
        rows.append(
            {
                "expectation": config.type,
                "column": kwargs.get("column")
                or kwargs.get("column_list")
                or [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]
                or None,
                "kwargs": kwargs,
                "success": bool(item.success),
                "observed_value": details.get("observed_value"),
                "unexpected_count": details.get("unexpected_count"),
                "unexpected_percent": details.get("unexpected_percent"),
                "partial_unexpected_list": details.get("partial_unexpected_list"),
                "exception": "; ".join(str(e) for e in errors) or None,
            }
        )
    return rows
