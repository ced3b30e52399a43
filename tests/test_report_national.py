"""The national page of the report (a deployment of several provinces) and the dashboard's
province filter; a one-province report is unchanged (tests/test_report.py)."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from pathlib import Path

import pytest
from helpers import Pipeline
from test_provinces import PERIOD, land_two_provinces, query

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """Two provinces (63: 3 persons, 64: 5), run as the job runs them."""
    pipeline = Pipeline(tmp_path_factory.mktemp("national"), provinces="63,64")
    land_two_provinces(pipeline, in_63=3, in_64=5)
    pipeline.run_ok()
    return pipeline


def csv_of(html: str, block: str) -> list[dict[str, str]]:
    [href] = re.findall(
        rf'download="cakupan-{block}-{PERIOD}\.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"',
        html,
    )
    text = base64.b64decode(href).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def specs(html: str) -> dict[str, dict]:
    [found] = re.findall(r'<script type="application/json" id="specs">(.*?)</script>', html, re.S)
    return json.loads(found)


def test_the_national_page_shows_the_national_marts_and_links_each_province(
    two: Pipeline,
) -> None:
    root = Path(two.warehouse.warehouse_dir)
    national = root / "coverage_nasional.duckdb"
    index, page = root / "report" / "index.html", root / "report" / f"{PERIOD}.html"
    assert index.is_file() and page.is_file()
    html = page.read_text(encoding="utf-8")
    assert index.read_text(encoding="utf-8") == html
    assert "Cakupan Jaminan Sosial Ketenagakerjaan Nasional (2 provinsi)" in html
    # The headline is mart.coverage_national's row.
    [(aktif,)] = query(national, "SELECT peserta_aktif FROM mart.coverage_national")
    assert f'data-figure="peserta_aktif" data-value="{aktif}"' in html
    # The ranking's CSV is mart.coverage_province of the national file.
    rows = query(
        national,
        "SELECT kode_provinsi_kemendagri, pekerja, peserta_aktif, cakupan_persen "
        f"FROM mart.coverage_province WHERE periode = '{PERIOD}' ORDER BY 1",
    )
    ranked = sorted(csv_of(html, "provinsi"), key=lambda r: r["kode_provinsi_kemendagri"])
    assert [
        (r["kode_provinsi_kemendagri"], int(r["pekerja"]), int(r["peserta_aktif"])) for r in ranked
    ] == [(k, p, a) for k, p, a, _ in rows]
    assert [float(r["cakupan_persen"]) for r in ranked] == pytest.approx([c for *_, c in rows])
    # The sector CSV is the national sector mart.
    sectors = dict(
        query(
            national,
            f"SELECT kbli, peserta_aktif FROM mart.coverage_sector WHERE periode = '{PERIOD}'",
        )
    )
    assert {r["kbli"]: int(r["peserta_aktif"]) for r in csv_of(html, "sektor")} == sectors
    # The map has every covered province, coloured by its coverage.
    shapes = specs(html)["chart-peta"]["datasets"]["provinsi"]
    assert {s["properties"]["kode_kemendagri"] for s in shapes} == {"63", "64"}
    assert all(s["properties"]["cakupan_persen"] is not None for s in shapes)
    # Each province's report is linked, and the link resolves to its page.
    links = re.findall(r'<tr data-provinsi="(\d+)">.*?<a href="([^"]+)">', html)
    assert [k for k, _ in links] == ["63", "64"]
    for kode, href in links:
        target = (page.parent / href).resolve()
        assert target == (root / kode / "report" / "index.html").resolve()
        assert target.is_file()
    assert "belum lengkap" not in html  # every province published the period
    # A province's own page names its province.
    own = (root / "63" / "report" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Cakupan Jaminan Sosial Ketenagakerjaan Kalimantan Selatan</h1>" in own


def test_the_national_page_names_a_province_still_missing(two: Pipeline, tmp_path: Path) -> None:
    """mart.national_status of the latest period: a province missing is named on the page
    (here the status rewritten as a broken snapshot of 63 would leave it)."""
    import shutil

    import duckdb

    from assets.report.national import write_national_reports
    from assets.warehouse import Warehouse

    shutil.copytree(two.warehouse.warehouse_dir, tmp_path / "warehouse")
    warehouse = Warehouse(
        landing_dir=two.warehouse.landing_dir,
        warehouse_dir=str(tmp_path / "warehouse"),
        provinces="63,64",
    )
    with duckdb.connect(str(warehouse.national_path)) as conn:
        conn.execute(
            "INSERT INTO mart.national_status SELECT '2025-04', kode_provinsi, "
            "kode_provinsi_kemendagri, CASE WHEN kode_provinsi_kemendagri = '63' "
            "THEN 'missing' ELSE 'published' END FROM mart.national_status"
        )
    write_national_reports(warehouse)
    html = (tmp_path / "warehouse" / "report" / "index.html").read_text(encoding="utf-8")
    assert "Periode 2025-04 belum lengkap: belum terbit di\n      Kalimantan Selatan (63)." in html
    assert re.search(r'<tr data-provinsi="63">.*?belum terbit', html)


def test_the_dashboard_shows_the_chosen_provinces_rows(
    two: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several provinces: a province filter; every province together shows the national
    file's provinces, a province its own regencies (its published file) with its filters."""
    from streamlit.testing.v1 import AppTest

    from assets.report.formatting import persen

    monkeypatch.setenv("CAKUPAN_WAREHOUSE_DIR", two.warehouse.warehouse_dir)
    monkeypatch.setenv("CAKUPAN_PROVINCES", "63,64")
    monkeypatch.delenv("CAKUPAN_PUBLISHED_PATH", raising=False)
    app = Path(__file__).resolve().parents[1] / "pipelines" / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120).run()
    assert not at.exception, at.exception
    national = Path(two.warehouse.warehouse_dir) / "coverage_nasional.duckdb"
    assert at.title[0].value.endswith("Nasional")
    [ranking] = [
        d
        for d in at.dataframe
        if d.value.columns[0] == "Provinsi" and "Kode BPS" in d.value.columns
    ]
    assert set(ranking.value["Kode Kemendagri"].to_list()) == {"63", "64"}

    at.selectbox(key="provinsi").select("63").run()
    assert not at.exception, at.exception
    assert at.title[0].value.endswith("Kalimantan Selatan")
    rows = query(
        national,
        "SELECT nama_wilayah, cakupan_persen FROM mart.coverage_region "
        f"WHERE periode = '{PERIOD}' AND kode_provinsi = '63' ORDER BY 1",
    )
    [regions] = [
        d
        for d in at.dataframe
        if d.value.columns[0] == "Kabupaten/kota" and "Kode BPS" in d.value.columns
    ]
    shown = sorted(zip(regions.value["Kabupaten/kota"], regions.value["Cakupan"], strict=True))
    assert rows and shown == sorted(
        (name.replace("Kabupaten ", "Kab. "), persen(pct)) for name, pct in rows
    )
    # The province's own filters work: its regency.
    at.selectbox(key="wilayah").select("6371").run()
    assert not at.exception, at.exception


