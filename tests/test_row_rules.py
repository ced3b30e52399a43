"""The contract's row rules, one test each, on tiny hand-made snapshots.

Each test stages a snapshot with the real staging code on a real DuckDB file and reads
``quality.rejected_rows`` back: the file, the line, every broken rule, the raw values.
"""

from __future__ import annotations

import json

import pytest
from helpers import PERIOD, Pipeline, enrollment_row, labour_row


def rejected_rules(pipeline: Pipeline, source: str = "enrollment") -> dict[int, str]:
    return dict(
        pipeline.internal(
            "SELECT line, rules FROM quality.rejected_rows WHERE source = ? ORDER BY line",
            [source],
        )
    )


def only_rule(pipeline: Pipeline, rows: list[dict[str, str]]) -> dict[int, str]:
    pipeline.landing.enrollment(PERIOD, [enrollment_row(), *rows])
    snapshot = pipeline.stage()
    assert snapshot.read == snapshot.accepted + snapshot.rejected == len(rows) + 1
    return rejected_rules(pipeline)


@pytest.mark.parametrize(
    "column",
    [
        "kpj",
        "nama",
        "tanggal_lahir",
        "jenis_kelamin",
        "kode_wilayah",
        "segmen",
        "kbli",
        "program",
        "status",
        "tanggal_kepesertaan",
    ],
)
def test_missing_required(pipeline: Pipeline, column: str) -> None:
    assert only_rule(pipeline, [enrollment_row(**{column: "  "})]) == {2: "missing_required"}


def test_nik_alamat_are_optional_and_npp_only_for_pu_jakon(pipeline: Pipeline) -> None:
    rows = [enrollment_row(nik="", alamat=""), enrollment_row(segmen="BPU", npp="")]
    assert only_rule(pipeline, rows) == {}


@pytest.mark.parametrize(
    "overrides",
    [
        {"kpj": "1234567890"},  # 10 digits
        {"kpj": "1234567890A"},
        {"tanggal_lahir": "15/05/1990"},
        {"tanggal_lahir": "1990-02-30"},
        {"tanggal_lahir": "1990-5-15"},
        {"tanggal_kepesertaan": "2020-01-01T00:00"},
    ],
)
def test_bad_type(pipeline: Pipeline, overrides: dict[str, str]) -> None:
    assert only_rule(pipeline, [enrollment_row(**overrides)]) == {2: "bad_type"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"jenis_kelamin": "X"},
        {"kode_wilayah": "6499"},
        {"kode_wilayah": "649901"},
        {"kode_wilayah": "6404"},  # a BPS code (Kutai Timur) that is no Kemendagri code
        {"segmen": "ASN"},
        {"kbli": "Z"},
        {"status": "PENDING"},
    ],
)
def test_unknown_code(pipeline: Pipeline, overrides: dict[str, str]) -> None:
    assert only_rule(pipeline, [enrollment_row(**overrides)]) == {2: "unknown_code"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"tanggal_lahir": "2025-04-01"},  # after the period: in the future
        {"tanggal_lahir": "2010-04-01", "tanggal_kepesertaan": "2024-01-01"},  # age 14
        {"tanggal_lahir": "1924-03-30"},  # age 101 at 2025-03-31
        {"tanggal_kepesertaan": "2025-04-01"},  # registered after the period
        {"tanggal_lahir": "1990-05-15", "tanggal_kepesertaan": "1990-05-14"},  # before birth
    ],
)
def test_out_of_range(pipeline: Pipeline, overrides: dict[str, str]) -> None:
    assert only_rule(pipeline, [enrollment_row(**overrides)]) == {2: "out_of_range"}


def test_age_bounds_are_inclusive(pipeline: Pipeline) -> None:
    rows = [
        enrollment_row(tanggal_lahir="2010-03-31", tanggal_kepesertaan="2025-03-31"),  # 15
        enrollment_row(tanggal_lahir="1924-03-31"),  # 101? no: exactly 101 on 2025-03-31
        enrollment_row(tanggal_lahir="1924-04-01"),  # 100
    ]
    assert only_rule(pipeline, rows) == {3: "out_of_range"}


@pytest.mark.parametrize("segmen", ["PU", "JAKON", " jakon "])
def test_npp_required(pipeline: Pipeline, segmen: str) -> None:
    assert only_rule(pipeline, [enrollment_row(segmen=segmen, npp="")]) == {2: "npp_required"}


@pytest.mark.parametrize("program", ["JKK", "JKM;JHT", "JKK;JKM;ABC", ";"])
def test_program_incomplete(pipeline: Pipeline, program: str) -> None:
    assert only_rule(pipeline, [enrollment_row(program=program)]) == {2: "program_incomplete"}


def test_every_broken_rule_is_listed_in_contract_order(pipeline: Pipeline) -> None:
    row = enrollment_row(
        kpj="ABC", jenis_kelamin="X", tanggal_kepesertaan="2026-01-01", npp="", program="JKK"
    )
    assert only_rule(pipeline, [row]) == {
        2: "bad_type;unknown_code;out_of_range;npp_required;program_incomplete"
    }


def test_duplicate_key_first_in_file_name_then_line_order_wins(pipeline: Pipeline) -> None:
    first, later = enrollment_row(nama="FIRST"), enrollment_row(nama="LATER")
    later["kpj"] = first["kpj"]
    again = dict(later, nama="AGAIN")
    # b.csv sorts after a.csv: its row is the later one although written first.
    pipeline.landing.enrollment(PERIOD, [again], name="b.csv")
    pipeline.landing.enrollment(PERIOD, [first, later], name="a.csv")
    pipeline.stage()
    assert pipeline.internal("SELECT nama FROM staging.enrollment") == [("FIRST",)]
    assert pipeline.internal(
        "SELECT file, line, rules FROM quality.rejected_rows ORDER BY file, line"
    ) == [
        ("enrollment/2025-03/a.csv", 2, "duplicate_key"),
        ("enrollment/2025-03/b.csv", 1, "duplicate_key"),
    ]


