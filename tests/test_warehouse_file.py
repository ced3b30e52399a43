"""The internal file across versions of the pipeline: a file written before a column was
declared in `contract/tables.py` gets that column on the next connection, rows kept."""

from __future__ import annotations

import duckdb
from helpers import Pipeline, enrollment_row

from contract.tables import STAGED_ENROLLMENT


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
