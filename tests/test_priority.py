"""mart.coverage_priority (contract, "Additions of 2026-11-28"): the priority groups per
region, zeros included, with the cost of protecting the uncovered and the JKM death
benefit they would not receive. Groups overlap and are never summed.

The rules on the builder directly (`Pipeline.build_marts`, tiny inputs); the GX suite of
the mart on a real run with a planted defect.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers import Pipeline, enrollment_row, labour_row
from test_checks import (
    check_step,
    evaluations,
    failed_rules,
    published_candidate,
    published_coverage,
    run_selected,
    tamper,
)

from assets.mart.coverage import build_mart
from contract.amounts import BPU_MINIMUM_CONTRIBUTION_RP, JKM_DEATH_BENEFIT_RP
from contract.priority import priority_groups
from contract.reference import bps_regions
from contract.tables import COVERAGE_PRIORITY

PRIORITY = (
    "SELECT kelompok, pekerja, peserta_aktif, cakupan_persen, belum_terlindungi, "
    "biaya_perlindungan_bulanan_rp, biaya_perlindungan_tahunan_rp, "
    "santunan_kematian_tidak_terlindungi_rp FROM mart.coverage_priority "
    "WHERE periode = '2025-03' AND kode_wilayah = ? ORDER BY kelompok"
)


def samarinda_landing(pipeline: Pipeline) -> None:
    """Samarinda: teachers formal 10 + informal 5, village government 4, domestic workers 3
    (informal), informal traders 20. Active: a formal teacher, an informal (BPU) teacher, an
    informal trader; a domestic worker gone NONAKTIF; a formal trader (in no group)."""
    pipeline.landing.labour(
        2025,
        [
            labour_row(kbli="P", status_pekerjaan="FORMAL", jumlah_pekerja=10),
            labour_row(kbli="P", status_pekerjaan="INFORMAL", jumlah_pekerja=5),
            labour_row(kbli="O", status_pekerjaan="FORMAL", jumlah_pekerja=4),
            labour_row(kbli="T", status_pekerjaan="INFORMAL", jumlah_pekerja=3),
            labour_row(kbli="G", status_pekerjaan="INFORMAL", jumlah_pekerja=20),
            labour_row(kbli="G", status_pekerjaan="FORMAL", jumlah_pekerja=30),
        ],
    )
    bpu: dict[str, Any] = {"segmen": "BPU", "npp": "", "program": "JKK;JKM"}
    pipeline.landing.enrollment(
        "2025-03",
        [
            enrollment_row(kbli="P", birth=date(1980, 1, 1)),
            enrollment_row(kbli="P", birth=date(1981, 1, 1), nama="SITI AMINAH", **bpu),
            enrollment_row(kbli="G", birth=date(1982, 1, 1), nama="ANDI WIJAYA", **bpu),
            enrollment_row(kbli="T", birth=date(1983, 1, 1), nama="WATI", status="NONAKTIF", **bpu),
            enrollment_row(kbli="G", birth=date(1984, 1, 1), nama="HENDRA"),
        ],
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The Samarinda landing zone staged and its marts built, once for the module's reads."""
    pipeline = Pipeline(tmp_path_factory.mktemp("priority"))
    samarinda_landing(pipeline)
    pipeline.build_marts()
    return pipeline


def costs(belum: int) -> tuple[int, int, int]:
    monthly = belum * BPU_MINIMUM_CONTRIBUTION_RP
    return monthly, 12 * monthly, belum * JKM_DEATH_BENEFIT_RP


def test_priority_groups_coverage_and_costs(built: Pipeline) -> None:
    pipeline = built
    rows = pipeline.internal(PRIORITY, ["6472"])
    assert rows == [
        ("ADMINISTRASI_PEMERINTAHAN", 4, 0, 0.0, 4, *costs(4)),
        ("INFORMAL", 28, 2, pytest.approx(100 * 2 / 28), 26, *costs(26)),
        ("PEKERJA_RUMAH_TANGGA", 3, 0, 0.0, 3, *costs(3)),
        ("TENAGA_PENDIDIK", 15, 2, pytest.approx(100 * 2 / 15), 13, *costs(13)),
    ]
    assert costs(26) == (436_800, 5_241_600, 1_092_000_000)  # Rp16,800 and Rp42 million


