"""Validation results as rows of ``quality.validation_results``, and read back per period
for `cakupan run`'s summary (which needs no GX)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb

from assets.warehouse import Warehouse
from checks.outcomes import SuiteOutcome
from checks.suites import WARN
from contract.tables import VALIDATION_RESULTS


def record(warehouse: Warehouse, run_id: str, outcomes: Sequence[SuiteOutcome]) -> None:
    """One row per expectation in quality.validation_results (a rerun of a run replaces its rows)."""
    rows = [
        (
            run_id,
            o.asset_key.to_user_string(),
            o.suite.period,
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
    with warehouse.connect() as conn:
        conn.execute("BEGIN TRANSACTION")
        for o in outcomes:
            conn.execute(
                "DELETE FROM quality.validation_results "
                "WHERE run_id = ? AND suite = ? AND periode = ?",
                [run_id, o.suite.name, o.suite.period],
            )
        if rows:
            columns = VALIDATION_RESULTS.column_names()
            conn.executemany(
                f"INSERT INTO {VALIDATION_RESULTS.name} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                rows,
            )
        conn.execute("COMMIT")


@dataclass
class PeriodSummary:
    period: str
    passed: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    expectations: int = 0

    def line(self) -> str:
        checks = len(self.passed) + len(self.warned) + len(self.failed)
        text = (
            f"{self.period}: {checks} checks, {len(self.passed)} passed, "
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
    for period, suite, severity, success, n in rows:
        summary = summaries.setdefault(period, PeriodSummary(period))
        summary.expectations += n
        if success:
            summary.passed.append(suite)
        elif severity == WARN:
            summary.warned.append(suite)
        else:
            summary.failed.append(suite)
    return [summaries[p] for p in chosen if p in summaries]
