"""One generation run: draw the population, then write each period and each labour year.

Why a module of its own: the order of the steps *is* the reproducibility guarantee. Every
draw comes from one seeded generator, and the steps below consume it in a fixed order
(population, registration text, each period's rows, defects and files, the labour grids
and tables), so the same seed gives byte-identical files; change the order and every
byte after it changes. The other modules draw or write; this one sequences them and
records what was planted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

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
from tools.demo_data.model import (
    SECTORS,
    STATUS_PEKERJAAN,
    Kaltim,
    coverage_targets_bps,
    labour_grids,
    load_kaltim,
)
from tools.demo_data.names import MUHAMMAD_ABBREVIATIONS, TITLE_PREFIXES, TITLE_SUFFIXES
from tools.demo_data.population import PLANTED, PeriodTruth, Population
from tools.demo_data.records import period_rows, registration_text
from tools.demo_data.truth import DemoSummary, Flow, NameTitles, PlantedTruth, RejectedRow

#: The truth of every period's rows, in the landing zone: a folder starting with "_" is
#: never read by the pipeline (contract: partial uploads), only by the benchmark and tests.
TRUTH_DIR = "_truth"

NAME_TITLES = NameTitles(
    prefixes=tuple(sorted(set(TITLE_PREFIXES["m"] + TITLE_PREFIXES["f"]))),
    suffixes=TITLE_SUFFIXES,
    muhammad=MUHAMMAD_ABBREVIATIONS,
)


class EnrollmentWritten(NamedTuple):
    """What one period's enrollment files hold (see `PlantedTruth` for the meanings)."""

    rejects_by_rule: dict[str, int]
    rejects: tuple[RejectedRow, ...]
    rejects_by_file: dict[str, int]
    accepted_rows: int
    cleaning_rows: int
    ignored_files: tuple[str, ...]
    truth_file: str


class PeriodFlows(NamedTuple):
    """One period's flows against the period before it, on true persons."""

    province: Flow
    by_region_bps: dict[str, Flow]
    by_sector: dict[str, Flow]
    by_region_status: dict[str, Flow]


def period_flows(before: pl.DataFrame, now: pl.DataFrame, bps: Sequence[str]) -> PeriodFlows:
    """The contract's flow columns from the active persons of two periods (one row per
    true person: pid, region, sector, informal): a person is baru in a cell when active
    in it now and not then, berhenti when active in it then and not now."""

    def by(dims: list[str]) -> dict[tuple[int, ...], Flow]:
        def count(df: pl.DataFrame) -> dict[tuple[int, ...], int]:
            if not dims:
                return {(): df.height}
            return {tuple(k): n for *k, n in df.group_by(dims).len().iter_rows()}

        stay = count(now.join(before, on=["pid", *dims], how="semi"))
        then, current = count(before), count(now)
        keys = set(then) | set(current)
        return {
            key: Flow(
                then.get(key, 0),
                current.get(key, 0) - stay.get(key, 0),
                then.get(key, 0) - stay.get(key, 0),
            )
            for key in keys
        }

    zero = Flow(0, 0, 0)
    region, sector = by(["region"]), by(["sector"])
    region_status = by(["region", "informal"])
    return PeriodFlows(
        province=by([]).get((), zero),
        by_region_bps={c: region.get((i,), zero) for i, c in enumerate(bps)},
        by_sector={s: sector.get((i,), zero) for i, s in enumerate(SECTORS)},
        by_region_status={
            f"{c}/{s}": region_status.get((i, j), zero)
            for i, c in enumerate(bps)
            for j, s in enumerate(STATUS_PEKERJAAN)
        },
    )


class LabourWritten(NamedTuple):
    """What one year's Sakernas file holds."""

    file: str
    rejects_by_rule: dict[str, int]
    rejects: tuple[RejectedRow, ...]
    pekerja_by_region_bps: dict[str, int]
    pekerja_by_sector: dict[str, int]
    pekerja_by_status_pekerjaan: dict[str, int]