def test_duplicate_key_does_not_let_a_broken_row_shadow_a_good_one(pipeline: Pipeline) -> None:
    broken = enrollment_row(kbli="Z")
    good = enrollment_row(kpj=broken["kpj"])
    pipeline.landing.enrollment(PERIOD, [broken, good])
    pipeline.stage()
    assert rejected_rules(pipeline) == {1: "unknown_code"}
    assert pipeline.internal("SELECT count(*) FROM staging.enrollment") == [(1,)]


def test_kpj_is_compared_after_trimming(pipeline: Pipeline) -> None:
    first = enrollment_row()
    later = enrollment_row(kpj=f"  {first['kpj']} ")
    assert only_rule(pipeline, [first, later]) == {3: "duplicate_key"}


def test_cleaning_trims_and_upper_cases_codes(pipeline: Pipeline) -> None:
    row = enrollment_row(
        nama="  Siti Aminah ",
        jenis_kelamin=" p ",
        kode_wilayah=" 6472 ",
        segmen="pu",
        kbli=" g",
        program=" jkk ; Jkm; jht ",
        status="aktif\t",
        npp=" 123 ",
    )
    assert only_rule(pipeline, [row]) == {}
    assert pipeline.internal(
        "SELECT nama, jenis_kelamin, kode_wilayah, segmen, kbli, program, status, npp "
        "FROM staging.enrollment WHERE nama LIKE 'Siti%'"
    ) == [("Siti Aminah", "P", "6472", "PU", "G", "JKK;JKM;JHT", "AKTIF", "123")]


def test_rejected_row_keeps_file_line_and_original_values(pipeline: Pipeline) -> None:
    row = enrollment_row(kbli=" z ", nama="  Ani ")
    pipeline.landing.enrollment(PERIOD, [enrollment_row(), row])
    pipeline.stage()
    [(source, key, file, line, rules, raw)] = pipeline.internal(
        "SELECT * FROM quality.rejected_rows"
    )
    assert (source, key, file, line, rules) == (
        "enrollment",
        PERIOD,
        "enrollment/2025-03/part-1.csv",
        2,
        "unknown_code",
    )
    assert json.loads(raw) == {**row, "kbli": " z ", "nama": "  Ani "}


def test_rows_read_equal_accepted_plus_rejected_per_file(pipeline: Pipeline) -> None:
    pipeline.landing.enrollment(PERIOD, [enrollment_row(), enrollment_row(kbli="Z")], name="a.csv")
    pipeline.landing.enrollment(PERIOD, [enrollment_row(segmen="X")] * 1, name="b.csv")
    pipeline.stage()
    assert pipeline.internal(
        "SELECT file, rows_read, rows_accepted, rows_rejected FROM quality.file_loads ORDER BY file"
    ) == [("enrollment/2025-03/a.csv", 2, 1, 1), ("enrollment/2025-03/b.csv", 1, 0, 1)]


def test_restaging_a_period_replaces_it(pipeline: Pipeline) -> None:
    pipeline.landing.enrollment(PERIOD, [enrollment_row(), enrollment_row(kbli="Z")])
    pipeline.stage()
    pipeline.stage()
    assert pipeline.internal("SELECT count(*) FROM staging.enrollment") == [(1,)]
    assert pipeline.internal("SELECT count(*) FROM quality.rejected_rows") == [(1,)]


# Labour statistics -------------------------------------------------------------------


def labour_rules(pipeline: Pipeline, rows: list[dict[str, str]]) -> dict[int, str]:
    pipeline.landing.labour(2025, [labour_row(), *rows])
    snapshot = pipeline.stage_year()
    assert snapshot.read == snapshot.accepted + snapshot.rejected
    return rejected_rules(pipeline, "labour")


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"jumlah_pekerja": ""}, "missing_required"),
        ({"tahun": ""}, "missing_required"),
        ({"jumlah_pekerja": "12.5"}, "bad_type"),
        ({"tahun": "2025a"}, "bad_type"),
        ({"kode_wilayah": "6408"}, "unknown_code"),  # Kemendagri Kutai Timur, not a BPS code
        ({"kbli": "Z"}, "unknown_code"),
        ({"status_pekerjaan": "SEMI"}, "unknown_code"),
        ({"jumlah_pekerja": "-1"}, "out_of_range"),
        ({"tahun": "2024"}, "out_of_range"),  # not the folder's year
        ({"kbli": "G"}, "duplicate_key"),  # the first row's key again
    ],
)
def test_labour_rules(pipeline: Pipeline, overrides: dict[str, str], rule: str) -> None:
    row = labour_row(**{"kbli": "B", **overrides})
    assert labour_rules(pipeline, [row]) == {2: rule}


def test_labour_key_is_compared_after_cleaning(pipeline: Pipeline) -> None:
    later = labour_row(kbli=" g ", status_pekerjaan="formal")
    assert labour_rules(pipeline, [later]) == {2: "duplicate_key"}


def test_labour_zero_workers_is_accepted(pipeline: Pipeline) -> None:
    assert labour_rules(pipeline, [labour_row(kbli="A", jumlah_pekerja="0")]) == {}
