"""CSV files as systems export them: every row read with its data-row number, or the
snapshot stopped naming the file, the data row and the kind of error, never a value."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from helpers import PERIOD, Pipeline, enrollment_row
from landing_cases import SECRET, csv_lines, land, secret_row, stage_error

from contract.row_rules import ENROLLMENT_COLUMNS
from pipelines.runner import run_each_period

GOOD = csv_lines([secret_row() for _ in range(5)])  # header + 5 rows


def with_line(n: int, line: str, rows: list[str] = GOOD) -> bytes:
    """The good file with its data row ``n`` replaced by ``line`` (LF endings)."""
    lines = list(rows)
    lines[n] = line
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


def fields(row: str) -> list[str]:
    return row.split(",")


ROW = GOOD[3]  # the good data row 3, all of whose personal values carry the marker
FIRST_FIELDS = ",".join(fields(ROW)[:2])  # kpj and nik only


@pytest.mark.parametrize(
    ("bad_row", "kind"),
    [
        (FIRST_FIELDS, "the row has 2 fields, the header has 13"),
        (ROW + f",{SECRET}", "the row has 14 fields, the header has 13"),
        (ROW.replace(f"{SECRET} NAMA", f'"{SECRET} NAMA'), "a quote is not closed"),
        (ROW.replace(f"{SECRET} NAMA", f'"{SECRET}" NAMA'), "a quote is not closed"),
        (ROW.replace(f"{SECRET} NAMA", f"{SECRET} JOS\udce9"), "not UTF-8 text"),
    ],
    ids=["fewer-fields", "more-fields", "unterminated-quote", "stray-quote", "cp1252-byte"],
)
def test_csv_error_names_file_data_row_and_kind_never_a_value(
    pipeline: Pipeline, bad_row: str, kind: str
) -> None:
    land(pipeline, with_line(3, bad_row))
    error = stage_error(pipeline)
    assert error.file == f"enrollment/{PERIOD}/part-1.csv"
    assert error.line == 3
    assert error.reason == f"{kind} (data row 3)"
    [(recorded,)] = pipeline.internal("SELECT error FROM quality.broken_files")
    assert recorded == error.reason


@pytest.mark.slow
def test_a_broken_file_leaks_no_value_into_dagster_events_or_the_console(
    pipeline: Pipeline, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """An unclosed quote: DuckDB's own text would hold the rest of the file."""
    pipeline.landing.full_labour(2025)
    land(pipeline, with_line(3, ROW.replace(f"{SECRET} NAMA", f'"{SECRET} NAMA')))
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        [outcome] = run_each_period(pipeline.warehouse, [PERIOD], instance=instance)
        stored = "\n".join(repr(record) for record in instance.all_logs(outcome.run_id))
    assert not outcome.success
    assert "part-1.csv: a quote is not closed (data row 3)" in (outcome.error or "")
    assert "STEP_FAILURE" in stored
    assert SECRET not in stored
    out, err = capfd.readouterr()
    assert SECRET not in out + err


def test_a_row_longer_than_the_line_limit_stops_without_its_value(pipeline: Pipeline) -> None:
    huge = ROW.replace(f"{SECRET} ALAMAT", SECRET * 400_000)  # 3.6 MB in one field
    land(pipeline, with_line(2, huge))
    error = stage_error(pipeline)
    assert error.line == 2
    assert "a row is longer than" in error.reason


def test_mixed_line_endings_are_read_with_exact_line_numbers(pipeline: Pipeline) -> None:
    """A Windows export with rows appended by a Unix tool: CRLF, then LF."""
    rows = [enrollment_row() for _ in range(6)]
    rows[1]["kbli"] = "Z"  # data row 2, in the CRLF part
    rows[4]["kbli"] = "Z"  # data row 5, in the LF part
    rows[5]["alamat"] = "Jl. A\r\nBlok B"  # a quoted line break in the LF part
    lines = csv_lines(rows)
    content = "\r\n".join(lines[:4]) + "\r\n" + "\n".join(lines[4:]) + "\n"
    land(pipeline, content.encode())
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (6, 4, 2)
    assert pipeline.internal("SELECT line, rules FROM quality.rejected_rows ORDER BY line") == [
        (2, "unknown_code"),
        (5, "unknown_code"),
    ]
    assert pipeline.internal(
        "SELECT count(*) FROM staging.enrollment WHERE contains(nama || npp || kpj, chr(13))"
    ) == [(0,)]


