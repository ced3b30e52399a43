"""`make bench`: the whole `cakupan run` on generated data, against a floor, in one call.

    python -m tools.bench [--persons 1000000] [--periods 2025-03,2025-04]
    BENCH_PERSONS=5000000 make bench
    python -m tools.bench --history 24 [--persons 100000]    # BENCH_HISTORY=24 make bench
    python -m tools.bench --national [--persons 200000]      # BENCH_NATIONAL=1 make bench

The landing zone is generated once per size and seed (cached under .bench/). Then, each as
a fresh process measured from start to exit (wall time, and peak RSS sampled from /proc):

- floor: DuckDB reading every landing file once into a table of a new DuckDB file;
- pipeline: ``cakupan run`` on every landed period, all checks on, with a Dagster instance
  of its own, from whose event log the time of each step is read afterwards.

It prints the whole-process figures first, then the stage breakdown, the floor and the
ratios, all measured in the same call (the machines are noisy: quote ratios).

``--history N`` measures instead what a new period costs in a warehouse that already
publishes N periods, against the same period in an empty warehouse: the N earlier periods
are run once and cached; then both runs of the new period are timed, alternately, three
times each, and their medians compared.

``--national`` measures the five Kalimantan provinces (61-65, `cakupan demo-data
--provinces`) in one deployment (`CAKUPAN_PROVINCES=61,62,63,64,65`): the whole process
and the floor as above, and the time per province-month, in process; then the same
`cakupan run` in the distributed mode (docs/deploy.md) on this machine: a fresh database on
the local PostgreSQL, the daemon and two Celery workers on the local Redis, started and
ready before the measured `cakupan run` and stopped after it; the overhead is the ratio of
the two whole runs.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from contract.landing import SOURCES, landed_keys, snapshot_files

BENCH_DIR = Path(".bench")
HISTORY_RUNS = 5  # each case, alternated; the median is compared (the machines are noisy)
KALIMANTAN = ("61", "62", "63", "64", "65")  # the national case's provinces
VALIDATION_STEP_PREFIX = "validate_"  # the check steps' keys (checks/asset_checks.py)


@dataclass
class Measured:
    wall: float
    peak: int  # bytes
    returncode: int
    steps: dict[str, dict[str, float]] = field(default_factory=dict)


def status_bytes(pid: int | str, name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class PeakSampler(threading.Thread):
    """The high-water mark of a child's RSS, read from /proc every 20 ms while it runs
    (getrusage's ru_maxrss is no help: Linux carries the parent's peak across exec)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, status_bytes(self.pid, "VmHWM"))
            self.samples.append((time.time(), status_bytes(self.pid, "VmRSS")))
            time.sleep(0.02)

    def peak_between(self, start: float, end: float) -> int:
        return max((r for t, r in self.samples if start <= t <= end + 0.02), default=0)


def measure(
    command: list[str], env: dict[str, str] | None = None, quiet: bool = False
) -> tuple[Measured, PeakSampler]:
    started = time.time()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL if quiet else None)
    sampler = PeakSampler(child.pid)
    sampler.start()
    returncode = child.wait()
    wall = time.time() - started
    sampler.stopped.set()
    sampler.join()
    return Measured(wall, sampler.peak, returncode), sampler


def floor_child(landing: Path) -> None:
    """DuckDB reads every landing file once into a table of a new file (the floor)."""
    import duckdb
    import polars as pl

    with tempfile.TemporaryDirectory() as tmp:
        conn = duckdb.connect(str(Path(tmp) / "floor.duckdb"))
        for source in SOURCES:
            for key in landed_keys(landing, source):
                for i, path in enumerate(snapshot_files(landing, source, key)):
                    table = f"{source}_{key.replace('-', '_')}_{i}"
                    if path.suffix == ".csv":
                        conn.execute(
                            f"CREATE TABLE {table} AS FROM read_csv(?, all_varchar = true)",
                            [str(path)],
                        )
                    elif path.suffix == ".parquet":
                        conn.execute(f"CREATE TABLE {table} AS FROM read_parquet(?)", [str(path)])
                    else:
                        frame = pl.read_excel(path, infer_schema_length=0).to_arrow()  # noqa: F841
                        conn.execute(f"CREATE TABLE {table} AS FROM frame")
        conn.close()