class Generator:
    """One generation run into ``out_dir``; `run` does it all, once.

    By default Kalimantan Timur alone, as it always was. With ``province`` (a Kemendagri
    code) and its ``model``, one province of several sharing the landing zone: its files
    are named after it (``64-part-0001.csv``, ``sakernas_2025_64.xlsx``), its truth is
    ``_truth/<province>/``, and the folders are not emptied (`national` empties them
    once); ``after_build`` may change the drawn population before any text is written."""

    def __init__(
        self,
        out_dir: Path,
        persons: int,
        seed: int,
        periods: Sequence[str],
        *,
        model: Kaltim | None = None,
        province: str | None = None,
        after_build: Callable[[Population], None] | None = None,
    ) -> None:
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
        self.kaltim = model if model is not None else load_kaltim()
        self.province = province
        self.prefix = f"{province}-" if province else ""
        self.after_build = after_build
        self.pop = Population(self.kaltim, self.n0, self.periods, self.rng, BAD_ROW_RATE)
        self.files: list[Path] = []
        self.rows_written: dict[str, int] = {}

    def run(self) -> DemoSummary:
        self.pop.build()
        if self.after_build is not None:
            self.after_build(self.pop)
        text = registration_text(self.pop, self.rng)
        persons = {p: self.pop.period_truth(k) for k, p in enumerate(self.periods)}
        enrollment = {p: self.write_period(k, text) for k, p in enumerate(self.periods)}
        actives = {k: persons[p].active for k, p in enumerate(self.periods)}
        grids = labour_grids(self.kaltim, self.periods, self.years, actives, self.rng)
        newest = max(self.years)
        labour = {
            str(year): self.write_labour(year, grids[year], xlsx=year == newest)
            for year in self.years
        }
        return DemoSummary(
            out_dir=self.out,
            periods=self.periods,
            labour_years=self.years,
            persons=self.n0,
            seed=self.seed,
            files=sorted(self.files),
            rows_written=dict(sorted(self.rows_written.items())),
            planted=self.planted(persons, enrollment, labour),
        )

    def planted(
        self,
        persons: dict[str, PeriodTruth],
        enrollment: dict[str, EnrollmentWritten],
        labour: dict[str, LabourWritten],
    ) -> PlantedTruth:
        """The run's records gathered into the truth, periods and years in order."""
        flows = {
            later: period_flows(persons[earlier].active, persons[later].active, self.kaltim.bps)
            for earlier, later in zip(self.periods, self.periods[1:], strict=False)
        }
        planted = self.pop.persons["planted"]
        return PlantedTruth(
            expected_rejects_by_rule={
                "enrollment": {p: e.rejects_by_rule for p, e in enrollment.items()},
                "labour": {y: w.rejects_by_rule for y, w in labour.items()},
            },
            expected_reject_rows={
                "enrollment": {p: e.rejects for p, e in enrollment.items()},
                "labour": {y: w.rejects for y, w in labour.items()},
            },
            expected_rejects_by_file={
                **{f: n for e in enrollment.values() for f, n in e.rejects_by_file.items()},
                **{w.file: len(w.rejects) for w in labour.values()},
            },
            accepted_rows={p: e.accepted_rows for p, e in enrollment.items()},
            true_persons={p: t.true_persons for p, t in persons.items()},
            price_merges={p: t.price_merges for p, t in persons.items()},
            active_persons={p: t.active_persons for p, t in persons.items()},
            pmi_only_persons={p: t.pmi_only_persons for p, t in persons.items()},
            active_persons_by_region_bps={p: t.by_region_bps for p, t in persons.items()},
            active_persons_by_sector={p: t.by_sector for p, t in persons.items()},
            active_persons_by_status_pekerjaan={
                p: t.by_status_pekerjaan for p, t in persons.items()
            },
            pekerja_by_region_bps={y: w.pekerja_by_region_bps for y, w in labour.items()},
            pekerja_by_sector={y: w.pekerja_by_sector for y, w in labour.items()},
            pekerja_by_status_pekerjaan={
                y: w.pekerja_by_status_pekerjaan for y, w in labour.items()
            },
            coverage_targets_bps=coverage_targets_bps(self.kaltim),
            linked_persons=self.pop.linked_persons(),
            nik_rows={p: t.nik_rows for p, t in persons.items()},
            cleaning_rows={p: e.cleaning_rows for p, e in enrollment.items()},
            name_titles=NAME_TITLES,
            ignored_files=tuple(f for e in enrollment.values() for f in e.ignored_files),
            truth_files={p: e.truth_file for p, e in enrollment.items()},
            planted_pairs={
                kind: int((planted == code).sum()) // 2 for kind, code in PLANTED.items()
            },
            movers={p: self.pop.movers_in(k) for k, p in enumerate(self.periods)},
            separated_persons=self.pop.separated_persons,
            flows_province={p: f.province for p, f in flows.items()},
            flows_by_region_bps={p: f.by_region_bps for p, f in flows.items()},
            flows_by_sector={p: f.by_sector for p, f in flows.items()},
            flows_by_region_status={p: f.by_region_status for p, f in flows.items()},
        )

    def write_period(self, k: int, text: pl.DataFrame) -> EnrollmentWritten:
        """A period's valid rows spread over the parts, each part sorted by kpj as an
        extract would be, with the bad rows planted among them; then the ignored uploads."""
        periode = self.periods[k]
        rng = self.rng
        rows, cleaning = period_rows(text, self.pop, k, rng)
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
            rows,
            part,
            pos,
            len(ENROLLMENT_PARTS),
            end,
            rng,
            self.pop.fresh_kpj,
            self.kaltim.unknown_regency,
        )
        bad_df = pl.DataFrame(bad, schema=dict.fromkeys(ENROLLMENT_COLUMNS, pl.Utf8))
        allrows = pl.concat([rows, bad_df]).with_columns(
            _part=pl.Series(np.r_[part, bad_part].astype(np.int64)),
            _pos=pl.Series(np.r_[pos, bad_pos]),
            _rule=pl.Series([None] * n + bad_rule, dtype=pl.Utf8),
        )
        folder = self.folder(self.out / "enrollment" / periode)
        rejects: list[RejectedRow] = []
        by_rule = dict.fromkeys(RULE_NAMES, 0)
        by_file: dict[str, int] = {}
        for i, (part_name, fmt) in enumerate(ENROLLMENT_PARTS):
            name = self.prefix + part_name
            df = allrows.filter(pl.col("_part") == i).sort("_pos", maintain_order=True)
            rel = f"enrollment/{periode}/{name}"
            bad_at = df.get_column("_rule").is_not_null().arg_true()
            for line, rule in zip(
                (bad_at + 1).to_list(), df.get_column("_rule").gather(bad_at).to_list(), strict=True
            ):
                rejects.append(RejectedRow(rel, line, rule))
                by_rule[rule] += 1
            by_file[rel] = int(df["_rule"].is_not_null().sum())
            write_enrollment_part(folder / name, fmt, df.select(*ENROLLMENT_COLUMNS), rng)
            self.files.append(folder / name)
            self.rows_written[rel] = df.height
        ignored = write_ignored_uploads(folder, rng, self.prefix)
        self.files.extend(ignored)
        truth = self.out / TRUTH_DIR / (self.province or "") / f"{periode}.parquet"
        truth.parent.mkdir(parents=True, exist_ok=True)
        self.pop.row_truth(k).write_parquet(truth)
        self.files.append(truth)
        return EnrollmentWritten(
            rejects_by_rule=by_rule,
            rejects=tuple(rejects),
            rejects_by_file=by_file,
            accepted_rows=n,
            cleaning_rows=cleaning,
            ignored_files=tuple(path.relative_to(self.out).as_posix() for path in ignored),
            truth_file=truth.relative_to(self.out).as_posix(),
        )

    def folder(self, folder: Path) -> Path:
        """A folder to write into: emptied first unless the run is one province of several."""
        if self.province is None:
            return fresh_folder(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write_labour(self, year: int, grid: np.ndarray, *, xlsx: bool) -> LabourWritten:
        """One Sakernas table for ``year``, as XLSX for the newest year, CSV otherwise."""
        rows = sakernas_rows(
            year, grid, self.kaltim.bps, self.rng, xlsx=xlsx, not_bps_code=self.kaltim.not_bps_code
        )
        stem = f"sakernas_{year}_{self.province}" if self.province else f"sakernas_{year}"
        name = f"{stem}.xlsx" if xlsx else f"{stem}.csv"
        rel = f"labour/{year}/{name}"
        path = self.folder(self.out / "labour" / str(year)) / name
        write_sakernas(path, rows)
        self.files.append(path)
        self.rows_written[rel] = len(rows)
        by_rule = dict.fromkeys(RULE_NAMES, 0)
        rejects = []
        for line, x in enumerate(rows, start=1):
            if x[5]:
                by_rule[x[5]] += 1
                rejects.append(RejectedRow(rel, line, x[5]))
        by_region, by_sector, by_status = pekerja_totals(rows, self.kaltim.bps)
        return LabourWritten(
            file=rel,
            rejects_by_rule=by_rule,
            rejects=tuple(rejects),
            pekerja_by_region_bps=by_region,
            pekerja_by_sector=by_sector,
            pekerja_by_status_pekerjaan=by_status,
        )
