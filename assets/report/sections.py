"""The report's content, shared by the HTML report and the dashboard: the headline figures,
one block per chart (the chart, its table, its CSV) and the flags, each in Indonesian.

A block's table shows the chart's numbers formatted for reading (63,1 %; 1.234); its CSV
holds the same rows with the contract's column names and plain values, for whoever wants
to compute with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from assets.report import charts
from assets.report.data import DROP_POINTS, FLOW_COLUMNS, View
from assets.report.formatting import angka, nama_periode, persen, poin, rupiah, rupiah_penuh


def text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Column:
    key: str  # the column of the frame (a contract column name where there is one)
    header: str  # as the table shows it
    format: Callable[[Any], str] = text
    numeric: bool = False


def number(key: str, header: str) -> Column:
    return Column(key, header, angka, True)


def share(key: str = "cakupan_persen", header: str = "Cakupan") -> Column:
    return Column(key, header, persen, True)


def money(key: str, header: str) -> Column:
    return Column(key, header, rupiah_penuh, True)


def points(key: str = "perubahan_poin", header: str = "Perubahan") -> Column:
    return Column(key, header, poin, True)


@dataclass(frozen=True)
class Block:
    """One chart with its table and CSV (or, where the data is not there, a note)."""

    id: str
    title: str
    lead: str
    chart: charts.Spec | None  # Vega-Lite
    frame: pl.DataFrame
    columns: list[Column]
    note: str | None = None
    collapsed: bool = False  # a long table starts folded

    def rows(self) -> list[list[tuple[str, bool]]]:
        """The table as formatted cells: (text, is numeric)."""
        return [
            [(c.format(row.get(c.key)), c.numeric) for c in self.columns]
            for row in self.frame.fill_nan(None).to_dicts()
        ]

    def csv(self) -> str:
        """The table's rows with their column names, plain values (UTF-8 with a BOM, so
        that Excel reads the names right)."""
        keys = [c.key for c in self.columns]
        return "\ufeff" + self.frame.select(keys).write_csv()

    def csv_name(self, period: str) -> str:
        return f"cakupan-{self.id}-{period}.csv"


@dataclass(frozen=True)
class Figure:
    """One headline figure."""

    id: str
    label: str
    text: str
    value: Any  # the raw number the text shows (the test compares it with the marts)
    detail: str = ""
    short: str = ""  # a label for narrow places (the dashboard's metrics)


@dataclass
class Content:
    view: View
    scope: str  # what the headline is of, e.g. "Kalimantan Timur"
    figures: list[Figure] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


REGION_COLUMNS = [
    Column("wilayah", "Kabupaten/kota"),
    Column("kode_wilayah", "Kode BPS"),
    number("pekerja", "Pekerja"),
    number("peserta_aktif", "Peserta aktif"),
    share(),
    number("belum_terlindungi", "Belum terlindungi"),
]


def scope_name(view: View) -> str:
    parts = []
    if view.region:
        parts.append(view.region_names().get(view.region, view.region))
    if view.sector:
        parts.append(f"sektor {view.sector} ({view.sector_names().get(view.sector, '')})")
    return ", ".join(parts) or view.published.name


def headline(view: View, bpu_minimum_rp: int) -> list[Figure]:
    row = view.headline()
    figures = [
        Figure(
            "cakupan",
            "Cakupan",
            persen(row.get("cakupan_persen")),  # type: ignore[arg-type]
            row.get("cakupan_persen"),
            f"{angka(row.get('peserta_aktif'))} peserta aktif dari "  # type: ignore[arg-type]
            f"{angka(row.get('pekerja'))} pekerja",  # type: ignore[arg-type]
            "Cakupan",
        ),
        Figure(
            "peserta_aktif",
            "Peserta aktif",
            angka(row.get("peserta_aktif")),  # type: ignore[arg-type]
            row.get("peserta_aktif"),
            "orang (bukan kartu): satu orang dihitung sekali",
            "Peserta aktif",
        ),
        Figure(
            "belum_terlindungi",
            "Pekerja belum terlindungi",
            angka(row.get("belum_terlindungi")),  # type: ignore[arg-type]
            row.get("belum_terlindungi"),
            "pekerja menurut Sakernas dikurangi peserta aktif",
            "Belum terlindungi",
        ),
    ]
    if "biaya_informal_tahunan_rp" in row:
        figures.append(
            Figure(
                "biaya_informal",
                "Biaya setahun melindungi pekerja informal yang belum terlindungi",
                rupiah(row["biaya_informal_tahunan_rp"]),  # type: ignore[arg-type]
                row["biaya_informal_tahunan_rp"],
                f"{angka(row.get('belum_terlindungi_informal'))} pekerja × "  # type: ignore[arg-type]
                f"{rupiah_penuh(bpu_minimum_rp)} × 12 bulan (JKK + JKM, iuran minimum BPU)"
                + (", semua sektor" if view.sector else ""),
                "Biaya informal / tahun",
            )
        )
    if view.previous is None:
        change, value, detail = "–", None, "periode terbit pertama: belum ada pembanding"
    elif "perubahan_poin" in row:
        value = row.get("perubahan_poin")
        change = poin(value)  # type: ignore[arg-type]
        detail = (
            f"dari {persen(row.get('cakupan_persen_sebelumnya'))} "  # type: ignore[arg-type]
            f"({nama_periode(view.previous)})"
        )
    else:
        change, value = "–", None
        detail = "kolom tren (perubahan_poin) belum ada di berkas terbit"
    figures.append(
        Figure(
            "perubahan",
            f"Perubahan sejak {nama_periode(view.previous or view.period)}",
            change,
            value,
            detail,
        )
    )
    return figures


def trend_table(trend: pl.DataFrame) -> tuple[pl.DataFrame, list[Column]]:
    """One row per line, one column per period."""
    if trend.height == 0:
        return trend, []
    wide = trend.pivot(on="periode", index="garis", values="cakupan_persen", sort_columns=True)
    order = (
        trend.select("garis", "provinsi")
        .unique()
        .sort(["provinsi", "garis"], descending=[True, False])
    )
    wide = order.join(wide, on="garis", how="left").drop("provinsi")
    periods = [c for c in wide.columns if c != "garis"]
    return wide, [Column("garis", "Garis"), *(share(p, p) for p in periods)]


def blocks(view: View) -> list[Block]:
    regions = view.regions()
    trend_columns = [points()] if view.has_trend else []
    found: list[Block] = [
        Block(
            "peta",
            "Peta cakupan per kabupaten/kota",
            "Warna lebih gelap berarti cakupan lebih tinggi; di atas 100 % berwarna sama dengan "
            "100 % dan ditandai di bagian Tanda.",
            charts.coverage_map(regions),
            regions.sort("kode_kemendagri"),
            [
                Column("wilayah", "Kabupaten/kota"),
                Column("kode_kemendagri", "Kode Kemendagri"),
                share(),
            ],
        ),
        Block(
            "wilayah",
            "Peringkat kabupaten/kota",
            "Garis merah putus-putus: 100 % (semua pekerja terlindungi).",
            charts.region_bars(regions),
            regions.sort("cakupan_persen", descending=True, nulls_last=True),
            [*REGION_COLUMNS, *trend_columns],
        ),
    ]
    found.append(sector_block(view))
    if not view.region and not view.sector:
        cells = view.region_sector()
        found.append(
            Block(
                "wilayah_sektor",
                "Kabupaten/kota × sektor",
                "Setiap sel: cakupan satu sektor di satu kabupaten/kota. Abu-abu: Sakernas tidak "
                "mencatat pekerja di sel itu.",
                charts.region_sector_heatmap(cells),
                cells,
                [
                    Column("wilayah", "Kabupaten/kota"),
                    Column("kbli", "KBLI"),
                    number("pekerja", "Pekerja"),
                    number("peserta_aktif", "Peserta aktif"),
                    share(),
                    number("belum_terlindungi", "Belum terlindungi"),
                ],
                collapsed=True,
            )
        )
    status = view.status()
    totals = view.status_totals()
    lead = "; ".join(
        f"{r['status_pekerjaan'].lower()}: {persen(r['cakupan_persen'])} terlindungi"
        for r in totals.to_dicts()
    )
    found.append(
        Block(
            "status",
            "Pekerja formal dan informal",
            f"Formal = peserta PU dan JAKON, informal = peserta BPU. {lead.capitalize()}.",
            charts.status_bars(status),
            status,
            [
                Column("wilayah", "Kabupaten/kota"),
                Column("status_pekerjaan", "Status"),
                number("pekerja", "Pekerja"),
                number("peserta_aktif", "Peserta aktif"),
                share(),
                number("belum_terlindungi", "Belum terlindungi"),
                money("iuran_minimum_bulanan_rp", "Iuran minimum sebulan"),
            ],
        )
    )
    found += priority_blocks(view)
    found += [trend_block(view), flow_block(view)]
    return found


#: What the rows of `View.regions` are: the regencies of a province's page, the provinces
#: of the national page (singular, plural: as a table's header and as a lead says them).
REGENCIES = ("Kabupaten/kota", "kabupaten/kota")


def sector_block(view: View) -> Block:
    sectors = view.sectors()
    return Block(
        "sektor",
        "Cakupan per sektor (KBLI 2020)",
        "Sektor tanpa pekerja menurut Sakernas tidak digambar, tetapi ada di tabel.",
        charts.sector_bars(sectors),
        sectors.sort("cakupan_persen", descending=True, nulls_last=True),
        [
            Column("kbli", "KBLI"),
            Column("nama_sektor", "Sektor"),
            number("pekerja", "Pekerja"),
            number("peserta_aktif", "Peserta aktif"),
            share(),
            number("belum_terlindungi", "Belum terlindungi"),
            *([points()] if view.has_trend and not view.region else []),
        ],
    )


def trend_block(view: View, unit: tuple[str, str] = REGENCIES) -> Block:
    trend = view.trend()
    wide, columns = trend_table(trend)
    scope = "nasional" if unit != REGENCIES else "provinsi"
    return Block(
        "tren",
        "Tren cakupan",
        "Setiap periode yang sudah terbit. Hitam: "
        + ("sektor terpilih" if view.sector else scope)
        + f"; abu-abu: {unit[1]}"
        + (f"; oranye: {unit[1]} terpilih." if view.region else "."),
        charts.trend_lines(trend),
        wide,
        columns,
    )


def flow_block(view: View, unit: tuple[str, str] = REGENCIES) -> Block:
    title = "Peserta yang bergabung dan berhenti"
    if not view.has_flows:
        return Block(
            "arus",
            title,
            "",
            None,
            pl.DataFrame(),
            [],
            note=(
                "Periode terbit pertama: belum ada periode sebelumnya untuk dibandingkan."
                if view.previous is None
                else "Kolom arus peserta (" + ", ".join(FLOW_COLUMNS) + ") belum ada di "
                "berkas terbit untuk periode ini."
            ),
        )
    flows = view.flows()
    return Block(
        "arus",
        title,
        f"Sejak {nama_periode(view.previous or view.period)}: bergabung = aktif di "
        f"{unit[1]} ini sekarang tetapi tidak sebelumnya; berhenti = aktif "
        "sebelumnya tetapi tidak sekarang (nonaktif, tidak ada di data, atau pindah)."
        + (" Semua sektor: arus tidak dihitung per sektor." if view.sector else ""),
        charts.flow_bars(flows),
        flows,
        [
            Column("wilayah", unit[0]),
            number("peserta_aktif_sebelumnya", "Aktif sebelumnya"),
            number("peserta_baru", "Bergabung"),
            number("peserta_berhenti", "Berhenti"),
            number("peserta_aktif", "Aktif sekarang"),
        ],
    )


PRIORITY_COLUMNS = [
    number("pekerja", "Pekerja"),
    number("peserta_aktif", "Peserta aktif"),
    share(),
    number("belum_terlindungi", "Belum terlindungi"),
    money("biaya_perlindungan_bulanan_rp", "Biaya sebulan"),
    money("biaya_perlindungan_tahunan_rp", "Biaya setahun"),
    money("santunan_kematian_tidak_terlindungi_rp", "Santunan kematian yang tidak diterima"),
]


def priority_blocks(view: View) -> list[Block]:
    if not view.has_priority:
        return [
            Block(
                "prioritas",
                "Kelompok prioritas",
                "",
                None,
                pl.DataFrame(),
                [],
                note="mart.coverage_priority belum ada di berkas terbit untuk periode ini.",
            )
        ]
    totals = view.priority_totals()
    priority = view.priority()
    where = "di kabupaten/kota terpilih" if view.region else "di seluruh kabupaten/kota"
    return [
        Block(
            "prioritas",
            "Kelompok prioritas dan biaya melindunginya",
            f"Jumlah {where}. Kelompok saling tumpang tindih (guru informal ada di dua "
            "kelompok), jadi jangan dijumlahkan. Biaya = belum terlindungi × iuran minimum BPU "
            "(JKK + JKM); santunan = belum terlindungi × santunan kematian JKM.",
            charts.priority_bars(totals),
            totals,
            [Column("nama_kelompok", "Kelompok"), *PRIORITY_COLUMNS],
        ),
        Block(
            "prioritas_wilayah",
            "Kelompok prioritas per kabupaten/kota",
            "Angka di sel: cakupan (%).",
            charts.priority_heatmap(priority),
            priority,
            [
                Column("wilayah", "Kabupaten/kota"),
                Column("nama_kelompok", "Kelompok"),
                *PRIORITY_COLUMNS,
            ],
            collapsed=True,
        ),
    ]


def flags(view: View) -> list[str]:
    """A sentence for each cell above 100 % and each regency or sector whose coverage fell
    by more than `DROP_POINTS` since the previous published period."""
    sentences = []

    def above(frame: pl.DataFrame, name: str) -> None:
        for r in frame.filter(pl.col("cakupan_persen") > 100).fill_nan(None).to_dicts():
            sentences.append(
                f"{r[name]}: cakupan {persen(r['cakupan_persen'])}, di atas 100 %: "
                f"{angka(r['peserta_aktif'])} peserta aktif, sedangkan Sakernas mencatat "
                f"{angka(r['pekerja'])} pekerja. Periksa domisili dan sektor peserta serta "
                "angka Sakernas."
            )

    def dropped(frame: pl.DataFrame, name: str) -> None:
        if "perubahan_poin" not in frame.columns or view.previous is None:
            return
        for r in frame.filter(pl.col("perubahan_poin") < -DROP_POINTS).to_dicts():
            sentences.append(
                f"{r[name]}: cakupan turun {poin(-r['perubahan_poin'])[1:]} sejak "
                f"{nama_periode(view.previous)}, dari {persen(r['cakupan_persen_sebelumnya'])} "
                f"menjadi {persen(r['cakupan_persen'])}."
            )

    regions = view.regions()
    above(regions, "wilayah")
    dropped(regions, "wilayah")
    sectors = view.sectors().with_columns(
        ("Sektor " + pl.col("kbli") + " (" + pl.col("nama_sektor") + ")").alias("sektor")
    )
    above(sectors, "sektor")
    if not view.region:
        dropped(sectors, "sektor")
    status = view.status().with_columns(
        (pl.col("wilayah") + ", pekerja " + pl.col("status_pekerjaan").str.to_lowercase()).alias(
            "sel"
        )
    )
    above(status, "sel")
    if view.has_priority:
        priority = view.priority().with_columns(
            (pl.col("wilayah") + ", kelompok " + pl.col("nama_kelompok").str.to_lowercase()).alias(
                "sel"
            )
        )
        above(priority, "sel")
    if not view.region and not view.sector:
        cells = view.region_sector().filter(pl.col("cakupan_persen") > 100)
        if cells.height:
            names = ", ".join(
                f"{r['wilayah']} sektor {r['kbli']} ({persen(r['cakupan_persen'])})"
                for r in cells.head(5).to_dicts()
            )
            more = f" dan {cells.height - 5} lainnya" if cells.height > 5 else ""
            sentences.append(
                f"{cells.height} sel kabupaten/kota × sektor di atas 100 %: {names}{more}. "
                "Biasanya peserta tercatat di sektor atau domisili yang berbeda dari survei."
            )
    return sentences


def content(view: View, bpu_minimum_rp: int) -> Content:
    return Content(
        view=view,
        scope=scope_name(view),
        figures=headline(view, bpu_minimum_rp),
        blocks=blocks(view),
        flags=flags(view),
    )
