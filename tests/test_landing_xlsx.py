"""Labour workbooks as offices make them: the sheet and the header row are found by the
required column names, cells are read by the value they show, and a workbook that cannot
be read that way stops its year naming the file and the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from helpers import Pipeline, labour_row
from landing_cases import stage_error

from assets.staging.landing import BrokenFileError
from contract.row_rules import LABOUR_COLUMNS

Sheet = Any  # an xlsxwriter worksheet


def workbook(pipeline: Pipeline, build: Callable[[Any], None], name: str = "sakernas.xlsx") -> Path:
    folder = pipeline.warehouse.landing / "labour" / "2025"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    book = xlsxwriter.Workbook(path)
    build(book)
    book.close()
    return path


def write_table(sheet: Sheet, top: int, rows: list[list[Any]], left: int = 0) -> None:
    for j, name in enumerate(LABOUR_COLUMNS):
        sheet.write_string(top, left + j, name)
    for i, row in enumerate(rows, start=top + 1):
        for j, value in enumerate(row):
            if value is not None:
                sheet.write(i, left + j, value)


def stage_year_error(pipeline: Pipeline) -> BrokenFileError:
    with pytest.raises(BrokenFileError) as info:
        pipeline.stage_year()
    return info.value


def test_an_office_workbook_is_read_by_value(pipeline: Pipeline) -> None:
    """Instructions first, a title and merged group headers above the header row, the
    table starting in column B, numbers as text, formulas, a blank row, a summary sheet."""

    def build(book: Any) -> None:
        book.add_worksheet("Petunjuk").write(0, 0, "Isi sheet Data. Jangan ubah judul kolom.")
        data = book.add_worksheet("Data")
        data.write(0, 1, "Sakernas Agustus 2025, Kalimantan Timur")
        data.merge_range(2, 1, 2, 3, "Wilayah dan sektor")
        data.merge_range(2, 4, 2, 5, "Pekerja")
        write_table(data, 3, [], left=1)
        data.write_number(4, 1, 2025)
        data.write_string(4, 2, "6472")
        data.write(4, 3, "G")
        data.write(4, 4, "FORMAL")
        data.write_formula(4, 5, "=40000+2000", None, 42000)  # cached value
        data.write_string(5, 1, "2025")
        data.write_number(5, 2, 6472)  # a code typed as a number
        data.write(5, 3, "A")
        data.write(5, 4, "INFORMAL")
        data.write_string(5, 5, "1500")  # a number stored as text
        # data row 3 is blank: not a row
        data.write(7, 1, 2025)
        data.write(7, 2, "6401")
        data.write(7, 3, "C")
        data.write(7, 4, "FORMAL")
        data.write_string(7, 5, "3.500.000")  # thousands dots: not an integer
        data.write(8, 1, 2025)
        data.write(8, 2, "6401")
        data.write(8, 3, "C")
        data.write(8, 4, "INFORMAL")
        data.write_number(8, 5, 250.5)
        data.write(9, 5, "   ")  # white space below the table
        summary = book.add_worksheet("Ringkasan")
        summary.write(0, 0, "jumlah_pekerja")
        summary.write_formula(1, 0, "=SUM(Data!F5:F9)", None, 43500)

    workbook(pipeline, build)
    snapshot = pipeline.stage_year()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (4, 2, 2)
    assert pipeline.internal(
        "SELECT kode_wilayah, kbli, jumlah_pekerja FROM staging.labour ORDER BY kbli"
    ) == [("6472", "A", 1500), ("6472", "G", 42000)]
    assert pipeline.internal("SELECT line, rules FROM quality.rejected_rows ORDER BY line") == [
        (4, "bad_type"),
        (5, "bad_type"),
    ]


def test_excel_dates_are_judged_by_value(pipeline: Pipeline) -> None:
    """A date cell is the date it shows: a year formatted as a date is no year."""

    def build(book: Any) -> None:
        sheet = book.add_worksheet("Data")
        day = book.add_format({"num_format": "dd/mm/yyyy"})
        write_table(sheet, 0, [[None, "6472", "G", "FORMAL", 10], [2025, "6472", "A", "FORMAL", 5]])
        sheet.write_datetime(1, 0, datetime(2025, 1, 1), day)

    workbook(pipeline, build)
    snapshot = pipeline.stage_year()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (2, 1, 1)
    assert pipeline.internal("SELECT line, rules, raw FROM quality.rejected_rows") == [
        (
            1,
            "bad_type",
            '{"tahun":"2025-01-01","kode_wilayah":"6472","kbli":"G",'
            '"status_pekerjaan":"FORMAL","jumlah_pekerja":"10"}',
        )
    ]


def test_a_formula_whose_saved_value_is_an_error_is_a_missing_value(pipeline: Pipeline) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Data")
        write_table(sheet, 0, [[2025, "6472", "G", "FORMAL", None]])
        sheet.write_formula(1, 4, "=1/0", None, "#DIV/0!")

    workbook(pipeline, build)
    pipeline.stage_year()
    assert pipeline.internal("SELECT line, rules FROM quality.rejected_rows") == [
        (1, "missing_required")
    ]


def test_two_sheets_with_the_required_columns_stop_the_year(pipeline: Pipeline) -> None:
    def build(book: Any) -> None:
        write_table(book.add_worksheet("Data"), 0, [[2025, "6472", "G", "FORMAL", 1]])
        write_table(book.add_worksheet("Data (2)"), 2, [[2025, "6472", "G", "FORMAL", 1]])

    workbook(pipeline, build)
    error = stage_year_error(pipeline)
    assert error.file == "labour/2025/sakernas.xlsx"
    assert error.reason == (
        "sheets 'Data' and 'Data (2)' both have the required columns: keep one table per file"
    )


def test_a_workbook_without_the_required_columns_names_what_is_missing(
    pipeline: Pipeline,
) -> None:
    def build(book: Any) -> None:
        book.add_worksheet("Petunjuk").write(0, 0, "kosong")
        sheet = book.add_worksheet("Data")
        for j, name in enumerate(("tahun", "kode_wilayah", "kbli", "status")):
            sheet.write(1, j, name)
        sheet.write_row(2, 0, [2025, "6472", "G", "FORMAL"])

    workbook(pipeline, build)
    assert stage_year_error(pipeline).reason == (
        "no sheet has a header row with every required column "
        "(sheet 'Data' lacks: status_pekerjaan, jumlah_pekerja)"
    )


def test_a_column_twice_in_the_header_row_stops_the_year(pipeline: Pipeline) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Data")
        write_table(sheet, 0, [[2025, "6472", "G", "FORMAL", 1, 2]])
        sheet.write(0, 5, "Jumlah_Pekerja")

    workbook(pipeline, build)
    assert (
        stage_year_error(pipeline).reason == "column 'jumlah_pekerja' appears twice in the header"
    )


def test_a_header_row_with_no_rows_below_is_empty(pipeline: Pipeline) -> None:
    workbook(pipeline, lambda book: write_table(book.add_worksheet("Data"), 0, []))
    assert stage_year_error(pipeline).reason == "empty: a header but no data rows"


def good_workbook_bytes(tmp: Path) -> bytes:
    path = tmp / "good.xlsx"
    book = xlsxwriter.Workbook(path)
    write_table(book.add_worksheet("Data"), 0, [list(labour_row().values())] * 50)
    book.close()
    return path.read_bytes()


def zeroed(content: bytes, at: int) -> bytes:
    """200 bytes of the compressed sheet overwritten (the zip's own lists stay intact)."""
    return content[:at] + bytes(200) + content[at + 200 :]


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b[:100],
        lambda b: b"",
        lambda b: b"tahun,kode_wilayah\n2025,6472\n",
        lambda b: zeroed(b, b.find(b"xl/worksheets/sheet1.xml") + 100),
    ],
    ids=["half", "first-100-bytes", "empty", "csv-named-xlsx", "zeroed-sheet-data"],
)
def test_a_damaged_workbook_stops_the_year(
    pipeline: Pipeline, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    folder = pipeline.warehouse.landing / "labour" / "2025"
    folder.mkdir(parents=True)
    (folder / "sakernas.xlsx").write_bytes(damage(good_workbook_bytes(tmp_path)))
    error = stage_year_error(pipeline)
    assert error.file == "labour/2025/sakernas.xlsx"
    assert error.reason.startswith("not a readable XLSX workbook (")
    assert error.__cause__ is None and error.__suppress_context__


def test_xlsx_errors_never_show_a_cell(pipeline: Pipeline) -> None:
    """Labour has no personal column, but no reader error quotes a cell either."""

    def build(book: Any) -> None:
        sheet = book.add_worksheet("Data")
        sheet.write_row(0, 0, ["tahun", "kode_wilayah", "kbli", "ZQXSECRET"])

    workbook(pipeline, build)
    assert "ZQXSECRET" not in str(stage_year_error(pipeline))
    _ = stage_error  # the enrollment twin of stage_year_error
