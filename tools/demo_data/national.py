"""A demo landing zone of several provinces: each one drawn as Kalimantan Timur is, side by
side in one national snapshot, with persons whose valid NIK is registered in two provinces.

Why: a deployment of several provinces (docs/provinces.md) splits one snapshot by province
and counts a person registered in two provinces once, where the contract's rule places
them (latest AKTIF non-PMI ``tanggal_kepesertaan``, ties the smallest kpj). The demo must
plant exactly that, and know where each such person belongs.

How, kept simple: every province is one `Generator` run with its own model (its regencies
and districts from ``reference/indonesia/``, Kemendagri codes in enrollment and BPS codes
in Sakernas through the reference's crosswalk, a plain regional profile; Kalimantan Timur
keeps its calibrated one), its own seed and its own range of kpj numbers, writing its
files under its own names into the shared period folders (``enrollment/<periode>/
<kode>-part-0001.csv``, ``labour/<tahun>/sakernas_<tahun>_<kode>.csv``) and its truth
under ``_truth/<kode>/``. Sizes follow each province's employed persons (`EMPLOYED`).
Then, province after province, a few of its simple persons (one true person, every row
with a valid NIK, not planted in a pair, not moving) take the NIK of a simple person of an
earlier province: one person, a registration in each.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from contract import reference
from tools.demo_data.arrays import ymd
from tools.demo_data.generator import Generator
from tools.demo_data.model import (
    MIGRANT_PROVINCES,
    PMI,
    Kaltim,
    RegionProfile,
    districts_of,
    labour_model,
    load_kaltim,
    sorted_rows,
)
from tools.demo_data.population import NOT_PLANTED, Population
from tools.demo_data.truth import DemoSummary

#: Employed persons by province, thousands, Kemendagri codes: BPS Sakernas August 2025
#: ("penduduk bekerja" by province), APPROXIMATE: rounded figures of the order BPS
#: publishes (national total about 146.5 million), written down for sizing the demo, not
#: for any published number. Papua's 2022 provinces split the old figures roughly.
EMPLOYED: dict[str, int] = {
    "11": 2_600, "12": 7_700, "13": 2_900, "14": 3_300, "15": 1_850, "16": 4_500,
    "17": 1_100, "18": 4_800, "19": 760, "21": 1_100, "31": 5_200, "32": 25_300,
    "33": 19_900, "34": 2_250, "35": 23_100, "36": 5_800, "51": 2_750, "52": 2_950,
    "53": 2_950, "61": 2_750, "62": 1_500, "63": 2_250, "64": 1_900, "65": 370,
    "71": 1_270, "72": 1_600, "73": 4_400, "74": 1_380, "75": 620, "76": 750,
    "81": 820, "82": 640, "91": 560, "92": 310, "93": 300, "94": 720,
    "95": 870, "96": 320,
}  # fmt: skip

#: Names of each Kalimantan province's people (`names.ETHNIC`); elsewhere a generic mix.
ETHNIC_MIX: dict[str, dict[str, float]] = {
    "61": {"DAYAK": 0.35, "UMUM": 0.35, "JAWA": 0.2, "BUGIS": 0.1},
    "62": {"DAYAK": 0.45, "BANJAR": 0.25, "JAWA": 0.2, "UMUM": 0.1},
    "63": {"BANJAR": 0.7, "JAWA": 0.15, "DAYAK": 0.05, "UMUM": 0.1},
    "65": {"DAYAK": 0.3, "BUGIS": 0.3, "JAWA": 0.2, "UMUM": 0.2},
}
OTHER_MIX = {"JAWA": 0.4, "UMUM": 0.6}
CROSS_SHARE = 0.005  # of a province's persons who also hold a registration elsewhere
MIN_PERSONS = 100  # per province
KPJ_BAND = 200_000_000  # kpj numbers per province (about 8 M registrations)


@dataclass(frozen=True)
class CrossPerson:
    """One person with a valid NIK registered in two provinces, and, per period, the
    province whose count holds them (None when active in neither)."""

    nik: str
    provinces: tuple[str, str]  # (the earlier province, the later one)
    active: dict[str, tuple[str, ...]]  # periode -> provinces where active (non-PMI)
    placed: dict[str, str | None]  # periode -> province


@dataclass(frozen=True)
class NationalSummary:
    """What a several-province run wrote: each province's own summary (its truth before
    the cross-province placement), the persons in two provinces, and each province's
    active persons after it (what its published ``peserta_aktif`` must be)."""

    out_dir: Path
    provinces: tuple[str, ...]
    persons: dict[str, int]  # province -> persons in its first period
    by_province: dict[str, DemoSummary]
    cross_persons: tuple[CrossPerson, ...]
    active_persons: dict[str, dict[str, int]]  # province -> periode -> counted there

    @property
    def files(self) -> list[Path]:
        return sorted(f for s in self.by_province.values() for f in s.files)


def province_sizes(provinces: Sequence[str], persons: int) -> dict[str, int]:
    """``persons`` shared in proportion to the provinces' employed (at least `MIN_PERSONS`)."""
    total = sum(EMPLOYED[p] for p in provinces)
    return {p: max(MIN_PERSONS, round(persons * EMPLOYED[p] / total)) for p in provinces}