def step_times(dagster_home: Path, sampler: PeakSampler) -> dict[str, dict[str, float]]:
    """Wall time and peak RSS of each step, summed over the runs, from the event log."""
    import dagster as dg

    steps: dict[str, dict[str, float]] = defaultdict(lambda: {"wall": 0.0, "peak": 0})
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        for run in instance.get_runs():
            begun: dict[str, float] = {}
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or event.step_key is None:
                    continue
                if event.event_type_value == "STEP_START":
                    begun[event.step_key] = record.timestamp
                elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                    start = begun.pop(event.step_key, record.timestamp)
                    step = steps[event.step_key]
                    step["wall"] += record.timestamp - start
                    step["peak"] = max(step["peak"], sampler.peak_between(start, record.timestamp))
    return dict(steps)


def generator_version() -> str:
    """A digest of the demo generator's code: a landing zone cached by an older generator
    (another error model, another truth) is not reused."""
    code = sorted(Path(__file__).with_name("demo_data").glob("*.py"))
    return hashlib.sha256(b"".join(path.read_bytes() for path in code)).hexdigest()[:10]


def ensure_landing(
    persons: int, periods: list[str], seed: int, provinces: tuple[str, ...] = ()
) -> Path:
    """The cached landing zone: Kalimantan Timur alone, or ``provinces`` side by side."""
    from tools.demo_data import generate_demo_landing, generate_national_landing
    from tools.demo_data.generator import TRUTH_DIR

    which = f"{'_'.join(provinces)}-" if provinces else ""
    landing = (
        BENCH_DIR / f"landing-{which}{persons}-{seed}-{'_'.join(periods)}-{generator_version()}"
    )
    done = landing / ".complete"
    if not done.exists() or not (landing / TRUTH_DIR).is_dir():  # cached before the truth
        shutil.rmtree(landing, ignore_errors=True)
        print(f"generating {persons:,} persons x {len(periods)} periods into {landing} (cached)")
        started = time.perf_counter()
        if provinces:
            generate_national_landing(
                landing, provinces, persons=persons, seed=seed, periods=periods
            )
        else:
            generate_demo_landing(landing, persons=persons, seed=seed, periods=periods)
        done.write_text("")
        print(f"generated in {time.perf_counter() - started:.1f} s")
    return landing


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def report(floor: Measured, pipeline: Measured, periods: int) -> str:
    lines = [
        "| | wall s | peak RSS |",
        "|---|---:|---:|",
        f"| **whole `cakupan run`** ({periods} periods, start to exit) | "
        f"**{pipeline.wall:.2f}** | **{gib(pipeline.peak)}** |",
        f"| floor: DuckDB reads every landing file once | {floor.wall:.2f} | {gib(floor.peak)} |",
        f"| **ratio run / floor** | **{pipeline.wall / floor.wall:.2f} x** | "
        f"{pipeline.peak / floor.peak:.1f} x |",
        "",
        "| stage (summed over the periods) | wall s | peak RSS |",
        "|---|---:|---:|",
    ]
    for step, m in sorted(pipeline.steps.items(), key=lambda kv: -kv[1]["wall"]):
        lines.append(f"| {step} | {m['wall']:.2f} | {gib(m['peak'])} |")
    checks = [m for s, m in pipeline.steps.items() if s.startswith(VALIDATION_STEP_PREFIX)]
    in_steps = sum(m["wall"] for m in pipeline.steps.values())
    if checks:
        wall = sum(m["wall"] for m in checks)
        lines.append(
            f"| validation (all check steps) | {wall:.2f} ({wall / pipeline.wall:.0%}) | |"
        )
    lines.append(
        f"| outside the steps (process start, imports, Dagster's per-run work) | "
        f"{pipeline.wall - in_steps:.2f} | |"
    )
    return "\n".join(lines)


# --- persons against the generator's truth ---------------------------------------------

#: The stated price of the contract's rule 2 (`truth.PAIR_KINDS`): two people whose names
#: are one slip apart, read as one. Its merges are a figure of their own, not an error.
PRICE = "price"
#: The classes a pair or a continuation counts in, from the classes of its two sides: a
#: price pair (both sides of the price) only in the price's, every other one in "all"
#: and in each class either side has.
CLASSES_OF_PAIR = """
CASE WHEN list_contains({a}, 'price') AND list_contains({b}, 'price') THEN ['price']
     ELSE list_distinct(['all'] || {a} || {b}) END
"""

