"""The charts of the report and the dashboard, as Vega-Lite specs built with Altair: one
function per chart, taking the frames of `assets.report.data.View`, returning the spec
(a dict).

The same specs are drawn by the HTML report (vega-embed, inlined) and by Streamlit
(``st.vega_lite_chart``). Numbers follow Indonesian conventions through Vega-Lite's
``config.locale`` (63,1; 1.234). Widths are ``container`` so a chart fits a phone.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import altair as alt
import polars as pl

from assets.report.formatting import VEGA_LOCALE
from contract.reference import province_boundaries, regency_boundaries

#: Coverage colours: pale where coverage is low, dark where it is high; values above 100
#: take the colour of 100 (they are flagged in words).
COVERAGE_SCALE = alt.Scale(scheme="yellowgreenblue", domain=[0, 100], clamp=True)
COVERAGE_LEGEND = alt.Legend(title="Cakupan (%)", format=".0f", orient="bottom")
FULL = "#b2182b"  # the 100 % line
HEIGHT_PER_ROW = 22
#: Map labels: the short names people in Kalimantan Timur use (Kukar, Kutim, PPU, ...), so
#: that the small regencies' labels do not run into each other. By Kemendagri code.
MAP_LABELS = {
    "6401": "Paser",
    "6402": "Kukar",
    "6403": "Berau",
    "6407": "Kubar",
    "6408": "Kutim",
    "6409": "PPU",
    "6411": "Mahulu",
    "6471": "Balikpapan",
    "6472": "Samarinda",
    "6474": "Bontang",
}
#: Where a label is moved off its regency's label point (lng, lat) so that neighbours'
#: labels do not overlap: PPU and Balikpapan share a latitude, Bontang sits on a border.
MAP_LABEL_AT = {"6409": (116.42, -1.02), "6471": (117.0, -1.3), "6474": (117.62, 0.12)}


Spec = dict[str, Any]


def finish(chart: alt.TopLevelMixin, **datasets: list[dict[str, Any]]) -> Spec:
    """The spec, with Indonesian number format, no border and readable fonts, and its data.

    Charts name their data (`named`) and the rows go into the spec's ``datasets`` here,
    after Altair's validation: Altair copies inline rows once per layer and validates each
    value against the schema, which costs seconds a report for nothing."""
    configured = (
        chart.configure(locale=alt.Locale(**VEGA_LOCALE), font="system-ui, sans-serif")
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12)
    )
    spec: Spec = configured.to_dict()
    spec.setdefault("datasets", {}).update(datasets)
    return spec


def named(name: str) -> alt.Data:
    return alt.Data(name=name)


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON values (NaN and null as null)."""
    return frame.fill_nan(None).to_dicts() if frame.height else []


def coverage_tooltip(name: str, title: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip(name, title=title),
        alt.Tooltip("cakupan_persen:Q", title="Cakupan (%)", format=",.1f"),
        alt.Tooltip("peserta_aktif:Q", title="Peserta aktif", format=","),
        alt.Tooltip("pekerja:Q", title="Pekerja", format=","),
        alt.Tooltip("belum_terlindungi:Q", title="Belum terlindungi", format=","),
    ]


def full_line() -> alt.Chart:
    return (
        alt.Chart(alt.Data(values=[{"x": 100}]))
        .mark_rule(color=FULL, strokeDash=[5, 3], strokeWidth=1.5)
        .encode(x="x:Q")
    )


def x_coverage(frame: pl.DataFrame, column: str = "cakupan_persen") -> alt.X:
    top = frame[column].drop_nulls().max() if frame.height else None
    upper = max(105.0, float(top) + 8) if top is not None else 105.0  # type: ignore[arg-type]
    return alt.X(f"{column}:Q", title="Cakupan (%)", scale=alt.Scale(domain=[0, upper], nice=False))


# ------------------------------------------------------------------------------- map


