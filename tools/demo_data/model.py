"""The Kalimantan Timur labour-market model the demo data is drawn from and calibrated to.

Why: coverage is active participants over employed persons, so the persons the generator
draws and the Sakernas grid it writes must come from one model of where people work
(regency x KBLI section x formal/informal), how well each cell is covered, and the
province's known figures (about 63 %, Bontang and Kutai Timur near 100 %). Regencies,
districts and sections are the contract's reference data (`contract.reference`); this
module adds only what the demo needs on top of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from contract import reference

SECTORS = reference.kbli_sections()  # A..U; the by-section tables below are in this order
SEGMENTS = ("PU", "BPU", "JAKON", "PMI")
PU, BPU, JAKON, PMI = range(4)
STATUS_PEKERJAAN = reference.STATUS_PEKERJAAN  # index 0 formal, 1 informal
LABOUR_GROWTH = 1.02  # employed persons, year on year


def _by_sector(numbers: str) -> dict[str, float]:
    """A value per KBLI section A..U from 21 numbers in a string (keeps tables compact)."""
    values = [float(x) for x in numbers.split()]
    if len(values) != len(SECTORS):
        raise ValueError("need one value per KBLI section")
    return dict(zip(SECTORS, values, strict=True))


@dataclass(frozen=True)
class RegionProfile:
    """One regency/city in the model (see `REGION_MODEL`)."""

    share: float  # of the province's employed persons
    target: float  # coverage the calibration aims at
    rural: float  # multiplies the sectors' informal shares
    sector: dict[str, float]  # sector-mix multipliers (1.0 where absent)
    eth: dict[str, float]  # ethnic mix of names, see `names.ETHNIC`


# Shares of employed persons by sector in the province (Sakernas-like orders of size).
SECTOR_SHARE = _by_sector(
    "0.165 0.085 0.075 0.004 0.005 0.075 0.205 0.045 0.075 0.010 0.015 "
    "0.004 0.008 0.022 0.045 0.060 0.025 0.008 0.040 0.025 0.0"
)
# Share of informal workers within each sector (own-account, family and casual work).
INFORMAL_SHARE = _by_sector(
    "0.85 0.08 0.25 0.05 0.30 0.45 0.62 0.50 0.65 0.20 0.05 "
    "0.40 0.25 0.20 0.03 0.10 0.15 0.55 0.72 0.80 0.0"
)
# Relative coverage by sector: mining, energy and finance are well covered; farming,
# village government (O), teachers (P) and domestic workers (T) are the known gaps, the
# priority groups of mart.coverage_priority: honorary teachers and village officials are
# mostly unregistered, domestic workers almost never registered by their households.
SECTOR_COVERAGE = _by_sector(
    "0.35 1.45 1.25 1.40 1.00 1.00 0.90 1.00 0.80 1.15 1.45 "
    "1.00 1.10 1.20 0.20 0.20 1.10 0.70 0.75 0.07 1.00"
)
INFORMAL_COVERAGE = 0.28  # relative to formal work in the same sector and region

# Per regency/city (Kemendagri code): share of the province's employed persons, target
# coverage, how rural (raises informality), sector mix multipliers, ethnic mix of names.
REGION_MODEL: dict[str, RegionProfile] = {
    "6401": RegionProfile(  # Paser: palm oil, coal
        share=0.075, target=0.56, rural=1.05,
        sector={"A": 1.8, "B": 1.8, "G": 0.8},
        eth={"JAWA": 0.3, "BUGIS": 0.25, "BANJAR": 0.2, "DAYAK": 0.1, "UMUM": 0.15},
    ),
    "6402": RegionProfile(  # Kutai Kartanegara: coal, oil and gas, farming
        share=0.200, target=0.57, rural=1.05,
        sector={"A": 1.5, "B": 2.0, "C": 0.8},
        eth={"KUTAI": 0.3, "JAWA": 0.25, "BUGIS": 0.2, "BANJAR": 0.1, "DAYAK": 0.05,
             "UMUM": 0.1},
    ),
    "6403": RegionProfile(  # Berau: coal, fisheries, tourism
        share=0.070, target=0.58, rural=1.05,
        sector={"A": 1.4, "B": 2.2},
        eth={"BUGIS": 0.3, "JAWA": 0.2, "BANJAR": 0.1, "DAYAK": 0.15, "KUTAI": 0.05,
             "UMUM": 0.2},
    ),
    "6407": RegionProfile(  # Kutai Barat: rubber, coal, upriver villages
        share=0.045, target=0.55, rural=1.15,
        sector={"A": 2.4, "B": 1.5, "G": 0.7, "O": 1.3},
        eth={"DAYAK": 0.55, "JAWA": 0.15, "KUTAI": 0.1, "BANJAR": 0.05, "BUGIS": 0.05,
             "UMUM": 0.1},
    ),
    "6408": RegionProfile(  # Kutai Timur: the biggest coal mines; BNBA campaign, ~100 % claimed
        share=0.100, target=0.985, rural=1.05,
        sector={"A": 1.6, "B": 3.0, "G": 0.7},
        eth={"BUGIS": 0.3, "JAWA": 0.3, "KUTAI": 0.15, "DAYAK": 0.1, "UMUM": 0.15},
    ),
    "6409": RegionProfile(  # Penajam Paser Utara: farming, the new capital's construction
        share=0.050, target=0.55, rural=1.05,
        sector={"A": 1.9, "F": 1.4, "G": 0.8},
        eth={"JAWA": 0.4, "BUGIS": 0.25, "BANJAR": 0.1, "DAYAK": 0.05, "UMUM": 0.2},
    ),
    "6411": RegionProfile(  # Mahakam Ulu: small, upriver, village government and farming
        share=0.010, target=0.55, rural=1.2,
        sector={"A": 3.0, "O": 2.2, "P": 1.4, "B": 0.2, "C": 0.3, "G": 0.5},
        eth={"DAYAK": 0.85, "JAWA": 0.05, "UMUM": 0.1},
    ),
    "6471": RegionProfile(  # Balikpapan: refinery, port, services
        share=0.170, target=0.59, rural=0.9,
        sector={"A": 0.1, "C": 1.8, "F": 1.3, "G": 1.2, "H": 1.7, "I": 1.3, "K": 1.8,
                "N": 1.8},
        eth={"JAWA": 0.35, "BUGIS": 0.25, "BANJAR": 0.15, "UMUM": 0.2, "TIMUR": 0.05},
    ),
    "6472": RegionProfile(  # Samarinda: capital, trade, education, health
        share=0.220, target=0.57, rural=0.9,
        sector={"A": 0.2, "G": 1.3, "I": 1.3, "J": 1.6, "K": 1.6, "O": 1.1, "P": 1.3,
                "Q": 1.4},
        eth={"BANJAR": 0.3, "JAWA": 0.3, "BUGIS": 0.2, "KUTAI": 0.05, "UMUM": 0.15},
    ),
    "6474": RegionProfile(  # Bontang: fertiliser and LNG plants; BNBA campaign, ~100 % claimed
        share=0.050, target=0.99, rural=0.9,
        sector={"A": 0.3, "B": 1.2, "C": 3.0, "D": 3.0, "F": 1.2},
        eth={"BUGIS": 0.35, "JAWA": 0.3, "BANJAR": 0.1, "KUTAI": 0.05, "UMUM": 0.2},
    ),
}  # fmt: skip

FEMALE_SHARE = _by_sector(
    "0.35 0.08 0.25 0.15 0.25 0.05 0.45 0.10 0.55 0.35 0.50 "
    "0.40 0.40 0.35 0.35 0.65 0.70 0.35 0.50 0.90 0.50"
)
PMI_SECTORS = {"T": 0.35, "A": 0.30, "C": 0.15, "I": 0.10, "G": 0.05, "H": 0.05}
SIDE_BPU_SECTORS = {"G": 0.40, "A": 0.20, "S": 0.15, "I": 0.15, "H": 0.10}
# NIK provinces of workers who moved to Kaltim (digits 1-2), with the names they carry.
MIGRANT_PROVINCES = {
    "35": (0.25, "JAWA"), "33": (0.12, "JAWA"), "32": (0.05, "JAWA"), "73": (0.22, "BUGIS"),
    "74": (0.05, "BUGIS"), "76": (0.04, "BUGIS"), "63": (0.12, "BANJAR"), "62": (0.03, "DAYAK"),
    "65": (0.03, "DAYAK"), "53": (0.05, "TIMUR"), "52": (0.04, "UMUM"),
}  # fmt: skip
MIGRANT_SHARE = 0.15
INTRA_MOVER_SHARE = 0.07  # NIK issued in another Kaltim regency


@dataclass(frozen=True)
class Kaltim:
    """The province as the generator uses it: regencies in Kemendagri-code order with their
    BPS codes, the districts, and the labour model's cells (see `labour_model`)."""

    kemendagri: list[str]  # regency codes as enrollment writes them (and the NIK)
    bps: list[str]  # the same regencies' codes as Sakernas writes them
    district_codes: np.ndarray  # int64 Kemendagri district codes, ascending
    district_regency: np.ndarray  # each district's regency (Kemendagri code, text)
    district_names: dict[int, str]  # district code -> name of the kecamatan
    labour_share: np.ndarray  # L[region, sector, status]: employed persons, sums to 1
    coverage: np.ndarray  # C[region, sector, status]: target coverage of the cell
    # What is specific to Kalimantan Timur; `provinces.province_model` sets them for another
    # province (the defaults are today's generator, byte for byte).
    region_model: dict[str, RegionProfile] = field(default_factory=lambda: REGION_MODEL)
    rural_codes: tuple[str, ...] = ("6407", "6411", "6401", "6409", "6402")  # village addresses
    remote_codes: tuple[str, ...] = ("6407", "6411")  # fewer migrant workers (PMI) leave
    migrant_provinces: dict[str, tuple[float, str]] = field(
        default_factory=lambda: MIGRANT_PROVINCES
    )
    unknown_regency: str = "6499"  # a planted enrollment code that names no regency
    not_bps_code: str = "6408"  # a planted Sakernas code: Kemendagri where BPS belongs
    kpj_base: int | None = None  # kpj numbers from here (several provinces), else drawn


