"""Parquet exports with real types: every value judged as the text it stands for; a column
that cannot stand for text (nested, binary) stops the snapshot naming the column."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import PERIOD, Pipeline, enrollment_row, labour_row
from landing_cases import SECRET, secret_row, stage_error

from contract.row_rules import ENROLLMENT_COLUMNS, LABOUR_COLUMNS


def write_parquet(pipeline: Pipeline, source: str, key: str, columns: dict[str, Any]) -> Path:
    folder = pipeline.warehouse.landing / source / key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part-1.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def text_columns(rows: list[dict[str, str]], names: tuple[str, ...]) -> dict[str, pa.Array]:
    return {c: pa.array([r[c] for r in rows], pa.string()) for c in names}


def test_typed_enrollment_parquet_is_judged_by_value(pipeline: Pipeline) -> None:
    rows = [enrollment_row() for _ in range(3)]
    columns: dict[str, Any] = text_columns(rows, ENROLLMENT_COLUMNS)
    columns["kpj"] = pa.array([int(r["kpj"]) for r in rows], pa.int64())
    columns["nik"] = pa.array([int(r["nik"]) for r in rows], pa.int64())
    columns["kode_wilayah"] = pa.array([6472, 6472, 6472], pa.int16())
    columns["npp"] = pa.array([12345678, 12345678, 12345678], pa.uint32())
    columns["tanggal_lahir"] = pa.array([date(1990, 5, 15)] * 3, pa.date32())
    columns["tanggal_kepesertaan"] = pa.array(
        [datetime(2020, 1, 1), datetime(2020, 1, 1), datetime(2020, 1, 1, 13, 45)],
        pa.timestamp("ms"),
    )
    columns["kbli"] = pa.array(["G", "G", "G"]).dictionary_encode()
    write_parquet(pipeline, "enrollment", PERIOD, columns)
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (3, 2, 1)
    assert pipeline.internal(
        "SELECT DISTINCT tanggal_lahir, tanggal_kepesertaan, kode_wilayah, npp "
        "FROM staging.enrollment"
    ) == [(date(1990, 5, 15), date(2020, 1, 1), "6472", "12345678")]
    assert pipeline.internal("SELECT nik FROM staging.enrollment ORDER BY kpj") == [
        (rows[0]["nik"],),
        (rows[1]["nik"],),
    ]
    # A time of day is not a date: never cut to one, rejected as the date rule says.
    assert pipeline.internal("SELECT line, rules, raw FROM quality.rejected_rows") == [
        (3, "bad_type", pipeline.internal("SELECT raw FROM quality.rejected_rows")[0][0])
    ]
    [(raw,)] = pipeline.internal("SELECT raw FROM quality.rejected_rows")
    assert '"tanggal_kepesertaan":"2020-01-01T13:45:00"' in raw


def test_timestamp_with_time_zone_is_the_date_in_wita(pipeline: Pipeline) -> None:
    """1990-05-14 16:00 UTC is 1990-05-15 00:00 WITA (Asia/Makassar, UTC+8)."""
    rows = [enrollment_row(birth=date(1990, 5, 15))]
    columns: dict[str, Any] = text_columns(rows, ENROLLMENT_COLUMNS)
    columns["tanggal_lahir"] = pa.array(
        [datetime(1990, 5, 14, 16, 0, tzinfo=UTC)], pa.timestamp("us", tz="UTC")
    )
    columns["tanggal_kepesertaan"] = pa.array(
        [datetime(2019, 12, 31, 16, 0, tzinfo=UTC)], pa.timestamp("ns", tz="Asia/Makassar")
    )
    write_parquet(pipeline, "enrollment", PERIOD, columns)
    assert pipeline.stage().accepted == 1
    assert pipeline.internal(
        "SELECT tanggal_lahir, tanggal_kepesertaan FROM staging.enrollment"
    ) == [(date(1990, 5, 15), date(2020, 1, 1))]


def test_typed_labour_parquet_numbers_are_judged_by_value(pipeline: Pipeline) -> None:
    """Whole numbers are integers whatever their type; 100.5 workers is not an integer."""
    rows = [labour_row(kbli=k) for k in "ABCDE"]
    columns: dict[str, Any] = text_columns(rows, LABOUR_COLUMNS)
    columns["tahun"] = pa.array([2025] * 5, pa.int16())
    columns["jumlah_pekerja"] = pa.array([100.0, 1e6, 100.5, None, 0.0], pa.float64())
    columns["kode_wilayah"] = pa.array([Decimal("6472.00")] * 5, pa.decimal128(8, 2))
    write_parquet(pipeline, "labour", "2025", columns)
    snapshot = pipeline.stage_year()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (5, 3, 2)
    assert pipeline.internal("SELECT kbli, jumlah_pekerja FROM staging.labour ORDER BY kbli") == [
        ("A", 100),
        ("B", 1_000_000),
        ("E", 0),
    ]
    assert pipeline.internal("SELECT line, rules FROM quality.rejected_rows ORDER BY line") == [
        (3, "bad_type"),
        (4, "missing_required"),
    ]


@pytest.mark.parametrize(
    ("array", "kind"),
    [
        (pa.array([{"jalan": f"{SECRET} Jl. A", "rt": "1"}]), "STRUCT"),
        (pa.array([[f"{SECRET} Jl. A", "RT 1"]]), "LIST"),
        (pa.array([[("jalan", f"{SECRET} Jl. A")]], pa.map_(pa.string(), pa.string())), "MAP"),
    ],
    ids=["struct", "list", "map"],
)
def test_a_nested_column_stops_the_snapshot_naming_its_type(
    pipeline: Pipeline, array: pa.Array, kind: str
) -> None:
    columns: dict[str, Any] = text_columns([secret_row()], ENROLLMENT_COLUMNS)
    columns["alamat"] = array
    write_parquet(pipeline, "enrollment", PERIOD, columns)
    error = stage_error(pipeline)
    assert error.file == f"enrollment/{PERIOD}/part-1.parquet"
    assert error.reason == f"column 'alamat' has a nested type ({kind}), expected text"


@pytest.mark.parametrize(
    ("array", "kind"),
    [
        (pa.array([SECRET.encode()], pa.binary()), "BLOB"),
        (pa.array([time(13, 45)], pa.time64("us")), "TIME"),
    ],
    ids=["binary", "time"],
)
def test_a_binary_or_time_column_stops_the_snapshot_naming_its_type(
    pipeline: Pipeline, array: pa.Array, kind: str
) -> None:
    columns: dict[str, Any] = text_columns([secret_row()], ENROLLMENT_COLUMNS)
    columns["nama"] = array
    write_parquet(pipeline, "enrollment", PERIOD, columns)
    error = stage_error(pipeline)
    assert error.reason == f"column 'nama' has type {kind}, expected text, a number or a date"


def test_a_column_without_any_value_is_read_as_missing_values(pipeline: Pipeline) -> None:
    """Written with no type at all (Parquet's NULL type): nik and alamat may be missing."""
    rows = [enrollment_row(), enrollment_row()]
    columns: dict[str, Any] = text_columns(rows, ENROLLMENT_COLUMNS)
    columns["nik"] = pa.nulls(2)
    columns["alamat"] = pa.nulls(2)
    write_parquet(pipeline, "enrollment", PERIOD, columns)
    assert pipeline.stage().accepted == 2
    assert pipeline.internal("SELECT DISTINCT nik, alamat FROM staging.enrollment") == [
        (None, None)
    ]


def test_a_column_twice_in_a_parquet_file_stops_the_snapshot(pipeline: Pipeline) -> None:
    rows = [secret_row()]
    table = pa.table(
        [*text_columns(rows, ENROLLMENT_COLUMNS).values(), pa.array(["1"])],
        names=[*ENROLLMENT_COLUMNS, "KPJ"],
    )
    folder = pipeline.warehouse.landing / "enrollment" / PERIOD
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-1.parquet")
    assert stage_error(pipeline).reason == "column 'kpj' appears twice in the header"


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (lambda b: b[: len(b) // 2], "not a readable Parquet file"),
        (lambda b: b[:-5], "not a readable Parquet file"),
        (lambda b: b"PAR1" + bytes(range(256)) * 4 + b"PAR1", "not a readable Parquet file"),
        (lambda b: b"kpj,nama\n1,x\n", "not a readable Parquet file"),
    ],
    ids=["half", "footer-cut", "garbage-between-magic", "csv-named-parquet"],
)
def test_a_damaged_parquet_file_stops_the_snapshot(
    pipeline: Pipeline, cut: Any, reason: str
) -> None:
    path = write_parquet(
        pipeline, "enrollment", PERIOD, text_columns([secret_row()] * 50, ENROLLMENT_COLUMNS)
    )
    path.write_bytes(cut(path.read_bytes()))
    error = stage_error(pipeline)
    assert error.file == f"enrollment/{PERIOD}/part-1.parquet"
    assert reason in error.reason


def test_a_parquet_file_without_rows_is_empty(pipeline: Pipeline) -> None:
    write_parquet(pipeline, "enrollment", PERIOD, text_columns([], ENROLLMENT_COLUMNS))
    assert stage_error(pipeline).reason == "empty: a header but no data rows"
