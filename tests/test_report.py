"""The HTML report: Indonesian numbers, one self-contained page per published period, every
chart with its table and CSV equal to the marts, flags in words, nothing personal.

Rendered from a small published file (`Pipeline.publish`); drawn in a real browser in
tests/test_report_browser.py.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import date
from pathlib import Path

import altair as alt
import pytest
from helpers import Pipeline, enrollment_row, labour_row

from assets.report.data import FLOW_COLUMNS, read_published, select_view
from assets.report.formatting import angka, nama_periode, persen, poin, rupiah, rupiah_penuh
from assets.report.page import HERE, INDEX, VEGA_FILES, write_warehouse_reports
from assets.report.sections import blocks
from contract.reference import STATUS_PEKERJAAN, bps_regions, kbli_sections

MAX_BYTES = 2_000_000


def test_numbers_are_written_the_indonesian_way() -> None:
    assert persen(63.14) == "63,1\u00a0%"
    assert persen(None) == "–"
    assert angka(1_234_567) == "1.234.567"
    assert angka(0) == "0"
    assert rupiah(1_234_000_000) == "Rp1,2 miliar"
    assert rupiah(4_439_635_200) == "Rp4,4 miliar"
    assert rupiah(2_500_000_000_000) == "Rp2,5 triliun"
    assert rupiah(42_000_000) == "Rp42,0 juta"
    assert rupiah(436_800) == "Rp436.800"
    assert rupiah_penuh(5_241_600) == "Rp5.241.600"
    assert poin(0.44) == "+0,4\u00a0poin" and poin(-5.25) == "−5,2\u00a0poin"
    assert nama_periode("2025-04") == "April 2025"


def test_the_inlined_vega_lite_is_the_version_altair_writes() -> None:
    version = alt.SCHEMA_VERSION.removeprefix("v")  # e.g. 6.4.1
    assert f"vega-lite@{version}.min.js" in VEGA_FILES
    assert f'"{version}"' in (HERE / "vendor" / f"vega-lite@{version}.min.js").read_text()
    for name in VEGA_FILES:
        assert (HERE / "vendor" / name.replace(".min.js", ".LICENSE")).is_file()


# ------------------------------------------------------------------ a published file

BUDI = "BUDI SANTOSO"  # every enrollment row's name: must never reach a report


def landing(pipeline: Pipeline) -> None:
    """One worker per Sakernas cell (42 a regency); Bontang (6474) gets 50 active persons:
    above 100 %. April adds persons in Samarinda."""
    pipeline.landing.labour(
        2025,
        [
            labour_row(kode_wilayah=r, kbli=k, status_pekerjaan=s, jumlah_pekerja=1)
            for r in bps_regions()
            for k in kbli_sections()
            for s in STATUS_PEKERJAAN
        ],
    )
    bpu = {"segmen": "BPU", "npp": "", "program": "JKK;JKM"}
    march = [
        enrollment_row(kode_wilayah="6474", birth=date(1970, 1, 1 + i % 28)) for i in range(50)
    ]
    march += [enrollment_row(kode_wilayah="6472", kbli="P", **bpu)]
    april = [*march, *(enrollment_row(kode_wilayah="6472", kbli="G") for _ in range(3))]
    pipeline.landing.enrollment("2025-03", march)
    pipeline.landing.enrollment("2025-04", april)
    pipeline.publish("2025-03")
    pipeline.publish("2025-04")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, list[Path]]:
    pipeline = Pipeline(tmp_path_factory.mktemp("report"))
    landing(pipeline)
    return pipeline, write_warehouse_reports(pipeline.warehouse)


def csv_links(html: str) -> dict[str, list[dict[str, str]]]:
    """Each CSV download of a page, by file name, parsed."""
    found = {}
    for name, data in re.findall(
        r'download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([^"]+)"', html
    ):
        text = base64.b64decode(data).decode("utf-8").lstrip("\ufeff")
        found[name] = list(csv.DictReader(io.StringIO(text)))
    return found


@pytest.mark.slow
def test_one_self_contained_page_per_period_and_an_index(
    reports: tuple[Pipeline, list[Path]],
) -> None:
    pipeline, written = reports
    folder = pipeline.warehouse.report_dir
    assert [p.name for p in written] == ["2025-03.html", "2025-04.html", INDEX]
    assert (folder / INDEX).read_bytes() == (folder / "2025-04.html").read_bytes()
    for path in written:
        html = path.read_text(encoding="utf-8")
        assert path.stat().st_size < MAX_BYTES, path
        assert '<html lang="id">' in html and 'name="viewport"' in html
        # Nothing is loaded from elsewhere: no script or stylesheet file, no remote URL.
        assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", html)
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//|url\((?:https?:)?//""", html)
        for name in VEGA_FILES:  # the chart library, inlined once
            head = (HERE / "vendor" / name).read_text(encoding="utf-8")[:300]
            assert html.count(head) == 1, name
        assert BUDI not in html and "1970-01-01" not in html  # nothing personal
    assert not list(folder.glob(".*"))  # no temporary file left
    # Readable by whoever may read a file of this folder (the umask's choice), not private.
    reference = folder / "reference.txt"
    reference.write_text("")
    assert {p.stat().st_mode for p in written} == {reference.stat().st_mode}
    reference.unlink()


@pytest.mark.slow
def test_a_publish_rewrites_its_period_and_the_later_ones(
    reports: tuple[Pipeline, list[Path]],
) -> None:
    pipeline, _ = reports
    written = write_warehouse_reports(pipeline.warehouse, since="2025-04")
    assert [p.name for p in written] == ["2025-04.html", INDEX]
    written = write_warehouse_reports(pipeline.warehouse, since="2025-03")
    assert [p.name for p in written] == ["2025-03.html", "2025-04.html", INDEX]