def load_kaltim() -> Kaltim:
    """Regencies and districts from the contract's reference data, with the model on top."""
    regions = sorted(zip(reference.kemendagri_regions(), reference.bps_regions(), strict=True))
    if {code for code, _ in regions} != set(REGION_MODEL):
        raise ValueError("reference regencies differ from the demo model's REGION_MODEL")
    kemendagri = [code for code, _ in regions]
    labour_share, coverage = labour_model(kemendagri)
    return Kaltim(
        kemendagri=kemendagri,
        bps=[bps for _, bps in regions],
        **districts_of(reference.PROVINCE_CODE),
        labour_share=labour_share,
        coverage=coverage,
    )


def sorted_rows(name: str, province: str, *columns: str) -> list[tuple[str, ...]]:
    """``columns`` of a reference table's rows of ``province``, sorted."""
    table = reference.table(name, (province,))
    return sorted(zip(*(table.column(c) for c in columns), strict=True))


def districts_of(province: str) -> dict[str, Any]:
    """A province's districts as `Kaltim` holds them (codes ascending), from the reference."""
    districts = sorted_rows(
        "ref_district", province, "kode_kemendagri", "kode_kemendagri_kabkota", "nama_kecamatan"
    )
    return {
        "district_codes": np.array([int(code) for code, _, _ in districts], dtype=np.int64),
        "district_regency": np.array([regency for _, regency, _ in districts], dtype=str),
        "district_names": {int(code): name for code, _, name in districts},
    }


