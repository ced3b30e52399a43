"""What the report and the dashboard show, read from the published file only.

`read_published` reads every mart of the published file in one short-lived read-only
connection (`Warehouse.read_published_fresh`) and closes it: the marts are small (about
300 rows a period), and a reader that holds nothing open never keeps an old file alive
after a publish. `select_view` then cuts one period and, for the dashboard, a regency, a
sector and a priority group out of them, without going back to the file.

Columns the published file may not hold yet are optional: the flow columns
(``peserta_aktif_sebelumnya``, ``peserta_baru``, ``peserta_berhenti``), the trend columns
(``cakupan_persen_sebelumnya``, ``perubahan_poin``) and ``mart.coverage_priority`` (periods
published before it existed). A section whose columns are missing says so instead of
showing a chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from assets.published.publish import held_tables
from contract.tables import (
    COVERAGE_PRIORITY,
    COVERAGE_PROVINCE,
    COVERAGE_REGION,
    COVERAGE_REGION_SECTOR,
    COVERAGE_SECTOR,
    COVERAGE_STATUS,
    PUBLISHED_PERIODS,
    PUBLISHED_TABLES,
    Table,
)

#: Contract, "Additions of 2026-11-28": flows and trend of the province, region, sector
#: and status marts (built by the persons stage).
FLOW_COLUMNS = ("peserta_aktif_sebelumnya", "peserta_baru", "peserta_berhenti")
TREND_COLUMNS = ("cakupan_persen_sebelumnya", "perubahan_poin")
#: A regency or sector whose coverage fell by more than this many points is flagged (as
#: the marts' warning checks do).
DROP_POINTS = 5.0
#: The INFORMAL priority group: the headline's cost of protecting the uncovered.
INFORMAL = "INFORMAL"
#: Priority groups as a narrow chart axis names them (the full name is in the tables).
SHORT_GROUP_NAMES = {
    "TENAGA_PENDIDIK": "Pendidik",
    "ADMINISTRASI_PEMERINTAHAN": "Adm. pemerintahan",
    "PEKERJA_RUMAH_TANGGA": "Pekerja RT",
    "INFORMAL": "Informal",
}


class NotPublishedError(RuntimeError):
    """There is no published file yet, or it holds no period."""


@dataclass(frozen=True)
class Published:
    """Every mart of the published file, all periods (the file as it was when read)."""

    tables: dict[str, pl.DataFrame]
    #: What the file covers, as the headline and the trend name it (the national page: the
    #: covered provinces together).
    name: str = "Kalimantan Timur"

    def __getitem__(self, table: Table) -> pl.DataFrame:
        return self.tables.get(table.name, pl.DataFrame())

    @property
    def periods(self) -> list[str]:
        return sorted(self[PUBLISHED_PERIODS]["periode"].to_list())

    def has(self, table: Table, *columns: str) -> bool:
        frame = self[table]
        return frame.height > 0 and all(c in frame.columns for c in columns)


def read_published(conn: duckdb.DuckDBPyConnection) -> Published:
    """Read every published table (those the file holds) into memory."""
    held = held_tables(conn)
    if PUBLISHED_PERIODS.name not in held:
        raise NotPublishedError("the published file holds no period yet")
    tables = {
        t.name: conn.sql(f"SELECT * FROM {t.name} ORDER BY {t.order}").pl()
        for t in PUBLISHED_TABLES
        if t.name in held
    }
    return Published(tables)


def short_region_name(name: str) -> str:
    """``Kabupaten Kutai Kartanegara`` -> ``Kab. Kutai Kartanegara`` (charts are narrow)."""
    return name.replace("Kabupaten ", "Kab. ")


def short_region_names(column: str = "nama_wilayah") -> pl.Expr:
    """`short_region_name` of a column, as the column ``wilayah``."""
    return pl.col(column).str.replace("Kabupaten ", "Kab. ", literal=True).alias("wilayah")


@dataclass(frozen=True)
class View:
    """One period of the published file, optionally narrowed to a regency (BPS code), a
    sector (KBLI section) and a priority group: what one page or dashboard view shows."""

    published: Published
    period: str
    region: str | None = None
    sector: str | None = None
    group: str | None = None
    previous: str | None = field(default=None)

    # ------------------------------------------------------------------ the period

    def rows(self, table: Table) -> pl.DataFrame:
        frame = self.published[table]
        return frame.filter(pl.col("periode") == self.period) if frame.height else frame

    @property
    def has_flows(self) -> bool:
        return (
            self.published.has(COVERAGE_REGION, *FLOW_COLUMNS)
            and self.rows(COVERAGE_PROVINCE)
            .select(pl.col("peserta_baru").is_not_null().any())
            .item()
        )

    @property
    def has_trend(self) -> bool:
        return self.published.has(COVERAGE_REGION, *TREND_COLUMNS)

    @property
    def has_priority(self) -> bool:
        return self.rows(COVERAGE_PRIORITY).height > 0

    def headline(self) -> dict[str, object]:
        """The scope's one row (province, regency, sector or cell) of the period, with the
        yearly cost of protecting the uncovered informal workers of the regency or province
        (the priority mart has no sectors: that cost is of every sector)."""
        if self.region and self.sector:
            table, where = COVERAGE_REGION_SECTOR, self._where(region=True, sector=True)
        elif self.region:
            table, where = COVERAGE_REGION, self._where(region=True)
        elif self.sector:
            table, where = COVERAGE_SECTOR, self._where(sector=True)
        else:
            table, where = COVERAGE_PROVINCE, pl.lit(True)
        found = self.rows(table).filter(where)
        row: dict[str, object] = found.row(0, named=True) if found.height else {}
        informal = self.rows(COVERAGE_PRIORITY)
        if informal.height:
            informal = informal.filter(pl.col("kelompok") == INFORMAL)
            if self.region:
                informal = informal.filter(pl.col("kode_wilayah") == self.region)
            row["biaya_informal_tahunan_rp"] = informal["biaya_perlindungan_tahunan_rp"].sum()
            row["belum_terlindungi_informal"] = informal["belum_terlindungi"].sum()
        return row

    def _where(self, region: bool = False, sector: bool = False) -> pl.Expr:
        where = pl.lit(True)
        if region and self.region:
            where &= pl.col("kode_wilayah") == self.region
        if sector and self.sector:
            where &= pl.col("kbli") == self.sector
        return where

    def regions(self, all_sectors: bool = False) -> pl.DataFrame:
        """One row per regency: its coverage, or its coverage in the selected sector."""
        if self.sector and not all_sectors:
            frame = self.rows(COVERAGE_REGION_SECTOR).filter(self._where(sector=True))
            regions = self.rows(COVERAGE_REGION).select("kode_wilayah", "kode_kemendagri")
            frame = frame.join(regions, on="kode_wilayah", how="left")
        else:
            frame = self.rows(COVERAGE_REGION)
        return frame.with_columns(
            short_region_names(),
            (pl.col("kode_wilayah") == self.region).alias("terpilih")
            if self.region
            else pl.lit(False).alias("terpilih"),
        )

    def sectors(self) -> pl.DataFrame:
        """One row per KBLI section: its coverage, or its coverage in the selected regency."""
        if self.region:
            return self.rows(COVERAGE_REGION_SECTOR).filter(self._where(region=True))
        return self.rows(COVERAGE_SECTOR)

    def sector_names(self) -> dict[str, str]:
        return dict(self.rows(COVERAGE_SECTOR).select("kbli", "nama_sektor").iter_rows())

    def region_names(self) -> dict[str, str]:
        return dict(self.rows(COVERAGE_REGION).select("kode_wilayah", "nama_wilayah").iter_rows())

    def region_sector(self) -> pl.DataFrame:
        return self.rows(COVERAGE_REGION_SECTOR).with_columns(short_region_names())

    def status(self) -> pl.DataFrame:
        frame = self.rows(COVERAGE_STATUS).filter(self._where(region=True))
        return frame.with_columns(short_region_names())

    def status_totals(self) -> pl.DataFrame:
        """Formal and informal workers of the scope (province or the regency), summed."""
        return (
            self.status()
            .group_by("status_pekerjaan")
            .agg(
                pl.col("pekerja").sum(),
                pl.col("peserta_aktif").sum(),
                pl.col("belum_terlindungi").sum(),
            )
            .with_columns(
                (100.0 * pl.col("peserta_aktif") / pl.col("pekerja")).alias("cakupan_persen")
            )
            .sort("status_pekerjaan")
        )

    def priority(self) -> pl.DataFrame:
        """The priority mart's rows of the period, narrowed to the regency and group."""
        frame = self.rows(COVERAGE_PRIORITY).filter(self._where(region=True))
        if self.group and frame.height:
            frame = frame.filter(pl.col("kelompok") == self.group)
        if frame.height == 0:
            return frame
        return frame.with_columns(
            short_region_names(),
            pl.col("kelompok").replace(SHORT_GROUP_NAMES).alias("kelompok_singkat"),
        )

    def priority_totals(self) -> pl.DataFrame:
        """Per group, its regencies summed (within a group; groups are never summed)."""
        frame = self.priority()
        if frame.height == 0:
            return frame
        return (
            frame.group_by("kelompok", "nama_kelompok", maintain_order=True)
            .agg(
                pl.col(c).sum()
                for c in (
                    "pekerja",
                    "peserta_aktif",
                    "belum_terlindungi",
                    "biaya_perlindungan_bulanan_rp",
                    "biaya_perlindungan_tahunan_rp",
                    "santunan_kematian_tidak_terlindungi_rp",
                )
            )
            .with_columns(
                (100.0 * pl.col("peserta_aktif") / pl.col("pekerja")).alias("cakupan_persen")
            )
        )

    # ----------------------------------------------------------------- over time

    def trend(self) -> pl.DataFrame:
        """Coverage of every published period up to this one: the province (or the selected
        regency / sector) and each regency, one row per line and period."""
        periods = [p for p in self.published.periods if p <= self.period]
        lines = []
        if self.sector:
            scope = self.published[COVERAGE_SECTOR].filter(pl.col("kbli") == self.sector)
            label = f"Sektor {self.sector}"
        else:
            scope = self.published[COVERAGE_PROVINCE]
            label = self.published.name
        lines.append(scope.select("periode", "cakupan_persen").with_columns(garis=pl.lit(label)))
        regions = self.published[COVERAGE_REGION_SECTOR if self.sector else COVERAGE_REGION]
        if self.sector:
            regions = regions.filter(pl.col("kbli") == self.sector)
        lines.append(
            regions.select(
                "periode",
                "cakupan_persen",
                short_region_names().alias("garis"),
            )
        )
        frame = pl.concat(lines, how="diagonal_relaxed").filter(pl.col("periode").is_in(periods))
        return frame.with_columns(
            (pl.col("garis") == label).alias("provinsi"),
            (pl.col("garis") == short_region_name(self._region_name() or "")).alias("terpilih"),
        ).select("garis", "periode", "cakupan_persen", "provinsi", "terpilih")

    def _region_name(self) -> str | None:
        if not self.region:
            return None
        found = self.rows(COVERAGE_REGION).filter(pl.col("kode_wilayah") == self.region)
        return found["nama_wilayah"][0] if found.height else None

    def flows(self) -> pl.DataFrame:
        """Joined and left per regency (flow columns), empty without them. Over all sectors
        whatever the sector filter: the contract has no flows per region x sector."""
        if not self.has_flows:
            return pl.DataFrame()
        return self.regions(all_sectors=True).select(
            "kode_wilayah", "wilayah", *FLOW_COLUMNS, "peserta_aktif", "terpilih"
        )


def select_view(
    published: Published,
    period: str | None = None,
    region: str | None = None,
    sector: str | None = None,
    group: str | None = None,
) -> View:
    """The view of ``period`` (default: the latest published), with its previous published
    period, optionally narrowed."""
    periods = published.periods
    if not periods:
        raise NotPublishedError("the published file holds no period yet")
    period = period or periods[-1]
    if period not in periods:
        raise NotPublishedError(f"period {period} is not published (published: {periods})")
    earlier = [p for p in periods if p < period]
    return View(published, period, region, sector, group, earlier[-1] if earlier else None)
