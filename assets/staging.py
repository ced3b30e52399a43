"""Staging: landing files -> typed, cleaned rows, and every rejected row in quarantine.

A snapshot is staged whole or not at all: rows of one period (or labour year) are
replaced in one transaction, so a rerun replaces that period and never duplicates it.
"""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from assets.landing import BrokenFileError, FileRead, landed_years, load_snapshot
from assets.partitions import period_partitions, run_periods, single_run_backfill
from checks.row_rules import ENROLLMENT, LABOUR, SourceRules, broken_rules_sql
from pipelines import warehouse as wh
from pipelines.resources import Warehouse

ROW_ORDER_FACTOR = 10_000_000_000  # file_order * this + line: file-name, then line order


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
    """``raw_rows`` -> ``judged_rows``: cleaned, typed, and the list of broken rules.

    ``duplicate_key``: among rows with the same key, the first row (file-name, then line
    order) that breaks no other rule is accepted; each later row breaks ``duplicate_key``.
    """
    original = ", ".join(f"{c} := {c}" for c in rules.columns)
    key = ", ".join(rules.unique_key)
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE judged_rows AS
        WITH cleaned AS (
            SELECT file_order, file, line,
                   file_order::BIGINT * {ROW_ORDER_FACTOR} + line AS row_order,
                   struct_pack({original}) AS original,
                   {rules.cleaned}
            FROM raw_rows
        ),
        typed AS (SELECT *, {rules.typed} FROM cleaned),
        judged AS (SELECT *, {broken_rules_sql(rules)} AS broken FROM typed)
        SELECT * EXCLUDE (broken),
            CASE WHEN row_order > min(CASE WHEN len(broken) = 0 THEN row_order END)
                                  OVER (PARTITION BY {key})
                 THEN list_append(broken, 'duplicate_key')
                 ELSE broken END AS rules
        FROM judged
        """
    )


def replace_snapshot(
    conn: duckdb.DuckDBPyConnection,
    rules: SourceRules,
    key: str,
    files: list[FileRead],
    delete_staged: tuple[str, list[object]],
    insert_staged: tuple[str, list[object]],
) -> StagedSnapshot:
    """Swap the snapshot's staged rows, rejects and file counts in one transaction."""
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(*delete_staged)
        conn.execute(*insert_staged)
        conn.execute(
            "DELETE FROM quality.rejected_rows WHERE source = ? AND periode_or_tahun = ?",
            [rules.source, key],
        )
        conn.execute(
            """
            INSERT INTO quality.rejected_rows
            SELECT ?, ?, file, line, array_to_string(rules, ';'), to_json(original)::VARCHAR
            FROM judged_rows WHERE len(rules) > 0 ORDER BY row_order
            """,
            [rules.source, key],
        )
        conn.execute(
            "DELETE FROM quality.file_loads WHERE source = ? AND periode_or_tahun = ?",
            [rules.source, key],
        )
        conn.execute(
            """
            INSERT INTO quality.file_loads
            SELECT ?, ?, file, count(*), count(*) FILTER (len(rules) = 0),
                   count(*) FILTER (len(rules) > 0), now() AT TIME ZONE 'UTC'
            FROM judged_rows GROUP BY file ORDER BY file
            """,
            [rules.source, key],
        )
        conn.execute("COMMIT")
    except Exception:
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


def record_broken_file(
    conn: duckdb.DuckDBPyConnection, source: str, key: str, error: BrokenFileError
) -> None:
    conn.execute(
        "INSERT INTO quality.broken_files VALUES (?, ?, ?, ?, now() AT TIME ZONE 'UTC')",
        [source, key, error.file, error.reason],
    )


def stage_enrollment(
    conn: duckdb.DuckDBPyConnection, landing: Path, periode: str
) -> StagedSnapshot:
    """Stage one enrollment snapshot: every row accepted into staging or rejected."""
    files = load_snapshot(conn, landing, "enrollment", periode, ENROLLMENT.columns, "raw_rows")
    conn.execute("SET VARIABLE periode_end = periode_end(?)", [periode])
    judge_rows(conn, ENROLLMENT)
    insert = f"""
        INSERT INTO staging.enrollment ({", ".join(wh.STAGED_ENROLLMENT.column_names())})
        WITH accepted AS (
            SELECT *, is_valid_nik(nik) AS nik_valid FROM judged_rows WHERE len(rules) = 0
        )
        SELECT $1, file, line, kpj, nik, nik_valid,
               CASE WHEN nik_valid THEN nik_agrees(nik, tanggal_lahir_date, jenis_kelamin) END,
               nama, tanggal_lahir_date, jenis_kelamin, alamat, j.kode_wilayah,
               x.kode_kemendagri_kabkota, x.kode_bps, segmen, kbli,
               array_to_string(list_filter(known_programs(),
                                           lambda p: list_contains(program, p)), ';'),
               status, tanggal_kepesertaan_date, npp
        FROM accepted j JOIN kemendagri_to_bps x ON x.kode_wilayah = j.kode_wilayah
    """
    return replace_snapshot(
        conn,
        ENROLLMENT,
        periode,
        files,
        ("DELETE FROM staging.enrollment WHERE periode = ?", [periode]),
        (insert, [periode]),
    )


