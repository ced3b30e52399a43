"""Running by itself: the nightly schedule, the landing-zone sensor, retries and freshness.

Whether a period's inputs changed is decided by content. The *fingerprint* of period P is

    sha256 over a header line naming P and Y, then "<relative path>\\t<sha256 of the
    file's bytes>\\n" for the files of enrollment/<P>/ and of labour/<Y>/, sorted by path,
    Y = the labour year P uses (assets.staging.labour_year_for; files starting with '.'
    or '_' are not inputs).

Every run the schedule or the sensor requests carries that fingerprint as a run tag
(``cakupan/inputs_fingerprint``), and the published file records which run published each
period (``mart.published_periods.run_id``), so "the inputs changed since P was published"
is: the fingerprint now differs from the tag of the run that published P. A second tag,
``cakupan/inputs_stat``, hashes (path, size, mtime) of the same files: while it still
matches, nothing was touched and no byte needs to be read. Only for periods published by a
run that did not record its inputs (started from the UI or by ``cakupan run``) do
modification times stand in: changed if an input file is newer than the start of that run.

- ``nightly_coverage`` (01:00 WITA): the latest landed period, and every landed period
  that changed since it was published or was never published; one run per period.
- ``landing_sensor`` (every 30 s, RUNNING by default): keeps per-file hashes in its cursor;
  a period whose fingerprint changed since the last tick is requested if it also differs
  from what is published, so a first tick (or a reset cursor) reruns nothing published.
- ``freshness_sensor`` reports the ``published_fresh`` check without a run.

Writes are serialized by the run queue (dagster_home/dagster.yaml): at most one run of this
code location is in progress at a time, whoever launched it.
"""

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from assets.landing import landed_periods, landed_years, relative_name, snapshot_files
from assets.partitions import TIMEZONE, period_partitions
from assets.staging import labour_year_for
from pipelines.resources import Warehouse

JOB_NAME = "coverage_job"

#: Run tags. The writer tag marks runs that write the warehouse (the run queue limits it).
WRITER_TAG = "cakupan/writer"
WRITER_TAG_VALUE = "warehouse"
FINGERPRINT_TAG = "cakupan/inputs_fingerprint"
STAT_TAG = "cakupan/inputs_stat"
LABOUR_YEAR_TAG = "cakupan/labour_year"
REASON_TAG = "cakupan/reason"

