"""Cakupan dashboard (Streamlit): the report's charts and tables, live, with filters.

Run it with ``make dashboard`` or ``cakupan dashboard`` (127.0.0.1 only). Every script run
(a page load, a filter change, "Muat ulang") reads the published file anew in one
short-lived read-only connection and closes it (`Warehouse.read_published_fresh`): no
connection is cached, so the numbers of a new publish show at the next refresh. While a
publish is being swapped in, or if the file cannot be read for a moment, the page says
"Data sedang diperbarui" instead of showing an error.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import polars as pl
import streamlit as st

from assets.national.publish import provinces_of
from assets.report.data import NotPublishedError, Published, read_published, select_view
from assets.report.formatting import nama_periode
from assets.report.national import national_content, read_national
from assets.report.sections import Block, Content, content
from assets.warehouse import Warehouse
from contract.priority import PRIORITY_GROUPS
from pipelines.resources import warehouse_from_env

ALL = ""  # the "every regency / sector / group" choice of a filter
NATIONAL = ""  # the "every province" choice of the province filter (several provinces)
UPDATING = "Data sedang diperbarui. Muat ulang halaman ini sebentar lagi."


def load(warehouse: Warehouse) -> tuple[Published | None, str | None]:
    """The published file as it is now, or why it cannot be shown right now."""
    try:
        with warehouse.read_published_fresh() as conn:
            if conn is None:
                return None, "Belum ada data terbit. " + UPDATING
            return read_published(conn), None
    except (duckdb.Error, OSError, NotPublishedError):
        return None, UPDATING


def load_national(warehouse: Warehouse) -> tuple[Published | None, str | None]:
    """The national file as the national page reads it (provinces as its regions)."""
    try:
        if not warehouse.national_path.exists():
            return None, "Belum ada data nasional. " + UPDATING
        with duckdb.connect(str(warehouse.national_path), read_only=True) as conn:
            return read_national(conn)[0], None
    except (duckdb.Error, OSError, NotPublishedError):
        return None, UPDATING


def choose_province(warehouse: Warehouse) -> tuple[Warehouse, str | None]:
    """A deployment of several provinces: which one to show (its own published file, all
    its filters), or every province together (the national file). Returns the warehouse
    of the province and its name; (the deployment, None) for the national view."""
    names = {p.kode_kemendagri: p.nama for p in provinces_of(warehouse)}
    with st.sidebar:
        chosen = choose(
            "Provinsi",
            "provinsi",
            {NATIONAL: "Semua provinsi (nasional)"}
            | {kode: f"{nama} ({kode})" for kode, nama in names.items()},
        )
    if chosen == NATIONAL:
        return warehouse, None
    return warehouse.for_province(chosen), names[chosen]


def choose(label: str, key: str, options: dict[str, str], default: str = ALL) -> str:
    """A select box over ``options`` (value -> shown text); keeps a choice that vanished
    after a publish from breaking the page."""
    values = list(options)
    if st.session_state.get(key) not in values:
        st.session_state[key] = default if default in values else values[0]
    return str(st.selectbox(label, values, key=key, format_func=options.__getitem__))


def show_block(block: Block, period: str) -> None:
    st.subheader(block.title)
    if block.lead:
        st.caption(block.lead)
    if block.chart is None:
        st.info(block.note or "")
        return
    st.vega_lite_chart(spec=block.chart, width="stretch", theme=None, key=f"chart-{block.id}")
    table = pl.DataFrame(
        [[text for text, _ in row] for row in block.rows()],
        schema=[c.header for c in block.columns],
        orient="row",
    )
    st.dataframe(table, hide_index=True, key=f"table-{block.id}")
    st.download_button(
        "Unduh CSV",
        block.csv(),
        file_name=block.csv_name(period),
        mime="text/csv",
        key=f"csv-{block.id}",
    )


def main() -> None:
    warehouse = warehouse_from_env(resolve=True)
    several = warehouse.several_provinces
    # The page's settings come first (a province is chosen after).
    st.set_page_config(
        page_title="Cakupan Jamsostek" + ("" if several else " Kalimantan Timur"), layout="wide"
    )
    scope, name = choose_province(warehouse) if several else (warehouse, None)
    title = name or ("Nasional" if several else "Kalimantan Timur")
    st.title(f"Cakupan Jaminan Sosial Ketenagakerjaan {title}")
    national = several and name is None
    published, problem = load_national(warehouse) if national else load(scope)
    if published is not None and name is not None:
        published = replace(published, name=name)
    if published is None:
        st.info(problem or UPDATING)
        st.button("Muat ulang", key="reload")
        return
    if national:
        show_national(published, warehouse.bpu_minimum_contribution_rp)
        return
    periods = published.periods
    with st.sidebar:
        st.header("Saring")
        period = choose(
            "Periode", "periode", {p: nama_periode(p) for p in reversed(periods)}, periods[-1]
        )
        latest = select_view(published, period)
        region = choose(
            "Kabupaten/kota",
            "wilayah",
            {ALL: "Semua kabupaten/kota"}
            | dict(sorted(latest.region_names().items(), key=lambda kv: kv[1])),
        )
        sector = choose(
            "Sektor",
            "sektor",
            {ALL: "Semua sektor"} | {k: f"{k} – {n}" for k, n in latest.sector_names().items()},
        )
        group = choose(
            "Kelompok prioritas",
            "kelompok",
            {ALL: "Semua kelompok"} | {g.kelompok: g.nama for g in PRIORITY_GROUPS},
        )
        st.button("Muat ulang", key="reload", help="Baca ulang berkas terbit")
    view = select_view(published, period, region or None, sector or None, group or None)
    page = content(view, scope.bpu_minimum_contribution_rp)
    show_page(page, period, len(periods))


def show_national(published: Published, bpu_minimum_rp: int) -> None:
    """Every province together: the national page's content, by period."""
    periods = published.periods
    with st.sidebar:
        st.header("Saring")
        period = choose(
            "Periode", "periode", {p: nama_periode(p) for p in reversed(periods)}, periods[-1]
        )
        st.button("Muat ulang", key="reload", help="Baca ulang berkas nasional")
    page = national_content(select_view(published, period), bpu_minimum_rp)
    show_page(page, period, len(periods))


def show_page(page: Content, period: str, periods: int) -> None:
    st.caption(f"Periode {nama_periode(period)} · {page.scope} · periode terbit: {periods}")
    for start in range(0, len(page.figures), 3):  # rows of three: readable on a laptop
        row = page.figures[start : start + 3]
        for column, figure in zip(st.columns(3), row, strict=False):
            column.metric(
                figure.short or figure.label,
                figure.text,
                help=f"{figure.label}: {figure.detail}" if figure.detail else figure.label,
                border=True,
            )
    for block in page.blocks:
        show_block(block, period)
    st.subheader("Tanda yang perlu diperiksa")
    if page.flags:
        for sentence in page.flags:
            st.warning(sentence)
    else:
        st.success("Tidak ada cakupan di atas 100 % dan tidak ada penurunan lebih dari 5 poin.")


main()