def test_every_region_and_group_is_a_row_zeros_included(built: Pipeline) -> None:
    pipeline = built
    grid = pipeline.internal(
        "SELECT kode_wilayah, kelompok FROM mart.coverage_priority WHERE periode = '2025-03'"
    )
    assert sorted(grid) == sorted((r, g) for r in bps_regions() for g in priority_groups())
    # A region without statistics or participants: nobody active, pekerja unknown (NULL),
    # so coverage, the gap and its costs are unknown too, as in the other marts.
    assert pipeline.internal(PRIORITY, ["6474"]) == [
        (g, None, 0, None, None, None, None, None) for g in sorted(priority_groups())
    ]
    assert pipeline.internal(
        "SELECT DISTINCT kode_kemendagri, nama_wilayah, tahun_pekerja FROM mart.coverage_priority "
        "WHERE kode_wilayah = '6403'"
    ) == [("6402", "Kabupaten Kutai Kartanegara", 2025)]


def test_groups_overlap_and_are_never_summed(built: Pipeline) -> None:
    pipeline = built
    # The informal teacher is in two groups: the groups' active persons (4) exceed the
    # active persons of Samarinda in any group (3), and the province's total (4 with the
    # formal trader) is not their sum.
    [(in_groups,)] = pipeline.internal(
        "SELECT sum(peserta_aktif) FROM mart.coverage_priority WHERE kode_wilayah = '6472'"
    )
    assert in_groups == 4
    assert pipeline.internal("SELECT peserta_aktif FROM mart.coverage_province") == [(4,)]
    # Each group equals its definition in the other marts.
    assert pipeline.internal(
        "SELECT pekerja, peserta_aktif FROM mart.coverage_region_sector "
        "WHERE kode_wilayah = '6472' AND kbli = 'P'"
    ) == [(15, 2)]
    assert pipeline.internal(
        "SELECT pekerja, peserta_aktif FROM mart.coverage_status "
        "WHERE kode_wilayah = '6472' AND status_pekerjaan = 'INFORMAL'"
    ) == [(28, 2)]


def test_costs_follow_the_settings(pipeline: Pipeline) -> None:
    samarinda_landing(pipeline)
    pipeline.build_marts()
    with pipeline.connect() as conn:
        build_mart(conn, COVERAGE_PRIORITY, "2025-03", 36_800, jkm_death_benefit_rp=50_000_000)
    assert pipeline.internal(
        "SELECT biaya_perlindungan_bulanan_rp, biaya_perlindungan_tahunan_rp, "
        "santunan_kematian_tidak_terlindungi_rp FROM mart.coverage_priority "
        "WHERE kode_wilayah = '6472' AND kelompok = 'INFORMAL'"
    ) == [(26 * 36_800, 12 * 26 * 36_800, 26 * 50_000_000)]


@pytest.mark.slow
def test_a_wrong_cost_or_group_fails_the_priority_check_and_blocks(pipeline: Pipeline) -> None:
    samarinda_landing(pipeline)
    pipeline.run_ok()
    before = pipeline.published("SELECT * FROM mart.coverage_priority ORDER BY ALL")
    tamper(
        pipeline,
        "UPDATE mart.coverage_priority SET biaya_perlindungan_tahunan_rp = "
        "biaya_perlindungan_bulanan_rp WHERE kelompok = 'INFORMAL' AND kode_wilayah = '6472'",
        # A teacher counted in the group but not in the region x sector mart.
        "UPDATE mart.coverage_priority SET peserta_aktif = 3, cakupan_persen = 20.0, "
        "belum_terlindungi = 12, biaya_perlindungan_bulanan_rp = 12 * 16800, "
        "biaya_perlindungan_tahunan_rp = 144 * 16800, "
        "santunan_kematian_tidak_terlindungi_rp = 12 * 42000000 "
        "WHERE kelompok = 'TENAGA_PENDIDIK' AND kode_wilayah = '6472'",
    )
    result = run_selected(
        pipeline, "2025-03", [published_candidate, published_coverage], [check_step("mart")]
    )
    assert not result.success
    rules = evaluations(result)[("coverage_priority_rules", "2025-03")]
    assert not rules.passed and rules.blocking
    failed = "\n".join(failed_rules(rules))
    assert "biaya_perlindungan_tahunan_rp = 12 x that" in failed
    assert "2025-03/6472/INFORMAL" in failed
    assert "Each group is its definition" in failed
    assert "2025-03/6472/TENAGA_PENDIDIK" in failed
    # The province is not compared with the groups: they overlap.
    assert evaluations(result)[("coverage_province_rules", "2025-03")].passed
    assert pipeline.published("SELECT * FROM mart.coverage_priority ORDER BY ALL") == before
