"""What a demo run wrote and planted, as typed records: the tests' ground truth.

Why typed: the unit tests and the end-to-end run compare the pipeline's output with some
twenty planted figures, each keyed differently (by period, by labour year, by file, by
code). A frozen record with one typed field per figure says what each is keyed by, lets
mypy and the editor catch a misspelt name, and keeps a test from changing the truth it
compares with. Periods are "YYYY-MM" strings, labour years "YYYY" strings, files are
relative to the landing zone's root with "/" separators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

#: The two inputs of the data contract.
Source = Literal["enrollment", "labour"]
#: How the registrations of one linked person differ from each other.
VariantKind = Literal[
    "nik_missing", "nik_invalid", "title", "muh_abbrev", "typo", "old_spelling", "spacing"
]
VARIANT_KINDS: tuple[VariantKind, ...] = (
    "nik_missing",
    "nik_invalid",
    "title",
    "muh_abbrev",
    "typo",  # one slip in one word of 5+ letters (both spellings): the same name
    "old_spelling",  # SOEHARTO for SUHARTO, born before 1975: the same name
    "spacing",
)
#: Pairs of persons planted on purpose (`PlantedTruth.planted_pairs`): two true persons of
#: one block (birth date, regency; sex as the kind needs), one of them without a valid NIK
#: (namesakes excepted). The negatives are what the contract calls another name; the price
#: is what it calls the same name although they are two people.
PairKind = Literal[
    "negative_short",  # a word of 4 letters or fewer, one letter apart: DENI / DANI
    "negative_two_slips",  # two slips apart
    "negative_sex",  # only the ending differs, and the sex: SUSANTO L / SUSANTI P
    "negative_word",  # a word missing or added
    "namesake",  # the same name, two valid NIKs, told apart by address
    "price",  # one slip in a word of 5+ letters, same sex: ILHAM / IRHAM, read as one
]
PAIR_KINDS: tuple[PairKind, ...] = (
    "negative_short",
    "negative_two_slips",
    "negative_sex",
    "negative_word",
    "namesake",
    "price",
)

#: What the demo planted on a row, as its truth file lists it (`PlantedTruth.truth_files`):
#: the variant kinds, the planted pairs, and "mover" (a person whose domicile moved to
#: another regency by this period). A row may carry several.
RowClass = Literal[VariantKind, PairKind, "mover"]
ROW_CLASSES: tuple[RowClass, ...] = (*VARIANT_KINDS, *PAIR_KINDS, "mover")
#: The class of a row that carries none of the above.
PLAIN = "plain"


class Flow(NamedTuple):
    """Active persons of a cell in the previous period, and who joined and left it."""

    sebelumnya: int
    baru: int
    berhenti: int


class RejectedRow(NamedTuple):
    """One planted bad row, as ``quality.rejected_rows`` must list it."""

    file: str  # relative to the landing zone's root
    line: int  # 1-based data row (header excluded), in every format
    rule: str  # the one contract rule it breaks


@dataclass(frozen=True)
class LinkedPerson:
    """A person with several registrations, present in every period: the pipeline must
    resolve all of its kpj numbers to ONE person."""

    kpj: tuple[str, ...]  # ascending
    variants: tuple[VariantKind, ...]  # in `VARIANT_KINDS` order


@dataclass(frozen=True)
class NikRows:
    """Accepted enrollment rows of a period by the state of their NIK."""

    valid: int
    missing: int
    invalid: int
    mismatch: int  # valid NIK that disagrees with the row's birth date or sex


@dataclass(frozen=True)
class NameTitles:
    """The honorifics, degrees and MUHAMMAD abbreviations used in name variants."""

    prefixes: tuple[str, ...]  # H., HJ., DR., ... (before the name)
    suffixes: tuple[str, ...]  # ", S.PD", ... (after the name)
    muhammad: tuple[str, ...]  # MUH., MOH., M.


@dataclass(frozen=True)
class PlantedTruth:
    """Everything the demo planted that the pipeline must find."""

    #: {source: {periode or tahun: {rule: n}}}, every rule of the contract present; every
    #: planted bad row breaks exactly one rule.
    expected_rejects_by_rule: Mapping[Source, Mapping[str, Mapping[str, int]]]
    #: {source: {periode or tahun: rows}}, rows in file then line order.
    expected_reject_rows: Mapping[Source, Mapping[str, tuple[RejectedRow, ...]]]
    #: {file: n} rejected rows per data file.
    expected_rejects_by_file: Mapping[str, int]
    #: {periode: n} enrollment rows meant to be accepted.
    accepted_rows: Mapping[str, int]
    #: {periode: n} distinct real persons among the accepted rows.
    true_persons: Mapping[str, int]
    #: {periode: n} real persons the contract reads as another (the stated price: planted
    #: `price` pairs present in the period). The contract's persons are ``true_persons``
    #: less these; the active-person and flow figures below count the contract's persons.
    price_merges: Mapping[str, int]
    #: {periode: n} active persons after person dedup.
    active_persons: Mapping[str, int]
    #: {periode: n} persons active only as migrant workers abroad (PMI).
    pmi_only_persons: Mapping[str, int]
    #: {periode: {code: n}} active persons attributed by the contract's active-person
    #: rule, by BPS region code / KBLI section / FORMAL-INFORMAL (every code present).
    active_persons_by_region_bps: Mapping[str, Mapping[str, int]]
    active_persons_by_sector: Mapping[str, Mapping[str, int]]
    active_persons_by_status_pekerjaan: Mapping[str, Mapping[str, int]]
    #: {tahun: {code: n}} jumlah_pekerja over the accepted labour rows, likewise.
    pekerja_by_region_bps: Mapping[str, Mapping[str, int]]
    pekerja_by_sector: Mapping[str, Mapping[str, int]]
    pekerja_by_status_pekerjaan: Mapping[str, Mapping[str, int]]
    #: {BPS code: target coverage} the calibration aimed at.
    coverage_targets_bps: Mapping[str, float]
    #: A sample of multi-registration persons covering every variant kind.
    linked_persons: tuple[LinkedPerson, ...]
    #: {periode: counts} over the accepted rows.
    nik_rows: Mapping[str, NikRows]
    #: {periode: n} accepted rows that need trimming or upper-casing.
    cleaning_rows: Mapping[str, int]
    name_titles: NameTitles
    #: Files starting with "_" or "." that must never be read.
    ignored_files: tuple[str, ...]
    #: {periode: file} the truth of every accepted row of the period, under ``_truth/``
    #: (ignored by the pipeline): kpj, its true person, and its classes (`ROW_CLASSES`
    #: joined by ";", or "plain"), as Parquet.
    truth_files: Mapping[str, str]
    #: {pair kind: n} pairs of persons planted on purpose, every `PAIR_KINDS` present.
    planted_pairs: Mapping[PairKind, int]
    #: {periode: n} persons whose domicile moved to another regency in that period.
    movers: Mapping[str, int]
    #: Persons whose birth date was redrawn because their name came too close to another
    #: person's of their block (`Population.separate_blocks`).
    separated_persons: int
    #: {periode: flow} from the second period on, compared with the period before it (the
    #: previous published one when every period is published in order): the province ...
    flows_province: Mapping[str, Flow]
    #: ... and by BPS region code, KBLI section, and "<BPS code>/<FORMAL|INFORMAL>".
    flows_by_region_bps: Mapping[str, Mapping[str, Flow]]
    flows_by_sector: Mapping[str, Mapping[str, Flow]]
    flows_by_region_status: Mapping[str, Mapping[str, Flow]]


@dataclass(frozen=True)
class DemoSummary:
    """What a run wrote, and what it planted in it."""

    out_dir: Path
    periods: tuple[str, ...]
    labour_years: tuple[int, ...]
    persons: int  # real persons in the first period
    seed: int
    files: list[Path]  # every file written, ignored ones included, sorted
    rows_written: dict[str, int]  # data rows per data file (header excluded)
    planted: PlantedTruth
