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


def judged(rules: SourceRules, rows: str = "raw_rows", judge: bool = True) -> str:
    """A query over the raw rows ``rows``: cleaned, typed, and ``broken``, the rules (but
    ``duplicate_key``) each row breaks (not judged: NULL)."""
    return render(
        SQL / "judge_rows.sql",
        rows=rows,
        cleaned=rules.cleaned,
        typed=rules.typed,
        broken_rules=broken_rules_sql(rules) if judge else "NULL::VARCHAR[]",
    )


def find_later_duplicates(conn: duckdb.DuckDBPyConnection, rules: SourceRules) -> None:
    """``later_duplicates``: the raw rows (file_order, line) that break duplicate_key."""
    key = ", ".join(rules.unique_key)
    repeated = "(SELECT * FROM raw_rows SEMI JOIN repeated_rows USING (file_order, line))"
    conn.execute(
        render(
            SQL / "later_duplicates.sql",
            keys=f"SELECT file_order, line, {key} FROM ({judged(rules, judge=False)})",
            judged_repeated=judged(rules, repeated),
            unique_key=key,
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
    """Swap the snapshot's staged rows, rejects and file counts in one transaction: the
    rows are judged on their way into the staged table; only the rows it did not take
    are judged again, to name their rules in the quarantine."""
    column, value = staged_key
    conn.execute("SET VARIABLE source = ?", [rules.source])
    conn.execute("SET VARIABLE snapshot = ?", [key])
    conn.execute("SET VARIABLE staged_key = ?", [value])
    find_later_duplicates(conn, rules)
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(f"DELETE FROM {staged.name} WHERE {column} = getvariable('staged_key')")
        conn.execute(
            render(
                SQL / accepted_sql,
                columns=", ".join(staged.column_names()),
                judged=judged(rules),
            )
        )
        for table in ("quality.rejected_rows", "quality.file_loads"):
            conn.execute(
                f"DELETE FROM {table} WHERE source = getvariable('source') "
                "AND periode_or_tahun = getvariable('snapshot')"
            )
        conn.execute(
            render(
                SQL / "record_quality.sql",
                staged_rows=f"SELECT file, line FROM {staged.name} "
                f"WHERE {column} = getvariable('staged_key')",
                judged_not_accepted=judged(rules, "not_accepted"),
                original=", ".join(f"{c} := r.{c}" for c in rules.columns),
            )
        )
        fault_point("staging")  # tests only: a kill inside the write
        conn.execute("COMMIT")
    except Exception:
        with suppress(duckdb.TransactionException):  # a failed COMMIT has already ended it
            conn.execute("ROLLBACK")
        raise
    read = sum(f.rows for f in files)
    by_rule = dict(
        conn.execute(
            "SELECT r, count(*) FROM (SELECT unnest(rules) AS r FROM rejected) "
            "GROUP BY r ORDER BY r"
        ).fetchall()
    )
    [(rejected,)] = conn.execute("SELECT count(*) FROM rejected").fetchall()
    return StagedSnapshot(rules.source, key, files, read - rejected, rejected, by_rule)


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