@pytest.mark.slow
def test_every_chart_has_its_table_and_csv_equal_to_the_marts(
    reports: tuple[Pipeline, list[Path]],
) -> None:
    pipeline, _ = reports
    html = (pipeline.warehouse.report_dir / "2025-04.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section id="([^"]+)" class="block">(.*?)</section>', html, re.S)
    charted = [(name, body) for name, body in sections if 'class="chart"' in body]
    assert {name for name, _ in charted} >= {
        "peta", "wilayah", "sektor", "wilayah_sektor", "status", "prioritas",
        "prioritas_wilayah", "tren",
    }  # fmt: skip
    for name, body in charted:
        assert "<table>" in body and 'class="csv"' in body, name
    links = csv_links(html)
    regions = {r["kode_wilayah"]: r for r in links["cakupan-wilayah-2025-04.csv"]}
    for kode, pekerja, aktif, belum in pipeline.published(
        "SELECT kode_wilayah, pekerja, peserta_aktif, belum_terlindungi FROM "
        "mart.coverage_region WHERE periode = '2025-04'"
    ):
        row = regions[kode]
        assert (int(row["pekerja"]), int(row["peserta_aktif"])) == (pekerja, aktif)
        assert int(row["belum_terlindungi"]) == belum
    cells = links["cakupan-wilayah_sektor-2025-04.csv"]
    assert len(cells) == 210
    groups = {r["nama_kelompok"]: r for r in links["cakupan-prioritas-2025-04.csv"]}
    for nama, belum, yearly in pipeline.published(
        "SELECT nama_kelompok, sum(belum_terlindungi), sum(biaya_perlindungan_tahunan_rp) "
        "FROM mart.coverage_priority WHERE periode = '2025-04' GROUP BY ALL"
    ):
        assert (int(groups[nama]["belum_terlindungi"]), int(groups[nama]["biaya_perlindungan_tahunan_rp"])) == (belum, yearly)  # fmt: skip
    # The table shows the same numbers, written for reading.
    [(pct,)] = pipeline.published(
        "SELECT cakupan_persen FROM mart.coverage_region WHERE periode = '2025-04' "
        "AND kode_wilayah = '6472'"
    )
    assert "<td>Kota Samarinda</td><td>6472</td>" in html
    assert f'<td class="n">{persen(pct)}</td>' in html


@pytest.mark.slow
def test_headline_figures_are_the_marts(reports: tuple[Pipeline, list[Path]]) -> None:
    pipeline, _ = reports
    html = (pipeline.warehouse.report_dir / "2025-04.html").read_text(encoding="utf-8")
    figures = dict(re.findall(r'data-figure="([^"]+)" data-value="([^"]*)"', html))
    [(pct, aktif, belum)] = pipeline.published(
        "SELECT cakupan_persen, peserta_aktif, belum_terlindungi FROM mart.coverage_province "
        "WHERE periode = '2025-04'"
    )
    assert float(figures["cakupan"]) == pytest.approx(pct)
    assert int(figures["peserta_aktif"]) == aktif == 54
    assert int(figures["belum_terlindungi"]) == belum
    [(informal_cost,)] = pipeline.published(
        "SELECT sum(biaya_perlindungan_tahunan_rp) FROM mart.coverage_priority "
        "WHERE periode = '2025-04' AND kelompok = 'INFORMAL'"
    )
    assert int(figures["biaya_informal"]) == informal_cost
    assert rupiah(informal_cost) in html
    [(change,)] = pipeline.published(
        "SELECT perubahan_poin FROM mart.coverage_province WHERE periode = '2025-04'"
    )
    assert change is not None
    assert float(figures["perubahan"]) == pytest.approx(change)


@pytest.mark.slow
def test_flags_say_in_words_what_needs_a_look(reports: tuple[Pipeline, list[Path]]) -> None:
    pipeline, _ = reports
    html = (pipeline.warehouse.report_dir / "2025-04.html").read_text(encoding="utf-8")
    [(pct,)] = pipeline.published(
        "SELECT cakupan_persen FROM mart.coverage_region WHERE periode = '2025-04' "
        "AND kode_wilayah = '6474'"
    )
    assert pct > 100
    assert f"<li>Kota Bontang: cakupan {persen(pct)}, di atas 100 %: 50 peserta aktif" in html


@pytest.mark.slow
def test_flows_section_follows_the_published_columns(
    reports: tuple[Pipeline, list[Path]],
) -> None:
    pipeline, _ = reports
    with pipeline.warehouse.read_published_fresh() as conn:
        assert conn is not None
        published = read_published(conn)
    view = select_view(published, "2025-04")
    [flows] = [b for b in blocks(view) if b.id == "arus"]
    assert view.has_flows and flows.chart is not None
    rows = {r["kode_wilayah"]: r for r in flows.frame.to_dicts()}
    for kode, *values in pipeline.published(
        f"SELECT kode_wilayah, {', '.join(FLOW_COLUMNS)} FROM mart.coverage_region "
        "WHERE periode = '2025-04'"
    ):
        assert [rows[kode][c] for c in FLOW_COLUMNS] == values
    # A sector filter keeps the flows of the whole regency (none per region x sector).
    [in_sector] = [
        b for b in blocks(select_view(published, "2025-04", sector="G")) if b.id == "arus"
    ]
    assert in_sector.frame.equals(flows.frame) and "Semua sektor" in in_sector.lead
    first = select_view(published, "2025-03")
    [none_before] = [b for b in blocks(first) if b.id == "arus"]
    assert none_before.chart is None and "pertama" in (none_before.note or "")