@pytest.mark.ui
def test_the_national_page_draws_every_chart_and_the_provinces_in_place(two: Pipeline) -> None:
    """In Chromium, offline: every chart drawn, no console error, nothing fetched; the map's
    provinces each in their place (none fills the map: the rings' winding)."""
    from browser import chromium, map_shape_sizes, open_tab
    from test_report_browser import ALL_CHARTS_SETTLED

    page_path = Path(two.warehouse.warehouse_dir) / "report" / "index.html"
    with chromium() as browser:
        tab = open_tab(browser)
        tab.page.goto(page_path.resolve().as_uri())
        tab.page.wait_for_function(ALL_CHARTS_SETTLED, timeout=60_000)
        charts = tab.page.evaluate(
            """Array.from(document.querySelectorAll('.chart')).map(e => ({
                 id: e.id, drawn: e.dataset.drawn === '1', error: e.dataset.error || null}))"""
        )
        assert {c["id"] for c in charts} >= {"chart-peta", "chart-provinsi", "chart-sektor"}
        for chart in charts:
            assert chart["drawn"] and chart["error"] is None, chart
        sizes = map_shape_sizes(tab.page)
        assert len(sizes["paths"]) >= 4  # grey base + coloured layer, two provinces each
        for width, height in sizes["paths"]:
            assert 0 < width < 0.9 * sizes["svg"][0] and 0 < height < 0.9 * sizes["svg"][1]
        # The links to the provinces' reports open them.
        tab.page.click('tr[data-provinsi="64"] a')
        assert tab.page.url.endswith("/64/report/index.html")
        assert tab.errors == [] and tab.external == []


def test_cakupan_report_writes_each_provinces_pages_and_the_national_page(
    two: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.cli import main as cakupan

    monkeypatch.setenv("CAKUPAN_PROVINCES", "63,64")
    root = Path(two.warehouse.warehouse_dir)
    assert cakupan(["report", "--warehouse-dir", str(root)]) == 0
    printed = capsys.readouterr().out
    for index in (root / "63" / "report", root / "64" / "report", root / "report"):
        assert f"{index / 'index.html'}  (" in printed