def province_model(kode: str, index: int) -> Kaltim:
    """The model of one province of several: Kalimantan Timur's own, or a plain profile on
    the province's regencies and districts; kpj numbers in the province's own range."""
    kpj_base = 10_000_000_000 + index * KPJ_BAND
    if kode == reference.PROVINCE_CODE:
        return replace(load_kaltim(), kpj_base=kpj_base)
    rows = sorted_rows("ref_region", kode, "kode_kemendagri", "kode_bps", "jenis")
    kemendagri = [k for k, _, _ in rows]
    bps = [b for _, b, _ in rows]
    kota = {k for k, _, jenis in rows if jenis == "KOTA"}
    mix = ETHNIC_MIX.get(kode, OTHER_MIX)
    region_model = {
        k: RegionProfile(
            share=1.3 if k in kota else 1.0,
            target=0.55 if k in kota else 0.45,
            rural=0.9 if k in kota else 1.1,
            sector={"A": 0.2, "G": 1.3, "I": 1.3, "K": 1.5} if k in kota else {"A": 1.6},
            eth=mix,
        )
        for k in kemendagri
    }
    total = sum(m.share for m in region_model.values())
    region_model = {k: replace(m, share=m.share / total) for k, m in region_model.items()}
    labour_share, coverage = labour_model(kemendagri, region_model)
    # A planted Sakernas code no BPS regency has: a Kemendagri code where BPS belongs when
    # the two differ in this province (as in Kalimantan Timur), else one that names nothing.
    not_bps = next((k for k in kemendagri if k not in bps), f"{kode}98")
    rural = tuple(k for k in kemendagri if k not in kota)
    return Kaltim(
        kemendagri=kemendagri,
        bps=bps,
        **districts_of(kode),
        labour_share=labour_share,
        coverage=coverage,
        region_model=region_model,
        rural_codes=rural,
        remote_codes=rural[:2],
        migrant_provinces={p: w for p, w in MIGRANT_PROVINCES.items() if p != kode},
        unknown_regency=f"{kode}99",
        not_bps_code=not_bps,
        kpj_base=kpj_base,
    )


def simple_persons(pop: Population) -> np.ndarray:
    """Persons who are one true person each, every registration with a valid NIK, not in
    a planted pair, never moving, and active (non-PMI) in the first period."""
    p, g = pop.persons, pop.regs
    n = len(p["dob"])
    nikless = np.zeros(n, bool)
    nikless[g["pid"][g["nik_kind"] > 0]] = True
    active = np.zeros(n, bool)
    first = g["present"][:, 0] & g["aktif"][:, 0] & (g["seg"] != PMI)
    active[g["pid"][first]] = True
    ok = (
        ~nikless
        & active
        & (p["planted"] == NOT_PLANTED)
        & (p["reads_as"] == np.arange(n))
        & (p["move_at"] < 0)
    )
    return np.flatnonzero(ok)


class Pair(NamedTuple):
    """One NIK given to a person in each of two provinces (province -> person there)."""

    nik: str
    pid: dict[str, int]