def rewind(collection: dict[str, Any]) -> dict[str, Any]:
    """RFC 7946 rings (exterior counter-clockwise) -> the winding d3 and Vega-Lite draw on a
    sphere (exterior clockwise): every ring reversed, holes included. Without it each
    regency is drawn as the whole globe minus itself and fills the map."""
    rewound = copy.deepcopy(collection)
    for feature in rewound["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            geometry["coordinates"] = [ring[::-1] for ring in geometry["coordinates"]]
        elif geometry["type"] == "MultiPolygon":
            geometry["coordinates"] = [
                [ring[::-1] for ring in polygon] for polygon in geometry["coordinates"]
            ]
    return rewound


@functools.cache
def boundaries_for_vega() -> dict[str, Any]:
    return rewind(regency_boundaries())


def coverage_map(regions: pl.DataFrame, height: int = 440) -> Spec:
    """The ten regencies coloured by coverage, named, the selected one outlined. Joined on
    the Kemendagri code (the boundaries' key), never the BPS code."""
    return choropleth(
        boundaries_for_vega()["features"], regions, "kabupaten", "nama_wilayah", height
    )


@functools.cache
def province_boundaries_for_vega() -> dict[str, Any]:
    return rewind(province_boundaries())


def province_map(provinces: pl.DataFrame, height: int = 440) -> Spec:
    """The covered provinces (rows of ``provinces``: ``kode_kemendagri``, ``wilayah``, the
    counts) coloured by coverage, from the shared province boundaries; the provinces not
    covered are left out, so that the map is of the deployment."""
    covered = set(provinces["kode_kemendagri"].to_list()) if provinces.height else set()
    features = [
        f
        for f in province_boundaries_for_vega()["features"]
        if f["properties"]["kode_kemendagri"] in covered
    ]
    return choropleth(features, provinces, "provinsi", "nama_provinsi", height)


def choropleth(
    shapes_in: list[dict[str, Any]],
    regions: pl.DataFrame,
    dataset: str,
    name_property: str,
    height: int,
) -> Spec:
    """Shapes (GeoJSON features keyed by ``properties.kode_kemendagri``, wound for Vega)
    coloured by the coverage of their row of ``regions``, named, the selected one outlined."""
    by_code = {r["kode_kemendagri"]: r for r in regions.fill_nan(None).to_dicts()}
    features = []
    for feature in shapes_in:
        properties = dict(feature["properties"])
        row = by_code.get(properties["kode_kemendagri"], {})
        for key in ("wilayah", "cakupan_persen", "peserta_aktif", "pekerja", "belum_terlindungi"):
            properties[key] = row.get(key)
        properties["terpilih"] = bool(row.get("terpilih"))
        properties["wilayah"] = properties["wilayah"] or properties[name_property]
        features.append(
            {"type": "Feature", "geometry": feature["geometry"], "properties": properties}
        )
    shapes = named(dataset)
    tooltip = [
        alt.Tooltip("properties.wilayah:N", title="Wilayah"),
        alt.Tooltip("properties.cakupan_persen:Q", title="Cakupan (%)", format=",.1f"),
        alt.Tooltip("properties.peserta_aktif:Q", title="Peserta aktif", format=","),
        alt.Tooltip("properties.pekerja:Q", title="Pekerja", format=","),
        alt.Tooltip("properties.belum_terlindungi:Q", title="Belum terlindungi", format=","),
    ]
    # Grey first: a regency without a value still shows (Vega-Lite drops null colours).
    base = alt.Chart(shapes).mark_geoshape(fill="#e3e3e3", stroke="white", strokeWidth=0.8)
    fill = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.8)
        .encode(
            color=alt.Color(
                "properties.cakupan_persen:Q", scale=COVERAGE_SCALE, legend=COVERAGE_LEGEND
            ),
            tooltip=tooltip,
        )
    )
    outline = (
        alt.Chart(shapes)
        .mark_geoshape(fill=None, stroke="#d95f02", strokeWidth=3)
        .transform_filter("datum.properties.terpilih")
    )
    labels = (
        alt.Chart(named("label"))
        .mark_text(fontSize=10, fontWeight="bold", color="#1d2327")
        .encode(longitude="lng:Q", latitude="lat:Q", text="nama:N")
    )
    chart = alt.layer(base, fill, outline, labels).project(type="mercator")
    return finish(
        chart.properties(width="container", height=height),
        **{dataset: features},
        label=[
            {
                "nama": MAP_LABELS.get(code, f["properties"][name_property]),
                "lng": MAP_LABEL_AT.get(code, (f["properties"]["lng"], 0))[0],
                "lat": MAP_LABEL_AT.get(code, (0, f["properties"]["lat"]))[1],
            }
            for f in features
            if (code := f["properties"]["kode_kemendagri"])
        ],
    )


# ------------------------------------------------------------------------------- bars


