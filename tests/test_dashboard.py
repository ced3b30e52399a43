"""The live dashboard: the published marts behind filters, new numbers at the next refresh
after a publish (never a cached connection), "sedang diperbarui" instead of an error.

Streamlit's AppTest runs the app's script for the logic; one test starts the real server
and drives it with headless Chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import pytest
from browser import chromium, open_tab, screenshot
from helpers import Pipeline, enrollment_row
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest

from assets.report.formatting import persen
from tools.demo_data import generate_demo_landing

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "pipelines" / "dashboard" / "app.py"
PERIODS = ("2025-03", "2025-04")


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo landing zone, both periods published (marts built directly)."""
    root = tmp_path_factory.mktemp("dashboard")
    pipeline = Pipeline(root)
    generate_demo_landing(pipeline.landing.root, persons=2000, seed=8, periods=PERIODS)
    for period in PERIODS:
        pipeline.publish(period)
    return root


@pytest.fixture
def pipeline(demo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """A copy of the published demo warehouse, which the app reads (settings from the
    environment, as `cakupan dashboard` passes them)."""
    import shutil

    shutil.copytree(demo_root, tmp_path, dirs_exist_ok=True)
    copy = Pipeline(tmp_path)
    monkeypatch.setenv("CAKUPAN_WAREHOUSE_DIR", copy.warehouse.warehouse_dir)
    monkeypatch.delenv("CAKUPAN_PUBLISHED_PATH", raising=False)
    return copy


def coverage(pipeline: Pipeline, sql: str, params: list[object]) -> str:
    [(pct,)] = pipeline.published(sql, params)
    return persen(pct)


def province(pipeline: Pipeline, period: str = "2025-04") -> str:
    return coverage(
        pipeline, "SELECT cakupan_persen FROM mart.coverage_province WHERE periode = ?", [period]
    )


def region(pipeline: Pipeline, kode: str, period: str = "2025-04") -> str:
    return coverage(
        pipeline,
        "SELECT cakupan_persen FROM mart.coverage_region WHERE periode = ? AND kode_wilayah = ?",
        [period, kode],
    )


def app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    [found] = [m for m in at.metric if m.label == label]
    return str(found.value)


def more_active_persons(pipeline: Pipeline, kode_wilayah: str, n: int) -> None:
    """A new part of April's snapshot: ``n`` more active persons in one regency."""
    rows = [
        enrollment_row(kode_wilayah=kode_wilayah, birth=date(1960 + i % 30, 1 + i % 12, 1 + i % 28))
        for i in range(n)
    ]
    pipeline.landing.enrollment("2025-04", rows, name="part-extra.csv")


def test_filters_show_the_published_marts(pipeline: Pipeline) -> None:
    at = app()
    assert metric(at, "Cakupan") == province(pipeline)
    assert len(at.get("vega_lite_chart")) >= 8  # map, ranking, sectors, ..., trend
    at.selectbox(key="wilayah").select("6472").run()
    assert metric(at, "Cakupan") == region(pipeline, "6472")
    at.selectbox(key="sektor").select("G").run()
    assert metric(at, "Cakupan") == coverage(
        pipeline,
        "SELECT cakupan_persen FROM mart.coverage_region_sector WHERE periode = '2025-04' "
        "AND kode_wilayah = '6472' AND kbli = 'G'",
        [],
    )
    at.selectbox(key="periode").select("2025-03").run()
    assert metric(at, "Cakupan") == coverage(
        pipeline,
        "SELECT cakupan_persen FROM mart.coverage_region_sector WHERE periode = '2025-03' "
        "AND kode_wilayah = '6472' AND kbli = 'G'",
        [],
    )
    at.selectbox(key="sektor").select("").run()
    at.selectbox(key="kelompok").select("PEKERJA_RUMAH_TANGGA").run()
    # The groups' table (AppTest gives tables no key): its first column is the group.
    [table] = [d for d in at.dataframe if d.value.columns[0] == "Kelompok"]
    assert list(table.value["Kelompok"]) == ["Pekerja rumah tangga"]
    [(belum,)] = pipeline.published(
        "SELECT belum_terlindungi FROM mart.coverage_priority WHERE periode = '2025-03' "
        "AND kode_wilayah = '6472' AND kelompok = 'PEKERJA_RUMAH_TANGGA'"
    )
    assert table.value["Belum terlindungi"][0] == f"{belum:,}".replace(",", ".")
    assert not at.exception


PROVINCE_ACTIVE = "SELECT peserta_aktif FROM mart.coverage_province WHERE periode = '2025-04'"


def test_new_numbers_at_the_next_refresh_even_while_the_old_file_is_open(
    pipeline: Pipeline,
) -> None:
    at = app()
    before = metric(at, "Peserta aktif")
    # Another reader in this process keeps the old file open: DuckDB would hand a plain
    # duckdb.connect(path) that old file again; the dashboard must see the new one.
    held = duckdb.connect(pipeline.warehouse.published_path, read_only=True)
    try:
        more_active_persons(pipeline, "6472", 40)
        pipeline.publish("2025-04", run_id="second")
        at.run()
        after = metric(at, "Peserta aktif")
        with pipeline.warehouse.read_published_fresh() as conn:
            assert conn is not None
            [(aktif,)] = conn.execute(PROVINCE_ACTIVE).fetchall()
        assert after == f"{aktif:,}".replace(",", ".") != before
        # What a cached connection would have shown: the file before the publish.
        [(old,)] = held.execute(PROVINCE_ACTIVE).fetchall()
        assert f"{old:,}".replace(",", ".") == before
    finally:
        held.close()


def test_being_updated_instead_of_an_error(pipeline: Pipeline) -> None:
    path = Path(pipeline.warehouse.published_path)
    path.unlink()
    at = app()
    assert "sedang diperbarui" in at.info[0].value
    path.write_bytes(b"not yet a DuckDB file")  # e.g. a copy in progress by hand
    at.run()
    assert not at.exception
    assert "sedang diperbarui" in at.info[0].value


# ----------------------------------------------------------------- the real server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("streamlit did not become healthy")


@pytest.mark.ui
def test_browser_changes_a_filter_and_sees_a_publish(pipeline: Pipeline, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "streamlit.log").open("wb")
    # `cakupan dashboard` runs exactly this (plus its settings in the environment).
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "dashboard", "--port", str(port)],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(port, process)
        with chromium() as browser:
            tab = open_tab(browser, width=1300, height=1000)
            page = tab.page
            page.goto(f"http://127.0.0.1:{port}/")
            cakupan = page.get_by_test_id("stMetricValue").first
            expect(cakupan).to_have_text(province(pipeline), timeout=120_000)
            page.wait_for_function(
                "document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] svg').length >= 8",
                timeout=60_000,
            )
            screenshot(page, "dashboard.png", full_page=False)
            page.get_by_test_id("stSelectbox").filter(has_text="Kabupaten/kota").click()
            page.get_by_role("option", name="Kota Samarinda").click()
            expect(cakupan).to_have_text(region(pipeline, "6472"), timeout=60_000)
            before = region(pipeline, "6472")
            more_active_persons(pipeline, "6472", 40)
            pipeline.publish("2025-04", run_id="second")
            assert region(pipeline, "6472") != before
            page.get_by_role("button", name="Muat ulang").click()
            expect(cakupan).to_have_text(region(pipeline, "6472"), timeout=60_000)
            assert tab.errors == [] and tab.external == []
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