def test_mixed_line_endings_with_a_ragged_row_name_its_data_row(pipeline: Pipeline) -> None:
    lines = list(GOOD)
    lines[4] = FIRST_FIELDS
    content = "\r\n".join(lines[:3]) + "\r\n" + "\n".join(lines[3:]) + "\n"
    land(pipeline, content.encode())
    error = stage_error(pipeline)
    assert (error.line, error.reason) == (4, "the row has 2 fields, the header has 13 (data row 4)")


QUOTED_BREAK = enrollment_row(alamat="Jl. Pahlawan 1\nRT 2")


@pytest.mark.parametrize("quoted_break_before", [False, True], ids=["plain", "quoted-break"])
@pytest.mark.parametrize(
    ("extra", "found"),
    [(",", 14), (",,", 15), (',""', 14), (",X", 14)],
    ids=["one-empty", "two-empty", "quoted-empty", "one-value"],
)
def test_a_row_with_more_fields_than_the_header_stops_the_snapshot(
    pipeline: Pipeline, quoted_break_before: bool, extra: str, found: int
) -> None:
    """Also when every extra field is empty (a trailing comma): the file is not a table."""
    first = QUOTED_BREAK if quoted_break_before else enrollment_row()
    lines = csv_lines([first, enrollment_row(), enrollment_row(), enrollment_row()])
    lines[-2] += extra.replace("X", "6472")  # data row 3
    land(pipeline, ("\n".join(lines) + "\n").encode())
    error = stage_error(pipeline)
    assert error.line == 3
    assert f"the row has {found} fields, the header has 13" in error.reason


@pytest.mark.parametrize("quoted_break_before", [False, True], ids=["plain", "quoted-break"])
def test_a_row_with_fewer_fields_than_the_header_stops_the_snapshot(
    pipeline: Pipeline, quoted_break_before: bool
) -> None:
    first = QUOTED_BREAK if quoted_break_before else enrollment_row()
    lines = csv_lines([first, enrollment_row(), enrollment_row()])
    lines[-1] = lines[-1].rsplit(",", 1)[0]  # data row 3 lacks its last field (npp)
    land(pipeline, ("\n".join(lines) + "\n").encode())
    error = stage_error(pipeline)
    assert (error.line, error.reason) == (
        3,
        "the row has 12 fields, the header has 13 (data row 3)",
    )


def test_a_header_and_rows_that_all_end_in_a_comma_are_a_table(pipeline: Pipeline) -> None:
    """An empty last header name is one more (ignored) column: every row has its field."""
    lines = [line + "," for line in csv_lines([enrollment_row(), enrollment_row(kbli="Z")])]
    land(pipeline, ("\n".join(lines) + "\n").encode())
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (2, 1, 1)


def test_blank_lines_are_not_rows(pipeline: Pipeline) -> None:
    lines = csv_lines([enrollment_row(), enrollment_row(kbli="Z")])
    land(pipeline, "\n".join([lines[0], lines[1], "", lines[2], "", ""]).encode())
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (2, 1, 1)
    assert pipeline.internal("SELECT line FROM quality.rejected_rows") == [(2,)]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("\n".join(GOOD).encode("utf-16"), "not UTF-8 text"),
        ("\n".join(GOOD).encode("cp1252", "replace").replace(b"kpj", b"k\xe9pj"), "UTF-8"),
        (
            "\n".join(line.replace(",", ";") for line in GOOD).encode(),
            "separated by ';', not ','",
        ),
        (("\n".join(GOOD) + "\n").encode().replace(b"\n", b"\r", 2), "not a well-formed CSV"),
    ],
    ids=["utf-16", "latin-1-header", "semicolons", "cr-and-lf"],
)
def test_a_file_that_is_not_comma_separated_utf8_stops_the_snapshot(
    pipeline: Pipeline, content: bytes, reason: str
) -> None:
    land(pipeline, content)
    error = stage_error(pipeline)
    assert reason in error.reason


