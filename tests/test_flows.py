"""Persons across periods and the flow and trend columns (contract, additions of 2026-11-28).

Each test lands a few tiny periods, publishes them with the pipeline's own stages
(`Pipeline.publish`: no Dagster, no checks) and reads the published file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers import Pipeline, enrollment_row, make_nik

from contract.tables import FLOW_MARTS, PUBLISHED_TABLES

JAN, FEB, MAR, APR = "2025-01", "2025-02", "2025-03", "2025-04"
BIRTH = date(1985, 4, 12)
FLOWS = "periode_sebelumnya, peserta_aktif_sebelumnya, peserta_baru, peserta_berhenti"


def person(serial: str, nama: str, **overrides: Any) -> dict[str, Any]:
    """The columns that make one person: a valid NIK (serial), a name, a birth date."""
    birth = overrides.pop("birth", BIRTH)
    return {
        "nik": make_nik(birth, serial=serial),
        "nama": nama,
        "tanggal_lahir": birth.isoformat(),
        **overrides,
    }


AGUS = person("0001", "AGUS SANTOSO")
BUDI = person("0002", "BUDI HARTONO")
SITI = {"nik": "", "nama": "SITI NURHALIZA", "tanggal_lahir": "1992-02-02"}


@pytest.fixture
def flows(pipeline: Pipeline) -> Pipeline:
    pipeline.landing.full_labour(2025, jumlah=10)
    return pipeline


def region(pipeline: Pipeline, period: str, kode: str) -> tuple[Any, ...]:
    [row] = pipeline.published(
        f"SELECT peserta_aktif, {FLOWS} FROM mart.coverage_region "
        "WHERE periode = ? AND kode_wilayah = ?",
        [period, kode],
    )
    return row


def province(pipeline: Pipeline, period: str) -> tuple[Any, ...]:
    [row] = pipeline.published(
        f"SELECT peserta_aktif, {FLOWS} FROM mart.coverage_province WHERE periode = ?", [period]
    )
    return row


def continuity(pipeline: Pipeline, period: str) -> dict[str, tuple[Any, ...]]:
    """person_id -> (person_id_sebelumnya, match_rule) of the period."""
    return {
        p: (q, rule)
        for p, q, rule in pipeline.internal(
            "SELECT person_id, person_id_sebelumnya, match_rule FROM core.person_continuity "
            "WHERE periode = ?",
            [period],
        )
    }


def assert_identity_everywhere(pipeline: Pipeline) -> None:
    for table in FLOW_MARTS:
        broken = pipeline.published(
            f"SELECT * FROM {table.name} WHERE (periode_sebelumnya IS NULL) <> "
            "(peserta_baru IS NULL) OR peserta_aktif_sebelumnya + peserta_baru "
            "- peserta_berhenti <> peserta_aktif"
        )
        assert broken == [], table.name


def test_flow_columns_are_declared_on_the_four_marts_and_published() -> None:
    published = {t.name: t.column_names() for t in PUBLISHED_TABLES}
    for table in FLOW_MARTS:
        for column in (
            "peserta_aktif_sebelumnya",
            "peserta_baru",
            "peserta_berhenti",
            "cakupan_persen_sebelumnya",
            "perubahan_poin",
        ):
            assert column in published[table.name], (table.name, column)
    assert "peserta_baru" not in published["mart.coverage_region_sector"]


def test_first_published_period_has_no_flows(flows: Pipeline) -> None:
    flows.landing.enrollment(JAN, [enrollment_row(**AGUS)])
    flows.publish(JAN)
    assert province(flows, JAN) == (1, None, None, None, None)
    assert flows.published(
        "SELECT count(*) FROM mart.coverage_status WHERE peserta_baru IS NOT NULL "
        "OR cakupan_persen_sebelumnya IS NOT NULL OR perubahan_poin IS NOT NULL"
    ) == [(0,)]


def test_a_nik_person_who_stays_leaves_and_comes_back(flows: Pipeline) -> None:
    agus, budi = enrollment_row(**AGUS), enrollment_row(**BUDI)
    flows.landing.enrollment(JAN, [agus, budi])
    flows.landing.enrollment(FEB, [agus])  # Budi is absent from the snapshot
    flows.landing.enrollment(MAR, [{**agus, "status": "NONAKTIF"}, budi])  # Budi is back
    for period in (JAN, FEB, MAR):
        flows.publish(period)
    # aktif, previous period, sebelumnya, baru, berhenti
    assert region(flows, FEB, "6472") == (1, JAN, 2, 0, 1)
    assert region(flows, MAR, "6472") == (1, FEB, 1, 1, 1)
    assert continuity(flows, FEB) == {agus["kpj"]: (agus["kpj"], "nik")}
    # Budi continues nobody of February (he was not in it); Agus, gone NONAKTIF, is still
    # the same person: followed, and counted as berhenti because he is no longer active.
    assert continuity(flows, MAR) == {
        agus["kpj"]: (agus["kpj"], "nik"),
        budi["kpj"]: (None, None),
    }
    assert_identity_everywhere(flows)


def test_a_person_without_nik_is_followed_by_name(flows: Pipeline) -> None:
    jan = [enrollment_row(**SITI), enrollment_row(**{**SITI, "nama": "TUTI HASIBUAN"})]
    # February: Siti's name typed with a slip, on a new kpj; Tuti is gone, and Wati, a
    # different given name with the same family name, birth date and regency, is new.
    feb = [
        enrollment_row(**{**SITI, "nama": "Siti Nurhalisa"}),
        enrollment_row(**{**SITI, "nama": "WATI HASIBUAN"}),
    ]
    flows.landing.enrollment(JAN, jan)
    flows.landing.enrollment(FEB, feb)
    flows.publish(JAN)
    flows.publish(FEB)
    assert continuity(flows, FEB) == {
        feb[0]["kpj"]: (jan[0]["kpj"], "name_similar"),
        feb[1]["kpj"]: (None, None),
    }
    assert province(flows, FEB) == (2, JAN, 2, 1, 1)


def test_a_move_from_samarinda_to_balikpapan(flows: Pipeline) -> None:
    flows.landing.enrollment(JAN, [enrollment_row(kpj="10000000001", **AGUS)])
    flows.landing.enrollment(
        FEB, [enrollment_row(kpj="10000000001", **AGUS, kode_wilayah="647101")]
    )
    flows.publish(JAN)
    flows.publish(FEB)
    assert region(flows, FEB, "6472") == (0, JAN, 1, 0, 1)  # Samarinda: berhenti
    assert region(flows, FEB, "6471") == (1, JAN, 0, 1, 0)  # Balikpapan: baru
    assert province(flows, FEB) == (1, JAN, 1, 0, 0)  # neither in the province
    assert flows.published(
        "SELECT kode_wilayah, peserta_baru, peserta_berhenti FROM mart.coverage_status "
        "WHERE periode = ? AND status_pekerjaan = 'FORMAL' AND peserta_aktif_sebelumnya "
        "+ peserta_aktif > 0 ORDER BY kode_wilayah",
        [FEB],
    ) == [("6471", 1, 0), ("6472", 0, 1)]
    # Same sector: neither in the sector mart.
    assert flows.published(
        "SELECT peserta_baru, peserta_berhenti FROM mart.coverage_sector "
        "WHERE periode = ? AND kbli = 'G'",
        [FEB],
    ) == [(0, 0)]
    assert_identity_everywhere(flows)


def test_a_gap_compares_with_the_latest_published_period(flows: Pipeline) -> None:
    agus, budi = enrollment_row(**AGUS), enrollment_row(**BUDI)
    flows.landing.enrollment(JAN, [agus])
    flows.landing.enrollment(FEB, [agus, budi])  # landed and built, never published
    flows.landing.enrollment(APR, [agus, budi])  # March never landed
    flows.publish(JAN)
    flows.build_marts(FEB)
    flows.publish(APR)
    assert province(flows, APR) == (2, JAN, 1, 1, 0)
    [(before, now, points)] = flows.published(
        "SELECT cakupan_persen_sebelumnya, cakupan_persen, perubahan_poin "
        "FROM mart.coverage_region WHERE periode = ? AND kode_wilayah = '6472'",
        [APR],
    )
    assert (before, now) == (pytest.approx(100 / 420), pytest.approx(200 / 420))
    assert points == pytest.approx(now - before)


def test_a_shared_nik_wins_over_a_name(flows: Pipeline) -> None:
    # January: Agus, with his NIK, in Samarinda. February: Agus's NIK on a row in
    # Balikpapan, and in Samarinda a NIK-less row with Agus's name and birth date (a
    # different person by rule 2: nothing with a valid NIK to join in February's block).
    agus = enrollment_row(**AGUS)
    feb_nik = enrollment_row(**AGUS, kode_wilayah="6471")
    feb_loose = enrollment_row(**{**AGUS, "nik": ""})
    flows.landing.enrollment(JAN, [agus])
    flows.landing.enrollment(FEB, [feb_nik, feb_loose])
    flows.publish(JAN)
    flows.publish(FEB)
    assert continuity(flows, FEB) == {
        feb_nik["kpj"]: (agus["kpj"], "nik"),
        feb_loose["kpj"]: (None, None),
    }


def test_one_to_one_with_several_candidates(flows: Pipeline) -> None:
    # January: namesakes (two valid NIKs) and a near namesake. February: two NIK-less
    # persons with those names. Each is matched to one January person, nearest name first,
    # then the smallest person_id; no January person is continued twice.
    rizki_1 = enrollment_row(kpj="10000000011", **person("0011", "RIZKI PRATAMA"))
    rizki_2 = enrollment_row(kpj="10000000012", **person("0012", "RIZKI PRATAMA"))
    rizky = enrollment_row(kpj="10000000013", **person("0013", "RIZKY PRATAMA"))
    loose = {"nik": "", "tanggal_lahir": BIRTH.isoformat()}
    feb_rizky = enrollment_row(kpj="10000000021", nama="RIZKY PRATAMA", **loose)
    feb_rizki = enrollment_row(kpj="10000000022", nama="RIZKI PRATAMA", **loose, alamat="X")
    # In February the two NIK-less rows are one person: nearly the same names, no NIK.
    flows.landing.enrollment(JAN, [rizki_1, rizki_2, rizky])
    flows.landing.enrollment(FEB, [feb_rizky, feb_rizki])
    flows.publish(JAN)
    flows.publish(FEB)
    # One February person (the smallest kpj names it), three January candidates: the
    # nearest names are the RIZKI namesakes (distance 0 from one of its rows), then the
    # smallest person_id.
    assert continuity(flows, FEB) == {"10000000021": ("10000000011", "name_exact")}
    assert province(flows, FEB) == (1, JAN, 3, 0, 2)


def test_the_other_direction_one_person_continued_once(flows: Pipeline) -> None:
    loose = {"nik": "", "tanggal_lahir": BIRTH.isoformat(), "nama": "RIZKI PRATAMA"}
    jan = enrollment_row(kpj="10000000031", **loose)
    feb_a = enrollment_row(kpj="10000000041", **person("0041", "RIZKY PRATAMA"))
    feb_b = enrollment_row(kpj="10000000042", **person("0042", "RIZKI PRATAMA"))
    flows.landing.enrollment(JAN, [jan])
    flows.landing.enrollment(FEB, [feb_a, feb_b])
    flows.publish(JAN)
    flows.publish(FEB)
    # The nearest name wins (RIZKI), though RIZKY has the smaller person_id.
    assert continuity(flows, FEB) == {
        "10000000041": (None, None),
        "10000000042": ("10000000031", "name_exact"),
    }
    assert province(flows, FEB) == (2, JAN, 1, 1, 0)


def test_two_valid_niks_never_continue_each_other(flows: Pipeline) -> None:
    flows.landing.enrollment(JAN, [enrollment_row(**person("0051", "AHMAD YANI"))])
    flows.landing.enrollment(FEB, [enrollment_row(**person("0052", "AHMAD YANI"))])
    flows.publish(JAN)
    flows.publish(FEB)
    assert province(flows, FEB) == (1, JAN, 1, 1, 1)


def test_a_successor_whose_last_run_did_not_publish_keeps_its_published_rows(
    flows: Pipeline,
) -> None:
    agus, budi = enrollment_row(**AGUS), enrollment_row(**BUDI)
    flows.landing.enrollment(JAN, [agus])
    flows.landing.enrollment(FEB, [agus, budi])
    flows.landing.enrollment(MAR, [agus, budi])
    flows.publish(JAN)
    flows.publish(MAR)
    published_march = province(flows, MAR)
    assert published_march == (2, JAN, 1, 1, 0)
    # March is run again on changed inputs, and that run stops before publishing: its
    # internal numbers are no longer the published ones.
    flows.landing.enrollment(MAR, [agus])
    flows.build_marts(MAR)
    flows.publish(FEB)
    assert province(flows, FEB) == (2, JAN, 1, 1, 0)
    assert province(flows, MAR) == published_march  # not refreshed from unpublished numbers
    flows.publish(MAR)  # once March publishes again, it compares with February
    assert province(flows, MAR) == (1, FEB, 2, 0, 1)


def published_marts(pipeline: Pipeline) -> dict[str, list[tuple[Any, ...]]]:
    """Every published table, rows in grain order, without when and by which run (nor when
    the file was written)."""
    out = {}
    for table in PUBLISHED_TABLES:
        columns = [
            c for c in table.column_names() if c not in ("published_at", "run_id", "diterbitkan")
        ]
        out[table.name] = pipeline.published(
            f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY ALL"
        )
    return out


def land_four_months(pipeline: Pipeline) -> None:
    pipeline.landing.full_labour(2025, jumlah=10)
    agus, budi, siti = enrollment_row(**AGUS), enrollment_row(**BUDI), enrollment_row(**SITI)
    pipeline.landing.enrollment(JAN, [agus, budi])
    pipeline.landing.enrollment(FEB, [agus, {**budi, "kode_wilayah": "6471"}, siti])
    pipeline.landing.enrollment(MAR, [agus, {**siti, "nama": "SITI NURHALISA"}])
    pipeline.landing.enrollment(APR, [{**agus, "status": "NONAKTIF"}, budi, siti])


@pytest.mark.slow
def test_out_of_order_backfill_publishes_the_same_file_as_in_order(
    tmp_path: Any,
) -> None:
    """The backfill as real Dagster runs (checks included: the refreshed period's flows
    are checked too), one period at a time out of order; the in-order file from the
    stages called directly."""
    in_order = Pipeline(tmp_path / "in_order")
    land_four_months(in_order)
    for period in (JAN, FEB, MAR, APR):
        in_order.publish(period)
    backfill = Pipeline(tmp_path / "backfill")
    land_four_months(backfill)
    for period in (APR, JAN, MAR, FEB):  # each run refreshes the published period after it
        backfill.run_ok(period)
    expected = published_marts(in_order)
    assert published_marts(backfill) == expected
    assert region(in_order, APR, "6472")[1:] == (MAR, 2, 1, 1)
    assert_identity_everywhere(backfill)


@pytest.mark.parametrize(("sex", "followed"), [("L", True), ("P", False)])
def test_persons_across_periods_follow_rule_2_the_same_sex(
    flows: Pipeline, sex: str, followed: bool
) -> None:
    """A NIK-less SUSANTI continues SUSANTO only when both are of the same sex (one slip in
    a word of seven letters: nearly the same name)."""
    jan = enrollment_row(**person("0061", "SUSANTO"))
    feb = enrollment_row(nik="", nama="SUSANTI", jenis_kelamin=sex, tanggal_lahir=BIRTH.isoformat())
    flows.landing.enrollment(JAN, [jan])
    flows.landing.enrollment(FEB, [feb])
    flows.publish(JAN)
    flows.publish(FEB)
    expected = (jan["kpj"], "name_similar") if followed else (None, None)
    assert continuity(flows, FEB) == {feb["kpj"]: expected}
