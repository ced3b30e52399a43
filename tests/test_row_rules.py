"""The contract's row rules, one test each, on tiny hand-made snapshots.

Each test stages a snapshot with the real staging code on a real DuckDB file and reads
``quality.rejected_rows`` back: the file, the line, every broken rule, the raw values.
"""

from __future__ import annotations

import json
from pathlib import Path

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


# Provinces the deployment does not cover (outside_deployment) ------------------------
#
# A deployment covers CAKUPAN_PROVINCES (default 64). Region codes are looked up in the
# national reference: another province's region is set aside, a code of no region is
# unknown_code. Examples are real: Kemendagri 3578 is Kota Surabaya (Jawa Timur, 35),
# 357801 its district Karang Pilang; in Kalimantan Utara (65) the two systems swap 6501
# and 6502 (Kemendagri 6501 Bulungan is BPS 6502, Kemendagri 6502 Malinau is BPS 6501).


def covering(tmp_path: Path, provinces: str) -> Pipeline:
    return Pipeline(tmp_path / provinces.replace(",", "-"), provinces)


@pytest.mark.parametrize("kode_wilayah", ["3578", "357801"])
def test_a_region_of_another_province_is_set_aside_with_its_file_and_line(
    pipeline: Pipeline, kode_wilayah: str
) -> None:
    row = enrollment_row(kode_wilayah=kode_wilayah)
    assert only_rule(pipeline, [row]) == {2: "outside_deployment"}
    (file, line, raw), *_ = pipeline.internal(
        "SELECT file, line, raw FROM quality.rejected_rows WHERE rules = 'outside_deployment'"
    )
    assert (file, line, json.loads(raw)["kode_wilayah"]) == (
        f"enrollment/{PERIOD}/part-1.csv",
        2,
        kode_wilayah,
    )
    assert pipeline.internal(
        "SELECT rows_read, rows_accepted, rows_rejected FROM quality.file_loads"
    ) == [(2, 1, 1)]


def test_a_code_of_no_region_stays_unknown_code_and_other_rules_are_kept(
    pipeline: Pipeline,
) -> None:
    rows = [
        enrollment_row(kode_wilayah="9999"),
        enrollment_row(kode_wilayah="3578", kpj="123"),
        enrollment_row(kode_wilayah="3578"),
    ]
    assert only_rule(pipeline, rows) == {
        2: "unknown_code",
        3: "bad_type;outside_deployment",
        4: "outside_deployment",
    }


def test_set_aside_rows_are_not_counted_by_the_reject_rate_warning(pipeline: Pipeline) -> None:
    """Nine rows of Jawa Timur in a file of ten: normal for a national file, no warning;
    nine rows of no region: a warning (the check's own query, run on the internal file)."""
    from checks.suites.staging import files_over_reject_rate

    query = files_over_reject_rate("enrollment", f"'{PERIOD}'")
    for code, warned in (("3578", []), ("9999", [(f"enrollment/{PERIOD}/part-1.csv",)])):
        only_rule(pipeline, [enrollment_row(kode_wilayah=code) for _ in range(9)])
        assert pipeline.internal(query) == warned


def test_a_row_of_a_covered_province_is_accepted(tmp_path: Path) -> None:
    both = covering(tmp_path, "35,64")
    assert only_rule(both, [enrollment_row(kode_wilayah="357801")]) == {}
    assert sorted(both.internal("SELECT kode_bps FROM staging.enrollment")) == [
        ("3578",),
        ("6472",),
    ]


def test_the_crosswalk_translates_codes_that_mean_other_places_in_the_other_system(
    tmp_path: Path,
) -> None:
    """Kemendagri 6402 is Kutai Kartanegara (BPS 6403); Kemendagri 6501 is Bulungan (BPS
    6502) and 6502 Malinau (BPS 6501): never the raw number."""
    kaltim = covering(tmp_path, "64,65")
    rows = [enrollment_row(kode_wilayah=k) for k in ("6402", "6501", "650201")]
    assert only_rule(kaltim, rows) == {}
    assert kaltim.internal(
        "SELECT kode_wilayah, kode_bps FROM staging.enrollment WHERE line > 1 ORDER BY line"
    ) == [("6402", "6403"), ("6501", "6502"), ("650201", "6501")]


@pytest.mark.parametrize(
    ("kode_wilayah", "rule"),
    [
        ("3578", "outside_deployment"),  # BPS Surabaya
        ("6502", "outside_deployment"),  # BPS Bulungan, Kalimantan Utara
        ("9401", "outside_deployment"),  # BPS Merauke before the Papua split: Papua either way
        ("9301", "unknown_code"),  # Kemendagri Merauke: no BPS code
    ],
)
def test_a_labour_row_of_another_province_is_set_aside(
    pipeline: Pipeline, kode_wilayah: str, rule: str
) -> None:
    row = labour_row(kbli="B", kode_wilayah=kode_wilayah)
    assert labour_rules(pipeline, [row]) == {2: rule}


@pytest.mark.parametrize("provinces", ["93", "94"])
def test_papua_bps_codes_are_not_guessed_where_papua_is_covered(
    tmp_path: Path, provinces: str
) -> None:
    """BPS 9401 was Merauke (now Papua Selatan, 93) before the 2022 split; Kemendagri 9401 is
    Nabire (Papua Tengah, 94). Not confirmed: unknown_code in a deployment of either."""
    papua = covering(tmp_path, provinces)
    assert labour_rules(papua, [labour_row(kode_wilayah="9401")]) == {
        1: "outside_deployment",  # the first row is Samarinda's
        2: "unknown_code",
    }
