"""Staging: landing files -> typed, cleaned rows, and every rejected row in quarantine.

A snapshot is staged whole or not at all: the rows of one period (or labour year) are
replaced in one transaction, so a rerun replaces that snapshot and never duplicates it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.sql import render
from assets.staging.landing import BrokenFileError, FileRead, load_snapshot
from assets.staging.split import Split, load_split
from assets.warehouse import fault_point
from contract.landing import landed_years
from contract.periods import labour_year_for, period_end
from contract.row_rules import ENROLLMENT, LABOUR, SourceRules, broken_rules_sql
from contract.tables import PERIOD_LABOUR_YEAR, STAGED_ENROLLMENT, STAGED_LABOUR, Table

SQL = Path(__file__).parent


@dataclass(frozen=True)
class StagedSnapshot:
    source: str
    key: str
    files: list[FileRead]
    accepted: int
    rejected: int
    rejects_by_rule: dict[str, int]

    @property
    def read(self) -> int:
        return sum(f.rows for f in self.files)


def judge_rows(conn: duckdb.DuckDBPyConnection, rules: SourceRules) -> None:
    """``raw_rows`` -> ``judged_rows``: cleaned, typed, and the list of broken rules."""
    conn.execute(
        render(
            SQL / "judge_rows.sql",
            cleaned=rules.cleaned,
            typed=rules.typed,
            broken_rules=broken_rules_sql(rules),
            unique_key=", ".join(rules.unique_key),
            same_key=" AND ".join(f"j.{c} IS NOT DISTINCT FROM k.{c}" for c in rules.unique_key),
        )
    )


def replace_snapshot(
    conn: duckdb.DuckDBPyConnection,
    rules: SourceRules,
    key: str,
    files: list[FileRead],
    staged: Table,
    staged_key: tuple[str, object],
    accepted_sql: str,
) -> StagedSnapshot:
    """Swap the snapshot's staged rows, rejects and file counts in one transaction."""
    conn.execute("SET VARIABLE source = ?", [rules.source])
    conn.execute("SET VARIABLE snapshot = ?", [key])
    conn.execute("BEGIN TRANSACTION")
    try:
        column, value = staged_key
        conn.execute(f"DELETE FROM {staged.name} WHERE {column} = ?", [value])
        conn.execute(render(SQL / accepted_sql, columns=", ".join(staged.column_names())))
        for table in ("quality.rejected_rows", "quality.file_loads"):
            conn.execute(
                f"DELETE FROM {table} WHERE source = getvariable('source') "
                "AND periode_or_tahun = getvariable('snapshot')"
            )
        conn.execute(
            render(
                SQL / "record_quality.sql",
                original=", ".join(f"{c} := r.{c}" for c in rules.columns),
            )
        )
        fault_point("staging")  # tests only: a kill inside the write
        conn.execute("COMMIT")
    except Exception:
        with suppress(duckdb.TransactionException):  # a failed COMMIT has already ended it
            conn.execute("ROLLBACK")
        raise
    accepted, rejected = conn.execute(
        "SELECT count(*) FILTER (len(rules) = 0), count(*) FILTER (len(rules) > 0) FROM judged_rows"
    ).fetchone() or (0, 0)
    by_rule = dict(
        conn.execute(
            "SELECT r, count(*) FROM (SELECT unnest(rules) AS r FROM judged_rows) "
            "GROUP BY r ORDER BY r"
        ).fetchall()
    )
    return StagedSnapshot(rules.source, key, files, accepted, rejected, by_rule)


def stage_enrollment(
    conn: duckdb.DuckDBPyConnection, landing: Path, period: str, split: Split | None = None
) -> StagedSnapshot:
    """Stage one enrollment snapshot: every row accepted into staging or rejected. A broken
    file stops it (``BrokenFileError``, recorded in quality.broken_files). ``split``: a
    province of several stages its rows of the national snapshot's split."""
    with broken_files_recorded(conn, ENROLLMENT.source, period):
        if split is None:
            files = load_snapshot(
                conn, landing, ENROLLMENT.source, period, ENROLLMENT.columns, "raw_rows"
            )
        else:
            rows = split.province_files(landing, period)
            files = load_split(conn, rows, ENROLLMENT.columns, "raw_rows")
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("SET VARIABLE periode_end = ?::DATE", [period_end(period)])
    judge_rows(conn, ENROLLMENT)
    return replace_snapshot(
        conn,
        ENROLLMENT,
        period,
        files,
        STAGED_ENROLLMENT,
        ("periode", period),
        "accepted_enrollment.sql",
    )


def stage_labour(conn: duckdb.DuckDBPyConnection, landing: Path, year: int) -> StagedSnapshot:
    """Stage one Sakernas year."""
    with broken_files_recorded(conn, LABOUR.source, str(year)):
        files = load_snapshot(conn, landing, LABOUR.source, str(year), LABOUR.columns, "raw_rows")
    conn.execute("SET VARIABLE folder_year = ?", [year])
    judge_rows(conn, LABOUR)
    return replace_snapshot(
        conn, LABOUR, str(year), files, STAGED_LABOUR, ("tahun", year), "accepted_labour.sql"
    )


class NoLabourYearError(Exception):
    """A period before every landed Sakernas year has no denominator."""


@dataclass(frozen=True)
class LabourStaging:
    year: int  # the period's denominator
    snapshots: list[StagedSnapshot]
    broken: dict[int, BrokenFileError]  # landed years not staged (not this period's)


def stage_labour_for(conn: duckdb.DuckDBPyConnection, landing: Path, period: str) -> LabourStaging:
    """Stage every landed Sakernas year, so that each of its rows is accepted or
    quarantined, and record the period's denominator: the latest landed year <= the
    period's year. A broken year stops only the periods whose denominator it is."""
    years = landed_years(landing)
    year = labour_year_for(period, years)
    if year is None:
        raise NoLabourYearError(
            f"period {period} has no labour statistics: no folder labour/<YYYY>/ "
            f"with YYYY <= {period[:4]} in the landing zone"
        )
    snapshots, broken = [], {}
    for landed in years:
        try:
            snapshots.append(stage_labour(conn, landing, landed))
        except BrokenFileError as error:
            if landed == year:
                raise
            broken[landed] = error
    conn.execute(f"DELETE FROM {PERIOD_LABOUR_YEAR.name} WHERE periode = ?", [period])
    conn.execute(f"INSERT INTO {PERIOD_LABOUR_YEAR.name} VALUES (?, ?)", [period, year])
    return LabourStaging(year, snapshots, broken)


@contextmanager
def broken_files_recorded(conn: duckdb.DuckDBPyConnection, source: str, key: str) -> Iterator[None]:
    """A file that cannot be read is listed in quality.broken_files, and its error raised."""
    try:
        yield
    except BrokenFileError as error:
        conn.execute(
            "INSERT INTO quality.broken_files VALUES (?, ?, ?, ?, now() AT TIME ZONE 'UTC')",
            [source, key, error.file, error.reason],
        )
        raise
