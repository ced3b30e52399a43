"""End to end: the real Definitions materialized on a generated landing zone, checked
against figures the test computes itself from the generator's planted truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main as cakupan
from tools.bench import persons_report
from tools.demo_data import PAIR_KINDS, DemoSummary, generate_demo_landing

pytestmark = pytest.mark.e2e
PERIODS = ("2025-03", "2025-04")


class Run:
    def __init__(self, root: Path) -> None:
        self.landing = root / "landing"
        self.warehouse = root / "warehouse"
        self.demo: DemoSummary = generate_demo_landing(
            self.landing, persons=3000, seed=11, periods=PERIODS
        )

    def internal(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse / "internal.duckdb"), read_only=True) as c:
            return c.execute(sql, params or []).fetchall()

    def published(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse / "coverage.duckdb"), read_only=True) as c:
            return c.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    result = Run(tmp_path_factory.mktemp("e2e"))
    code = cakupan(
        ["run", "--landing", str(result.landing), "--warehouse-dir", str(result.warehouse)]
    )
    assert code == 0
    return result


def test_every_row_read_is_accepted_or_rejected_per_file(run: Run) -> None:
    loads = run.internal(
        "SELECT file, rows_read, rows_accepted, rows_rejected FROM quality.file_loads"
    )
    for file, read, accepted, rejected in loads:
        assert read == accepted + rejected, file
        assert read == run.demo.rows_written[file], file
        assert rejected == run.demo.planted.expected_rejects_by_file[file], file
    read_files = {file for file, *_ in loads}
    assert read_files == set(run.demo.rows_written)  # ignored files are not read
    assert not read_files & set(run.demo.planted.ignored_files)


def test_rejected_rows_are_exactly_the_planted_ones(run: Run) -> None:
    for source, by_key in run.demo.planted.expected_reject_rows.items():
        for key, planted in by_key.items():
            got = run.internal(
                "SELECT file, line, rules FROM quality.rejected_rows "
                "WHERE source = ? AND periode_or_tahun = ?",
                [source, key],
            )
            assert sorted(got) == sorted(tuple(r) for r in planted), (source, key)


def test_persons_are_the_planted_persons(run: Run) -> None:
    planted = run.demo.planted
    for periode in PERIODS:
        assert run.internal(
            "SELECT count(*), count(*) FILTER (aktif), count(*) FILTER (pmi_saja) "
            "FROM core.person WHERE periode = ?",
            [periode],
        ) == [
            (
                planted.true_persons[periode] - planted.price_merges[periode],
                planted.active_persons[periode],
                planted.pmi_only_persons[periode],
            )
        ]
        links = dict(
            run.internal("SELECT kpj, person_id FROM core.person_link WHERE periode = ?", [periode])
        )
        assert len(links) == planted.accepted_rows[periode]
        for person in planted.linked_persons:
            assert len({links[k] for k in person.kpj if k in links}) == 1, person


def test_persons_match_the_truth_pair_by_pair(run: Run) -> None:
    """Pairwise precision and recall of persons = 1 on every planted class but the stated
    price (the negatives and namesakes included), persons found = true persons less the
    price merges, every person followed right."""
    tables, met = persons_report(run.warehouse / "internal.duckdb", run.landing)
    assert met, tables
    for cls in (*PAIR_KINDS, "typo", "old_spelling", "spacing", "nik_missing"):
        assert f"| {cls} |" in tables, cls  # every hard case is in the data
    # Movers have one registration each, so no pair of their own: they are in the persons
    # followed across periods, whose precision and recall are 1.000.
    assert run.demo.planted.movers["2025-04"] > 0
    followed = tables.split("| period | persons followed")[1]
    assert "| 2025-04 |" in followed and "| 1.000 | 1.000 |" in followed


def test_flows_match_the_planted_flows(run: Run) -> None:
    planted = run.demo.planted
    first, second = PERIODS
    flows = "peserta_aktif_sebelumnya, peserta_baru, peserta_berhenti"
    assert run.published(
        f"SELECT periode_sebelumnya, {flows} FROM mart.coverage_province WHERE periode = ?",
        [first],
    ) == [(None, None, None, None)]
    [(previous, *province)] = run.published(
        f"SELECT periode_sebelumnya, {flows} FROM mart.coverage_province WHERE periode = ?",
        [second],
    )
    assert previous == first
    assert tuple(province) == planted.flows_province[second]
    assert province[1] > 0 and province[2] > 0  # people join and leave
    marts = {
        "coverage_region": ("kode_wilayah", planted.flows_by_region_bps[second]),
        "coverage_sector": ("kbli", planted.flows_by_sector[second]),
        "coverage_status": (
            "kode_wilayah || '/' || status_pekerjaan",
            planted.flows_by_region_status[second],
        ),
    }
    for mart, (key, expected) in marts.items():
        got = run.published(f"SELECT {key}, {flows} FROM mart.{mart} WHERE periode = ?", [second])
        assert {k: tuple(v) for k, *v in got} == expected, mart
    # Movers: the regions' flows add up to more than the province's (a move is neither).
    assert planted.movers[second] > 0
    regions = planted.flows_by_region_bps[second].values()
    assert sum(f.baru for f in regions) > province[1]


def test_marts_match_independent_figures(run: Run) -> None:
    planted = run.demo.planted
    for periode in PERIODS:
        year = periode[:4]
        active = planted.active_persons_by_region_bps[periode]
        workers = planted.pekerja_by_region_bps[year]
        rows = run.published(
            "SELECT kode_wilayah, pekerja, peserta_aktif, cakupan_persen, belum_terlindungi "
            "FROM mart.coverage_region WHERE periode = ?",
            [periode],
        )
        assert len(rows) == 10
        for kode, pekerja, aktif, pct, belum in rows:
            assert (pekerja, aktif) == (workers[kode], active.get(kode, 0)), kode
            assert pct == pytest.approx(100 * aktif / pekerja)
            assert belum == max(pekerja - aktif, 0)
        by_sector = dict(
            run.published(
                "SELECT kbli, peserta_aktif FROM mart.coverage_sector WHERE periode = ?", [periode]
            )
        )
        assert by_sector == {
            k: planted.active_persons_by_sector[periode].get(k, 0) for k in by_sector
        }
        by_status = Counter(
            dict(
                run.published(
                    "SELECT status_pekerjaan, sum(peserta_aktif) FROM mart.coverage_status "
                    "WHERE periode = ? GROUP BY ALL",
                    [periode],
                )
            )
        )
        assert by_status == Counter(planted.active_persons_by_status_pekerjaan[periode])


def test_province_is_the_sum_of_regions_sectors_and_cells(run: Run) -> None:
    for periode in PERIODS:
        [province] = run.published(
            "SELECT pekerja, peserta_aktif FROM mart.coverage_province WHERE periode = ?",
            [periode],
        )
        for table in ("coverage_region", "coverage_sector", "coverage_region_sector"):
            assert run.published(
                f"SELECT sum(pekerja), sum(peserta_aktif) FROM mart.{table} WHERE periode = ?",
                [periode],
            ) == [province], table


def test_coverage_looks_like_kalimantan_timur(run: Run) -> None:
    for periode in PERIODS:
        [(province,)] = run.published(
            "SELECT cakupan_persen FROM mart.coverage_province WHERE periode = ?", [periode]
        )
        assert 58 < province < 68
        regions = dict(
            run.published(
                "SELECT kode_wilayah, cakupan_persen FROM mart.coverage_region WHERE periode = ?",
                [periode],
            )
        )
        assert regions.pop("6474") > 90  # Kota Bontang
        assert regions.pop("6404") > 90  # Kutai Timur (BPS code; Kemendagri 6408)
        assert all(45 < pct < 70 for pct in regions.values()), regions


def test_cli_exit_code_and_message_for_a_broken_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = tmp_path / "landing"
    generate_demo_landing(landing, persons=300, seed=1, periods=("2025-03", "2025-04"))
    (landing / "enrollment" / "2025-04" / "part-0009.csv").write_bytes(b"kpj,nama\n1,x\n")
    code = cakupan(["run", "--landing", str(landing), "--warehouse-dir", str(tmp_path / "wh")])
    out = capsys.readouterr()
    assert code == 1
    assert "1 of 2 period(s) published" in out.out
    assert "period 2025-04 NOT published" in out.err
    assert "enrollment/2025-04/part-0009.csv: lacks required column(s): nik" in out.err
