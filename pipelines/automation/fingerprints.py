"""What a run of a period reads, and whether it changed since it was published.

The *fingerprint* of period P is sha256 over a header line naming P and Y, then
"<relative path>\\t<sha256 of the file's bytes>\\n" for the files of enrollment/<P>/ and of
labour/<Y>/, sorted by path, Y = the labour year P uses (files starting with '.' or '_'
are not inputs).

Every run the schedule, the sensor or `cakupan run` starts carries that fingerprint as a
run tag (``cakupan/inputs_fingerprint``), and the published file records which run
published each period (``mart.published_periods.run_id``), so "the inputs changed since P
was published" is: the fingerprint now differs from the tag of the run that published P.
A second tag, ``cakupan/inputs_stat``, hashes (path, size, mtime) of the same files: while
it still matches, nothing was touched and no byte needs to be read. Only for periods
published by a run that did not record its inputs (started from the UI) do modification
times stand in: changed if an input file is newer than the start of that run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from assets.partitions import period_partitions
from assets.warehouse import Warehouse
from contract.landing import (
    DISAPPEARED,
    ENROLLMENT,
    LABOUR,
    entry_problem,
    landed_periods,
    relative_name,
    snapshot_files,
)
from contract.periods import labour_year_for
from pipelines.jobs import JOB_NAME

FINGERPRINT_TAG = "cakupan/inputs_fingerprint"
STAT_TAG = "cakupan/inputs_stat"
LABOUR_YEAR_TAG = "cakupan/labour_year"
REASON_TAG = "cakupan/reason"

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dataclass(frozen=True)
class InputFile:
    path: Path
    rel: str  # relative to the landing directory
    size: int
    mtime_ns: int
    problem: str | None = None  # why it cannot be read: it is never opened


@dataclass(frozen=True)
class PeriodInputs:
    """The files a run of one period reads: its enrollment snapshot and its labour year."""

    period: str
    labour_year: int | None
    files: tuple[InputFile, ...]

    @property
    def stat_signature(self) -> str:
        """Cheap identity of the files as they lie on disk: (path, size, mtime) only."""
        text = "".join(f"{f.rel}\t{f.size}\t{f.mtime_ns}\n" for f in self.files)
        return hashlib.sha256(f"{self.labour_year}\n{text}".encode()).hexdigest()

    @property
    def latest_mtime(self) -> datetime | None:
        if not self.files:
            return None
        return datetime.fromtimestamp(max(f.mtime_ns for f in self.files) / 1e9, UTC)


def input_files(landing: Path, source: str, key: str) -> list[InputFile]:
    files = []
    for path in snapshot_files(landing, source, key):
        problem = entry_problem(path, landing)  # a FIFO, a dangling link, ...: not hashed
        if problem is not None:
            if problem != DISAPPEARED:  # else: removed while we looked
                files.append(InputFile(path, relative_name(path, landing), -1, 0, problem))
            continue
        try:
            st = path.stat()
        except FileNotFoundError:  # removed while we looked
            continue
        files.append(InputFile(path, relative_name(path, landing), st.st_size, st.st_mtime_ns))
    return files


def period_inputs(landing: Path, period: str, years: list[int]) -> PeriodInputs:
    year = labour_year_for(period, years)
    files = input_files(landing, ENROLLMENT, period)
    if year is not None:
        files += input_files(landing, LABOUR, str(year))
    return PeriodInputs(period, year, tuple(sorted(files, key=lambda f: f.rel)))


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()  # reads in chunks


class HashBudgetExceeded(Exception):
    pass


@dataclass
class HashCache:
    """sha256 of landing files, reused while a file's (size, mtime_ns) stays the same.

    ``entries`` maps relative path -> [size, mtime_ns, sha256] (the sensor keeps it in its
    cursor). Hashing stops with ``HashBudgetExceeded`` once ``budget_seconds`` are spent.
    """

    entries: dict[str, list[Any]] = field(default_factory=dict)
    budget_seconds: float | None = None
    hashed: int = 0
    _spent: float = 0.0

    def sha256(self, f: InputFile) -> str:
        if f.problem is not None:
            return hashlib.sha256(f"cannot be read: {f.problem}".encode()).hexdigest()
        cached = self.entries.get(f.rel)
        if cached is not None and cached[0] == f.size and cached[1] == f.mtime_ns:
            return str(cached[2])
        if self.budget_seconds is not None and self.hashed and self._spent >= self.budget_seconds:
            raise HashBudgetExceeded(f.rel)
        started = time.perf_counter()
        digest = file_sha256(f.path)
        self._spent += time.perf_counter() - started
        self.hashed += 1
        self.entries[f.rel] = [f.size, f.mtime_ns, digest]
        return digest

    def fingerprint(self, inputs: PeriodInputs) -> str:
        lines = [f"cakupan-inputs-v1 {inputs.period} labour={inputs.labour_year}\n"]
        lines += [f"{f.rel}\t{self.sha256(f)}\n" for f in inputs.files]
        return hashlib.sha256("".join(lines).encode()).hexdigest()

    def keep_only(self, rels: Iterable[str]) -> None:
        keep = set(rels)
        self.entries = {k: v for k, v in self.entries.items() if k in keep}


def inputs_tags(inputs: PeriodInputs, fingerprint: str, reason: str) -> dict[str, str]:
    """Run tags that record what a run of this period reads (and why it was requested)."""
    return {
        FINGERPRINT_TAG: fingerprint,
        STAT_TAG: inputs.stat_signature,
        LABOUR_YEAR_TAG: str(inputs.labour_year),
        REASON_TAG: reason,
    }


def runnable_periods(landing: Path, now: datetime | None = None) -> list[str]:
    """Landed periods that are partitions already (a month is a partition once it ended)."""
    valid = set(period_partitions.get_partition_keys(current_time=now))
    return [p for p in landed_periods(landing) if p in valid]


@dataclass(frozen=True)
class Published:
    """How period P was last published: by which run, when, and from which inputs."""

    period: str
    run_id: str
    published_at: datetime  # UTC
    run_start: datetime | None  # None: the run is not in this Dagster instance
    fingerprint: str | None  # None: the run did not record its inputs
    stat_signature: str | None

    @property
    def since(self) -> datetime:
        return self.run_start or self.published_at


def published_periods(warehouse: Warehouse) -> list[tuple[str, datetime, str]]:
    """(period, published_at, run_id) of the published file; empty if there is none."""
    with warehouse.read_published() as conn:
        if conn is None:
            return []
        try:
            rows = conn.execute(
                "SELECT periode, published_at, run_id FROM mart.published_periods"
            ).fetchall()
        except duckdb.CatalogException:
            return []
    epoch = datetime.fromtimestamp(0, UTC)  # unknown time: anything newer counts as changed
    return [(p, at.replace(tzinfo=UTC) if at else epoch, run_id or "") for p, at, run_id in rows]


def published_state(warehouse: Warehouse, instance: dg.DagsterInstance) -> dict[str, Published]:
    rows = published_periods(warehouse)
    run_ids = sorted({r[2] for r in rows if r[2]})
    records = (
        {r.dagster_run.run_id: r for r in instance.get_run_records(dg.RunsFilter(run_ids=run_ids))}
        if run_ids
        else {}
    )
    state = {}
    for period, at, run_id in rows:
        record = records.get(run_id)
        tags = record.dagster_run.tags if record else {}
        start = record.start_time if record else None
        state[period] = Published(
            period,
            run_id,
            at,
            datetime.fromtimestamp(start, UTC) if start else None,
            tags.get(FINGERPRINT_TAG),
            tags.get(STAT_TAG),
        )
    return state


@dataclass(frozen=True)
class Decision:
    period: str
    publish: bool
    reason: str  # new | changed | unchanged | latest
    fingerprint: str | None


def decide(
    inputs: PeriodInputs, published: Published | None, hashes: HashCache, fingerprint: str | None
) -> Decision:
    """Do the inputs of this period differ from what was published for it?"""
    p = inputs.period
    if published is None:
        return Decision(p, True, "new", fingerprint)
    if published.fingerprint is not None:
        if fingerprint is None and published.stat_signature == inputs.stat_signature:
            return Decision(p, False, "unchanged", published.fingerprint)
        fingerprint = fingerprint or hashes.fingerprint(inputs)
        same = fingerprint == published.fingerprint
        return Decision(p, not same, "unchanged" if same else "changed", fingerprint)
    # Published by a run that did not record its inputs: trust modification times.
    latest = inputs.latest_mtime
    changed = latest is not None and latest > published.since
    return Decision(p, changed, "changed" if changed else "unchanged", fingerprint)


def in_flight_fingerprints(instance: dg.DagsterInstance) -> set[tuple[str, str]]:
    """(period, fingerprint) of runs of the job that are queued or in progress."""
    runs = instance.get_runs(dg.RunsFilter(job_name=JOB_NAME, statuses=IN_PROGRESS))
    return {
        (r.tags.get("dagster/partition", ""), r.tags.get(FINGERPRINT_TAG, ""))
        for r in runs
        if r.tags.get(FINGERPRINT_TAG)
    }
