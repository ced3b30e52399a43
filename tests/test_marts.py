"""Coverage marts on the builder directly: formula, denominator year, crosswalk, grids.

Each test stages a tiny landing zone and builds the marts with the pipeline's own code
(`Pipeline.build_marts`), then reads the internal mart tables: no Dagster run (but one
test of the marts' step), no checks.
What the published file holds is tested in test_publish.py and end to end in test_e2e.py.
"""

from __future__ import annotations

import dagster as dg
import pytest
from helpers import Pipeline, enrollment_row, labour_row

from assets.mart.assets import MARTS_STEP, mart_assets
from assets.partitions import coverage_key, coverage_partitions
from assets.staging.stage import NoLabourYearError
from contract.reference import DEFAULT_PROVINCES
from contract.tables import COVERAGE_REGION

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
    pipeline.build_marts()
    assert pipeline.internal(REGION, ["2025-03", "6472"]) == [
        ("6472", "6472", 4, 1, 25.0, 3, False)
    ]
    assert pipeline.internal(REGION, ["2025-03", "6474"]) == [
        ("6474", "6474", 1, 2, 200.0, 0, True)
    ]
    # zero workers: coverage NULL, nothing unprotected
    assert pipeline.internal(REGION, ["2025-03", "6471"]) == [
        ("6471", "6471", 0, 1, None, 0, False)
    ]
    # no statistics at all for the region: pekerja, coverage and the gap are NULL
    assert pipeline.internal(REGION, ["2025-03", "6411"]) == [
        ("6411", "6411", None, 0, None, None, False)
    ]
    # province: its own formula on the totals, not the sum of regional gaps
    assert pipeline.internal(
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
    pipeline.build_marts()
    assert pipeline.internal(REGION, ["2025-03", "6403"])[0][:4] == ("6403", "6402", 10, 1)
    assert pipeline.internal(REGION, ["2025-03", "6402"])[0][:4] == ("6402", "6407", 20, 1)


def test_denominator_is_the_latest_labour_year_not_after_the_period(pipeline: Pipeline) -> None:
    for year, workers in ((2023, 10), (2025, 40)):
        pipeline.landing.labour(year, [labour_row(tahun=year, jumlah_pekerja=workers)])
    for period in ("2024-06", "2025-01", "2026-02"):
        pipeline.landing.enrollment(period, [enrollment_row(tanggal_kepesertaan="2020-01-01")])
        pipeline.build_marts(period)
    assert pipeline.internal(
        "SELECT periode, tahun_pekerja, pekerja FROM mart.coverage_province ORDER BY periode"
    ) == [("2024-06", 2023, 10), ("2025-01", 2025, 40), ("2026-02", 2025, 40)]


def test_period_before_any_labour_year_fails_with_a_clear_error(pipeline: Pipeline) -> None:
    pipeline.landing.labour(2025, [labour_row()])
    with pytest.raises(NoLabourYearError, match="period 2024-12 has no labour statistics"):
        pipeline.stage_labour_for("2024-12")


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
    pipeline.build_marts()
    assert pipeline.internal(
        "SELECT status_pekerjaan, pekerja, peserta_aktif, belum_terlindungi, "
        "iuran_minimum_bulanan_rp FROM mart.coverage_status WHERE kode_wilayah = '6472' "
        "ORDER BY status_pekerjaan"
    ) == [("FORMAL", 10, 2, 8, 8 * 16_800), ("INFORMAL", 10, 1, 9, 9 * 16_800)]
    assert pipeline.internal("SELECT peserta_aktif, peserta_pmi FROM mart.coverage_province") == [
        (3, 1)
    ]


def test_grids_are_complete_and_sum_to_the_province(pipeline: Pipeline) -> None:
    pipeline.landing.full_labour(2025, jumlah=7)
    pipeline.landing.enrollment(
        "2025-03", [enrollment_row(kode_wilayah=k, kbli=s) for k in ("6401", "6408") for s in "AP"]
    )
    pipeline.build_marts()
    counts = pipeline.internal(
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
        assert pipeline.internal(f"SELECT sum(pekerja), sum(peserta_aktif) FROM mart.{table}") == [
            (7 * 420, 4)
        ], table
    assert pipeline.internal("SELECT pekerja, peserta_aktif FROM mart.coverage_province") == [
        (7 * 420, 4)
    ]


def test_one_mart_materializes_alone_in_the_marts_step(pipeline: Pipeline) -> None:
    """The six marts are one step that the UI can subset: selecting one mart rebuilds that
    mart only (with its metadata), the others keep their rows."""
    pipeline.landing.full_labour(2025, jumlah=7)
    pipeline.landing.enrollment("2025-03", [enrollment_row(kode_wilayah="6401")])
    pipeline.build_marts()
    with pipeline.connect() as conn:
        conn.execute("DELETE FROM mart.coverage_region; DELETE FROM mart.coverage_sector")
    [marts] = mart_assets(coverage_partitions(DEFAULT_PROVINCES))
    result = dg.materialize(
        [marts],
        selection=[dg.AssetKey(COVERAGE_REGION.key)],
        partition_key=str(coverage_key("2025-03", DEFAULT_PROVINCES[0])),
        resources={"warehouse": pipeline.warehouse},
    )
    assert result.success
    built = [m.asset_key for m in result.asset_materializations_for_node(MARTS_STEP)]
    assert built == [dg.AssetKey(COVERAGE_REGION.key)]
    assert pipeline.internal(
        "SELECT (SELECT count(*) FROM mart.coverage_region), (SELECT count(*) FROM mart.coverage_sector)"
    ) == [(10, 0)]
