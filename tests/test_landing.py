"""Landing zone: which files make a snapshot, the formats, and broken files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from helpers import PERIOD, Pipeline, enrollment_row, labour_row

from assets.staging.landing import BrokenFileError, load_snapshot
from contract.landing import landed_periods, landed_years, snapshot_files
from contract.row_rules import ENROLLMENT, ENROLLMENT_COLUMNS


def test_files_starting_with_dot_or_underscore_are_ignored(pipeline: Pipeline) -> None:
    pipeline.landing.enrollment(PERIOD, [enrollment_row()], name="part-1.csv")
    pipeline.landing.enrollment(PERIOD, [enrollment_row(kbli="Z")], name="_uploading.csv")
    pipeline.landing.enrollment(PERIOD, [enrollment_row(kbli="Z")], name=".part-2.csv")
    pipeline.landing.labour(2025, [labour_row()], name="_partial.xlsx")
    landing = pipeline.warehouse.landing
    assert [p.name for p in snapshot_files(landing, "enrollment", PERIOD)] == ["part-1.csv"]
    assert landed_years(landing) == []  # a folder with only ignored files has not landed
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.rejected) == (1, 0)


def test_landed_periods_are_period_folders_with_files(pipeline: Pipeline) -> None:
    for key in ("2025-03", "2025-04", "2025-13", "latest"):
        pipeline.landing.enrollment(key, [enrollment_row()])
    (pipeline.warehouse.landing / "enrollment" / "2025-05").mkdir()
    assert landed_periods(pipeline.warehouse.landing) == ["2025-03", "2025-04"]


def test_csv_with_bom_crlf_reordered_and_extra_columns(pipeline: Pipeline) -> None:
    columns = ["catatan", *reversed(ENROLLMENT_COLUMNS)]
    pipeline.landing.enrollment(
        PERIOD, [enrollment_row(catatan="ignore me")], columns=columns, bom=True, crlf=True
    )
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted) == (1, 1)
    assert pipeline.internal("SELECT nama, npp FROM staging.enrollment") == [
        ("BUDI SANTOSO", "12345678")
    ]


def test_header_names_match_case_insensitively(pipeline: Pipeline) -> None:
    path = pipeline.landing.enrollment(PERIOD, [enrollment_row()])
    text = path.read_text().split("\n", 1)
    path.write_text(text[0].upper().replace(",", " , ") + "\n" + text[1])
    assert pipeline.stage().accepted == 1


def test_quoted_values_with_commas_and_newlines(pipeline: Pipeline) -> None:
    pipeline.landing.enrollment(PERIOD, [enrollment_row(alamat='Jl. "A", RT 1\nBlok B')])
    pipeline.stage()
    assert pipeline.internal("SELECT alamat FROM staging.enrollment") == [
        ('Jl. "A", RT 1\nBlok B',)
    ]


def test_parquet_parts_are_unioned_with_csv_parts(pipeline: Pipeline) -> None:
    pipeline.landing.enrollment(PERIOD, [enrollment_row(), enrollment_row()], name="a.csv")
    pipeline.landing.enrollment(
        PERIOD, [enrollment_row(), enrollment_row(kbli="Z")], name="b.parquet"
    )
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted) == (4, 3)
    assert pipeline.internal("SELECT file, line FROM quality.rejected_rows") == [
        ("enrollment/2025-03/b.parquet", 2)
    ]


def test_xlsx_labour(pipeline: Pipeline) -> None:
    rows = [labour_row(), labour_row(kbli="A", jumlah_pekerja="-3")]
    pipeline.landing.labour(2025, rows, name="sakernas_2025.xlsx")
    snapshot = pipeline.stage_year()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (2, 1, 1)
    assert pipeline.internal("SELECT tahun, jumlah_pekerja FROM staging.labour") == [(2025, 100)]
    assert pipeline.internal("SELECT file, line, rules FROM quality.rejected_rows") == [
        ("labour/2025/sakernas_2025.xlsx", 2, "out_of_range")
    ]


def broken(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


HEADER = ",".join(ENROLLMENT_COLUMNS).encode()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "empty file"),
        ("blank.csv", b"\n\n", "no header"),
        ("latin1.csv", HEADER + b"\n1,2,Jos\xe9\n", "UTF-8"),
        (
            "ragged.csv",
            HEADER + b"\n1,2,3\n",
            "the row has 3 fields, the header has 13 (data row 1)",
        ),
        ("header_only.csv", HEADER + b"\n", "no data rows"),
        ("no_kpj.csv", HEADER.replace(b"kpj,", b"") + b"\n", "lacks required column(s): kpj"),
        ("truncated.parquet", b"PAR1\x00\x00", "truncated.parquet"),
        ("notes.txt", b"hello", "not a readable enrollment file"),
        ("sheet.xlsx", b"PK\x03\x04", "not a readable enrollment file (expected .csv, .parquet"),
    ],
)
def test_broken_file_stops_the_snapshot_naming_file_and_reason(
    pipeline: Pipeline, name: str, content: bytes, reason: str
) -> None:
    pipeline.landing.enrollment(PERIOD, [enrollment_row()], name="a-good.csv")
    folder = pipeline.warehouse.landing / "enrollment" / PERIOD
    broken(folder / name, content)
    with pytest.raises(BrokenFileError) as error:
        pipeline.stage()
    assert error.value.file == f"enrollment/{PERIOD}/{name}"
    assert reason in str(error.value)
    assert pipeline.internal("SELECT count(*) FROM staging.enrollment") == [(0,)]


@pytest.mark.slow
def test_broken_period_keeps_published_numbers_and_other_periods_publish(
    pipeline: Pipeline,
) -> None:
    pipeline.landing.full_labour(2025)
    pipeline.landing.enrollment("2025-03", [enrollment_row()])
    pipeline.landing.enrollment("2025-04", [enrollment_row()])
    pipeline.run_ok()
    before = pipeline.published("SELECT * FROM mart.coverage_region ORDER BY ALL")

    # 2025-03 is re-delivered with more people and a broken part; 2025-04 changes too.
    pipeline.landing.enrollment("2025-03", [enrollment_row(), enrollment_row()], name="part-1.csv")
    broken(pipeline.warehouse.landing / "enrollment" / "2025-03" / "part-2.csv", b"kpj\n")
    pipeline.landing.enrollment("2025-04", [enrollment_row(), enrollment_row()])
    outcomes = {o.period: o for o in pipeline.run()}

    assert not outcomes["2025-03"].success
    assert "enrollment/2025-03/part-2.csv" in (outcomes["2025-03"].error or "")
    assert outcomes["2025-04"].success
    after = pipeline.published("SELECT * FROM mart.coverage_region ORDER BY ALL")
    assert [r for r in after if r[0] == "2025-03"] == [r for r in before if r[0] == "2025-03"]
    assert pipeline.published(
        "SELECT peserta_aktif FROM mart.coverage_province ORDER BY periode"
    ) == [(1,), (2,)]
    assert pipeline.internal("SELECT file FROM quality.broken_files") == [
        ("enrollment/2025-03/part-2.csv",)
    ]


@pytest.mark.slow
def test_broken_labour_year_stops_the_periods_that_use_it(pipeline: Pipeline) -> None:
    pipeline.landing.enrollment("2025-03", [enrollment_row()])
    broken(pipeline.warehouse.landing / "labour" / "2025" / "x.csv", b"tahun,kbli\n2025,A\n")
    [outcome] = pipeline.run()
    assert not outcome.success
    assert "labour/2025/x.csv" in (outcome.error or "")
    assert "lacks required column(s): kode_wilayah" in (outcome.error or "")
    assert not Path(pipeline.warehouse.published_path).exists()


def test_every_landed_labour_year_is_staged_and_an_unused_broken_one_stops_nothing(
    pipeline: Pipeline,
) -> None:
    pipeline.landing.labour(2023, [labour_row(tahun=2023), labour_row(tahun=2023, kbli="Z")])
    pipeline.landing.full_labour(2025)
    broken(pipeline.warehouse.landing / "labour" / "2024" / "x.csv", b"")
    staged = pipeline.stage_labour_for("2025-03")
    assert staged.year == 2025
    assert [str(e) for e in staged.broken.values()] == [
        "labour/2024/x.csv: empty file (no header row)"
    ]
    assert pipeline.internal("SELECT DISTINCT tahun FROM staging.labour ORDER BY 1") == [
        (2023,),
        (2025,),
    ]
    assert pipeline.internal(
        "SELECT periode_or_tahun, line, rules FROM quality.rejected_rows WHERE source = 'labour'"
    ) == [("2023", 2, "unknown_code")]
    assert pipeline.internal("SELECT periode_or_tahun, file FROM quality.broken_files") == [
        ("2024", "labour/2024/x.csv")
    ]


def read_side_by_side(landing: Path, workers: int) -> list[tuple[object, ...]]:
    """The split's read: the snapshot's parts into a table of a database in memory."""
    with duckdb.connect(":memory:") as conn:
        reads = load_snapshot(
            conn, landing, "enrollment", PERIOD, ENROLLMENT.columns, "raw", workers
        )
        rows = conn.execute("SELECT * FROM raw ORDER BY file_order, line").fetchall()
    return [*((r.file, r.rows) for r in reads), *rows]


def test_the_parts_read_side_by_side_are_the_parts_read_one_after_the_other(
    pipeline: Pipeline,
) -> None:
    for number, suffix in enumerate((".csv", ".parquet", ".csv", ".parquet"), start=1):
        rows = [enrollment_row(kpj=f"{number:04d}{i:07d}") for i in range(3 + number)]
        pipeline.landing.enrollment(PERIOD, rows, name=f"part-{number}{suffix}")
    landing = pipeline.warehouse.landing
    one_after_the_other = read_side_by_side(landing, workers=1)
    assert read_side_by_side(landing, workers=3) == one_after_the_other
    assert one_after_the_other[:4] == [
        (f"enrollment/{PERIOD}/part-{n}{s}", 3 + n)
        for n, s in enumerate((".csv", ".parquet", ".csv", ".parquet"), start=1)
    ]


def test_read_side_by_side_the_first_broken_part_in_file_order_stops_the_snapshot(
    pipeline: Pipeline,
) -> None:
    pipeline.landing.enrollment(PERIOD, [enrollment_row()] * 50, name="part-1.csv")
    folder = pipeline.warehouse.landing / "enrollment" / PERIOD
    broken(folder / "part-2.csv", b"kpj\n")  # a header without the required columns
    broken(folder / "part-3.parquet", b"PAR1 not really")
    with pytest.raises(BrokenFileError) as error:
        read_side_by_side(pipeline.warehouse.landing, workers=3)
    assert error.value.file == f"enrollment/{PERIOD}/part-2.csv"