def region_bars(regions: pl.DataFrame) -> Spec:
    """Regencies ranked by coverage, with the 100 % line."""
    x = x_coverage(regions)
    bars = (
        alt.Chart(named("rows"))
        .mark_bar()
        .encode(
            y=alt.Y("wilayah:N", sort="-x", title=None),
            x=x,
            color=alt.Color("cakupan_persen:Q", scale=COVERAGE_SCALE, legend=None),
            stroke=alt.condition("datum.terpilih", alt.value("#d95f02"), alt.value(None)),
            strokeWidth=alt.value(2.5),
            tooltip=coverage_tooltip("wilayah:N", "Wilayah"),
        )
    )
    return labelled_coverage_bars(bars, regions)


def sector_bars(sectors: pl.DataFrame) -> Spec:
    """KBLI sections ranked by coverage (sections without workers are left out of the
    chart, kept in its table)."""
    frame = sectors.filter(pl.col("cakupan_persen").is_not_null()).with_columns(
        (pl.col("kbli") + " " + pl.col("nama_sektor").str.slice(0, 38)).alias("sektor")
    )
    bars = (
        alt.Chart(named("rows"))
        .mark_bar()
        .encode(
            y=alt.Y("sektor:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            x=x_coverage(frame),
            color=alt.Color("cakupan_persen:Q", scale=COVERAGE_SCALE, legend=None),
            tooltip=coverage_tooltip("nama_sektor:N", "Sektor"),
        )
    )
    return labelled_coverage_bars(bars, frame)


def labelled_coverage_bars(bars: alt.Chart, rows: pl.DataFrame) -> Spec:
    """Horizontal coverage bars with their value at the end and the 100 % line, one row
    of height per bar; ``rows`` are the bars' data and the table under the chart."""
    text = bars.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text("cakupan_persen:Q", format=",.1f"), color=alt.value("#222")
    )
    chart = alt.layer(bars, text, full_line()).properties(
        width="container", height=max(1, rows.height) * HEIGHT_PER_ROW + 20
    )
    return finish(chart, rows=records(rows))


