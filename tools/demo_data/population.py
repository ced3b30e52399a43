"""Persons and their registrations, and how both change from one period to the next.

Why: coverage counts *persons*, while BPJS holds *registrations* (kpj numbers), one per
job, side job or project, typed by different officers. The demo therefore draws real
persons first (where they work, sex, age, origin, name, NIK) and then their
registrations, dates and kpj numbers, and evolves status and presence period by period.
Because each row's true person is known here, this is also where the ground truth of
persons comes from: the contract's active-person rule applied to true persons, and the
sample of linked persons the pipeline must resolve.

Arrays stay parallel numpy columns in two dicts (``persons``, one entry per person;
``regs``, one per registration) so a million persons fit in memory and draw fast; columns
that only serve to build text are dropped once the text is built.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from tools.demo_data.arrays import from_ymd, period_days, pick_weighted, to_day, ymd
from tools.demo_data.model import (
    BPU,
    FEMALE_SHARE,
    INTRA_MOVER_SHARE,
    JAKON,
    MIGRANT_SHARE,
    PMI,
    PMI_SECTORS,
    PU,
    SECTORS,
    SIDE_BPU_SECTORS,
    STATUS_PEKERJAAN,
    Kaltim,
)
from tools.demo_data.names import (
    ETHNIC,
    NO_SLIP,
    SEPARATION_LEFT,
    SLIP_MIN_LETTERS,
    draw_names,
    edit_distances,
    letter_counts,
    name_forms,
    normalised_names,
    pair_name,
)
from tools.demo_data.truth import (
    PAIR_KINDS,
    PLAIN,
    ROW_CLASSES,
    VARIANT_KINDS,
    LinkedPerson,
    NikRows,
    PairKind,
    VariantKind,
)

DROP_RATE = 0.003  # registrations gone from one snapshot to the next
NEW_PERSON_RATE = 0.017
NEW_REGISTRATION_RATE = 0.003
DEACTIVATE_RATE = 0.014
REACTIVATE_RATE = 0.08
MOVE_RATE = 0.004  # persons whose domicile moves to another regency, each later period
# The pairs of persons planted on purpose (`truth.PAIR_KINDS`), per person of the first
# period; more close names happen by chance in a large population, and `separate_blocks`
# moves those apart.
PAIR_RATES: dict[PairKind, float] = {
    "negative_short": 0.0005,
    "negative_two_slips": 0.0005,
    "negative_sex": 0.0005,
    "negative_word": 0.0005,
    "namesake": 0.0005,
    "price": 0.0002,  # far rarer than typing slips, as the contract says
}
#: Planted kind of a person (`persons["planted"]`): 0, or 1 + its index in `PAIR_KINDS`.
NOT_PLANTED = 0
PLANTED: dict[PairKind, int] = {kind: i + 1 for i, kind in enumerate(PAIR_KINDS)}
NAMESAKE = PLANTED["namesake"]
#: Persons born before this year may write their name in the old spelling (Ejaan Lama,
#: replaced in 1972; birth certificates and habits lag a few years).
OLD_SPELLING_BEFORE = 1975


class NameForms:
    """The forms of each distinct name (`names.name_forms`: as written, in the reading,
    in the old spelling) with their letter counts, and each person's name among them."""

    def __init__(self, forms: tuple[pl.Series, pl.Series, pl.Series], name_of: np.ndarray):
        self.forms, self.name_of = forms, name_of
        self.counts = [letter_counts(form) for form in forms]

    def of(self, persons: np.ndarray, old_speller: np.ndarray) -> list[pl.Series]:
        """The forms of these persons' names; the old spelling only if born before 1975."""
        ids = self.name_of[persons]
        written, read, old = (form.gather(ids) for form in self.forms)
        speller = pl.lit(pl.Series(old_speller[persons]))
        return [written, read, pl.select(pl.when(speller).then(old).otherwise(written)).to_series()]

    def letter_bounds(
        self, persons: np.ndarray, old_speller: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per person, the fewest and the most of each letter over the forms of `of`."""
        written, read, old = (counts[self.name_of[persons]] for counts in self.counts)
        old = np.where(old_speller[persons, None], old, written)
        return np.minimum(np.minimum(written, read), old), np.maximum(
            np.maximum(written, read), old
        )


class PeriodTruth(NamedTuple):
    """What one period's rows amount to, counted on the persons of the contract: the true
    persons, a planted price pair read as one (`persons["reads_as"]`)."""

    active: pl.DataFrame  # one row per active person: region, sector, informal
    true_persons: int
    price_merges: int  # true persons less the persons of the contract
    active_persons: int
    pmi_only_persons: int
    by_region_bps: dict[str, int]
    by_sector: dict[str, int]
    by_status_pekerjaan: dict[str, int]
    nik_rows: NikRows


class Population:
    """Persons and registrations of one run; `build` draws them in a fixed order from
    ``rng``, so the same seed gives the same population.

    ``bad_row_rate`` sizes the pool of spare kpj numbers, handed out by `fresh_kpj` to the
    planted bad rows so that they never collide with a real registration."""

    def __init__(
        self,
        kaltim: Kaltim,
        persons: int,
        periods: tuple[str, ...],
        rng: np.random.Generator,
        bad_row_rate: float,
    ) -> None:
        self.kaltim = kaltim
        self.kemendagri = kaltim.kemendagri
        self.labour_share, self.coverage = kaltim.labour_share, kaltim.coverage
        self.n0 = persons
        self.periods = periods
        self.rng = rng
        self.bad_row_rate = bad_row_rate
        self.bounds = [period_days(p) for p in periods]
        self.first_end = self.bounds[0][1]
        self.last_end = self.bounds[-1][1]
        self.persons: dict[str, Any] = {}
        self.regs: dict[str, Any] = {}
        self.separated_persons = 0  # birth date redrawn: a name too close in its block

    def build(self) -> None:
        """Draw everything, in this order (the order is part of the seed's meaning)."""
        self.make_persons()
        self.make_registrations()
        self.plant_hard_cases()
        self.plan_moves()
        self.separate_blocks()
        self.make_dates_and_keys()
        self.evolve()
        self.make_niks()

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
            np.isin(self.kemendagri, self.kaltim.remote_codes), 0.5, 1.0
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
        migrant_provinces = self.kaltim.migrant_provinces
        provinces = list(migrant_provinces)
        weights = np.array([migrant_provinces[x][0] for x in provinces])
        prov = rng.choice(len(provinces), size=m, p=weights / weights.sum())
        reg2 = np.where(rng.random(m) < 0.8, rng.integers(1, 28, m), rng.integers(71, 80, m))
        dist2 = rng.integers(1, 26, m)
        prov_code = np.array([int(x) for x in provinces])[prov]
        nik_district[migrants] = prov_code * 10_000 + reg2 * 100 + dist2
        eth = np.empty(n, np.int8)
        for i, code in enumerate(self.kemendagri):
            mask = (p["region"] == i) & ~migrants
            mix = self.kaltim.region_model[code].eth
            w = np.array(list(mix.values()))
            eth[mask] = np.array([ETHNIC.index(e) for e in mix])[
                rng.choice(len(mix), size=mask.sum(), p=w / w.sum())
            ]
        eth[migrants] = np.array([ETHNIC.index(migrant_provinces[x][1]) for x in provinces])[prov]
        p["district"], p["nik_district"], p["eth"] = district, nik_district, eth

    def _make_names(self, age: np.ndarray) -> None:
        p = self.persons
        names = draw_names(self.rng, p["eth"], p["female"], p["sector"], age)
        p["bare_name"], p["base_name"], p["has_title"] = names.bare, names.base, names.has_title
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

    def plant_hard_cases(self) -> None:
        """The cases a name rule gets wrong at scale, planted at known rates (`PAIR_RATES`):

        - the contract's negatives: a person whose rows all lack a valid NIK gets the birth
          date and regency of a person with a valid NIK and a name the contract calls
          another (`pair_name`): the rule must keep the two apart;
        - the price: the same, with a name one slip away (ILHAM / IRHAM), which the
          contract reads as the same: the bench counts the merges it causes;
        - namesakes: two persons with the same name, birth date and regency and each a
          valid NIK, one of them with an extra registration without NIK at their own
          address: the row must join that one, never bridge the two.

        Partners share ethnic group and sex (the other sex for ``negative_sex``). Planted
        persons carry no name variants: each pair stays exactly as far apart as planted."""
        rng, p, g = self.rng, self.persons, self.regs
        n = len(p["dob"])
        bare = p["bare_name"].to_list()
        nikless = np.zeros(n, bool)
        nikless[g["pid"][g["nik_kind"] > 0]] = True
        n_regs = np.bincount(g["pid"], minlength=n)
        group = p["eth"].astype(np.int64) * 2 + p["female"]
        planted = np.zeros(n, np.int8)
        partner = np.full(n, -1, np.int64)
        renamed: dict[int, str] = {}
        reads_as = np.arange(n)
        rnd = random.Random(int(rng.integers(2**62)))

        def by_group(pool: np.ndarray) -> dict[int, np.ndarray]:
            order = pool[np.argsort(group[pool], kind="stable")]
            keys, starts = np.unique(group[order], return_index=True)
            return dict(zip(keys.tolist(), np.split(order, starts[1:]), strict=True))

        def partner_for(who: int, pools: dict[int, np.ndarray], female: bool) -> int | None:
            same = pools.get(int(p["eth"][who]) * 2 + female, np.empty(0, np.int64))
            for _ in range(8):  # a few draws: planted partners are rare
                if not len(same):
                    return None
                pick = int(same[rng.integers(0, len(same))])
                if pick != who and planted[pick] == NOT_PLANTED:
                    return pick
            return None

        def plant(kind: PairKind, a: int, b: int) -> None:
            for key in ("dob", "region", "district"):  # b joins a's block
                p[key][b] = p[key][a]
            planted[[a, b]] = PLANTED[kind]
            partner[a], partner[b] = b, a
            if kind == "price":  # b has no valid NIK: the contract reads b's rows as a's
                reads_as[b] = a

        first = p["intro"] == 0
        ys = rng.permutation(np.flatnonzero(nikless & first))
        xs = by_group(np.flatnonzero(~nikless & first))
        for kind in PAIR_KINDS:
            if kind == "namesake":
                continue
            m = max(1, round(self.n0 * PAIR_RATES[kind]))
            for y in ys:
                if m == 0:
                    break
                female = bool(p["female"][y]) != (kind == "negative_sex")
                x = None if planted[y] else partner_for(int(y), xs, female)
                name = None if x is None else pair_name(kind, bare[x], female, p["eth"][x], rnd)
                if x is None or name is None:
                    continue
                renamed[int(y)] = name
                plant(kind, x, int(y))
                m -= 1

        a_pool = rng.permutation(np.flatnonzero((n_regs >= 2) & first))
        b_pool = by_group(np.flatnonzero(first))
        with_row = []  # the namesake of each pair who gets a row without NIK
        m = max(1, round(self.n0 * PAIR_RATES["namesake"]))
        for a in a_pool:
            if m == 0:
                break
            if planted[a] != NOT_PLANTED:
                continue
            b = partner_for(int(a), b_pool, bool(p["female"][a]))
            if b is None:
                continue
            renamed[b] = bare[a]
            p["has_title"][a] = False
            plant("namesake", int(a), b)
            with_row.append(int(a))
            m -= 1
        if renamed:
            idx = np.array(sorted(renamed))
            names = pl.Series([renamed[i] for i in idx], dtype=pl.Utf8)
            p["bare_name"] = p["bare_name"].scatter(idx, names)
            p["base_name"] = p["base_name"].scatter(idx, names)
            p["has_title"][idx] = False
            self._fix_feb29()
        # No name variants on planted persons. Negatives and price: every row of the
        # renamed one without a valid NIK. Namesakes: valid NIKs, one extra row without.
        pair = planted[g["pid"]] != NOT_PLANTED
        for key in ("var_title", "var_muh", "var_typo", "var_space"):
            g[key][pair] = False
        renamed_rows = np.isin(g["pid"], list(renamed)) & (g["nik_kind"] == 0)
        g["nik_kind"][renamed_rows] = 1
        namesake = planted[g["pid"]] == NAMESAKE
        g["nik_kind"][namesake] = 0
        g["nik_kind"][(g["ordinal"] == 1) & np.isin(g["pid"], with_row)] = 1
        p["has_muhammad"][list(renamed)] = [("MUHAMMAD" in renamed[i].split()) for i in renamed]
        p["planted"], p["partner"], p["reads_as"] = planted, partner, reads_as

    def separate_blocks(self) -> None:
        """Keep the truth decidable: no two persons of one block (birth date, sex, regency;
        movers in both regencies), one of them with a row without a valid NIK, have names
        too close in any form (`name_forms`), planted pairs excepted. Too close: fewer
        than `SEPARATION_LEFT` edits apart, plus one for each of the two whose name can
        take a slip (its rows are then up to one edit from its forms). One of each such
        pair gets another birth date (a few months away), until none is left: no row of
        one is then the same name as a row of the other by the contract. Names are
        prepared once per distinct name (far fewer than persons)."""
        rng, p, g = self.rng, self.persons, self.regs
        n = len(p["dob"])
        distinct = p["base_name"].unique().sort()
        name_of = (p["base_name"].rank("dense") - 1).cast(pl.Int64).to_numpy()
        keys = normalised_names(distinct)
        slippable = (
            keys.str.split(" ")
            .list.eval(
                (pl.element().str.len_chars() >= SLIP_MIN_LETTERS)
                & ~pl.element().is_in(list(NO_SLIP))
            )
            .list.any()
            .to_numpy()[name_of]
        )
        names = NameForms(name_forms(keys), name_of)
        nikless = np.zeros(n, bool)
        nikless[g["pid"][g["nik_kind"] > 0]] = True
        redrawn = np.zeros(n, bool)
        check = np.ones(n, bool)  # persons whose pairs are (re)checked this round
        while True:
            old_speller = p["dob"] < to_day(f"{OLD_SPELLING_BEFORE}-01-01")
            close = self._close_names(names, old_speller, slippable, nikless, check)
            if not len(close):
                break
            a, b = close[:, 0], close[:, 1]
            who = np.unique(np.where(p["planted"][a] == NOT_PLANTED, a, b))
            pairs = p["partner"][who]
            shift = rng.integers(30, 240, len(who)) * rng.choice([-1, 1], len(who))
            dob = np.clip(p["dob"][who] + shift, self.dob_lo, self.dob_hi)
            p["dob"][who] = dob
            p["dob"][pairs[pairs >= 0]] = dob[pairs >= 0]  # a planted pair moves together
            self._fix_feb29()
            check[:] = False
            check[who] = True
            check[pairs[pairs >= 0]] = True
            redrawn |= check
        self.separated_persons = int(redrawn.sum())

    def _close_names(
        self,
        names: NameForms,
        old_speller: np.ndarray,
        slippable: np.ndarray,
        nikless: np.ndarray,
        check: np.ndarray,
    ) -> np.ndarray:
        """Pairs (a, b) of persons of one block, a with a row without a valid NIK, a or b
        in ``check``, not a planted pair, whose names are too close (`separate_blocks`).
        Bounds from lengths, then from letter counts (an edit changes a letter's count by
        one, a substitution two counts), rule out most pairs in bulk; the few left are
        measured exactly."""
        p = self.persons
        n = len(p["dob"])
        moved = np.flatnonzero(p["move_at"] >= 0)
        people = pl.DataFrame(
            {
                "a": np.r_[np.arange(n), moved],
                "dob": np.r_[p["dob"], p["dob"][moved]],
                "female": np.r_[p["female"], p["female"][moved]],
                "region": np.r_[p["region"], p["region_after"][moved]].astype(np.int16),
            }
        )
        block = ["dob", "female", "region"]
        if not check.all():  # only the blocks of the persons checked
            checked = people.filter(pl.Series(check[people["a"].to_numpy()]))
            people = people.join(checked.select(block).unique(), on=block, how="semi")
        left = people.filter(pl.Series(nikless[people["a"].to_numpy()]))
        partner, found = p["partner"], []
        for region in range(len(self.kemendagri)):
            pairs = (
                left.filter(pl.col("region") == region)
                .join(people.filter(pl.col("region") == region), on=block)
                .select("a", b="a_right")
            )
            a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
            keep = (a != b) & (check[a] | check[b]) & (partner[a] != b)
            found.append(np.c_[a[keep], b[keep]])
        a, b = np.concatenate(found).T
        needed = SEPARATION_LEFT + slippable[a].astype(np.int64) + slippable[b]
        in_pairs = np.zeros(n, bool)
        in_pairs[a] = in_pairs[b] = True
        involved = np.flatnonzero(in_pairs)
        at = np.zeros(n, np.int64)
        at[involved] = np.arange(len(involved))
        i, j = at[a], at[b]
        lo, hi = names.letter_bounds(involved, old_speller)
        short, long_ = lo.sum(axis=1, dtype=np.int64), hi.sum(axis=1, dtype=np.int64)
        length_gap = np.maximum(short[i] - long_[j], short[j] - long_[i])
        maybe = np.flatnonzero(length_gap < needed)
        bound = np.empty(len(maybe), np.int64)
        for start in range(0, len(maybe), 1 << 20):  # in chunks: 26 counts per pair
            x, y = i[maybe[start : start + (1 << 20)]], j[maybe[start : start + (1 << 20)]]
            gap = np.maximum(np.maximum(lo[x], hi[y]) - hi[y], np.maximum(lo[y], hi[x]) - hi[x])
            bound[start : start + len(x)] = (gap.sum(axis=1, dtype=np.int64) + 1) // 2
        maybe = maybe[bound < needed[maybe]]
        form_a, form_b = names.of(a[maybe], old_speller), names.of(b[maybe], old_speller)
        combos = pl.concat(
            pl.DataFrame({"k": maybe, "x": fx, "y": fy}) for fx in form_a for fy in form_b
        )
        distinct = combos.select("x", "y").unique()
        distinct = distinct.with_columns(d=edit_distances(distinct["x"], distinct["y"]))
        nearest = combos.join(distinct, on=["x", "y"]).group_by("k").agg(pl.col("d").min())
        k, d = nearest["k"].to_numpy(), nearest["d"].to_numpy()
        close = k[d < needed[k]]
        return np.c_[a[close], b[close]]

    def plan_moves(self) -> None:
        """From the second period on, a few persons' domicile moves to another regency
        (Samarinda -> Balikpapan the commonest, by the size of the labour markets): their
        registrations carry the new district from then on. Only persons with a valid NIK
        on every row move: a NIK-less row can only be followed inside its regency."""
        rng, p, g = self.rng, self.persons, self.regs
        n = len(p["dob"])
        p["move_at"] = np.full(n, -1, np.int64)
        p["region_after"] = p["region"].copy()
        p["district_after"] = p["district"].copy()
        nikless_rows = np.bincount(g["pid"], weights=(g["nik_kind"] > 0).astype(float), minlength=n)
        eligible = (nikless_rows == 0) & (p["planted"] == NOT_PLANTED) & (p["kind"] != 2)
        weights = self.labour_share.sum(axis=(1, 2))
        n_r = len(weights)
        codes, parents = self.kaltim.district_codes, self.kaltim.district_regency
        for k in range(1, len(self.periods)):
            pool = np.flatnonzero(eligible & (p["intro"] < k) & (p["move_at"] < 0))
            movers = rng.choice(
                pool, size=min(len(pool), round(self.n0 * MOVE_RATE)), replace=False
            )
            movers.sort()
            dest = rng.choice(n_r, size=len(movers), p=weights / weights.sum())
            same = dest == p["region"][movers]
            dest[same] = (dest[same] + 1 + rng.integers(0, n_r - 1, same.sum())) % n_r
            p["move_at"][movers] = k
            p["region_after"][movers] = dest
            for i, code in enumerate(self.kemendagri):
                own = codes[parents == code]
                to_here = movers[dest == i]
                p["district_after"][to_here] = own[rng.integers(0, len(own), len(to_here))]

    def region_at(self, k: int) -> np.ndarray:
        """Each person's regency (index) in period ``k``: movers' new one from their move."""
        p = self.persons
        moved = (p["move_at"] >= 0) & (p["move_at"] <= k)
        return np.where(moved, p["region_after"], p["region"])

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
        self.n_spare = 4 * int(self.bad_row_rate * r * len(self.periods)) + 200 * len(self.periods)
        total = r + self.n_spare
        base = 10_000_000_000 + int(rng.integers(0, 5_000_000_000))
        if self.kaltim.kpj_base is not None:  # several provinces: kpj ranges apart
            base = self.kaltim.kpj_base
        seq = base + np.cumsum(rng.integers(1, 24, total))
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
        # A planted namesake's registrations stay: the row without NIK is told apart by its
        # person's row at the same address, which must be there.
        stays = self.persons["planted"][g["pid"]] == NAMESAKE
        for k in range(n_p):
            if k > 0:
                u = rng.random(r)
                old = g["intro"] < k
                alive &= ~(old & (rng.random(r) < DROP_RATE) & ~stays)
                flip = old & np.where(current, u < DEACTIVATE_RATE, u < REACTIVATE_RATE)
                current = np.where(flip, ~current, current)
            present[:, k] = alive & (g["intro"] <= k)
            aktif[:, k] = current
        g["present"], g["aktif"] = present, aktif

    def make_niks(self) -> None:
        """Valid NIK per person: issuing district + DDMMYY (+40 women) + a unique serial;
        a few disagree with the birth date or sex, as real ones sometimes do."""
        rng, p = self.rng, self.persons
        n = len(p["dob"])
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

    # truth ------------------------------------------------------------------------

    def attribute(self, k: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The contract's active-person rule on this period's rows, person = the person of
        the contract (`persons["reads_as"]`): latest AKTIF non-PMI registration (ties:
        smallest kpj) gives region/sector/segment."""
        g = self.regs
        mask = g["present"][:, k]
        rows = pl.DataFrame(
            {
                "pid": self.persons["reads_as"][g["pid"][mask]],
                "aktif": g["aktif"][mask, k],
                "seg": g["seg"][mask],
                "sector": g["sector"][mask],
                "region": self.region_at(k)[g["pid"][mask]],
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

    def period_truth(self, k: int) -> PeriodTruth:
        """Ground truth of one period, from the true person of every row (what the
        pipeline must reconstruct from names, NIKs and birth dates)."""
        active, rows = self.attribute(k)
        pmi_only = (
            rows.filter(pl.col("aktif") & (pl.col("seg") == PMI))
            .join(active.select("pid"), on="pid", how="anti")
            .get_column("pid")
            .n_unique()
        )

        def counts(col: str, labels: Sequence[str]) -> dict[str, int]:
            got = dict(active.group_by(col).len().iter_rows())
            return {labels[i]: int(got.get(i, 0)) for i in range(len(labels))}

        g = self.regs
        mask = g["present"][:, k]
        nk = g["nik_kind"][mask]
        valid = nk == 0
        true_persons = len(np.unique(g["pid"][mask]))
        return PeriodTruth(
            active=active,
            true_persons=true_persons,
            price_merges=true_persons - rows.get_column("pid").n_unique(),
            active_persons=active.height,
            pmi_only_persons=pmi_only,
            by_region_bps=counts("region", self.kaltim.bps),
            by_sector=counts("sector", SECTORS),
            by_status_pekerjaan=counts("informal", STATUS_PEKERJAAN),
            nik_rows=NikRows(
                valid=int(valid.sum()),
                missing=int((nk == 1).sum()),
                invalid=int((nk == 2).sum()),
                mismatch=int((valid & self.persons["nik_mismatch"][g["pid"][mask]]).sum()),
            ),
        )

    def linked_persons(self) -> tuple[LinkedPerson, ...]:
        """A sample of multi-registration persons, present in every period, covering each
        variant kind: the pipeline must resolve each one's kpjs to a single person."""
        g = self.regs
        everywhere = g["present"].all(axis=1)
        kinds: dict[VariantKind, np.ndarray] = {
            "nik_missing": g["nik_kind"] == 1,
            "nik_invalid": g["nik_kind"] == 2,
            "title": g["var_title"],
            "muh_abbrev": g["var_muh"],
            "typo": g["var_typo"],
            "old_spelling": g["var_old"],
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
                LinkedPerson(
                    kpj=tuple(sorted(str(x) for x in g["kpj"][idx])),
                    variants=tuple(v for v in VARIANT_KINDS if kinds[v][idx].any()),
                )
            )
        return tuple(out)

    def row_truth(self, k: int) -> pl.DataFrame:
        """Period ``k``'s accepted rows in kpj order: kpj, the true person, and what was
        planted on the row (`truth.ROW_CLASSES` joined by ";", or "plain")."""
        g, p = self.regs, self.persons
        mask = g["present"][:, k]
        who = g["pid"][mask]
        move_at = p["move_at"][who]
        flags: dict[str, np.ndarray] = {
            "nik_missing": g["nik_kind"][mask] == 1,
            "nik_invalid": g["nik_kind"][mask] == 2,
            "title": g["var_title"][mask],
            "muh_abbrev": g["var_muh"][mask],
            "typo": g["var_typo"][mask],
            "old_spelling": g["var_old"][mask],
            "spacing": g["var_space"][mask],
            **{kind: p["planted"][who] == PLANTED[kind] for kind in PAIR_KINDS},
            "mover": (move_at >= 0) & (move_at <= k),
        }
        assert tuple(flags) == ROW_CLASSES
        classes = pl.concat_str(
            [pl.when(pl.col(name)).then(pl.lit(name)) for name in flags],
            separator=";",
            ignore_nulls=True,
        )
        return (
            pl.DataFrame(
                {"kpj": g["kpj"][mask].astype(str), "person": who.astype(np.int64), **flags}
            )
            .select("kpj", "person", classes.alias("classes"))
            .with_columns(pl.col("classes").replace("", PLAIN))
            .sort("kpj")
        )

    def movers_in(self, k: int) -> int:
        return int((self.persons["move_at"] == k).sum())

    def fresh_kpj(self) -> str:
        """A kpj number that no registration has (for a planted bad row)."""
        kpj = self.spare_kpj[self.spare_next]
        self.spare_next += 1
        return str(kpj)
