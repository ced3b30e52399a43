"""Demo landing zone: synthetic BPJS Ketenagakerjaan enrollment and Sakernas labour data.

Why synthetic: the real by-name-by-address data is personal and cannot leave BPJS, yet the
pipeline, its dashboards and its end-to-end tests need files that look and behave like
Kalimantan Timur's. So this package writes a landing zone exactly as the data contract
lays it out (several parts per period in different encodings, ignored partial uploads,
labour years as CSV and XLSX) and *plants* what the pipeline must find: rows that break
each reject rule exactly once, persons registered several times under name and NIK
variants, and labour statistics calibrated so the published coverage lands near the
province's known figures (about 63 %, Bontang and Kutai Timur near 100 %). The ground
truth of what was planted is returned as a typed `PlantedTruth` in
``DemoSummary.planted``, so tests compare the pipeline's output with it instead of with
hand-kept numbers.

Everything is drawn from one seeded generator and written in a fixed order, so the same
seed gives byte-identical files. Work is vectorised with numpy/polars; only the few
percent of rows that carry a variant or a defect go through Python string code.

Modules, by concern: `model` (the labour market and its calibration), `names` (name
pools and variants), `population` (persons, registrations, their evolution), `records`
(enrollment text), `defects` (bad enrollment rows), `labour` (Sakernas tables), `files`
(file formats), `generator` (the run's order), `truth` (what was planted), `national`
(several provinces in one landing zone, `generate_national_landing`). Of the
project, only `contract` is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from contract.row_rules import ENROLLMENT_COLUMNS, LABOUR_COLUMNS, RULE_NAMES
from tools.demo_data.generator import Generator
from tools.demo_data.national import CrossPerson, NationalSummary, generate_national_landing
from tools.demo_data.truth import (
    PAIR_KINDS,
    PLAIN,
    ROW_CLASSES,
    VARIANT_KINDS,
    DemoSummary,
    Flow,
    LinkedPerson,
    NameTitles,
    NikRows,
    PairKind,
    PlantedTruth,
    RejectedRow,
    RowClass,
    Source,
    VariantKind,
)

# The contract's rule names, from where the pipeline defines them.
REJECT_RULES = RULE_NAMES

__all__ = [
    "ENROLLMENT_COLUMNS",
    "LABOUR_COLUMNS",
    "PAIR_KINDS",
    "PLAIN",
    "REJECT_RULES",
    "ROW_CLASSES",
    "VARIANT_KINDS",
    "CrossPerson",
    "DemoSummary",
    "Flow",
    "LinkedPerson",
    "NameTitles",
    "NationalSummary",
    "NikRows",
    "PairKind",
    "PlantedTruth",
    "RejectedRow",
    "RowClass",
    "Source",
    "VariantKind",
    "generate_demo_landing",
    "generate_national_landing",
]


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
