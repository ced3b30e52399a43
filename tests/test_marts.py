"""Coverage marts through real Dagster runs: formula, denominator year, crosswalk, grids."""

from __future__ import annotations

from conftest import Pipeline, enrollment_row, labour_row

REGION = (
    "SELECT kode_wilayah, kode_kemendagri, pekerja, peserta_aktif, cakupan_persen, "
    "belum_terlindungi, cakupan_di_atas_100 FROM mart.coverage_region "
    "WHERE periode = ? AND kode_wilayah = ?"
)


def test_coverage_is_active_persons_over_workers_uncapped_and_flagged(pipeline: Pipeline) -> None:
    pipeline.landing.labour(
        2025,
        [
            labour_row(kode_wilayah="6472", jumlah_pekerja=4),
            labour_row(kode_wilayah="6474", jumlah_pekerja=1),
            labour_row(kode_wilayah="6471", jumlah_pekerja=0),
        ],
    )
    rows = [enrollment_row(kode_wilayah="6472")] + [enrollment_row(kode_wilayah="6474")] * 1
    rows += [enrollment_row(kode_wilayah="6474"), enrollment_row(kode_wilayah="6471")]
    pipeline.landing.enrollment("2025-03", rows)
    pipeline.run_ok()
    assert pipeline.published(REGION, ["2025-03", "6472"]) == [
        ("6472", "6472", 4, 1, 25.0, 3, False)
    ]
    assert pipeline.published(REGION, ["2025-03", "6474"]) == [
        ("6474", "6474", 1, 2, 200.0, 0, True)
    ]
    # zero workers: coverage NULL, nothing unprotected
    assert pipeline.published(REGION, ["2025-03", "6471"]) == [
        ("6471", "6471", 0, 1, None, 0, False)
    ]
    # no statistics at all for the region: pekerja, coverage and the gap are NULL
    assert pipeline.published(REGION, ["2025-03", "6411"]) == [
        ("6411", "6411", None, 0, None, None, False)
    ]
    # province: its own formula on the totals, not the sum of regional gaps
    assert pipeline.published(
        "SELECT pekerja, peserta_aktif, cakupan_persen, belum_terlindungi FROM mart.coverage_province"
    ) == [(5, 4, 80.0, 1)]


def test_enrollment_codes_go_through_the_crosswalk(pipeline: Pipeline) -> None:
    # Kemendagri 6402 is Kutai Kartanegara = BPS 6403; BPS 6402 is Kutai Barat.
    pipeline.landing.labour(
        2025,
        [
            labour_row(kode_wilayah="6403", jumlah_pekerja=10),
            labour_row(kode_wilayah="6402", jumlah_pekerja=20),
        ],
    )
    pipeline.landing.enrollment(
        "2025-03", [enrollment_row(kode_wilayah="6402"), enrollment_row(kode_wilayah="640706")]
    )
    pipeline.run_ok()
    assert pipeline.published(REGION, ["2025-03", "6403"])[0][:4] == ("6403", "6402", 10, 1)
    assert pipeline.published(REGION, ["2025-03", "6402"])[0][:4] == ("6402", "6407", 20, 1)


def test_denominator_is_the_latest_labour_year_not_after_the_period(pipeline: Pipeline) -> None:
    for year, workers in ((2023, 10), (2025, 40)):
        pipeline.landing.labour(year, [labour_row(tahun=year, jumlah_pekerja=workers)])
    for periode in ("2024-06", "2025-01", "2026-02"):
        pipeline.landing.enrollment(periode, [enrollment_row(tanggal_kepesertaan="2020-01-01")])
    pipeline.run_ok()
    assert pipeline.published(
        "SELECT periode, tahun_pekerja, pekerja FROM mart.coverage_province ORDER BY periode"
    ) == [("2024-06", 2023, 10), ("2025-01", 2025, 40), ("2026-02", 2025, 40)]


def test_period_before_any_labour_year_fails_with_a_clear_error(pipeline: Pipeline) -> None:
    pipeline.landing.labour(2025, [labour_row()])
    pipeline.landing.enrollment("2024-12", [enrollment_row()])
    [outcome] = pipeline.run()
    assert not outcome.success
    assert "period 2024-12 has no labour statistics" in (outcome.error or "")


def test_status_formal_informal_and_minimum_contribution(pipeline: Pipeline) -> None:
    pipeline.landing.labour(
        2025,
        [
            labour_row(status_pekerjaan="FORMAL", jumlah_pekerja=10),
            labour_row(status_pekerjaan="INFORMAL", jumlah_pekerja=10),
        ],
    )
    pipeline.landing.enrollment(
        "2025-03",
        [
            enrollment_row(segmen="PU"),
            enrollment_row(segmen="JAKON", kbli="F"),
            enrollment_row(segmen="BPU", npp=""),
            enrollment_row(segmen="PMI"),
        ],
    )
    pipeline.run_ok()
    assert pipeline.published(
        "SELECT status_pekerjaan, pekerja, peserta_aktif, belum_terlindungi, "
        "iuran_minimum_bulanan_rp FROM mart.coverage_status WHERE kode_wilayah = '6472' "
        "ORDER BY status_pekerjaan"
    ) == [("FORMAL", 10, 2, 8, 8 * 16_800), ("INFORMAL", 10, 1, 9, 9 * 16_800)]
    assert pipeline.published("SELECT peserta_aktif, peserta_pmi FROM mart.coverage_province") == [
        (3, 1)
    ]


def test_grids_are_complete_and_sum_to_the_province(pipeline: Pipeline) -> None:
    pipeline.landing.full_labour(2025, jumlah=7)
    pipeline.landing.enrollment(
        "2025-03", [enrollment_row(kode_wilayah=k, kbli=s) for k in ("6401", "6408") for s in "AP"]
    )
    pipeline.run_ok()
    counts = pipeline.published(
        "SELECT (SELECT count(*) FROM mart.coverage_region), (SELECT count(*) FROM mart.coverage_sector), "
        "(SELECT count(*) FROM mart.coverage_region_sector), (SELECT count(*) FROM mart.coverage_status)"
    )
    assert counts == [(10, 21, 210, 20)]
    for table in (
        "coverage_region",
        "coverage_sector",
        "coverage_region_sector",
        "coverage_status",
    ):
        assert pipeline.published(f"SELECT sum(pekerja), sum(peserta_aktif) FROM mart.{table}") == [
            (7 * 420, 4)
        ], table
    assert pipeline.published("SELECT pekerja, peserta_aktif FROM mart.coverage_province") == [
        (7 * 420, 4)
    ]


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