def labour_model(
    kemendagri: list[str], region_model: dict[str, RegionProfile] = REGION_MODEL
) -> tuple[np.ndarray, np.ndarray]:
    """Employed-person shares L[region, sector, status] and target coverage C of each cell.

    Coverage per cell is the sector and status profile scaled, per region, so that the
    region's employment-weighted coverage equals its target; Bontang and Kutai Timur have
    a flattened profile (their by-name campaigns reached informal workers too)."""
    base_share = np.array([SECTOR_SHARE[s] for s in SECTORS])
    inf_share = np.array([INFORMAL_SHARE[s] for s in SECTORS])
    profile = np.array([SECTOR_COVERAGE[s] for s in SECTORS])[:, None] * np.array(
        [1.0, INFORMAL_COVERAGE]
    )
    labour = np.zeros((len(kemendagri), len(SECTORS), 2))
    coverage = np.zeros_like(labour)
    for i, code in enumerate(kemendagri):
        model = region_model[code]
        w = base_share * np.array([model.sector.get(s, 1.0) for s in SECTORS])
        w = w / w.sum()
        inf = np.minimum(inf_share * model.rural, 0.95)
        labour[i, :, 0] = model.share * w * (1 - inf)
        labour[i, :, 1] = model.share * w * inf
        high = model.target >= 0.9
        shape, cap = (profile**0.15, 1.03) if high else (profile, 0.97)
        lo, hi = 0.0, 20.0
        for _ in range(60):  # bisection: weighted coverage is monotone in the scale
            k = (lo + hi) / 2
            got = (labour[i] * np.minimum(cap, k * shape)).sum() / labour[i].sum()
            lo, hi = (k, hi) if got < model.target else (lo, k)
        coverage[i] = np.minimum(cap, lo * shape)
    return labour / labour.sum(), coverage


