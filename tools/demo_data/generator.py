"""Demo landing zone: synthetic BPJS Ketenagakerjaan enrollment and Sakernas labour data.

Why synthetic: the real by-name-by-address data is personal and cannot leave BPJS, yet the
pipeline, its dashboards and its end-to-end tests need files that look and behave like
Kalimantan Timur's. So this module writes a landing zone exactly as the data contract lays
it out (several parts per period in different encodings, ignored partial uploads, labour
years as CSV and XLSX) and *plants* what the pipeline must find: rows that break each
reject rule exactly once, persons registered several times under name and NIK variants,
and labour statistics calibrated so the published coverage lands near the province's
known figures (about 63 %, Bontang and Kutai Timur near 100 %). The ground truth of what
was planted is returned in ``DemoSummary.planted`` so tests can compare the pipeline's
output with it instead of with hand-kept numbers.

Everything is drawn from one seeded generator and written in a fixed order, so the same
seed gives byte-identical files. Work is vectorised with numpy/polars; only the few
percent of rows that carry a variant or a defect go through Python string code.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xlsxwriter

from contract.row_rules import ENROLLMENT_COLUMNS, LABOUR_COLUMNS, RULE_NAMES
from tools.demo_data.arrays import (
    date_strings,
    from_ymd,
    nullable,
    period_days,
    pick_weighted,
    to_day,
    ymd,
)
from tools.demo_data.model import (
    BPU,
    FEMALE_SHARE,
    INTRA_MOVER_SHARE,
    JAKON,
    MIGRANT_PROVINCES,
    MIGRANT_SHARE,
    PMI,
    PMI_SECTORS,
    PU,
    REGION_MODEL,
    SECTORS,
    SEGMENTS,
    SIDE_BPU_SECTORS,
    STATUS_PEKERJAAN,
    coverage_targets_bps,
    labour_grids,
    load_kaltim,
)
from tools.demo_data.names import (
    ETHNIC,
    MUHAMMAD_ABBREVIATIONS,
    TITLE_PREFIXES,
    TITLE_SUFFIXES,
    draw_names,
    invalid_nik,
    spacing_variant,
    title_variant,
    typo,
)

__all__ = [
    "ENROLLMENT_COLUMNS",
    "LABOUR_COLUMNS",
    "REJECT_RULES",
    "VARIANT_KINDS",
    "DemoSummary",
    "generate_demo_landing",
]

# The contract's columns and rule names, from where the pipeline defines them.
REJECT_RULES = RULE_NAMES
VARIANT_KINDS = ("nik_missing", "nik_invalid", "title", "muh_abbrev", "typo", "spacing")

# Enrollment parts of one period: (file name, format). Each exercises one way the source
# systems deliver files; their file-name order is the order that decides duplicates.
ENROLLMENT_PARTS = (
    ("part-0001.csv", "csv"),
    ("part-0002.csv", "csv_bom_crlf"),
    ("part-0003.parquet", "parquet"),
    ("part-0004.csv", "csv_reordered"),
)
PART_SHARES = (0.34, 0.26, 0.24, 0.16)
REORDERED_COLUMNS = (
    "npp",
    "kpj",
    "nama",
    "nik",
    "jenis_kelamin",
    "tanggal_lahir",
    "kode_wilayah",
    "alamat",
    "kbli",
    "segmen",
    "status",
    "program",
    "tanggal_kepesertaan",
    "catatan",
)
BAD_ROW_RATE = 0.0125  # of each file's rows: rejects stay below 2 % in every file


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


STREETS = _split(
    "JL. JENDERAL SUDIRMAN|JL. AHMAD YANI|JL. P. ANTASARI|JL. M.T. HARYONO|JL. PRANGAT|"
    "JL. JUANDA|JL. D.I. PANJAITAN|JL. SLAMET RIYADI|JL. KH. WAHID HASYIM|JL. BHAYANGKARA|"
    "JL. PERJUANGAN|JL. MULAWARMAN|JL. SULTAN ALIMUDDIN|JL. SYARIFUDDIN YOES|"
    "JL. SOEKARNO HATTA|JL. GAJAH MADA|JL. DIPONEGORO|JL. PANGERAN SURYANATA|"
    "JL. KADRIE OENING|JL. AW. SYAHRANIE|JL. BUNG TOMO|JL. CENDRAWASIH|JL. MERDEKA|"
    "JL. PADAT KARYA|JL. POROS SAMARINDA-BONTANG|JL. POROS BALIKPAPAN-SAMARINDA|"
    "JL. RA. KARTINI|JL. IMAM BONJOL|JL. KESUMA BANGSA|JL. LOA BAKUNG|JL. PEMUDA|"
    "JL. PASUNDAN|JL. TRIKORA|JL. GATOT SUBROTO|JL. MELATI|JL. KENANGA|JL. ANGGREK|"
    "JL. DAMAI|JL. SEPINGGAN|JL. PELABUHAN|JL. PUPUK RAYA|JL. TANJUNG LAUT|JL. YOS SUDARSO"
)
HOUSING = _split(
    'PERUM "GRIYA PERMATA"|PERUM BUKIT MAKMUR|PERUM "BALIKPAPAN BARU"|PERUM PESONA MAHAKAM|'
    "PERUMNAS BUMI SEMPAJA|KOMPLEK PKT|PERUM GRAHA INDAH"
)
VILLAGE_WORDS = (
    _split("KAMPUNG|DESA|DUSUN"),
    _split("LONG|SUNGAI|MUARA|TANJUNG|BATU|LOA|TELUK|SEPARI|SIDOMULYO|SUKARAJA"),
    _split("BAGUN|PAHANGAI|ULU|ILIR|MAKMUR|JAYA|BARU|INDAH|LESTARI|HARAPAN"),
)
NOTES = _split(
    "PINDAH DARI PART LAMA|UPDATE ALAMAT|cek NIK ke Disdukcapil|data migrasi 2019|"
    'PESERTA "BPU" MANDIRI|KOREKSI NAMA, SESUAI KTP|VERIFIKASI ULANG'
)
DROP_RATE = 0.003  # registrations gone from one snapshot to the next
NEW_PERSON_RATE = 0.017
NEW_REGISTRATION_RATE = 0.003
DEACTIVATE_RATE = 0.014
REACTIVATE_RATE = 0.08


@dataclass(frozen=True)
class DemoSummary:
    """What was written and what was planted in it (the tests' ground truth).

    ``planted`` keys (periods are "YYYY-MM", years are "YYYY" strings):

    - ``expected_rejects_by_rule``: {"enrollment": {periode: {rule: n}},
      "labour": {tahun: {rule: n}}}; every planted bad row breaks exactly one rule.
    - ``expected_reject_rows``: {"enrollment": {periode: [(file, line, rule)]},
      "labour": {tahun: [(file, line, rule)]}}; ``file`` relative to ``out_dir``,
      ``line`` 1-based data row (header excluded) for every format.
    - ``expected_rejects_by_file``: {file: n}; rejected rows per data file.
    - ``accepted_rows``: {periode: n} enrollment rows meant to be accepted.
    - ``true_persons``: {periode: n} distinct real persons among accepted rows.
    - ``active_persons``, ``pmi_only_persons``: {periode: n} after person dedup.
    - ``active_persons_by_region_bps`` / ``_by_sector`` / ``_by_status_pekerjaan``:
      {periode: {code: n}}, attributed by the contract's active-person rule.
    - ``pekerja_by_region_bps`` / ``_by_sector`` / ``_by_status_pekerjaan``:
      {tahun: {code: n}} over accepted labour rows.
    - ``coverage_targets_bps``: {bps code: target coverage} the calibration aimed at.
    - ``linked_persons``: [{"kpj": [...], "variants": [...]}] multi-registration persons
      present in every period whose rows must resolve to ONE person.
    - ``nik_rows``: {periode: {"valid", "missing", "invalid", "mismatch": n}} over
      accepted rows; "mismatch" = valid NIK disagreeing with birth date or sex.
    - ``cleaning_rows``: {periode: n} accepted rows that need trimming/upper-casing.
    - ``name_titles``: the honorifics and degrees used in name variants.
    - ``ignored_files``: files starting with "_" or "." that must never be read.
    """

    out_dir: Path
    periods: tuple[str, ...]
    labour_years: tuple[int, ...]
    persons: int
    seed: int
    files: list[Path]
    rows_written: dict[str, int]
    planted: dict[str, Any]


# --- the generator -----------------------------------------------------------------------


class _Generator:
    """One generation run; methods run in order and share arrays (persons, registrations)."""

    def __init__(self, out_dir: Path, persons: int, seed: int, periods: Sequence[str]) -> None:
        if persons < 1:
            raise ValueError("persons must be at least 1")
        self.out = Path(out_dir)
        self.n0 = int(persons)
        self.seed = int(seed)
        self.periods = tuple(sorted(set(periods)))
        if not self.periods:
            raise ValueError("at least one period is needed")
        for p in self.periods:
            np.datetime64(p, "M")  # raises on anything but YYYY-MM
            if len(p) != 7:
                raise ValueError(f"not a period YYYY-MM: {p!r}")
        first_year, last_year = int(self.periods[0][:4]), int(self.periods[-1][:4])
        self.years = tuple(range(first_year - 1, last_year + 1))
        self.rng = np.random.default_rng(self.seed)
        self.bounds = [period_days(p) for p in self.periods]
        self.first_end = self.bounds[0][1]
        self.last_end = self.bounds[-1][1]
        self.kaltim = load_kaltim()
        self.kemendagri, self.bps = self.kaltim.kemendagri, self.kaltim.bps
        self.labour_share, self.coverage = self.kaltim.labour_share, self.kaltim.coverage
        self.files: list[Path] = []
        self.rows_written: dict[str, int] = {}
        self.planted: dict[str, Any] = {}

    # persons ------------------------------------------------------------------------

    def make_persons(self) -> None:
        """Persons: whether they are active, lapsed or abroad (PMI); the labour cell
        (region, sector, formal/informal) their current job is drawn from, in proportion
        to employment x target coverage; sex, age, origin and name."""
        rng, n0 = self.rng, self.n0
        n_new = round(n0 * NEW_PERSON_RATE)
        intro = np.concatenate(
            [np.zeros(n0, np.int64)]
            + [np.full(n_new, k, np.int64) for k in range(1, len(self.periods))]
        )
        n = len(intro)
        n_r, n_s = self.labour_share.shape[:2]
        lc = self.labour_share * self.coverage
        kind = rng.choice(3, size=n, p=[0.93, 0.06, 0.01])  # active, lapsed, PMI
        cell = np.empty(n, np.int64)
        active, lapsed, pmi = kind == 0, kind == 1, kind == 2
        cell[active] = rng.choice(lc.size, size=active.sum(), p=(lc / lc.sum()).ravel())
        lapse_w = lc * np.array([1.0, 3.0])
        cell[lapsed] = rng.choice(lc.size, size=lapsed.sum(), p=(lapse_w / lapse_w.sum()).ravel())
        region_w = self.labour_share.sum(axis=(1, 2)) * np.where(
            np.isin(self.kemendagri, ["6407", "6411"]), 0.5, 1.0
        )
        pmi_region = rng.choice(n_r, size=pmi.sum(), p=region_w / region_w.sum())
        pmi_sector = np.array(
            [SECTORS.index(s) for s in pick_weighted(rng, PMI_SECTORS, pmi.sum())]
        )
        cell[pmi] = (pmi_region * n_s + pmi_sector) * 2 + 1
        region, sector, informal = cell // (2 * n_s), (cell // 2) % n_s, cell % 2
        seg = np.where(informal == 1, BPU, PU)
        seg[(informal == 0) & (sector == SECTORS.index("F")) & (rng.random(n) < 0.6)] = JAKON
        seg[pmi] = PMI

        p_female = np.array([FEMALE_SHARE[s] for s in SECTORS])[sector]
        p_female[pmi] = 0.6
        female = rng.random(n) < p_female

        # Ages at the first period's end: mostly 18-60, a few 15-17 and older workers.
        u = rng.random(n)
        age = np.where(
            u < 0.03,
            rng.uniform(15.05, 18.0, n),
            np.where(u < 0.94, 18 + 42 * rng.beta(2.0, 2.6, n), 60 + 39 * rng.beta(1.0, 4.0, n)),
        )
        self.dob_hi = self.first_end - 5479 - 10  # 15 years and 10 days before the first end
        self.dob_lo = self.last_end - int(99.5 * 365.25)
        dob = np.clip(
            self.first_end - np.round(age * 365.25).astype(np.int64), self.dob_lo, self.dob_hi
        )
        self.persons = {
            "intro": intro,
            "kind": kind,
            "region": region,
            "sector": sector,
            "informal": informal,
            "seg": seg,
            "female": female,
            "dob": dob,
        }
        self._fix_feb29()
        self._make_origin()
        self._make_names(age)

    def _fix_feb29(self) -> None:
        """No one is born on 29 February: adding 15 years stays a real date everywhere."""
        _, m, d = ymd(self.persons["dob"])
        self.persons["dob"] = self.persons["dob"] - ((m == 2) & (d == 29))

    def _make_origin(self) -> None:
        """Domicile district, and where the NIK was issued (most locally, some elsewhere).
        Codes are kept as integers and ethnic groups as indices: 1 M persons stay small."""
        rng, p = self.rng, self.persons
        n = len(p["region"])
        codes = self.kaltim.district_codes
        parents = self.kaltim.district_regency
        district = np.empty(n, np.int64)
        nik_district = np.empty(n, np.int64)
        for i, code in enumerate(self.kemendagri):
            own = codes[parents == code]
            weights = rng.dirichlet(np.full(len(own), 2.0))
            mask = p["region"] == i
            district[mask] = own[rng.choice(len(own), size=mask.sum(), p=weights)]
            elsewhere = own[rng.choice(len(own), size=mask.sum())]
            nik_district[mask] = np.where(rng.random(mask.sum()) < 0.9, district[mask], elsewhere)
        u = rng.random(n)
        movers = (u >= MIGRANT_SHARE) & (u < MIGRANT_SHARE + INTRA_MOVER_SHARE)
        nik_district[movers] = codes[rng.choice(len(codes), size=movers.sum())]
        migrants = u < MIGRANT_SHARE
        m = int(migrants.sum())
        provinces = list(MIGRANT_PROVINCES)
        weights = np.array([MIGRANT_PROVINCES[x][0] for x in provinces])
        prov = rng.choice(len(provinces), size=m, p=weights / weights.sum())
        reg2 = np.where(rng.random(m) < 0.8, rng.integers(1, 28, m), rng.integers(71, 80, m))
        dist2 = rng.integers(1, 26, m)
        prov_code = np.array([int(x) for x in provinces])[prov]
        nik_district[migrants] = prov_code * 10_000 + reg2 * 100 + dist2
        eth = np.empty(n, np.int8)
        for i, code in enumerate(self.kemendagri):
            mask = (p["region"] == i) & ~migrants
            mix = REGION_MODEL[code].eth
            w = np.array(list(mix.values()))
            eth[mask] = np.array([ETHNIC.index(e) for e in mix])[
                rng.choice(len(mix), size=mask.sum(), p=w / w.sum())
            ]
        eth[migrants] = np.array([ETHNIC.index(MIGRANT_PROVINCES[x][1]) for x in provinces])[prov]
        p["district"], p["nik_district"], p["eth"] = district, nik_district, eth

    def _make_names(self, age: np.ndarray) -> None:
        p = self.persons
        names = draw_names(self.rng, p["eth"], p["female"], p["sector"], age)
        p["bare_name"], p["base_name"], p["has_title"] = names.bare, names.base, names.has_title
        p["tok_first"], p["tok_last"] = names.tok_first, names.tok_last
        p["has_muhammad"] = names.has_muhammad

    # registrations ------------------------------------------------------------------

    def make_registrations(self) -> None:
        """Each person's registrations: the current job plus, for some, an earlier job,
        a side BPU registration, or JAKON projects; later periods add new ones."""
        rng, p = self.rng, self.persons
        n = len(p["intro"])
        n_regs = np.where(p["intro"] == 0, rng.choice([1, 2, 3], size=n, p=[0.87, 0.11, 0.02]), 1)
        pid = np.repeat(np.arange(n), n_regs)
        ordinal = np.arange(len(pid)) - np.repeat(np.cumsum(n_regs) - n_regs, n_regs)
        intro = p["intro"][pid].copy()
        # New registrations of existing persons in later periods (a new BPU, a project).
        extra_pid, extra_intro = [], []
        for k in range(1, len(self.periods)):
            m = round(self.n0 * NEW_REGISTRATION_RATE)
            extra_pid.append(rng.choice(self.n0, size=m, replace=False))
            extra_intro.append(np.full(m, k))
        if extra_pid:
            e_pid = np.concatenate(extra_pid)
            e_ord = n_regs[e_pid].copy()
            order = np.lexsort((np.concatenate(extra_intro), e_pid))
            for j in range(1, len(order)):  # same person twice: next ordinal
                if e_pid[order[j]] == e_pid[order[j - 1]]:
                    e_ord[order[j]] = e_ord[order[j - 1]] + 1
            pid = np.concatenate([pid, e_pid])
            ordinal = np.concatenate([ordinal, e_ord])
            intro = np.concatenate([intro, np.concatenate(extra_intro)])
        r = len(pid)
        later = intro > p["intro"][pid]
        seg0, kind = p["seg"][pid], p["kind"][pid]
        # Type of each registration: 0 current job, 1 earlier job, 2 side BPU, 3 project,
        # 4 a new registration in a later period.
        u = rng.random(r)
        rtype = np.select(
            [ordinal == 0, later, seg0 == PMI, seg0 == JAKON, seg0 == BPU],
            [0, 4, 1, np.where(u < 0.8, 3, 1), np.where(u < 0.85, 1, 3)],
            default=np.select([u < 0.5, u < 0.9], [1, 2], 3),
        )
        n_s = len(SECTORS)
        formal_w = self.labour_share[:, :, 0].sum(axis=0)
        side = np.array([SECTORS.index(s) for s in pick_weighted(rng, SIDE_BPU_SECTORS, r)])
        old_sector = rng.choice(n_s, size=r, p=formal_w / formal_w.sum())
        new_seg = rng.choice([BPU, JAKON, PU], size=r, p=[0.5, 0.3, 0.2])
        f_idx = SECTORS.index("F")
        seg = np.select(
            [rtype == 0, rtype == 1, rtype == 2, rtype == 3],
            [seg0, np.where(old_sector == f_idx, JAKON, PU), BPU, JAKON],
            new_seg,
        )
        sector = np.select(
            [rtype == 0, rtype == 1, rtype == 2, rtype == 3],
            [p["sector"][pid], old_sector, side, f_idx],
            np.select([new_seg == BPU, new_seg == JAKON], [side, f_idx], old_sector),
        )
        aktif = np.select(
            [rtype == 0, rtype == 1, rtype == 2, rtype == 3],
            [kind != 1, False, rng.random(r) < 0.7, rng.random(r) < 0.6],
            True,
        )
        aktif[kind == 1] = False  # lapsed persons: nothing active ...
        aktif[rtype == 4] = True  # ... until they register again in a later period

        # NIK of each row, and name variants of extra rows (what linking must undo).
        u = rng.random(r)
        extra = ordinal > 0
        nik_kind = np.where(
            extra,
            np.select([u < 0.23, u < 0.36], [1, 2], 0),
            np.select([u < 0.015, u < 0.02], [1, 2], 0),
        )  # 0 valid, 1 missing, 2 invalid
        nik_kind[later & (u < 0.1)] = 1
        nik_kind[later & (u >= 0.1)] = 0
        var_title = extra & (rng.random(r) < 0.15)
        var_muh = extra & p["has_muhammad"][pid] & (rng.random(r) < 0.55)
        var_typo = (ordinal == 1) & (rng.random(r) < 0.12)
        var_space = extra & (rng.random(r) < 0.2)
        too_many = var_title.astype(int) + var_muh + var_typo + var_space > 2
        var_space &= ~too_many
        self.regs = {
            "pid": pid,
            "ordinal": ordinal,
            "intro": intro,
            "rtype": rtype,
            "seg": seg,
            "sector": sector,
            "aktif0": aktif,
            "nik_kind": nik_kind,
            "var_title": var_title,
            "var_muh": var_muh,
            "var_typo": var_typo,
            "var_space": var_space,
        }

    def resolve_name_blocks(self) -> None:
        """Keep linking unambiguous: a person with a row lacking a valid NIK must not share
        (birth date, regency) with anyone whose name shares its first or last word, or has
        about its length and the same two first or last letters (a superset of names one
        or two edits apart, ILHAM/IRHAM), or the "nearly the same name" rule could join two
        real people. Such persons get another birth date; the few left after 12 rounds get
        a valid NIK on every row instead."""
        p, g = self.persons, self.regs
        n = len(p["dob"])
        risky = np.zeros(n, bool)
        risky[g["pid"][g["nik_kind"] > 0]] = True
        # Typos only where the name is long enough for the fuzzy rule to apply.
        short = p["bare_name"].str.len_chars().to_numpy() < 8
        g["var_typo"] &= ~short[g["pid"]]
        region = p["region"]
        rounds = 12
        for round_ in range(rounds):
            people = pl.DataFrame(
                {
                    "pid": np.arange(n),
                    "dob": p["dob"],
                    "region": region,
                    "f": p["tok_first"],
                    "l": p["tok_last"],
                }
            ).with_columns(
                n=p["bare_name"].str.len_chars().cast(pl.Int64),
                pre=p["bare_name"].str.slice(0, 2),
                suf=p["bare_name"].str.slice(-2),
            )
            risk = people.filter(pl.Series(risky))
            clash = (
                risk.join(people, on=["dob", "region"], suffix="_o")
                .filter(
                    (pl.col("pid") != pl.col("pid_o"))
                    & (
                        (pl.col("f") == pl.col("f_o"))
                        | (pl.col("l") == pl.col("l_o"))
                        | (pl.col("f") == pl.col("l_o"))
                        | (pl.col("l") == pl.col("f_o"))
                        | (
                            ((pl.col("n") - pl.col("n_o")).abs() <= 2)
                            & (
                                (pl.col("pre") == pl.col("pre_o"))
                                | (pl.col("suf") == pl.col("suf_o"))
                            )
                        )
                    )
                )
                .get_column("pid")
                .unique()
                .sort()
                .to_numpy()
            )
            if len(clash) == 0:
                break
            if round_ == rounds - 1:  # give up moving: these keep a valid NIK everywhere
                g["nik_kind"][np.isin(g["pid"], clash)] = 0
                break
            shift = self.rng.integers(30, 1500, len(clash)) * self.rng.choice([-1, 1], len(clash))
            p["dob"][clash] = np.clip(p["dob"][clash] + shift, self.dob_lo, self.dob_hi)
            self._fix_feb29()

    def make_dates_and_keys(self) -> None:
        """Registration dates (after the 15th birthday, before the period end) and kpj
        numbers handed out in date order, as a card issuer would."""
        rng, p, g = self.rng, self.persons, self.regs
        dob = p["dob"][g["pid"]]
        y, m, d = ymd(dob)
        earliest = from_ymd(y + 15, m, d) + 2
        r = len(dob)
        end = self.first_end
        floor = np.select(
            [g["seg"] == PU, g["seg"] == BPU, g["seg"] == JAKON],
            [to_day("2000-01-01"), to_day("2014-01-01"), end - 730],
            to_day("2016-01-01"),
        )
        floor = np.where(g["rtype"] == 3, end - 1095, floor)
        lo = np.minimum(np.maximum(earliest, floor), end)
        date = lo + np.floor((end - lo) * rng.random(r) ** 0.6).astype(np.int64)
        # An earlier job ends before the current one began.
        primary = np.zeros(len(p["dob"]), np.int64)
        primary[g["pid"][g["ordinal"] == 0]] = date[g["ordinal"] == 0]
        old = g["rtype"] == 1
        lo_old = np.maximum(earliest, to_day("1995-01-01"))
        hi_old = np.maximum(primary[g["pid"]], lo_old)
        date[old] = (lo_old + np.floor((hi_old - lo_old) * rng.random(r))).astype(np.int64)[old]
        date[old] = np.minimum(np.maximum(date[old], earliest[old]), end)
        # Registrations that appear in a later period are dated in that period.
        k = g["intro"]
        starts = np.array([b[0] for b in self.bounds])[k]
        ends = np.array([b[1] for b in self.bounds])[k]
        fresh = k > 0
        in_month = starts + np.floor((ends - starts + 1) * rng.random(r)).astype(np.int64)
        date[fresh] = np.minimum(np.maximum(in_month, earliest), ends)[fresh]
        g["date"] = date
        # kpj: 11 digits, increasing with the registration date; spare numbers for bad rows.
        self.n_spare = 4 * int(BAD_ROW_RATE * r * len(self.periods)) + 200 * len(self.periods)
        total = r + self.n_spare
        seq = (
            10_000_000_000 + rng.integers(0, 5_000_000_000) + np.cumsum(rng.integers(1, 24, total))
        )
        spare = np.zeros(total, bool)
        spare[rng.choice(total, size=self.n_spare, replace=False)] = True
        self.spare_kpj = seq[spare].astype(str)
        self.spare_next = 0
        order = np.lexsort((rng.random(r), date))
        kpj = np.empty(r, np.int64)
        kpj[order] = seq[~spare]
        g["kpj"] = kpj

    def evolve(self) -> None:
        """Status and presence per period: a few percent change status, a few vanish."""
        rng, g = self.rng, self.regs
        r, n_p = len(g["pid"]), len(self.periods)
        aktif = np.zeros((r, n_p), bool)
        present = np.zeros((r, n_p), bool)
        alive = np.ones(r, bool)
        current = g["aktif0"].copy()
        for k in range(n_p):
            if k > 0:
                u = rng.random(r)
                old = g["intro"] < k
                alive &= ~(old & (rng.random(r) < DROP_RATE))
                flip = old & np.where(current, u < DEACTIVATE_RATE, u < REACTIVATE_RATE)
                current = np.where(flip, ~current, current)
            present[:, k] = alive & (g["intro"] <= k)
            aktif[:, k] = current
        g["present"], g["aktif"] = present, aktif

    def make_text(self) -> None:
        """The enrollment columns of every registration as the source system writes them."""
        rng, p, g = self.rng, self.persons, self.regs
        pid, r = g["pid"], len(g["pid"])
        n = len(p["dob"])
        # Valid NIK per person: issuing district + DDMMYY (+40 women) + a unique serial.
        y, m, d = ymd(p["dob"])
        nik_d, nik_m, nik_y = d + 40 * p["female"], m.copy(), y % 100
        odd = rng.random(n) < 0.005  # valid NIK that disagrees with birth date or sex
        how = rng.random(n)
        sexflip = odd & (how < 0.4)
        nik_d = np.where(sexflip, np.where(p["female"], d, d + 40), nik_d)
        dayshift = odd & (how >= 0.4) & (how < 0.8)
        shifted = (d - 1 + rng.integers(1, 27, n)) % 28 + 1
        nik_d = np.where(dayshift, shifted + 40 * p["female"], nik_d)
        nik_y = np.where(odd & (how >= 0.8), (nik_y + 1) % 100, nik_y)
        region6 = p["nik_district"]
        prefix = ((region6 * 100 + nik_d) * 100 + nik_m) * 100 + nik_y
        start = rng.integers(1, 5000, n)
        order = np.lexsort((start, prefix))
        sp = prefix[order]
        new_group = np.r_[True, sp[1:] != sp[:-1]]
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
        serial = np.empty(n, np.int64)
        serial[order] = start[order] + (np.arange(n) - group_start)
        nik_num = prefix * 10_000 + serial
        p["nik"] = nik_num.astype(str)
        p["nik_mismatch"] = odd

        nik = p["nik"][pid].astype("<U17")
        inv = np.flatnonzero(g["nik_kind"] == 2)
        kinds, us = rng.integers(0, 5, len(inv)), rng.random(len(inv))
        nik[inv] = [
            invalid_nik(nik[i], int(k), float(x)) for i, k, x in zip(inv, kinds, us, strict=True)
        ]
        g["nik_text"] = nik

        # Names with the variants planted on extra registrations.
        base = p["base_name"].gather(pid)
        varied = np.flatnonzero(g["var_title"] | g["var_muh"] | g["var_typo"] | g["var_space"])
        bare = p["bare_name"].gather(pid[varied]).to_list()
        names = base.gather(varied).to_list()
        u1, u2, u3 = rng.random(len(varied)), rng.random(len(varied)), rng.random(len(varied))
        out = []
        for j, i in enumerate(varied):
            who = pid[i]
            name = names[j]
            if g["var_typo"][i]:
                slip = typo(bare[j], u1[j], u2[j])
                g["var_typo"][i] = slip != bare[j]
                name = name.replace(bare[j], slip, 1)
            if g["var_muh"][i]:
                name = name.replace("MUHAMMAD", MUHAMMAD_ABBREVIATIONS[int(u3[j] * 3)], 1)
            if g["var_title"][i]:
                name = title_variant(name, bool(p["has_title"][who]), bool(p["female"][who]), u3[j])
            if g["var_space"][i]:
                name = spacing_variant(name, u1[j] * 0.7 + u2[j] * 0.3)
            out.append(name)
        g["nama"] = base.scatter(varied, out) if len(varied) else base

        # Address: street, number, RT, district; villages upriver; a few housing estates.
        kec = pl.Series(p["district"]).replace_strict(self.kaltim.district_names).str.to_uppercase()
        street = pl.Series(STREETS).gather(rng.integers(0, len(STREETS), n))
        housing = pl.Series(HOUSING).gather(rng.integers(0, len(HOUSING), n))
        village = (
            pl.Series(VILLAGE_WORDS[0]).gather(rng.integers(0, 3, n))
            + " "
            + pl.Series(VILLAGE_WORDS[1]).gather(rng.integers(0, 10, n))
            + " "
            + pl.Series(VILLAGE_WORDS[2]).gather(rng.integers(0, 10, n))
        )
        no = pl.Series(rng.integers(1, 250, n)).cast(pl.Utf8)
        rt = pl.Series(rng.integers(1, 60, n)).cast(pl.Utf8).str.zfill(3)
        blok = pl.Series(list("ABCDEFGH")).gather(rng.integers(0, 8, n))
        rural_codes = ["6407", "6411", "6401", "6409", "6402"]
        rural = np.isin(p["region"], [self.kemendagri.index(c) for c in rural_codes])
        form = rng.random(n)
        alamat = pl.select(
            pl.when(pl.lit(pl.Series(rural & (form < 0.5))))
            .then(village + " RT. " + rt)
            .when(pl.lit(pl.Series(form < 0.06)))
            .then(housing + " BLOK " + blok + no)
            .when(pl.lit(pl.Series(form < 0.55)))
            .then(street + " NO. " + no + ", RT. " + rt)
            .otherwise(street + " GG. " + no.str.slice(0, 1) + " NO. " + rt.str.slice(1))
            + ", KEC. "
            + kec
        ).to_series()

        # Domicile code: 6-digit district or 4-digit regency, per registration.
        six = rng.random(r) < 0.6
        regency = np.array(self.kemendagri, dtype=np.int64)[p["region"]]
        kode = np.where(six, p["district"][pid], regency[pid])
        u = rng.random(r)
        seg = g["seg"]
        program = np.select(
            [seg == PU, seg == BPU, seg == JAKON],
            [
                np.select(
                    [u < 0.7, u < 0.9], ["JKK;JKM;JHT;JP", "JKK;JKM;JHT;JP;JKP"], "JKK;JKM;JHT"
                ),
                np.where(u < 0.75, "JKK;JKM", "JKK;JKM;JHT"),
                "JKK;JKM",
            ],
            np.where(u < 0.6, "JKK;JKM;JHT", "JKK;JKM"),
        )
        # Employers (npp) per region, a few large ones and many small ones.
        share = self.labour_share.sum(axis=(1, 2))
        per_region = np.maximum(5, np.round(share * max(self.n0, 1000) / 12)).astype(np.int64)
        offsets = np.r_[0, np.cumsum(per_region)[:-1]]
        employers = rng.choice(90_000_000, size=int(per_region.sum()), replace=False) + 10_000_000
        reg_region = p["region"][pid]
        emp = offsets[reg_region] + np.floor(per_region[reg_region] * rng.random(r) ** 2.5).astype(
            np.int64
        )
        npp = nullable(employers[emp].astype(str), (seg != PU) & (seg != JAKON))
        self.text = pl.DataFrame(
            {
                "kpj": g["kpj"].astype(str),
                "nik": nullable(g["nik_text"], g["nik_kind"] == 1),
                "nama": g["nama"],
                "tanggal_lahir": date_strings(p["dob"]).gather(pid),
                "jenis_kelamin": np.where(p["female"][pid], "P", "L"),
                "alamat": alamat.gather(pid),
                "kode_wilayah": kode.astype(str),
                "segmen": np.array(SEGMENTS)[seg],
                "kbli": np.array(SECTORS)[g["sector"]],
                "program": program,
                "tanggal_kepesertaan": date_strings(g["date"]),
                "npp": npp,
            }
        )
        # Text is built: drop what only served it (keeps 1 M persons well under 3 GB).
        for key in (
            "bare_name",
            "base_name",
            "tok_first",
            "tok_last",
            "nik",
            "district",
            "nik_district",
            "eth",
        ):
            del p[key]
        for key in ("nik_text", "nama"):
            del g[key]

    # per period ---------------------------------------------------------------------

    def attribute(self, k: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The contract's active-person rule on this period's rows, person = true person:
        latest AKTIF non-PMI registration (ties: smallest kpj) gives region/sector/segment."""
        g = self.regs
        mask = g["present"][:, k]
        rows = pl.DataFrame(
            {
                "pid": g["pid"][mask],
                "aktif": g["aktif"][mask, k],
                "seg": g["seg"][mask],
                "sector": g["sector"][mask],
                "region": self.persons["region"][g["pid"][mask]],
                "date": g["date"][mask],
                "kpj": g["kpj"][mask],
            }
        )
        return (
            rows.filter(pl.col("aktif") & (pl.col("seg") != PMI))
            .sort(["pid", "date", "kpj"], descending=[False, True, False])
            .unique("pid", keep="first", maintain_order=True)
            .with_columns(informal=(pl.col("seg") == BPU).cast(pl.Int64))
        ), rows

    def period_truth(self, k: int) -> pl.DataFrame:
        """Ground truth of one period, from the true person of every row (what the
        pipeline must reconstruct from names, NIKs and birth dates)."""
        periode = self.periods[k]
        active, rows = self.attribute(k)
        pmi_only = (
            rows.filter(pl.col("aktif") & (pl.col("seg") == PMI))
            .join(active.select("pid"), on="pid", how="anti")
            .get_column("pid")
            .n_unique()
        )
        pt = self.planted
        pt["true_persons"][periode] = rows.get_column("pid").n_unique()
        pt["active_persons"][periode] = active.height
        pt["pmi_only_persons"][periode] = pmi_only

        def counts(col: str, labels: Sequence[str]) -> dict[str, int]:
            got = dict(active.group_by(col).len().iter_rows())
            return {labels[i]: int(got.get(i, 0)) for i in range(len(labels))}

        pt["active_persons_by_region_bps"][periode] = counts("region", self.bps)
        pt["active_persons_by_sector"][periode] = counts("sector", SECTORS)
        pt["active_persons_by_status_pekerjaan"][periode] = counts("informal", STATUS_PEKERJAAN)
        g = self.regs
        mask = g["present"][:, k]
        nk = g["nik_kind"][mask]
        valid = nk == 0
        pt["nik_rows"][periode] = {
            "valid": int(valid.sum()),
            "missing": int((nk == 1).sum()),
            "invalid": int((nk == 2).sum()),
            "mismatch": int((valid & self.persons["nik_mismatch"][g["pid"][mask]]).sum()),
        }
        return active

    def period_rows(self, k: int) -> pl.DataFrame:
        """This period's valid rows, a few written untidily (spaces, lower case)."""
        g, rng = self.regs, self.rng
        mask = g["present"][:, k]
        rows = self.text.filter(pl.Series(mask)).with_columns(
            status=pl.Series(np.where(g["aktif"][mask, k], "AKTIF", "NONAKTIF"))
        )
        n = rows.height
        kind = np.where(rng.random(n) < 0.006, rng.integers(0, 8, n), -1)
        self.planted["cleaning_rows"][self.periods[k]] = int((kind >= 0).sum())

        def sel(i: int) -> pl.Expr:
            return pl.lit(pl.Series(kind == i))

        c = pl.col
        rows = rows.with_columns(
            segmen=pl.when(sel(0)).then(c("segmen").str.to_lowercase()).otherwise(c("segmen")),
            status=pl.when(sel(1))
            .then(" " + c("status").str.to_lowercase() + " ")
            .otherwise(c("status")),
            jenis_kelamin=pl.when(sel(2))
            .then(" " + c("jenis_kelamin").str.to_lowercase() + " ")
            .otherwise(c("jenis_kelamin")),
            program=pl.when(sel(3)).then(c("program").str.to_lowercase()).otherwise(c("program")),
            kode_wilayah=pl.when(sel(4))
            .then(" " + c("kode_wilayah") + " ")
            .otherwise(c("kode_wilayah")),
            kbli=pl.when(sel(5)).then(c("kbli").str.to_lowercase()).otherwise(c("kbli")),
            nama=pl.when(sel(6)).then("  " + c("nama") + " ").otherwise(c("nama")),
            tanggal_lahir=pl.when(sel(7))
            .then(" " + c("tanggal_lahir"))
            .otherwise(c("tanggal_lahir")),
        )
        return rows.select(*ENROLLMENT_COLUMNS)

    def _fresh_kpj(self) -> str:
        kpj = self.spare_kpj[self.spare_next]
        self.spare_next += 1
        return str(kpj)

    def bad_rows(
        self, k: int, rows: pl.DataFrame, part: np.ndarray, pos: np.ndarray
    ) -> tuple[list[dict[str, Any]], list[int], list[float], list[str]]:
        """Rows that each break exactly one contract rule, copied from real rows."""
        rng = self.rng
        end = self.bounds[k][1]
        n_parts = len(ENROLLMENT_PARTS)
        per_part = [int(BAD_ROW_RATE * (part == i).sum()) for i in range(n_parts)]
        catalogue = [
            ("missing_required", "nama"),
            ("bad_type", "lahir_slash"),
            ("unknown_code", "wilayah_6499"),
            ("out_of_range", "lahir_future"),
            ("npp_required", "npp_empty"),
            ("program_incomplete", "jkk_only"),
            ("duplicate_key", "dup"),
            ("missing_required", "tanggal_lahir"),
            ("missing_required", "jenis_kelamin"),
            ("missing_required", "kpj"),
            ("bad_type", "lahir_impossible"),
            ("bad_type", "kepesertaan_impossible"),
            ("bad_type", "kpj_letter"),
            ("bad_type", "kpj_10"),
            ("unknown_code", "wilayah_9999"),
            ("unknown_code", "kbli_Z"),
            ("unknown_code", "segmen_XYZ"),
            ("unknown_code", "jk_X"),
            ("unknown_code", "status_PENDING"),
            ("out_of_range", "age_12"),
            ("out_of_range", "age_104"),
            ("out_of_range", "kepesertaan_after"),
            ("program_incomplete", "unknown_program"),
            ("program_incomplete", "no_jkk"),
            ("duplicate_key", "dup"),
            ("missing_required", "nama"),
        ]
        n_in_part = np.bincount(part, minlength=n_parts)
        while sum(per_part) < len(REJECT_RULES):  # tiny runs: still one per rule
            per_part[int(np.argmax(n_in_part))] += 1
        total = sum(per_part)
        cycle = [c for c in catalogue if c[1] != "kpj"]
        plan = [catalogue[i] if i < len(catalogue) else cycle[i % len(cycle)] for i in range(total)]
        where = np.repeat(np.arange(n_parts), per_part)[rng.permutation(total)]
        seg = rows.get_column("segmen").str.strip_chars().str.to_uppercase().to_numpy()
        employed = np.flatnonzero((seg == "PU") | (seg == "JAKON"))
        # Source rows: any row; wage earners for npp_required; for a duplicate, a distinct
        # accepted row of the same or an earlier part (so the copy comes later).
        src = rng.integers(0, rows.height, total)
        subs = np.array([sub for _, sub in plan])
        wants_npp = np.flatnonzero(subs == "npp_empty")
        if len(employed):
            src[wants_npp] = employed[rng.integers(0, len(employed), len(wants_npp))]
        pools = [np.flatnonzero(part <= t) for t in range(n_parts)]
        used_dup: set[int] = set()
        for dup_index in np.flatnonzero(subs == "dup"):
            pool = pools[int(where[dup_index])]
            cand = int(pool[rng.integers(0, len(pool))])
            while cand in used_dup:
                cand = int(pool[rng.integers(0, len(pool))])
            used_dup.add(cand)
            src[dup_index] = cand
        sources = rows[src.tolist()].to_dicts()
        out, parts, positions, rules = [], [], [], []
        for j, (rule, sub) in enumerate(plan):
            part_no = int(where[j])
            row = sources[j]
            n_part = int(n_in_part[part_no])
            spot = float(rng.uniform(0, max(n_part, 1)))
            y, mo, d = (row["tanggal_lahir"] or "1990-01-01").strip().split("-")
            if sub in ("nama", "tanggal_lahir", "jenis_kelamin"):
                row[sub] = None
            elif sub == "kpj":
                row["kpj"] = None
            elif sub == "lahir_slash":
                row["tanggal_lahir"] = f"{d}/{mo}/{y}"
            elif sub == "lahir_impossible":
                row["tanggal_lahir"] = f"{y}-13-{d}" if rng.random() < 0.5 else f"{y}-{mo}-45"
            elif sub == "kepesertaan_impossible":
                row["tanggal_kepesertaan"] = f"{row['tanggal_kepesertaan'][:4]}-02-30"
            elif sub == "kpj_letter":
                fresh = self._fresh_kpj()
                row["kpj"] = fresh[:5] + "O" + fresh[6:]
            elif sub == "kpj_10":
                row["kpj"] = self._fresh_kpj()[:10]
            elif sub.startswith("wilayah_"):
                row["kode_wilayah"] = sub[-4:]
            elif sub == "kbli_Z":
                row["kbli"] = "Z"
            elif sub == "segmen_XYZ":
                row["segmen"] = "XYZ"
            elif sub == "jk_X":
                row["jenis_kelamin"] = "X"
            elif sub == "status_PENDING":
                row["status"] = "PENDING"
            elif sub == "lahir_future":
                row["tanggal_lahir"] = str(np.datetime64(end + int(rng.integers(20, 400)), "D"))
            elif sub in ("age_12", "age_104"):
                years = 12.5 if sub == "age_12" else 104.5
                row["tanggal_lahir"] = str(np.datetime64(end - int(years * 365.25), "D"))
            elif sub == "kepesertaan_after":
                row["tanggal_kepesertaan"] = str(np.datetime64(end + int(rng.integers(1, 90)), "D"))
            elif sub == "npp_empty":
                row["npp"] = None
                if row["segmen"].strip().upper() not in ("PU", "JAKON"):  # tiny runs only
                    row["segmen"] = "PU"
            elif sub == "jkk_only":
                row["program"] = "JKK"
            elif sub == "unknown_program":
                row["program"] = "JKK;JKM;ABC"
            elif sub == "no_jkk":
                row["program"] = "JKM;JHT"
            elif sub == "dup":
                if rng.random() < 0.5:  # re-exported with a newer status
                    row["status"] = (
                        "NONAKTIF" if row["status"].strip().upper() == "AKTIF" else "AKTIF"
                    )
                orig_part, orig_pos = int(part[src[j]]), float(pos[src[j]])
                if orig_part == part_no:
                    spot = orig_pos + 0.5 + float(rng.uniform(0, max(n_part - orig_pos - 1, 0)))
            if sub not in ("kpj", "kpj_letter", "kpj_10", "dup"):
                row["kpj"] = self._fresh_kpj()
            out.append(row)
            parts.append(part_no)
            positions.append(spot)
            rules.append(rule)
        return out, parts, positions, rules

    def write_period(self, k: int) -> None:
        periode = self.periods[k]
        rng = self.rng
        rows = self.period_rows(k)
        n = rows.height
        part = rng.choice(len(ENROLLMENT_PARTS), size=n, p=PART_SHARES)
        # Within a part, rows come sorted by kpj, as an extract would.
        kpj = self.regs["kpj"][self.regs["present"][:, k]]
        order = np.lexsort((kpj, part))
        pos = np.empty(n, float)
        counts = np.bincount(part, minlength=len(ENROLLMENT_PARTS))
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        pos[order] = np.arange(n) - np.repeat(starts, counts)
        bad, bad_part, bad_pos, bad_rule = self.bad_rows(k, rows, part, pos)
        bad_df = pl.DataFrame(bad, schema=dict.fromkeys(ENROLLMENT_COLUMNS, pl.Utf8))
        allrows = pl.concat([rows, bad_df]).with_columns(
            _part=pl.Series(np.r_[part, bad_part].astype(np.int64)),
            _pos=pl.Series(np.r_[pos, bad_pos]),
            _rule=pl.Series([None] * n + bad_rule, dtype=pl.Utf8),
        )
        folder = self.out / "enrollment" / periode
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        rejects: list[tuple[str, int, str]] = []
        by_rule = dict.fromkeys(REJECT_RULES, 0)
        for i, (name, fmt) in enumerate(ENROLLMENT_PARTS):
            df = allrows.filter(pl.col("_part") == i).sort("_pos", maintain_order=True)
            rel = f"enrollment/{periode}/{name}"
            bad_at = df.get_column("_rule").is_not_null().arg_true()
            for line, rule in zip(
                (bad_at + 1).to_list(), df.get_column("_rule").gather(bad_at).to_list(), strict=True
            ):
                rejects.append((rel, line, rule))
                by_rule[rule] += 1
            self.planted["expected_rejects_by_file"][rel] = int(df["_rule"].is_not_null().sum())
            data = df.select(*ENROLLMENT_COLUMNS)
            path = folder / name
            if fmt == "parquet":
                data.write_parquet(path, compression="zstd", statistics=True)
            else:
                if fmt == "csv_reordered":
                    note = np.where(
                        rng.random(data.height) < 0.03, rng.integers(0, len(NOTES), data.height), -1
                    )
                    notes = pl.Series(np.array([*NOTES, ""], dtype=object)[note])
                    data = data.with_columns(catatan=notes.replace("", None)).select(
                        *REORDERED_COLUMNS
                    )
                data.write_csv(
                    path,
                    include_bom=fmt == "csv_bom_crlf",
                    line_terminator="\r\n" if fmt == "csv_bom_crlf" else "\n",
                )
            self.files.append(path)
            self.rows_written[rel] = df.height
        # Partial uploads that must be ignored: a cut-off CSV and a hidden temp file.
        with (folder / ENROLLMENT_PARTS[0][0]).open("rb") as f:
            head = f.read(1500 + int(rng.integers(0, 300)))
        cut = head[: max(1, len(head) - 1)]
        for name, content in (
            ("_upload_in_progress.csv", cut),
            (".part-0005.csv", b"\x00\xff\xfe" + rng.bytes(253)),
        ):
            (folder / name).write_bytes(content)
            self.files.append(folder / name)
            self.planted["ignored_files"].append(f"enrollment/{periode}/{name}")
        self.planted["expected_rejects_by_rule"]["enrollment"][periode] = by_rule
        self.planted["expected_reject_rows"]["enrollment"][periode] = rejects
        self.planted["accepted_rows"][periode] = n

    def write_labour(self, grids: dict[int, np.ndarray]) -> None:
        """One Sakernas table per year: the full grid in BPS order, a few broken rows where
        nothing is at stake, two untidy ones that must be accepted; the newest year as XLSX."""
        rng = self.rng
        n_r, n_s = self.labour_share.shape[:2]
        newest = max(self.years)
        for year in self.years:
            grid = grids[year]
            rows: list[list[Any]] = []
            for r in sorted(range(n_r), key=lambda i: self.bps[i]):
                for s in range(n_s):
                    for f in range(2):
                        rows.append(
                            [
                                year,
                                self.bps[r],
                                SECTORS[s],
                                STATUS_PEKERJAAN[f],
                                int(grid[r, s, f]),
                                None,
                            ]
                        )
            xlsx = year == newest
            index = {(x[1], x[2], x[3]): i for i, x in enumerate(rows)}
            pick = rng.choice(n_r, size=6, replace=False)
            # Broken cells only where nothing is at stake (sector U, international bodies).
            neg = index[(self.bps[pick[0]], "U", "INFORMAL")]
            rows[neg][4], rows[neg][5] = -int(rng.integers(5, 40)), "out_of_range"
            if not xlsx:
                bt = index[(self.bps[pick[1]], "U", "FORMAL")]
                rows[bt][4], rows[bt][5] = "-", "bad_type"  # BPS tables write 0 as "-"
            # Tidy-up cases that must be accepted.
            for key, col, val in (
                ((self.bps[pick[2]], "C", "FORMAL"), 3, "formal"),
                ((self.bps[pick[3]], "G", "INFORMAL"), 2, " g "),
            ):
                rows[index[key]][col] = val
            extra = [
                [
                    year,
                    self.bps[pick[4]],
                    "Z",
                    "FORMAL",
                    int(rng.integers(50, 300)),
                    "unknown_code",
                ],
                [year, "6408", "G", "FORMAL", int(rng.integers(50, 300)), "unknown_code"],
                [
                    year - 1,
                    self.bps[pick[5]],
                    "A",
                    "INFORMAL",
                    int(rng.integers(50, 300)),
                    "out_of_range",
                ],
            ]
            for x in extra:
                rows.insert(int(rng.integers(1, len(rows))), x)
            dup_key = (self.bps[pick[2]], "I", "INFORMAL")
            orig = next(x for x in rows if (x[1], x[2], x[3]) == dup_key and x[5] is None)
            rows.append([year, *dup_key, int(orig[4]) + int(rng.integers(1, 50)), "duplicate_key"])
            folder = self.out / "labour" / str(year)
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            name = f"sakernas_{year}.xlsx" if xlsx else f"sakernas_{year}.csv"
            rel = f"labour/{year}/{name}"
            path = folder / name
            if xlsx:
                _write_xlsx(path, rows)
            else:
                pl.DataFrame(
                    [[str(v) for v in x[:5]] for x in rows],
                    schema=list(LABOUR_COLUMNS),
                    orient="row",
                ).write_csv(path)
            self.files.append(path)
            self.rows_written[rel] = len(rows)
            by_rule = dict.fromkeys(REJECT_RULES, 0)
            rejects = []
            for line, x in enumerate(rows, start=1):
                if x[5]:
                    by_rule[x[5]] += 1
                    rejects.append((rel, line, x[5]))
            year_key = str(year)
            self.planted["expected_rejects_by_rule"]["labour"][year_key] = by_rule
            self.planted["expected_reject_rows"]["labour"][year_key] = rejects
            self.planted["expected_rejects_by_file"][rel] = len(rejects)
            ok = [x for x in rows if x[5] is None]
            for col, label, codes in (
                (1, "pekerja_by_region_bps", self.bps),
                (2, "pekerja_by_sector", SECTORS),
                (3, "pekerja_by_status_pekerjaan", STATUS_PEKERJAAN),
            ):
                totals = dict.fromkeys(codes, 0)
                for x in ok:
                    totals[str(x[col]).strip().upper()] += int(x[4])
                self.planted[label][year_key] = totals

    # linked persons -------------------------------------------------------------------

    def linked_persons(self) -> list[dict[str, Any]]:
        """A sample of multi-registration persons, present in every period, covering each
        variant kind: the pipeline must resolve each one's kpjs to a single person."""
        g = self.regs
        everywhere = g["present"].all(axis=1)
        kinds = {
            "nik_missing": g["nik_kind"] == 1,
            "nik_invalid": g["nik_kind"] == 2,
            "title": g["var_title"],
            "muh_abbrev": g["var_muh"],
            "typo": g["var_typo"],
            "spacing": g["var_space"],
        }
        n_regs = np.bincount(g["pid"])
        per_person_all = np.bincount(g["pid"], weights=everywhere).astype(int) == n_regs
        candidates = np.flatnonzero((n_regs >= 2) & per_person_all)
        chosen: list[int] = []
        for name in VARIANT_KINDS:
            has = np.zeros(len(n_regs), bool)
            has[g["pid"][kinds[name]]] = True
            pool = candidates[has[candidates]]
            chosen.extend(int(x) for x in pool[:8])
        chosen = sorted(set(chosen))
        order = np.argsort(g["pid"], kind="stable")
        starts = np.searchsorted(g["pid"][order], chosen)
        out = []
        for who, st in zip(chosen, starts, strict=True):
            idx = order[st : st + n_regs[who]]
            out.append(
                {
                    "kpj": sorted(str(x) for x in g["kpj"][idx]),
                    "variants": [v for v in VARIANT_KINDS if kinds[v][idx].any()],
                }
            )
        return out

    # all ------------------------------------------------------------------------------

    def run(self) -> DemoSummary:
        self.planted = {
            "expected_rejects_by_rule": {"enrollment": {}, "labour": {}},
            "expected_reject_rows": {"enrollment": {}, "labour": {}},
            "expected_rejects_by_file": {},
            "accepted_rows": {},
            "true_persons": {},
            "active_persons": {},
            "pmi_only_persons": {},
            "active_persons_by_region_bps": {},
            "active_persons_by_sector": {},
            "active_persons_by_status_pekerjaan": {},
            "pekerja_by_region_bps": {},
            "pekerja_by_sector": {},
            "pekerja_by_status_pekerjaan": {},
            "nik_rows": {},
            "cleaning_rows": {},
            "ignored_files": [],
            "name_titles": {
                "prefixes": sorted(set(TITLE_PREFIXES["m"] + TITLE_PREFIXES["f"])),
                "suffixes": list(TITLE_SUFFIXES),
                "muhammad": list(MUHAMMAD_ABBREVIATIONS),
            },
        }
        self.make_persons()
        self.make_registrations()
        self.resolve_name_blocks()
        self.make_dates_and_keys()
        self.evolve()
        self.make_text()
        actives = {k: self.period_truth(k) for k in range(len(self.periods))}
        for k in range(len(self.periods)):
            self.write_period(k)
        self.write_labour(labour_grids(self.kaltim, self.periods, self.years, actives, self.rng))
        self.planted["linked_persons"] = self.linked_persons()
        self.planted["coverage_targets_bps"] = coverage_targets_bps(self.kaltim)
        return DemoSummary(
            out_dir=self.out,
            periods=self.periods,
            labour_years=self.years,
            persons=self.n0,
            seed=self.seed,
            files=sorted(self.files),
            rows_written=dict(sorted(self.rows_written.items())),
            planted=self.planted,
        )


def _write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    """Sakernas as BPS hands it out in Excel: numbers as numbers, codes as text. The
    document date is fixed so the same seed gives the same bytes."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": datetime(2025, 1, 1), "author": "BPS (demo)"})
    sheet = workbook.add_worksheet("Sakernas")
    for c, name in enumerate(LABOUR_COLUMNS):
        sheet.write_string(0, c, name)
    for r, x in enumerate(rows, start=1):
        sheet.write_number(r, 0, int(x[0]))
        sheet.write_string(r, 1, str(x[1]))
        sheet.write_string(r, 2, str(x[2]))
        sheet.write_string(r, 3, str(x[3]))
        sheet.write_number(r, 4, int(x[4]))
    workbook.close()


def generate_demo_landing(
    out_dir: Path,
    *,
    persons: int = 50_000,
    seed: int = 42,
    periods: Sequence[str] = ("2025-03", "2025-04"),
) -> DemoSummary:
    """Write a demo landing zone under ``out_dir`` and return what was planted in it.

    ``persons`` is the number of real persons in the first period (later periods add
    about 1.7 % new ones each). Labour years run from the year before the first period
    to the last period's year. Existing ``enrollment/<periode>`` and ``labour/<tahun>``
    folders that this call generates are replaced; other folders are left alone."""
    return _Generator(Path(out_dir), persons, seed, periods).run()
