"""One generation run: draw the population, then write each period and each labour year.

Why a module of its own: the order of the steps *is* the reproducibility guarantee. Every
draw comes from one seeded generator, and the steps below consume it in a fixed order
(population, registration text, each period's rows, defects and files, the labour grids
and tables), so the same seed gives byte-identical files; change the order and every
byte after it changes. The other modules draw or write; this one sequences them and
records what was planted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from contract.row_rules import ENROLLMENT_COLUMNS, RULE_NAMES
from tools.demo_data.defects import BAD_ROW_RATE, bad_rows
from tools.demo_data.files import (
    ENROLLMENT_PARTS,
    PART_SHARES,
    fresh_folder,
    write_enrollment_part,
    write_ignored_uploads,
    write_sakernas,
)
from tools.demo_data.labour import pekerja_totals, sakernas_rows
from tools.demo_data.model import coverage_targets_bps, labour_grids, load_kaltim
from tools.demo_data.names import MUHAMMAD_ABBREVIATIONS, TITLE_PREFIXES, TITLE_SUFFIXES
from tools.demo_data.population import Population
from tools.demo_data.records import period_rows, registration_text


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


class Generator:
    """One generation run into ``out_dir``; `run` does it all, once."""

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
        self.kaltim = load_kaltim()
        self.pop = Population(self.kaltim, self.n0, self.periods, self.rng, BAD_ROW_RATE)
        self.files: list[Path] = []
        self.rows_written: dict[str, int] = {}
        self.planted: dict[str, Any] = {}

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
        self.pop.build()
        text = registration_text(self.pop, self.rng)
        actives = {k: self.period_truth(k) for k in range(len(self.periods))}
        for k in range(len(self.periods)):
            self.write_period(k, text)
        grids = labour_grids(self.kaltim, self.periods, self.years, actives, self.rng)
        newest = max(self.years)
        for year in self.years:
            self.write_labour(year, grids[year], xlsx=year == newest)
        self.planted["linked_persons"] = self.pop.linked_persons()
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

    def period_truth(self, k: int) -> pl.DataFrame:
        periode = self.periods[k]
        truth = self.pop.period_truth(k)
        pt = self.planted
        pt["true_persons"][periode] = truth.true_persons
        pt["active_persons"][periode] = truth.active_persons
        pt["pmi_only_persons"][periode] = truth.pmi_only_persons
        pt["active_persons_by_region_bps"][periode] = truth.by_region_bps
        pt["active_persons_by_sector"][periode] = truth.by_sector
        pt["active_persons_by_status_pekerjaan"][periode] = truth.by_status_pekerjaan
        pt["nik_rows"][periode] = truth.nik_rows
        return truth.active

    def write_period(self, k: int, text: pl.DataFrame) -> None:
        """A period's valid rows spread over the parts, each part sorted by kpj as an
        extract would be, with the bad rows planted among them."""
        periode = self.periods[k]
        rng = self.rng
        rows, cleaning = period_rows(text, self.pop, k, rng)
        self.planted["cleaning_rows"][periode] = cleaning
        n = rows.height
        part = rng.choice(len(ENROLLMENT_PARTS), size=n, p=PART_SHARES)
        # Within a part, rows come sorted by kpj, as an extract would.
        kpj = self.pop.regs["kpj"][self.pop.regs["present"][:, k]]
        order = np.lexsort((kpj, part))
        pos = np.empty(n, float)
        counts = np.bincount(part, minlength=len(ENROLLMENT_PARTS))
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        pos[order] = np.arange(n) - np.repeat(starts, counts)
        end = self.pop.bounds[k][1]
        bad, bad_part, bad_pos, bad_rule = bad_rows(
            rows, part, pos, len(ENROLLMENT_PARTS), end, rng, self.pop.fresh_kpj
        )
        bad_df = pl.DataFrame(bad, schema=dict.fromkeys(ENROLLMENT_COLUMNS, pl.Utf8))
        allrows = pl.concat([rows, bad_df]).with_columns(
            _part=pl.Series(np.r_[part, bad_part].astype(np.int64)),
            _pos=pl.Series(np.r_[pos, bad_pos]),
            _rule=pl.Series([None] * n + bad_rule, dtype=pl.Utf8),
        )
        folder = fresh_folder(self.out / "enrollment" / periode)
        rejects: list[tuple[str, int, str]] = []
        by_rule = dict.fromkeys(RULE_NAMES, 0)
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
            write_enrollment_part(folder / name, fmt, df.select(*ENROLLMENT_COLUMNS), rng)
            self.files.append(folder / name)
            self.rows_written[rel] = df.height
        for path in write_ignored_uploads(folder, rng):
            self.files.append(path)
            self.planted["ignored_files"].append(path.relative_to(self.out).as_posix())
        self.planted["expected_rejects_by_rule"]["enrollment"][periode] = by_rule
        self.planted["expected_reject_rows"]["enrollment"][periode] = rejects
        self.planted["accepted_rows"][periode] = n

    def write_labour(self, year: int, grid: np.ndarray, *, xlsx: bool) -> None:
        """One Sakernas table for ``year``, as XLSX for the newest year, CSV otherwise."""
        rows = sakernas_rows(year, grid, self.kaltim.bps, self.rng, xlsx=xlsx)
        name = f"sakernas_{year}.xlsx" if xlsx else f"sakernas_{year}.csv"
        rel = f"labour/{year}/{name}"
        path = fresh_folder(self.out / "labour" / str(year)) / name
        write_sakernas(path, rows)
        self.files.append(path)
        self.rows_written[rel] = len(rows)
        by_rule = dict.fromkeys(RULE_NAMES, 0)
        rejects = []
        for line, x in enumerate(rows, start=1):
            if x[5]:
                by_rule[x[5]] += 1
                rejects.append((rel, line, x[5]))
        year_key = str(year)
        self.planted["expected_rejects_by_rule"]["labour"][year_key] = by_rule
        self.planted["expected_reject_rows"]["labour"][year_key] = rejects
        self.planted["expected_rejects_by_file"][rel] = len(rejects)
        by_region, by_sector, by_status = pekerja_totals(rows, self.kaltim.bps)
        self.planted["pekerja_by_region_bps"][year_key] = by_region
        self.planted["pekerja_by_sector"][year_key] = by_sector
        self.planted["pekerja_by_status_pekerjaan"][year_key] = by_status


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
    return Generator(Path(out_dir), persons, seed, periods).run()