def region_sector_heatmap(cells: pl.DataFrame) -> Spec:
    """Regency x sector: coverage of every cell (grey where Sakernas counts no worker)."""
    tooltip = [
        alt.Tooltip("wilayah:N", title="Wilayah"),
        alt.Tooltip("nama_sektor:N", title="Sektor"),
        *coverage_tooltip("kbli:N", "KBLI")[1:],
    ]
    base = alt.Chart(named("rows")).encode(
        x=alt.X("kbli:O", title="Sektor (KBLI 2020)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("wilayah:N", title=None),
        tooltip=tooltip,
    )
    empty = base.mark_rect(color="#eeeeee")
    filled = base.mark_rect().encode(
        color=alt.Color("cakupan_persen:Q", scale=COVERAGE_SCALE, legend=COVERAGE_LEGEND)
    )
    chart = alt.layer(empty, filled).properties(width="container", height=10 * 26)
    return finish(chart, rows=records(cells))


STATUS_COLOURS = alt.Scale(domain=["FORMAL", "INFORMAL"], range=["#2c7fb8", "#f28e2b"])


def status_bars(status: pl.DataFrame) -> Spec:
    """Formal against informal workers' coverage, per regency."""
    bars = (
        alt.Chart(named("rows"))
        .mark_bar()
        .encode(
            y=alt.Y("wilayah:N", title=None),
            yOffset=alt.YOffset("status_pekerjaan:N"),
            x=x_coverage(status),
            color=alt.Color(
                "status_pekerjaan:N",
                scale=STATUS_COLOURS,
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("wilayah:N", title="Wilayah"),
                alt.Tooltip("status_pekerjaan:N", title="Status"),
                *coverage_tooltip("wilayah:N", "Wilayah")[1:],
            ],
        )
    )
    rows = max(1, status["kode_wilayah"].n_unique() if status.height else 1)
    chart = alt.layer(bars, full_line()).properties(width="container", height=rows * 2 * 14 + 40)
    return finish(chart, rows=records(status))


def priority_bars(totals: pl.DataFrame) -> Spec:
    """Each priority group's coverage (its regencies summed), and what remains uncovered."""
    tooltip = [
        alt.Tooltip("nama_kelompok:N", title="Kelompok"),
        *coverage_tooltip("kelompok:N", "Kode")[1:],
        alt.Tooltip("biaya_perlindungan_tahunan_rp:Q", title="Biaya per tahun (Rp)", format=","),
    ]
    bars = (
        alt.Chart(named("rows"))
        .mark_bar(color="#f28e2b")
        .encode(
            y=alt.Y(
                "nama_kelompok:N",
                sort=alt.EncodingSortField("cakupan_persen", op="max", order="descending"),
                title=None,
                axis=alt.Axis(labelLimit=260),
            ),
            x=x_coverage(totals),
            tooltip=tooltip,
        )
    )
    text = bars.mark_text(align="left", dx=3, fontSize=11, color="#222").encode(
        text=alt.Text("cakupan_persen:Q", format=",.1f")
    )
    chart = alt.layer(bars, text, full_line()).properties(
        width="container", height=max(1, totals.height) * 34 + 20
    )
    return finish(chart, rows=records(totals))


def priority_heatmap(priority: pl.DataFrame) -> Spec:
    """Regency x priority group: coverage, with the number still uncovered in each cell."""
    base = alt.Chart(named("rows")).encode(
        x=alt.X(
            "kelompok_singkat:N",
            title=None,
            axis=alt.Axis(labelAngle=0, labelLimit=110, labelFontSize=10),
        ),
        y=alt.Y("wilayah:N", title=None),
        tooltip=[
            alt.Tooltip("wilayah:N", title="Wilayah"),
            alt.Tooltip("nama_kelompok:N", title="Kelompok"),
            *coverage_tooltip("kelompok:N", "Kode")[1:],
            alt.Tooltip(
                "biaya_perlindungan_tahunan_rp:Q", title="Biaya per tahun (Rp)", format=","
            ),
        ],
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("cakupan_persen:Q", scale=COVERAGE_SCALE, legend=COVERAGE_LEGEND)
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("cakupan_persen:Q", format=",.0f"),
        color=alt.condition("datum.cakupan_persen > 60", alt.value("white"), alt.value("#222")),
    )
    rows = priority["kode_wilayah"].n_unique() if priority.height else 1
    chart = alt.layer(cells, text).properties(width="container", height=rows * 26 + 10)
    return finish(chart, rows=records(priority))


# ------------------------------------------------------------------------- over time


def trend_lines(trend: pl.DataFrame) -> Spec:
    """Coverage over every published period: the province (or scope) in black, each
    regency in grey, the selected regency in orange."""
    colour = (
        alt.when("datum.provinsi")
        .then(alt.value("#111111"))
        .when("datum.terpilih")
        .then(alt.value("#d95f02"))
        .otherwise(alt.value("#a6bddb"))
    )
    lines = (
        alt.Chart(named("rows"))
        .mark_line(point=True)
        .encode(
            x=alt.X("periode:O", title="Periode", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("cakupan_persen:Q", title="Cakupan (%)", scale=alt.Scale(zero=False)),
            detail="garis:N",
            color=colour,
            strokeWidth=alt.condition("datum.provinsi", alt.value(3.5), alt.value(1.5)),
            tooltip=[
                alt.Tooltip("garis:N", title="Garis"),
                alt.Tooltip("periode:O", title="Periode"),
                alt.Tooltip("cakupan_persen:Q", title="Cakupan (%)", format=",.1f"),
            ],
        )
    )
    return finish(lines.properties(width="container", height=320), rows=records(trend))


def flow_bars(flows: pl.DataFrame) -> Spec:
    """Per regency: persons who joined (right) and who left (left) since the previous
    period."""
    long = flows.select(
        "wilayah",
        pl.col("peserta_baru").alias("Bergabung"),
        (-pl.col("peserta_berhenti")).alias("Berhenti"),
    ).unpivot(index="wilayah", variable_name="arus", value_name="orang")
    bars = (
        alt.Chart(named("rows"))
        .mark_bar()
        .encode(
            y=alt.Y("wilayah:N", title=None),
            x=alt.X("orang:Q", title="Orang (berhenti ke kiri, bergabung ke kanan)"),
            color=alt.Color(
                "arus:N",
                scale=alt.Scale(domain=["Bergabung", "Berhenti"], range=["#1a9850", "#d73027"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("wilayah:N", title="Wilayah"),
                alt.Tooltip("arus:N", title="Arus"),
                alt.Tooltip("orang:Q", title="Orang", format=","),
            ],
        )
    )
    rows = max(1, flows.height)
    return finish(
        bars.properties(width="container", height=rows * HEIGHT_PER_ROW + 20), rows=records(long)
    )