def test_nul_bytes_and_control_characters_are_values(pipeline: Pipeline) -> None:
    rows = [enrollment_row(nama="BUDI\x00SANTOSO"), enrollment_row(kode_wilayah="64\x0072")]
    land(pipeline, ("\n".join(csv_lines(rows)) + "\n").encode())
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (2, 1, 1)
    assert pipeline.internal("SELECT line, rules FROM quality.rejected_rows") == [
        (2, "unknown_code")
    ]


def test_columns_are_matched_by_name_whatever_else_the_header_holds(pipeline: Pipeline) -> None:
    """Extra, reordered, upper-case and padded header names; a quoted header name."""
    columns = ("Catatan", *(f" {c.upper()} " for c in reversed(ENROLLMENT_COLUMNS)))
    row = enrollment_row()
    lines = csv_lines([{f" {k.upper()} ": v for k, v in row.items()}], columns)
    lines[0] = lines[0].replace("Catatan", '"Catatan, bebas"')
    land(pipeline, ("\n".join(lines) + "\n").encode())
    assert pipeline.stage().accepted == 1


@pytest.mark.parametrize("quoted_break", [False, True], ids=["plain", "quoted-break"])
def test_an_invalid_byte_in_an_extra_column_stops_the_snapshot_too(
    pipeline: Pipeline, quoted_break: bool
) -> None:
    """The file is not UTF-8 text, whichever column the byte is in."""
    columns = (*ENROLLMENT_COLUMNS, "catatan")
    first = QUOTED_BREAK if quoted_break else enrollment_row()
    rows = [{**first, "catatan": ""}, {**enrollment_row(), "catatan": "Jos\udce9"}]
    land(pipeline, ("\n".join(csv_lines(rows, columns)) + "\n").encode("utf-8", "surrogateescape"))
    error = stage_error(pipeline)
    assert (error.line, error.reason) == (2, "not UTF-8 text (data row 2)")


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"], ids=["cr-only", "crlf", "lf"])
@pytest.mark.parametrize("final_line_break", [True, False], ids=["final-break", "no-final-break"])
def test_one_kind_of_line_ending_with_or_without_a_final_one(
    pipeline: Pipeline, ending: str, final_line_break: bool
) -> None:
    lines = csv_lines([enrollment_row(), enrollment_row(kbli="Z")])
    land(pipeline, (ending.join(lines) + (ending if final_line_break else "")).encode())
    snapshot = pipeline.stage()
    assert (snapshot.read, snapshot.accepted, snapshot.rejected) == (2, 1, 1)
    assert pipeline.internal("SELECT line, rules FROM quality.rejected_rows") == [
        (2, "unknown_code")
    ]


def test_a_quote_inside_an_unquoted_value_is_part_of_the_value(pipeline: Pipeline) -> None:
    lines = csv_lines([enrollment_row()])
    lines[1] = lines[1].replace("BUDI SANTOSO", 'BUDI "BUDI" SANTOSO')
    land(pipeline, ("\n".join(lines) + "\n").encode())
    assert pipeline.stage().accepted == 1
    assert pipeline.internal("SELECT nama FROM staging.enrollment") == [('BUDI "BUDI" SANTOSO',)]


def test_a_column_twice_in_a_csv_header_stops_the_snapshot(pipeline: Pipeline) -> None:
    lines = csv_lines([secret_row()])
    lines = [lines[0] + ",NAMA ", lines[1] + f",{SECRET}"]
    land(pipeline, ("\n".join(lines) + "\n").encode())
    assert stage_error(pipeline).reason == "column 'nama' appears twice in the header"
