"""The files across versions of the pipeline: a file written before a column was declared
in `contract/tables.py` gets that column on the next connection, rows kept; each file
records the contract version it was written for, by which a run tells an older file from
a newer or a foreign one (the runs themselves: the last section of tests/test_faults.py)."""

from __future__ import annotations

import duckdb
from helpers import Pipeline, enrollment_row

from assets.file_version import CURRENT, EMPTY, FOREIGN, NEWER, OLDER, read_version
from contract.tables import (
    ABOUT,
    INTERNAL_ABOUT,
    PUBLISHED_PERIODS,
    PUBLISHED_TABLES,
    STAGED_ENROLLMENT,
)
from contract.version import CONTRACT_VERSION, package_version


def test_a_column_declared_since_the_file_was_written_is_added_and_rows_are_kept(
    pipeline: Pipeline,
) -> None:
    pipeline.landing.enrollment("2025-03", [enrollment_row(), enrollment_row()])
    pipeline.stage("2025-03")
    newest = STAGED_ENROLLMENT.columns[-1].name
    with duckdb.connect(pipeline.warehouse.internal_path) as conn:  # as an older version left it
        conn.execute(f"ALTER TABLE {STAGED_ENROLLMENT.name} DROP COLUMN {newest}")

    with pipeline.connect() as conn:
        columns = [r[0] for r in conn.execute(f"DESCRIBE {STAGED_ENROLLMENT.name}").fetchall()]
        rows = conn.execute(f"SELECT count(*) FROM {STAGED_ENROLLMENT.name}").fetchone()
    assert columns == STAGED_ENROLLMENT.column_names()
    assert rows == (2,)


def test_both_files_record_the_contract_version_they_were_written_for(
    pipeline: Pipeline,
) -> None:
    pipeline.landing.full_labour(2025)
    pipeline.landing.enrollment("2025-03", [enrollment_row()])
    pipeline.publish("2025-03")
    recorded = [(CONTRACT_VERSION, package_version())]
    assert (
        pipeline.internal(f"SELECT versi_kontrak, versi_cakupan FROM {INTERNAL_ABOUT.name}")
        == recorded
    )
    assert pipeline.published(f"SELECT versi_kontrak, versi_cakupan FROM {ABOUT.name}") == recorded


def test_a_file_is_told_current_older_newer_or_foreign_by_its_about_table_and_shape() -> None:
    def kind(*statements: str) -> str:
        with duckdb.connect() as conn:
            for statement in statements:
                conn.execute(statement)
            return read_version(conn, "f", PUBLISHED_TABLES, ABOUT).kind

    ours = ["CREATE SCHEMA mart", *(t.ddl() for t in PUBLISHED_TABLES)]
    version = f"INSERT INTO {ABOUT.name} VALUES (?, 'x', NULL)"
    assert kind() == EMPTY
    assert kind(*ours, version.replace("?", f"'{CONTRACT_VERSION}'")) == CURRENT
    assert kind(*ours, version.replace("?", "'1.1.0'")) == OLDER
    assert kind(*ours, version.replace("?", "'1.10.0'")) == NEWER  # compared as numbers
    assert kind(*ours, f"DROP TABLE {ABOUT.name}") == OLDER  # before 1.2.0: no about
    assert kind(*ours, version.replace("?", "'latest'")) == FOREIGN
    assert kind(*ours, f"DROP TABLE {ABOUT.name}", "CREATE TABLE mart.other (x INTEGER)") == FOREIGN
    retyped = f"ALTER TABLE {PUBLISHED_PERIODS.name} ALTER periode TYPE INTEGER USING 1"
    assert kind(*ours, f"DROP TABLE {ABOUT.name}", retyped) == FOREIGN