class Donors:
    """Simple persons of the provinces generated so far, whose NIK a later province's
    person may take; each NIK is given once (a person in two provinces, not three)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng([seed, 19])  # apart from the provinces' streams
        self.pool: list[tuple[str, int, str]] = []  # (province, pid there, nik)
        self.pairs: list[Pair] = []

    def plant(self, kode: str, pop: Population) -> None:
        """Give some of ``pop``'s simple persons an earlier province's NIK, then offer the
        rest as donors."""
        simple = self.rng.permutation(simple_persons(pop))
        take = min(len(self.pool), max(2, round(CROSS_SHARE * pop.n0)), len(simple) // 2)
        if take:
            chosen = self.rng.choice(len(self.pool), size=take, replace=False)
            p = pop.persons
            for pid, j in zip(simple[:take], sorted(chosen.tolist(), reverse=True), strict=True):
                donor_province, donor, nik = self.pool.pop(j)
                p["nik"][pid] = nik
                y, m, d = (int(x[0]) for x in ymd(p["dob"][pid : pid + 1]))
                born = f"{d + 40 * int(p['female'][pid]):02d}{m:02d}{y % 100:02d}"
                p["nik_mismatch"][pid] = nik[6:12] != born
                self.pairs.append(Pair(nik, {donor_province: donor, kode: int(pid)}))
        self.pool.extend((kode, int(pid), str(pop.persons["nik"][pid])) for pid in simple[take:])


def placements(
    pairs: Sequence[Pair],
    pops: dict[str, Population],
    periods: Sequence[str],
) -> tuple[CrossPerson, ...]:
    """Where the contract's rule counts each person in two provinces, period by period:
    of the provinces where they are active, the latest registration, then the smallest
    kpj (the provinces' kpj ranges are apart, so the smallest of the snapshot), then the
    smallest province code."""
    counts = {
        (kode, k): {
            pid: (date, kpj)
            for pid, date, kpj in pop.attribute(k)[0].select("pid", "date", "kpj").iter_rows()
        }
        for kode, pop in pops.items()
        for k in range(len(periods))
    }
    cross = []
    for nik, pid in pairs:
        a, b = pid
        active: dict[str, tuple[str, ...]] = {}
        placed: dict[str, str | None] = {}
        for k, periode in enumerate(periods):
            rows = sorted(
                (-counts[(kode, k)][pid[kode]][0], counts[(kode, k)][pid[kode]][1], kode)
                for kode in (a, b)
                if pid[kode] in counts[(kode, k)]
            )
            active[periode] = tuple(sorted(kode for _, _, kode in rows))
            placed[periode] = rows[0][2] if rows else None
        cross.append(CrossPerson(nik, (a, b), active, placed))
    return tuple(cross)


def fresh_landing(out: Path, periods: Sequence[str], years: Sequence[int]) -> None:
    """Empty the folders this run writes, once, before the provinces write into them."""
    folders = [out / "enrollment" / p for p in periods]
    folders += [out / "labour" / str(y) for y in years]
    for folder in [*folders, out / "_truth"]:
        if folder.exists():
            shutil.rmtree(folder)


def generate_national_landing(
    out_dir: Path,
    provinces: Sequence[str],
    *,
    persons: int,
    seed: int,
    periods: Sequence[str],
) -> NationalSummary:
    """Write one landing zone holding ``provinces`` (Kemendagri codes), ``persons`` in all
    shared by employed persons, and return what each province and the placement hold."""
    out = Path(out_dir)
    codes = tuple(sorted(set(provinces)))
    unknown = [c for c in codes if c not in EMPLOYED]
    if unknown:
        raise ValueError(f"not a province code: {', '.join(unknown)}")
    sizes = province_sizes(codes, persons)
    ordered = tuple(sorted(set(periods)))
    years = range(int(ordered[0][:4]) - 1, int(ordered[-1][:4]) + 1)
    fresh_landing(out, ordered, years)
    donors = Donors(seed)
    pops: dict[str, Population] = {}
    summaries: dict[str, DemoSummary] = {}
    for index, kode in enumerate(codes):
        generator = Generator(
            out,
            sizes[kode],
            seed * 100 + int(kode),
            ordered,
            model=province_model(kode, index),
            province=kode,
            after_build=functools.partial(donors.plant, kode),
        )
        summaries[kode] = generator.run()
        pops[kode] = generator.pop
    cross = placements(donors.pairs, pops, ordered)
    active = {
        kode: {
            periode: summaries[kode].planted.active_persons[periode]
            - sum(kode in c.active[periode] and c.placed[periode] != kode for c in cross)
            for periode in ordered
        }
        for kode in codes
    }
    return NationalSummary(out, codes, sizes, summaries, cross, active)
