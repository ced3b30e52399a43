"""The published file in the tools people have: DuckDB 1.4 (LTS), which many dashboard tools
embed, and an Excel workbook of the latest period beside it (contract, "Compatibility")."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from helpers import Pipeline, enrollment_row
from polars.testing import assert_frame_equal

from assets.published.publish import PUBLISHED_STORAGE_VERSION
from assets.warehouse import storage_version_of
from contract.tables import MARTS, PUBLISHED_TABLES

pytestmark = pytest.mark.slow

#: Run by DuckDB 1.4 in its own throw-away environment: every published table, its rows in
#: grain order and its column comments, as JSON.
READER = r"""
import duckdb, json, sys
conn = duckdb.connect(sys.argv[1], read_only=True)
out = {"version": duckdb.__version__, "tables": {}}
for name, order in json.loads(sys.argv[2]).items():
    rows = conn.execute(f"SELECT * FROM {name} ORDER BY {order}").fetchall()
    comments = conn.execute(
        "SELECT count(*) FILTER (comment IS NOT NULL AND comment <> '') FROM duckdb_columns() "
        "WHERE schema_name || '.' || table_name = ?", [name]).fetchall()[0][0]
    out["tables"][name] = {"rows": json.loads(json.dumps(rows, default=str)),
                           "commented_columns": comments}
print(json.dumps(out))
"""


def uv() -> list[str]:
    """uv as the Makefile finds it: on the PATH, else the module."""
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def published_two_periods(pipeline: Pipeline) -> None:
    pipeline.landing.full_labour(2025)
    pipeline.landing.enrollment("2025-03", [enrollment_row(), enrollment_row(segmen="BPU")])
    pipeline.landing.enrollment(
        "2025-04",
        [enrollment_row(kbli="P"), enrollment_row(segmen="BPU", npp="", birth=date(1980, 1, 2))],
    )
    pipeline.run_ok()


def test_published_file_opens_in_duckdb_1_4(pipeline: Pipeline) -> None:
    published_two_periods(pipeline)
    path = pipeline.warehouse.published_path
    with duckdb.connect(path, read_only=True) as conn:
        assert storage_version_of(conn) == f"{PUBLISHED_STORAGE_VERSION}+"
    order = {t.name: t.order for t in PUBLISHED_TABLES}
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    result = subprocess.run(
        [
            *uv(),
            *("run", "--isolated", "--no-project", "--python", python),
            *("--with", "duckdb==1.4.*", "python", "-c", READER, path, json.dumps(order)),
        ],
        capture_output=True,
        text=True,
        timeout=600,  # a cold cache downloads DuckDB 1.4 from PyPI
    )
    assert result.returncode == 0, result.stderr[-3000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["version"].startswith("1.4.")
    for table in PUBLISHED_TABLES:  # the same rows as DuckDB 2 reads, every column commented
        expected = pipeline.published(f"SELECT * FROM {table.name} ORDER BY {order[table.name]}")
        got = read["tables"][table.name]
        assert got["rows"] == json.loads(json.dumps(expected, default=str)), table.name
        assert len(got["rows"]) > 0, table.name
        assert got["commented_columns"] == len(table.columns), table.name


def test_workbook_holds_the_latest_period_of_every_mart(pipeline: Pipeline) -> None:
    published_two_periods(pipeline)
    workbook = pipeline.warehouse.workbook_path
    assert workbook.stat().st_mode == Path(pipeline.warehouse.published_path).stat().st_mode
    sheets = pl.read_excel(workbook, sheet_id=0)
    assert list(sheets) == [t.short_name for t in MARTS]
    with duckdb.connect(pipeline.warehouse.published_path, read_only=True) as conn:
        for table in MARTS:
            expected = conn.sql(
                f"SELECT * FROM {table.name} WHERE periode = '2025-04' ORDER BY {table.order}"
            ).pl()
            sheet = sheets[table.short_name]
            assert sheet.columns == table.column_names()
            assert sheet.height == expected.height > 0
            # Excel stores numbers as doubles of 15-16 significant digits: integers and
            # text come back exactly, coverage to 1e-12 of its value.
            assert_frame_equal(
                sheet.cast(expected.schema, strict=False), expected, rel_tol=1e-12, abs_tol=0
            )