#: Transient failures (a DuckDB file locked by another process, a hiccup of the disk) are
#: retried after ~15 s, ~30 s, ~60 s. Contract failures raise Failure(allow_retries=False)
#: and are never retried: the same files would fail the same way.
TRANSIENT_RETRY = dg.RetryPolicy(
    max_retries=3, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

NIGHTLY_CRON = "0 1 * * *"  # 01:00 WITA
SENSOR_INTERVAL_SECONDS = 30
#: Hashing stops after this many seconds per sensor tick (a sensor tick must finish in
#: 60 s); the files not hashed yet are hashed on the next ticks.
HASH_BUDGET_SECONDS = 20.0

#: Freshness: a period whose inputs landed (or changed) must be published within a day,
#: and the published file must have been rewritten in the last 36 hours (the nightly run
#: republishes the latest period every night).
FRESHNESS_CHECK_NAME = "published_fresh"
PUBLISHED_ASSET_KEY = dg.AssetKey(["published", "coverage"])
PUBLISH_WITHIN = timedelta(days=1)
PUBLISHED_MAX_AGE = timedelta(hours=36)
FRESHNESS_INTERVAL_SECONDS = 300
FRESHNESS_HEARTBEAT = timedelta(hours=1)

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


# --- inputs and fingerprints ------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    path: Path
    rel: str  # relative to the landing directory
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class PeriodInputs:
    """The files a run of one period reads: its enrollment snapshot and its labour year."""

    periode: str
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
        try:
            st = path.stat()
        except FileNotFoundError:  # removed while we looked
            continue
        files.append(InputFile(path, relative_name(path, landing), st.st_size, st.st_mtime_ns))
    return files


def period_inputs(landing: Path, periode: str, years: list[int]) -> PeriodInputs:
    year = labour_year_for(periode, years)
    files = input_files(landing, "enrollment", periode)
    if year is not None:
        files += input_files(landing, "labour", str(year))
    return PeriodInputs(periode, year, tuple(sorted(files, key=lambda f: f.rel)))


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
        lines = [f"cakupan-inputs-v1 {inputs.periode} labour={inputs.labour_year}\n"]
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


# --- what is published ------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """How period P was last published: by which run, when, and from which inputs."""

    periode: str
    run_id: str
    published_at: datetime  # UTC
    run_start: datetime | None  # None: the run is not in this Dagster instance
    fingerprint: str | None  # None: the run did not record its inputs
    stat_signature: str | None

    @property
    def since(self) -> datetime:
        return self.run_start or self.published_at


def published_periods(published_path: str) -> list[tuple[str, datetime, str]]:
    """(periode, published_at, run_id) of the published file; empty if there is none."""
    path = Path(published_path)
    if not path.exists():
        return []
    conn = duckdb.connect(str(path), read_only=True)
    try:
        rows = conn.execute(
            "SELECT periode, published_at, run_id FROM mart.published_periods"
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        conn.close()
    epoch = datetime.fromtimestamp(0, UTC)  # unknown time: anything newer counts as changed
    return [(p, at.replace(tzinfo=UTC) if at else epoch, run_id or "") for p, at, run_id in rows]


def published_state(warehouse: Warehouse, instance: dg.DagsterInstance) -> dict[str, Published]:
    rows = published_periods(warehouse.published_path)
    run_ids = sorted({r[2] for r in rows if r[2]})
    records = (
        {r.dagster_run.run_id: r for r in instance.get_run_records(dg.RunsFilter(run_ids=run_ids))}
        if run_ids
        else {}
    )
    state = {}
    for periode, at, run_id in rows:
        record = records.get(run_id)
        tags = record.dagster_run.tags if record else {}
        start = record.start_time if record else None
        state[periode] = Published(
            periode,
            run_id,
            at,
            datetime.fromtimestamp(start, UTC) if start else None,
            tags.get(FINGERPRINT_TAG),
            tags.get(STAT_TAG),
        )
    return state


@dataclass(frozen=True)
class Decision:
    periode: str
    publish: bool
    reason: str  # new | changed | unchanged | latest
    fingerprint: str | None


def decide(
    inputs: PeriodInputs, published: Published | None, hashes: HashCache, fingerprint: str | None
) -> Decision:
    """Do the inputs of this period differ from what was published for it?"""
    p = inputs.periode
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


# --- nightly schedule -------------------------------------------------------------------


def nightly_requests(
    warehouse: Warehouse, instance: dg.DagsterInstance, now: datetime | None = None
) -> tuple[list[dg.RunRequest], list[Decision]]:
    """The latest landed period, and every landed period whose inputs changed since it was
    published (or that was never published); one run per period."""
    landing = warehouse.landing
    periods = runnable_periods(landing, now)
    if not periods:
        return [], []
    years = landed_years(landing)
    published = published_state(warehouse, instance)
    running = in_flight_fingerprints(instance)
    hashes = HashCache()
    requests, decisions = [], []
    for periode in periods:
        inputs = period_inputs(landing, periode, years)
        decision = decide(inputs, published.get(periode), hashes, None)
        if not decision.publish and periode == periods[-1]:
            decision = Decision(periode, True, "latest", decision.fingerprint)
        decisions.append(decision)
        if not decision.publish:
            continue
        fingerprint = decision.fingerprint or hashes.fingerprint(inputs)
        if (periode, fingerprint) in running:
            continue
        requests.append(
            dg.RunRequest(
                run_key=f"{periode}:{fingerprint[:16]}",
                partition_key=periode,
                tags=inputs_tags(inputs, fingerprint, f"nightly:{decision.reason}"),
            )
        )
    return requests, decisions


@dg.schedule(
    name="nightly_coverage",
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    job_name=JOB_NAME,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every night at 01:00 WITA: publish the latest landed period, and every landed period "
        "whose inputs (content hash of its enrollment files and of its labour year's files) "
        "changed since it was published or that was never published. One run per period."
    ),
)
def nightly_coverage(
    context: dg.ScheduleEvaluationContext, warehouse: Warehouse
) -> list[dg.RunRequest] | dg.SkipReason:
    requests, decisions = nightly_requests(
        warehouse, context.instance, context.scheduled_execution_time
    )
    for d in decisions:
        context.log.info(f"{d.periode}: {d.reason}{' -> run' if d.publish else ''}")
    if not requests:
        return dg.SkipReason(
            f"nothing to publish: no landed period under {warehouse.landing_dir}/enrollment/"
            if not decisions
            else "every landed period is published from its current inputs or already queued"
        )
    return requests


# --- landing-zone sensor ----------------------------------------------------------------


@dataclass
class LandingCursor:
    """The sensor's memory: file hashes and the fingerprint each period was last seen with."""

    files: dict[str, list[Any]] = field(default_factory=dict)
    periods: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> "LandingCursor":
        if not text:
            return cls()
        data = json.loads(text)
        if data.get("v") != 1:
            return cls()
        return cls(dict(data.get("files", {})), dict(data.get("periods", {})))

    def dump(self) -> str:
        return json.dumps(
            {"v": 1, "files": self.files, "periods": self.periods},
            sort_keys=True,
            separators=(",", ":"),
        )


def landing_rels(landing: Path) -> set[str]:
    rels = set()
    for source in ("enrollment", "labour"):
        root = landing / source
        if root.is_dir():
            for folder in root.iterdir():
                if folder.is_dir():
                    rels |= {
                        relative_name(p, landing)
                        for p in snapshot_files(landing, source, folder.name)
                    }
    return rels


def landing_evaluation(
    warehouse: Warehouse,
    instance: dg.DagsterInstance,
    cursor_text: str | None,
    now: datetime | None = None,
    budget_seconds: float | None = HASH_BUDGET_SECONDS,
) -> tuple[list[dg.RunRequest], str, list[str]]:
    """Run requests for periods whose fingerprint changed since the last tick, the new
    cursor, and log lines. A period is requested only if its inputs also differ from what
    is published for it, so a new cursor (first tick, reset) never reruns published periods.
    """
    landing = warehouse.landing
    cursor = LandingCursor.parse(cursor_text)
    hashes = HashCache(dict(cursor.files), budget_seconds)
    years = landed_years(landing)
    published: dict[str, Published] | None = None
    seen: dict[str, str] = {}
    requests, log = [], []
    runnable = set(runnable_periods(landing, now))
    for periode in landed_periods(landing):
        if periode not in runnable:
            log.append(f"{periode}: not a partition yet (the month has not ended), waiting")
            continue
        inputs = period_inputs(landing, periode, years)
        try:
            fingerprint = hashes.fingerprint(inputs)
        except HashBudgetExceeded:
            log.append(f"{periode}: hashing budget spent, continues next tick")
            continue
        seen[periode] = fingerprint
        if cursor.periods.get(periode) == fingerprint:
            continue
        if published is None:
            published = published_state(warehouse, instance)
        before = published.get(periode)
        decision = decide(inputs, before, hashes, fingerprint)
        log.append(f"{periode}: inputs {fingerprint[:12]} {decision.reason}")
        if decision.publish:
            # Same inputs on top of the same published state -> same key: a repeated
            # evaluation (a tick retried before its cursor was saved) launches nothing twice.
            base = before.run_id[:8] if before else "new"
            requests.append(
                dg.RunRequest(
                    run_key=f"{periode}:{fingerprint[:16]}:{base}",
                    partition_key=periode,
                    tags=inputs_tags(inputs, fingerprint, f"landing:{decision.reason}"),
                )
            )
    hashes.keep_only(landing_rels(landing))
    return requests, LandingCursor(hashes.entries, seen).dump(), log


@dg.sensor(
    name="landing_sensor",
    job_name=JOB_NAME,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches the landing zone. A new or changed file (by content hash: the same bytes "
        "uploaded again do nothing) requests a run of its period; a new or changed labour year "
        "requests every landed period that uses it. Files starting with '.' or '_' never "
        "trigger. Periods whose inputs equal what is published are not rerun."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse) -> dg.SensorResult:
    requests, cursor, log = landing_evaluation(warehouse, context.instance, context.cursor)
    for line in log:
        context.log.info(line)
    return dg.SensorResult(
        run_requests=requests,
        cursor=cursor,
        skip_reason=None if requests else dg.SkipReason("no new or changed landing file"),
    )


# --- freshness --------------------------------------------------------------------------


@dataclass(frozen=True)
class FreshnessReport:
    checked_at: datetime
    overdue: dict[str, str]  # period -> why
    published_age: timedelta | None  # None: no published file
    landed: int

    @property
    def file_too_old(self) -> bool:
        return self.published_age is not None and self.published_age > PUBLISHED_MAX_AGE

    @property
    def passed(self) -> bool:
        return not self.overdue and not self.file_too_old

    @property
    def description(self) -> str:
        problems = [f"{p} {why}" for p, why in sorted(self.overdue.items())]
        if self.file_too_old and self.published_age is not None:
            hours = self.published_age.total_seconds() / 3600
            problems.append(f"the published file was last written {hours:.0f} h ago (> 36 h)")
        if not problems:
            return f"all {self.landed} landed period(s) published from their current inputs"
        return "; ".join(problems)

    @property
    def signature(self) -> str:
        return json.dumps([sorted(self.overdue), self.file_too_old])

    def metadata(self) -> dict[str, dg.MetadataValue]:
        age = self.published_age
        return {
            "overdue_periods": dg.MetadataValue.json(dict(sorted(self.overdue.items()))),
            "published_file_age_hours": dg.MetadataValue.float(
                round(age.total_seconds() / 3600, 2) if age is not None else -1.0
            ),
            "landed_periods": dg.MetadataValue.int(self.landed),
            "checked_at": dg.MetadataValue.timestamp(self.checked_at),
        }


def freshness_report(
    warehouse: Warehouse, instance: dg.DagsterInstance, now: datetime | None = None
) -> FreshnessReport:
    """Red when a landed (or changed) period waits more than a day to be published, or when
    the published file was not rewritten for 36 hours."""
    now = now or datetime.now(UTC)
    landing = warehouse.landing
    periods = runnable_periods(landing, now)
    years = landed_years(landing)
    published = published_state(warehouse, instance)
    hashes = HashCache()
    overdue = {}
    for periode in periods:
        inputs = period_inputs(landing, periode, years)
        decision = decide(inputs, published.get(periode), hashes, None)
        landed_at = inputs.latest_mtime
        if decision.publish and landed_at is not None and now - landed_at > PUBLISH_WITHIN:
            what = "landed" if decision.reason == "new" else "changed"
            overdue[periode] = f"{what} {landed_at:%Y-%m-%d %H:%M} UTC and not published since" + (
                "" if inputs.labour_year is not None else " (no labour year <= its year)"
            )
    path = Path(warehouse.published_path)
    age = now - datetime.fromtimestamp(path.stat().st_mtime, UTC) if path.exists() else None
    return FreshnessReport(now, overdue, age, len(periods))


@dg.asset_check(
    asset=PUBLISHED_ASSET_KEY,
    name=FRESHNESS_CHECK_NAME,
    blocking=False,
    description=(
        "Fails when a landed period, or a period whose inputs changed, has not been published "
        "within a day, or when the published file is older than 36 hours. Evaluated every "
        "5 minutes by freshness_sensor (no run needed, so a stuck run queue cannot hide it)."
    ),
)
def published_fresh(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    report = freshness_report(warehouse, context.instance)
    return dg.AssetCheckResult(
        passed=report.passed, description=report.description, metadata=report.metadata()
    )


def freshness_evaluation(report: FreshnessReport) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=PUBLISHED_ASSET_KEY,
        check_name=FRESHNESS_CHECK_NAME,
        passed=report.passed,
        metadata=report.metadata(),
        description=report.description,
        severity=dg.AssetCheckSeverity.ERROR,
        blocking=False,
    )


@dg.sensor(
    name="freshness_sensor",
    minimum_interval_seconds=FRESHNESS_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Evaluates the published_fresh check without a run: reports it when its result "
        "changes, and at least every hour."
    ),
)
def freshness_sensor(
    context: dg.SensorEvaluationContext, warehouse: Warehouse
) -> dg.SensorResult | dg.SkipReason:
    report = freshness_report(warehouse, context.instance)
    last: Mapping[str, Any] = json.loads(context.cursor) if context.cursor else {}
    reported_at = datetime.fromtimestamp(float(last.get("reported_at", 0)), UTC)
    if (
        last.get("signature") == report.signature
        and report.checked_at - reported_at < FRESHNESS_HEARTBEAT
    ):
        return dg.SkipReason(f"unchanged: {report.description}")
    cursor = json.dumps(
        {"signature": report.signature, "reported_at": report.checked_at.timestamp()}
    )
    verdict = "passed" if report.passed else "FAILED"
    return dg.SensorResult(
        asset_events=[freshness_evaluation(report)],
        cursor=cursor,
        # No run is requested: the tick only reports the check (shown as skipped).
        skip_reason=dg.SkipReason(f"{FRESHNESS_CHECK_NAME} {verdict}: {report.description}"),
    )


schedules = [nightly_coverage]
sensors = [landing_sensor, freshness_sensor]
asset_checks = [published_fresh]