def stage_labour(conn: duckdb.DuckDBPyConnection, landing: Path, tahun: int) -> StagedSnapshot:
    """Stage one Sakernas year."""
    files = load_snapshot(conn, landing, "labour", str(tahun), LABOUR.columns, "raw_rows")
    conn.execute("SET VARIABLE folder_year = ?", [tahun])
    judge_rows(conn, LABOUR)
    insert = f"""
        INSERT INTO staging.labour ({", ".join(wh.STAGED_LABOUR.column_names())})
        SELECT tahun_int, kode_wilayah, kbli, status_pekerjaan, jumlah_pekerja_int, file, line
        FROM judged_rows WHERE len(rules) = 0
    """
    return replace_snapshot(
        conn,
        LABOUR,
        str(tahun),
        files,
        ("DELETE FROM staging.labour WHERE tahun = ?", [tahun]),
        (insert, []),
    )


def labour_year_for(periode: str, years: list[int]) -> int | None:
    """Coverage rule: the denominator is the latest landed Sakernas year <= the period's year."""
    candidates = [y for y in years if y <= int(periode[:4])]
    return max(candidates) if candidates else None


def snapshot_metadata(snapshots: list[StagedSnapshot]) -> dict[str, dg.MetadataValue]:
    rows = [
        "| snapshot | file | rows read |",
        "|---|---|---:|",
        *(f"| {s.key} | {f.file} | {f.rows:,} |" for s in snapshots for f in s.files),
    ]
    by_rule: dict[str, int] = {}
    for s in snapshots:
        for rule, n in s.rejects_by_rule.items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    return {
        "rows_read": dg.MetadataValue.int(sum(s.read for s in snapshots)),
        "rows_accepted": dg.MetadataValue.int(sum(s.accepted for s in snapshots)),
        "rows_rejected": dg.MetadataValue.int(sum(s.rejected for s in snapshots)),
        "rejects_by_rule": dg.MetadataValue.json(by_rule),
        "files": dg.MetadataValue.md("\n".join(rows)),
    }


def stop_snapshot(
    conn: duckdb.DuckDBPyConnection, source: str, key: str, error: BrokenFileError
) -> dg.Failure:
    """A broken file stops its snapshot: recorded, and a failure that names file and reason."""
    record_broken_file(conn, source, key, error)
    return dg.Failure(
        description=f"{source} {key} was not staged, nothing of it is published: "
        f"{error.file}: {error.reason}",
        metadata={"file": error.file, "reason": error.reason, "snapshot": key},
        allow_retries=False,
    )


@dg.asset(
    key=["staging", "enrollment"],
    group_name="staging",
    partitions_def=period_partitions,
    backfill_policy=single_run_backfill,
    kinds={"duckdb"},
    description=(
        "Enrollment snapshot of the period (BPJS Ketenagakerjaan, by name by address), "
        "cleaned and typed. Rows that break a contract rule go to quality.rejected_rows "
        "(never dropped); a file that cannot be read stops the period."
    ),
    metadata={"dagster/column_schema": wh.STAGED_ENROLLMENT.dagster_schema(), "pii": "yes"},
    tags={"pii": ""},
)
def staged_enrollment(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    snapshots = []
    with warehouse.connect() as conn:
        for periode in run_periods(context):
            try:
                snapshots.append(stage_enrollment(conn, warehouse.landing, periode))
            except BrokenFileError as error:
                raise stop_snapshot(conn, "enrollment", periode, error) from None
    return dg.MaterializeResult(metadata=snapshot_metadata(snapshots))


@dg.asset(
    key=["staging", "labour"],
    group_name="staging",
    partitions_def=period_partitions,
    backfill_policy=single_run_backfill,
    kinds={"duckdb"},
    description=(
        "Sakernas employed persons (BPS), every landed year. The period's denominator is the "
        "latest landed year <= the period's year. Bad rows go to quality.rejected_rows."
    ),
    metadata={"dagster/column_schema": wh.STAGED_LABOUR.dagster_schema()},
)
def staged_labour(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    years = landed_years(warehouse.landing)
    chosen = {}
    for periode in run_periods(context):
        year = labour_year_for(periode, years)
        if year is None:
            raise dg.Failure(
                description=f"period {periode} has no labour statistics: no folder "
                f"labour/<YYYY>/ with YYYY <= {periode[:4]} under {warehouse.landing_dir}",
                allow_retries=False,
            )
        chosen[periode] = year
    # Every landed year is staged, so that each of its rows is accepted or quarantined;
    # a broken year stops only the periods whose denominator it is.
    snapshots, broken = [], {}
    with warehouse.connect() as conn:
        for year in years:
            try:
                snapshots.append(stage_labour(conn, warehouse.landing, year))
            except BrokenFileError as error:
                failure = stop_snapshot(conn, "labour", str(year), error)
                if year in chosen.values():
                    raise failure from None
                broken[str(year)] = str(error)
                context.log.warning(
                    f"labour {year} not staged (no period of this run uses it): {error}"
                )
        for periode, year in chosen.items():
            conn.execute("DELETE FROM staging.period_labour_year WHERE periode = ?", [periode])
            conn.execute("INSERT INTO staging.period_labour_year VALUES (?, ?)", [periode, year])
    return dg.MaterializeResult(
        metadata={
            **snapshot_metadata(snapshots),
            "labour_year_by_period": dg.MetadataValue.json(chosen),
            "broken_years_not_used_by_this_run": dg.MetadataValue.json(broken),
        }
    )