#: The pairs of rows of one period: predicted (same person_id) and true (same true person),
#: each pair with the classes of its two rows.
PAIR_COUNTS_SQL = f"""
WITH rows AS (
    SELECT l.periode, l.kpj, l.person_id, t.person, string_split(t.classes, ';') AS classes
    FROM internal.core.person_link l JOIN truth t USING (periode, kpj)
),
predicted AS (
    SELECT a.periode, a.kpj AS kpj_a, b.kpj AS kpj_b FROM rows a
    JOIN rows b ON b.periode = a.periode AND b.person_id = a.person_id AND a.kpj < b.kpj
),
actual AS (
    SELECT a.periode, a.kpj AS kpj_a, b.kpj AS kpj_b FROM rows a
    JOIN rows b ON b.periode = a.periode AND b.person = a.person AND a.kpj < b.kpj
),
pairs AS (
    SELECT periode, kpj_a, kpj_b, bool_or(p) AS p, bool_or(t) AS t
    FROM (SELECT *, true AS p, false AS t FROM predicted
          UNION ALL SELECT *, false, true FROM actual)
    GROUP BY ALL
),
classed AS (
    SELECT x.periode, x.p, x.t,
           unnest({CLASSES_OF_PAIR.format(a="a.classes", b="b.classes")}) AS class
    FROM pairs x
    JOIN rows a ON a.periode = x.periode AND a.kpj = x.kpj_a
    JOIN rows b ON b.periode = x.periode AND b.kpj = x.kpj_b
)
SELECT periode, class, count(*) FILTER (p AND t) AS tp, count(*) FILTER (p AND NOT t) AS fp,
       count(*) FILTER (t AND NOT p) AS fn
FROM classed GROUP BY ALL ORDER BY ALL
"""

#: Persons per period: found by the pipeline, true, and the true persons of the price that
#: were merged (true price persons less the persons found among their rows).
PERSON_COUNTS_SQL = """
SELECT l.periode, count(DISTINCT l.person_id) AS found, count(DISTINCT t.person) AS truth,
       count(DISTINCT t.person) FILTER (price) - count(DISTINCT l.person_id) FILTER (price)
       AS price_merges
FROM internal.core.person_link l
JOIN (SELECT *, list_contains(string_split(classes, ';'), 'price') AS price FROM truth) t
USING (periode, kpj)
GROUP BY ALL ORDER BY ALL
"""

#: Persons across periods, per planted class: a continuation is right when both persons
#: are one true person; a true person present in both periods should be followed (by one
#: right continuation at least: a person split in both periods has two).
FOLLOWED_SQL = f"""
WITH person_truth AS (
    SELECT l.periode, l.person_id, min(t.person) AS person,
           list_distinct(flatten(list(string_split(t.classes, ';')))) AS classes
    FROM internal.core.person_link l JOIN truth t USING (periode, kpj) GROUP BY ALL
),
true_person AS (
    SELECT periode, person, list_distinct(flatten(list(string_split(classes, ';')))) AS classes
    FROM truth GROUP BY ALL
),
followed AS (
    SELECT c.periode, a.person = b.person AS right_one, a.person,
           unnest({CLASSES_OF_PAIR.format(a="a.classes", b="b.classes")}) AS class
    FROM internal.core.person_continuity c
    JOIN person_truth a ON a.periode = c.periode AND a.person_id = c.person_id
    JOIN person_truth b ON b.periode = c.periode_sebelumnya
     AND b.person_id = c.person_id_sebelumnya
),
in_both AS (
    SELECT t.periode, unnest({CLASSES_OF_PAIR.format(a="t.classes", b="s.classes")}) AS class
    FROM true_person t
    JOIN internal.core.previous_period x ON x.periode = t.periode
    JOIN true_person s ON s.periode = x.periode_sebelumnya AND s.person = t.person
),
counted AS (
    SELECT periode, class, count(*) FILTER (right_one) AS right_ones, count(*) AS followed,
           count(DISTINCT person) FILTER (right_one) AS persons
    FROM followed GROUP BY ALL
)
SELECT periode, class, coalesce(right_ones, 0), coalesce(followed, 0),
       coalesce(persons, 0), coalesce(truth, 0)
FROM counted FULL JOIN (SELECT periode, class, count(*) AS truth FROM in_both GROUP BY ALL)
USING (periode, class) ORDER BY ALL
"""


