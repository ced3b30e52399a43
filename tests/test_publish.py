"""The published file: the marts and nothing personal, swapped in atomically."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from helpers import Pipeline, enrollment_row

from contract.tables import INTERNAL_TABLES, MARTS, PUBLISHED_TABLES

pytestmark = pytest.mark.slow


def test_published_file_holds_the_marts_and_nothing_personal(pipeline: Pipeline) -> None:
    pipeline.landing.full_labour(2025)
    pipeline.landing.enrollment("2025-03", [enrollment_row(), enrollment_row(segmen="PMI")])
    pipeline.run_ok()
    tables = pipeline.published(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1"
    )
    assert [t for (t,) in tables] == sorted(t.name for t in PUBLISHED_TABLES)
    columns = {c for (c,) in pipeline.published("SELECT column_name FROM duckdb_columns()")}
    personal = {c.name for t in INTERNAL_TABLES for c in t.columns if c.personal}
    assert personal >= {"kpj", "nik", "nama", "tanggal_lahir", "alamat", "person_id"}
    assert not columns & personal
    for table in MARTS:  # every contract column is there, with its comment
        published = pipeline.published(
            "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name || '.' || "
            "table_name = ?",
            [table.name],
        )
        assert [c for c, _ in published] == table.column_names()
        assert all(comment for _, comment in published)


def test_a_reader_with_the_file_open_keeps_its_snapshot_during_a_publish(
    pipeline: Pipeline,
) -> None:
    pipeline.landing.full_labour(2025)
    pipeline.landing.enrollment("2025-03", [enrollment_row()])
    pipeline.run_ok()
    reader = duckdb.connect(pipeline.warehouse.published_path, read_only=True)
    try:
        pipeline.landing.enrollment("2025-03", [enrollment_row(), enrollment_row()])
        pipeline.run_ok()  # the reader holds the file open: the publish must not fail
        old = reader.execute("SELECT peserta_aktif FROM mart.coverage_province").fetchall()
        assert old == [(1,)]
    finally:
        reader.close()
    assert pipeline.published("SELECT peserta_aktif FROM mart.coverage_province") == [(2,)]
    leftovers = [p.name for p in Path(pipeline.warehouse.warehouse_dir).iterdir() if p.is_file()]
    # The writer lock's file stays (deleting it would let two writers lock two files).
    assert sorted(leftovers) == [
        "coverage.duckdb",
        "coverage.xlsx",
        "internal.duckdb",
        "internal.duckdb.lock",
    ]
    assert not pipeline.warehouse.candidate_path.exists()


def test_reruns_replace_a_period_and_history_is_kept(pipeline: Pipeline) -> None:
    pipeline.landing.full_labour(2025)
    pipeline.landing.enrollment("2025-03", [enrollment_row()])
    pipeline.run_ok()
    pipeline.run_ok("2025-03")
    pipeline.landing.enrollment("2025-04", [enrollment_row(), enrollment_row()])
    pipeline.run_ok("2025-04")
    assert pipeline.published(
        "SELECT periode, peserta_aktif FROM mart.coverage_province ORDER BY periode"
    ) == [("2025-03", 1), ("2025-04", 2)]
    assert pipeline.published("SELECT count(*) FROM mart.coverage_region_sector") == [(420,)]
    assert pipeline.published("SELECT periode FROM mart.published_periods ORDER BY 1") == [
        ("2025-03",),
        ("2025-04",),
    ]
    assert pipeline.internal("SELECT count(*) FROM core.person_link") == [(3,)]
