"""The national page of the report: the national file (``coverage_nasional.duckdb``) of a
deployment of several provinces, in the report's one layout, under ``<warehouse>/report/``.

The national marts are read into the same `Published` as a province's file, the provinces
standing where a province's page has its regencies (``mart.coverage_national`` as the
headline row, ``mart.coverage_province`` as the rows ranked, mapped and followed over
time), so the headline, the sector, trend and flow sections and the flags are the
province page's own code. What is the national page's only: the province map (the shared
boundaries, ``reference/indonesia/provinces.geojson``), the ranking of provinces, and the
list of the provinces with a link to each one's report and, where the latest period still
waits for some, which (``mart.national_status``).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

from assets.national.publish import MISSING, provinces_of
from assets.published.publish import held_tables
from assets.report import charts
from assets.report.data import NotPublishedError, Published, View, select_view
from assets.report.page import (
    INDEX,
    ProvinceLink,
    ProvinceLinks,
    render_content,
    report_file,
    write_atomically,
)
from assets.report.sections import (
    Block,
    Column,
    Content,
    flags,
    flow_block,
    headline,
    number,
    points,
    sector_block,
    share,
    trend_block,
)
from assets.warehouse import Warehouse
from contract.tables import (
    COVERAGE_REGION,
    NATIONAL_COVERAGE,
    NATIONAL_PROVINCE,
    NATIONAL_STACKED,
    NATIONAL_STATUS,
    NATIONAL_SUMMED,
    NATIONAL_TABLES,
    PUBLISHED_PERIODS,
)

#: The rows of the national page's `View.regions`: provinces (a header, and as a lead
#: names them).
PROVINCES = ("Provinsi", "provinsi")
#: A province's mart of the page <- the national table read into it.
READ_AS = {
    **NATIONAL_STACKED,  # the regencies of every province, for the flags and the costs
    **NATIONAL_SUMMED,  # the headline row and the sectors: the national sums
    COVERAGE_REGION: NATIONAL_PROVINCE,  # the provinces where a page has its regencies
}


def read_national(conn: duckdb.DuckDBPyConnection) -> tuple[Published, pl.DataFrame]:
    """The national file as a `Published` (provinces as its regions) and its
    ``mart.national_status``."""
    held = held_tables(conn)
    frames = {
        t.name: conn.sql(f"SELECT * FROM {t.name} ORDER BY {', '.join(t.grain)}").pl()
        for t in NATIONAL_TABLES
        if t.name in held
    }
    if frames.get(NATIONAL_COVERAGE.name, pl.DataFrame()).height == 0:
        raise NotPublishedError("the national file holds no complete period yet")
    tables = {mart.name: frames.get(n.name, pl.DataFrame()) for mart, n in READ_AS.items()}
    tables[COVERAGE_REGION.name] = tables[COVERAGE_REGION.name].with_columns(
        pl.col("kode_provinsi").alias("kode_wilayah"),
        pl.col("kode_provinsi_kemendagri").alias("kode_kemendagri"),
        pl.col("nama_provinsi").alias("nama_wilayah"),
    )
    national = frames[NATIONAL_COVERAGE.name]
    tables[PUBLISHED_PERIODS.name] = national.select(
        "periode", "tahun_pekerja", pl.lit(None, pl.Datetime).alias("published_at")
    )
    status = frames.get(NATIONAL_STATUS.name, pl.DataFrame())
    provinces = status["kode_provinsi_kemendagri"].n_unique() if status.height else 0
    return Published(tables, name=f"Nasional ({provinces} provinsi)"), status


PROVINCE_COLUMNS = [
    Column("nama_provinsi", "Provinsi"),
    Column("kode_provinsi_kemendagri", "Kode Kemendagri"),
    Column("kode_provinsi", "Kode BPS"),
    number("pekerja", "Pekerja"),
    number("peserta_aktif", "Peserta aktif"),
    share(),
    number("belum_terlindungi", "Belum terlindungi"),
]


def national_blocks(view: View) -> list[Block]:
    provinces = view.regions()
    return [
        Block(
            "peta",
            "Peta cakupan per provinsi",
            "Provinsi yang tercakup. Warna lebih gelap berarti cakupan lebih tinggi; di atas "
            "100 % berwarna sama dengan 100 % dan ditandai di bagian Tanda.",
            charts.province_map(provinces),
            provinces.sort("kode_provinsi_kemendagri"),
            [PROVINCE_COLUMNS[0], PROVINCE_COLUMNS[1], share()],
        ),
        Block(
            "provinsi",
            "Peringkat provinsi",
            "Garis merah putus-putus: 100 % (semua pekerja terlindungi).",
            charts.region_bars(provinces),
            provinces.sort("cakupan_persen", descending=True, nulls_last=True),
            [*PROVINCE_COLUMNS, *([points()] if view.has_trend else [])],
        ),
        sector_block(view),
        trend_block(view, PROVINCES),
        flow_block(view, PROVINCES),
    ]


def national_content(view: View, bpu_minimum_rp: int) -> Content:
    return Content(
        view=view,
        scope=view.published.name,
        figures=headline(view, bpu_minimum_rp),
        blocks=national_blocks(view),
        flags=flags(view),
    )


def province_links(warehouse: Warehouse, status: pl.DataFrame) -> ProvinceLinks:
    """Each covered province (its status of the latest period in ``mart.national_status``)
    with a link, relative to the national report folder, to its report when it has one."""
    latest = str(status["periode"].max()) if status.height else ""
    rows = status.filter(pl.col("periode") == latest) if status.height else status
    state = (
        dict(rows.select("kode_provinsi_kemendagri", "status").iter_rows()) if rows.height else {}
    )
    links = []
    for province in provinces_of(warehouse):
        index = warehouse.for_province(province.kode_kemendagri).report_dir / INDEX
        href = os.path.relpath(index, warehouse.report_dir).replace(os.sep, "/")
        links.append(
            ProvinceLink(
                province.kode_kemendagri,
                province.nama,
                str(state.get(province.kode_kemendagri, MISSING)),
                href if index.is_file() else None,
            )
        )
    return ProvinceLinks(latest, links)


def write_national_reports(warehouse: Warehouse, since: str | None = None) -> list[Path]:
    """The national page of every complete period of the national file from ``since`` on
    (default: all), and ``index.html`` for the latest, under ``<warehouse>/report/``; the
    file is read in one short-lived read-only connection. Returns the paths written, index
    last (none when the national file holds no complete period yet)."""
    path = warehouse.national_path
    if not path.exists():
        raise NotPublishedError(f"no national file yet at {path}")
    with duckdb.connect(str(path), read_only=True) as conn:
        try:
            published, status = read_national(conn)
        except NotPublishedError:
            return []
    links = province_links(warehouse, status)
    latest = published.periods[-1]
    written = []
    for period in published.periods:
        if since is not None and period < since:
            continue
        view = select_view(published, period)
        html = render_content(
            national_content(view, warehouse.bpu_minimum_contribution_rp), path.name, [], links
        )
        written.append(warehouse.report_dir / report_file(period))
        write_atomically(written[-1], html)
        if period == latest:
            write_atomically(warehouse.report_dir / INDEX, html)
            written.append(warehouse.report_dir / INDEX)
    return written