def labour_grids(
    kaltim: Kaltim,
    periods: tuple[str, ...],
    years: tuple[int, ...],
    actives: dict[int, pl.DataFrame],
    rng: np.random.Generator,
) -> dict[int, np.ndarray]:
    """jumlah_pekerja per (region, sector, status) and year, calibrated from the persons
    actually generated: cell = active persons / target coverage, so that after the
    pipeline counts persons the coverage lands on target. ``actives`` holds each period's
    active persons (columns region, sector, informal) by period index; a year without a
    period is the next year shrunk by `LABOUR_GROWTH`."""
    shape = kaltim.labour_share.shape
    grids: dict[int, np.ndarray] = {}
    for year in sorted(years, reverse=True):
        ks = [k for k, p in enumerate(periods) if int(p[:4]) == year]
        if not ks:
            grids[year] = np.round(
                grids[year + 1] / LABOUR_GROWTH * rng.lognormal(0, 0.01, shape)
            ).astype(np.int64)
            continue
        act = actives[ks[-1]]
        counts = np.zeros(shape)
        agg = act.group_by("region", "sector", "informal").len()
        for reg, sec, inf, cnt in agg.iter_rows():
            counts[reg, sec, inf] = cnt
        cov = np.where(kaltim.coverage > 0, kaltim.coverage, 1.0)
        expected = counts.sum() * kaltim.labour_share * kaltim.coverage
        expected = expected / expected.sum() * counts.sum()
        noise = rng.lognormal(0, 0.03, shape)
        cell = np.where(counts > 0, counts / cov * noise, expected / cov)
        cell[:, SECTORS.index("U"), :] = 0
        # Exactly on target per region: persons whose latest active registration is a
        # side job land in other cells than drawn, and small runs leave cells empty.
        for r, code in enumerate(kaltim.kemendagri):
            wanted = counts[r].sum() / kaltim.region_model[code].target
            if cell[r].sum() > 0:
                cell[r] *= wanted / cell[r].sum()
        grids[year] = np.round(cell).astype(np.int64)
    return grids


def coverage_targets_bps(kaltim: Kaltim) -> dict[str, float]:
    """Each regency's employment-weighted target coverage, by BPS code."""
    targets = kaltim.labour_share * kaltim.coverage
    return {
        kaltim.bps[i]: round(float(targets[i].sum() / kaltim.labour_share[i].sum()), 4)
        for i in range(len(kaltim.bps))
    }