def persons_report(internal: Path, landing: Path) -> tuple[str, bool]:
    """Pairwise precision and recall of persons against the generator's truth
    (``<landing>/_truth/<periode>.parquet``), per period and per planted class; the
    person count against the true one less the merges of the stated price; persons
    followed across periods, per planted class. Returns the markdown tables and whether
    every target is met: P = R = 1 on every class but the price, persons found = true
    persons less the price merges, exactly."""
    import duckdb

    conn = duckdb.connect()
    conn.execute("SET enable_progress_bar = false")
    conn.execute("ATTACH ? AS internal (READ_ONLY)", [str(internal)])
    conn.execute(
        "CREATE TEMP TABLE truth AS SELECT regexp_extract(filename, '(\\d{4}-\\d{2})\\.parquet$', 1) "
        "AS periode, kpj, person, classes FROM read_parquet(?, filename = true)",
        [str(landing / "_truth" / "*.parquet")],
    )
    pairs = conn.execute(PAIR_COUNTS_SQL).fetchall()
    counts = conn.execute(PERSON_COUNTS_SQL).fetchall()
    followed = conn.execute(FOLLOWED_SQL).fetchall()
    conn.close()
    met = True
    lines = [
        "| period | planted class | true pairs | precision | recall | wrong merges | missed |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for periode, cls, tp, fp, fn in pairs:
        met &= cls == PRICE or (fp == 0 and fn == 0)
        lines.append(
            f"| {periode} | {cls} | {tp + fn:,} | {pct(tp, tp + fp)} | {pct(tp, tp + fn)} "
            f"| {fp:,} | {fn:,} |"
        )
    lines += [
        "",
        "| period | persons found | true persons | price merges | difference less the price |",
        "|---|---:|---:|---:|---:|",
    ]
    for periode, found, truth, merges in counts:
        met &= found == truth - merges
        lines.append(
            f"| {periode} | {found:,} | {truth:,} | {merges:,} | {found - (truth - merges):+,} |"
        )
    lines += [
        "",
        "| period | persons followed: planted class | followed | right | true persons "
        "followed | true continuations | precision | recall |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for periode, cls, right, total, persons, truth in followed:
        met &= cls == PRICE or right == total == persons == truth
        lines.append(
            f"| {periode} | {cls} | {total:,} | {right:,} | {persons:,} | {truth:,} "
            f"| {pct(right, total)} | {pct(persons, truth)} |"
        )
    return "\n".join(lines), met


def pct(num: int, den: int) -> str:
    """A ratio with three decimals, never rounded up to 1.000 when it is below one."""
    if den == 0:
        return "-"
    value = num / den
    text = f"{value:.3f}"
    return "0.999" if text == "1.000" and num != den else text


def months_before(last: str, n: int) -> list[str]:
    """The ``n`` periods up to and including ``last``, oldest first."""
    year, month = map(int, last.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - n + 1, index + 1)]


def run_env(home: Path, landing: Path, warehouse: Path) -> dict[str, str]:
    """The environment of a measured `cakupan run`: a fresh Dagster instance in ``home``."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home.resolve()),
        "CAKUPAN_LANDING_DIR": str(landing),
        "CAKUPAN_WAREHOUSE_DIR": str(warehouse),
    }


def history_case(persons: int, history: int, seed: int) -> int:
    """A new period after ``history`` published ones, against the same period alone."""
    periods = months_before("2025-04", history + 1)
    landing = ensure_landing(persons, periods, seed)
    cakupan = str(Path(sys.executable).with_name("cakupan"))
    cached = BENCH_DIR / f"history-{persons}-{seed}-{history}"
    if not (cached / ".complete").exists():
        shutil.rmtree(cached, ignore_errors=True)
        print(f"publishing {history} periods once into {cached} (cached)")
        env = run_env(BENCH_DIR / "dagster_home", landing, cached)
        earlier = [a for p in periods[:-1] for a in ("--period", p)]
        if subprocess.run([cakupan, "run", *earlier], env=env).returncode != 0:
            return 1
        (cached / ".complete").write_text("")
    new = periods[-1]
    timings: dict[str, list[Measured]] = {"after history": [], "empty warehouse": []}
    for _ in range(HISTORY_RUNS):
        for case in timings:
            warehouse = BENCH_DIR / "warehouse"
            shutil.rmtree(warehouse, ignore_errors=True)
            if case == "after history":
                shutil.copytree(cached, warehouse)
            # The copy's dirty pages are written now, not by the kernel during the measured
            # run (that write-back slowed the "after history" runs alone by up to 4 s).
            os.sync()
            env = run_env(BENCH_DIR / "dagster_home", landing, warehouse)
            measured, _ = measure([cakupan, "run", "--period", new], env, quiet=True)
            if measured.returncode != 0:
                return 1
            timings[case].append(measured)
    print(
        f"\nhistory: period {new} ({persons:,} persons) after {history} published periods "
        f"vs in an empty warehouse, whole `cakupan run --period {new}`, {HISTORY_RUNS} runs "
        "each, alternated\n"
    )
    print("| case | wall s (each run, in the order run) | median | peak RSS |\n|---|---|---:|---:|")
    medians = {}
    for case, runs in timings.items():
        walls = [m.wall for m in runs]
        medians[case] = sorted(walls)[len(walls) // 2]
        print(
            f"| {case} | {', '.join(f'{w:.2f}' for w in walls)} | {medians[case]:.2f} | "
            f"{gib(max(m.peak for m in runs))} |"
        )
    ratio = medians["after history"] / medians["empty warehouse"]
    print(f"| **ratio** | | **{ratio:.2f} x** (target <= 1.10) | |")
    return 0


def floor_and_run(
    landing: Path, warehouse: Path, provinces: tuple[str, ...] = ()
) -> tuple[Measured, Measured] | None:
    """The floor, then the whole `cakupan run` into an empty ``warehouse`` with its steps'
    times (of ``provinces`` if given, else the default deployment); None if it failed."""
    home = BENCH_DIR / "dagster_home"
    shutil.rmtree(warehouse, ignore_errors=True)
    env = run_env(home, landing, warehouse)
    if provinces:
        env["CAKUPAN_PROVINCES"] = ",".join(provinces)
    floor, _ = measure([sys.executable, "-m", "tools.bench", "--floor", str(landing)])
    cakupan = Path(sys.executable).with_name("cakupan")
    pipeline, sampler = measure([str(cakupan), "run"], env)
    if pipeline.returncode != 0:
        print(f"cakupan run exited {pipeline.returncode}", file=sys.stderr)
        return None
    pipeline.steps = step_times(home, sampler)
    return floor, pipeline


POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql://root@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")
WORKERS = 2


def wait_for_line(log: Path, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return True
        time.sleep(0.5)
    return False


def distributed_run(landing: Path, warehouse: Path, provinces: tuple[str, ...]) -> Measured:
    """`cakupan run` in the distributed mode, the daemon and the workers already running."""
    import psycopg2

    home = (BENCH_DIR / "dagster_distributed").resolve()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copy("deploy/dagster.yaml", home / "dagster.yaml")
    shutil.rmtree(warehouse, ignore_errors=True)
    database = f"cakupan_bench_{os.getpid()}"
    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {database}")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CAKUPAN_EXECUTOR": "celery",
        "CAKUPAN_POSTGRES_URL": f"{POSTGRES}/{database}",
        "CAKUPAN_BROKER_URL": REDIS,
        "CAKUPAN_PROVINCES": ",".join(provinces),
        "CAKUPAN_LANDING_DIR": str(landing),
        "CAKUPAN_WAREHOUSE_DIR": str(warehouse),
    }
    bin_dir = Path(sys.executable).parent
    workspace = ["-w", "workspace.yaml"]
    services: list[subprocess.Popen[bytes]] = []
    try:
        # only the measured `cakupan run` starts runs: not the landing sensor, nor the
        # nightly schedule when the clock passes 01:00 WITA during the call
        for kind, name in (("sensor", "landing_sensor"), ("schedule", "nightly_coverage")):
            stop = [str(bin_dir / "dagster"), kind, "stop", name, *workspace]
            subprocess.run(stop, env=env, check=True, capture_output=True)

        def start(name: str, command: list[str]) -> None:
            with open(home / f"{name}.log", "wb") as log:
                services.append(
                    subprocess.Popen(
                        command,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )

        start("daemon", [str(bin_dir / "dagster-daemon"), "run", *workspace])
        for n in range(1, WORKERS + 1):
            name = f"worker-{n}"
            start(name, [str(bin_dir / "cakupan"), "worker", "--queue", "dagster", "--name", name])
        for n in range(1, WORKERS + 1):
            if not wait_for_line(home / f"worker-{n}.log", " ready.", 120):
                raise RuntimeError(f"worker-{n} did not start: see {home}/worker-{n}.log")
        measured, _ = measure([str(bin_dir / "cakupan"), "run"], env, quiet=True)
        return measured
    finally:
        for service in services:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.pid, signal.SIGTERM)
        for service in services:
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(service.pid, signal.SIGKILL)
                service.wait()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()


def national_case(persons: int, periods: list[str], seed: int) -> int:
    """The five Kalimantan provinces in one deployment, in process, then distributed."""
    landing = ensure_landing(persons, periods, seed, KALIMANTAN)
    measured = floor_and_run(landing, BENCH_DIR / "warehouse-national", KALIMANTAN)
    if measured is None:
        return 1
    floor, pipeline = measured
    months = len(KALIMANTAN) * len(periods)
    print(
        f"\nnational: provinces {','.join(KALIMANTAN)}, {persons:,} persons in all x "
        f"{len(periods)} periods ({','.join(periods)}), in process, {os.cpu_count()} cores\n"
    )
    print(report(floor, pipeline, len(periods)))
    print(f"\n| per province-month ({months}) | {pipeline.wall / months:.2f} s | |")
    distributed = distributed_run(landing, BENCH_DIR / "warehouse-distributed", KALIMANTAN)
    if distributed.returncode != 0:
        print(f"cakupan run (distributed) exited {distributed.returncode}", file=sys.stderr)
        return 1
    print(
        f"\n| distributed mode: the daemon and {WORKERS} Celery workers on this machine "
        "| wall s | |\n|---|---:|---|\n"
        f"| in process (above) | {pipeline.wall:.2f} | |\n"
        f"| distributed | {distributed.wall:.2f} | |\n"
        f"| **overhead distributed / in process** | **{distributed.wall / pipeline.wall:.2f} x** "
        "| target 1.25 x |"
    )
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--floor"]:
        floor_child(Path(sys.argv[2]))
        return 0
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument(
        "--persons",
        type=int,
        default=int(os.environ["BENCH_PERSONS"]) if "BENCH_PERSONS" in os.environ else None,
        help="default 1,000,000 (100,000 with --history)",
    )
    args.add_argument("--periods", default="2025-03,2025-04")
    args.add_argument("--seed", type=int, default=7)
    args.add_argument(
        "--history",
        type=int,
        default=int(os.environ.get("BENCH_HISTORY", 0)),
        help="instead: a new period after this many published ones",
    )
    args.add_argument(
        "--national",
        action="store_true",
        default=os.environ.get("BENCH_NATIONAL", "") not in ("", "0"),
        help="instead: the five Kalimantan provinces (default 200,000 persons in all)",
    )
    opts = args.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    if opts.national:
        return national_case(opts.persons or 200_000, opts.periods.split(","), opts.seed)
    if opts.history:
        return history_case(opts.persons or 100_000, opts.history, opts.seed)
    persons = opts.persons or 1_000_000
    periods = opts.periods.split(",")
    landing = ensure_landing(persons, periods, opts.seed)
    warehouse = BENCH_DIR / "warehouse"
    measured = floor_and_run(landing, warehouse)
    if measured is None:
        return 1
    floor, pipeline = measured
    print(
        f"\nbenchmark: {persons:,} persons x {len(periods)} periods ({opts.periods}), "
        f"DuckDB memory_limit {os.environ.get('CAKUPAN_DUCKDB_MEMORY_LIMIT', 'as set by default')}, "
        f"{os.cpu_count()} cores\n"
    )
    print(report(floor, pipeline, len(periods)))
    tables, met = persons_report(warehouse / "internal.duckdb", landing)
    print(f"\npersons against the generator's truth ({landing / '_truth'}):\n")
    print(tables)
    print(
        "\ntargets (P = R = 1.000 on every planted class but the stated price, persons found "
        "= true persons less the price merges, exactly): " + ("met" if met else "NOT met")
    )
    json.dump(
        {"floor": floor.__dict__, "pipeline": pipeline.__dict__},
        (BENCH_DIR / "last.json").open("w"),
        indent=1,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
