"""Cakupan dashboard (Streamlit): the report's charts and tables, live, with filters.

Run it with ``make dashboard`` or ``cakupan dashboard`` (127.0.0.1 only). Every script run
(a page load, a filter change, "Muat ulang") reads the published file anew in one
short-lived read-only connection and closes it (`Warehouse.read_published_fresh`): no
connection is cached, so the numbers of a new publish show at the next refresh. While a
publish is being swapped in, or if the file cannot be read for a moment, the page says
"Data sedang diperbarui" instead of showing an error.
"""

from __future__ import annotations

import duckdb
import polars as pl
import streamlit as st

from assets.report.data import NotPublishedError, Published, read_published, select_view
from assets.report.formatting import nama_periode
from assets.report.sections import Block, content
from contract.priority import PRIORITY_GROUPS
from pipelines.resources import warehouse_from_env

ALL = ""  # the "every regency / sector / group" choice of a filter
UPDATING = "Data sedang diperbarui. Muat ulang halaman ini sebentar lagi."


def load() -> tuple[Published | None, str | None]:
    """The published file as it is now, or why it cannot be shown right now."""
    warehouse = warehouse_from_env(resolve=True)
    try:
        with warehouse.read_published_fresh() as conn:
            if conn is None:
                return None, "Belum ada data terbit. " + UPDATING
            return read_published(conn), None
    except (duckdb.Error, OSError, NotPublishedError):
        return None, UPDATING


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
    st.set_page_config(page_title="Cakupan Jamsostek Kalimantan Timur", layout="wide")
    st.title("Cakupan Jaminan Sosial Ketenagakerjaan Kalimantan Timur")
    published, problem = load()
    if published is None:
        st.info(problem or UPDATING)
        st.button("Muat ulang", key="reload")
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
    page = content(view, warehouse_from_env(resolve=True).bpu_minimum_contribution_rp)
    st.caption(f"Periode {nama_periode(period)} · {page.scope} · periode terbit: {len(periods)}")
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
