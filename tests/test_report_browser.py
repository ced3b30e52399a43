"""The report and the Data Docs as people open them: `cakupan run` on generated data (as
`make run` does), then the pages in headless Chromium from the folder, with the network
cut. No console error, every chart drawn, the map's regencies in place, the headline and
the tables equal to the published marts, readable on a phone; the Data Docs styled and
listing their validations by table, period and run."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import duckdb
import pytest
from browser import Tab, chromium, map_shape_sizes, open_tab, screenshot
from playwright.sync_api import Browser

from assets.report.formatting import angka, persen, rupiah
from pipelines.cli import main as cakupan
from tools.demo_data import generate_demo_landing

pytestmark = [pytest.mark.slow, pytest.mark.ui]
PERIODS = ("2025-03", "2025-04")
#: vegaEmbed marks a chart's element once drawn (data-drawn) or failed (data-error).
ALL_CHARTS_SETTLED = (
    "document.querySelectorAll('.chart').length > 0 && document.querySelectorAll('.chart')"
    ".length === document.querySelectorAll('.chart[data-drawn], .chart[data-error]').length"
)


class Run:
    def __init__(self, root: Path) -> None:
        self.landing = root / "landing"
        self.warehouse = root / "warehouse"
        generate_demo_landing(self.landing, persons=3000, seed=5, periods=PERIODS)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.code = cakupan(
                ["run", "--landing", str(self.landing), "--warehouse-dir", str(self.warehouse)]
            )
        self.stdout = out.getvalue()

    def published(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse / "coverage.duckdb"), read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()

    @property
    def index(self) -> Path:
        return self.warehouse / "report" / "index.html"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    result = Run(tmp_path_factory.mktemp("report-e2e"))
    assert result.code == 0, result.stdout
    return result


@pytest.fixture(scope="module")
def browser() -> Browser:
    with chromium() as b:
        yield b


def open_report(browser: Browser, path: Path, width: int = 1100) -> Tab:
    tab = open_tab(browser, width=width)
    tab.page.goto(path.resolve().as_uri())
    tab.page.wait_for_function(ALL_CHARTS_SETTLED, timeout=60_000)
    return tab


def test_run_writes_the_report_of_every_period_and_prints_its_path(run: Run) -> None:
    assert f"Report (open in a browser): {run.index.resolve()}" in run.stdout
    pages = sorted(p.name for p in run.index.parent.glob("*.html"))
    assert pages == ["2025-03.html", "2025-04.html", "index.html"]
    for page in run.index.parent.glob("*.html"):
        assert page.stat().st_size < 2_000_000


def test_report_draws_every_chart_offline_without_errors(run: Run, browser: Browser) -> None:
    tab = open_report(browser, run.index)
    page = tab.page
    charts = page.evaluate(
        """Array.from(document.querySelectorAll('.chart')).map(e => ({
             id: e.id, drawn: e.dataset.drawn === '1', error: e.dataset.error || null,
             marks: e.querySelectorAll('svg g[class*="mark-"] path, svg g[class*="mark-"] text,'
                                       + ' svg g[class*="mark-"] line').length}))"""
    )
    assert len(charts) >= 8
    for chart in charts:
        assert chart["drawn"] and chart["error"] is None and chart["marks"] > 0, chart
    assert tab.errors == [] and tab.external == []
    # Map: every regency is drawn in its place, none fills the map (the rings' winding).
    sizes = map_shape_sizes(page)
    assert len(sizes["paths"]) >= 20  # grey base + coloured layer, ten regencies each
    for width, height in sizes["paths"]:
        assert 0 < width < 0.7 * sizes["svg"][0] and 0 < height < 0.8 * sizes["svg"][1]
    # The Data Docs links lead to the sites beside the report.
    for href in page.eval_on_selector_all("#catatan a", "links => links.map(a => a.href)"):
        assert Path(href.removeprefix("file://")).is_file(), href
    page.set_viewport_size({"width": 1100, "height": 1500})
    screenshot(page, "report.png", full_page=False)


def figure(tab: Tab, name: str) -> tuple[str, str]:
    element = tab.page.locator(f'[data-figure="{name}"]')
    return element.locator(".value").inner_text(), element.get_attribute("data-value") or ""


def test_headline_and_tables_show_the_published_marts(run: Run, browser: Browser) -> None:
    tab = open_report(browser, run.index)
    [(pct, aktif, belum)] = run.published(
        "SELECT cakupan_persen, peserta_aktif, belum_terlindungi FROM mart.coverage_province "
        "WHERE periode = '2025-04'"
    )
    assert figure(tab, "cakupan")[0] == persen(pct)
    assert float(figure(tab, "cakupan")[1]) == pytest.approx(pct)
    assert figure(tab, "peserta_aktif") == (angka(aktif), str(aktif))
    assert figure(tab, "belum_terlindungi") == (angka(belum), str(belum))
    [(cost,)] = run.published(
        "SELECT sum(biaya_perlindungan_tahunan_rp) FROM mart.coverage_priority "
        "WHERE periode = '2025-04' AND kelompok = 'INFORMAL'"
    )
    assert figure(tab, "biaya_informal") == (rupiah(cost), str(cost))
    [(change,)] = run.published(
        "SELECT perubahan_poin FROM mart.coverage_province WHERE periode = '2025-04'"
    )
    assert float(figure(tab, "perubahan")[1]) == pytest.approx(change)
    # The ranking's table, as drawn: every regency with its numbers.
    shown = tab.page.eval_on_selector_all(
        "#wilayah tbody tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText))"
    )
    expected = run.published(
        "SELECT kode_wilayah, pekerja, peserta_aktif, cakupan_persen, belum_terlindungi "
        "FROM mart.coverage_region WHERE periode = '2025-04'"
    )
    assert sorted(row[1:6] for row in shown) == sorted(
        [k, angka(p), angka(a), persen(c), angka(b)] for k, p, a, c, b in expected
    )


def test_report_is_readable_on_a_phone(run: Run, browser: Browser) -> None:
    tab = open_report(browser, run.index, width=390)
    overflow = tab.page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 391  # nothing wider than the screen (wide tables scroll in place)
    assert tab.errors == []
    screenshot(tab.page, "report-phone.png", full_page=False)


def test_data_docs_work_offline_with_readable_names(run: Run, browser: Browser) -> None:
    [(run_id,)] = run.published(
        "SELECT run_id FROM mart.published_periods WHERE periode = '2025-04'"
    )
    site = run.warehouse / "data_docs" / "mart"
    tab = open_tab(browser)
    tab.page.goto((site / "index.html").as_uri())
    tab.page.wait_for_function(
        "!!window.jQuery && typeof jQuery.fn.bootstrapTable === 'function'", timeout=30_000
    )
    tab.page.wait_for_selector("td:has-text('mart.coverage_region 2025-04')", timeout=30_000)
    rows = tab.page.eval_on_selector_all("table tbody tr", "rows => rows.map(r => r.innerText)")
    assert any("mart.coverage_region 2025-04" in r and run_id in r for r in rows), rows[:3]
    assert not any("query_" in r or "__none__" in r for r in rows)
    screenshot(tab.page, "data-docs.png", full_page=False)
    # Styled: bootstrap's CSS applies.
    assert tab.page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    [page] = list(site.glob(f"validations/coverage_region/{run_id}/*/2025-04.html"))
    tab.page.goto(page.as_uri())
    assert "Data asset: mart.coverage_region 2025-04" in tab.page.inner_text("body")
    assert "__none__" not in tab.page.inner_text("body")
    assert tab.errors == [] and tab.external == []
    assert json.dumps(tab.external) == "[]"
