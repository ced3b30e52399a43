"""The distributed mode for real (docs/deploy.md): the webserver, the daemon and two Celery
workers as separate processes, started with the commands of the docs, against the local
PostgreSQL (a fresh database per test, dropped after) and Redis; runs through the queue.

No mocks: the services are those every development machine and CI start (issue 19).
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import psycopg2
import pytest
import redis
from helpers import LANDING_SENSOR, NIGHTLY, ROOT, stop_automation
from test_faults import land, leftovers, marts

from assets import lock
from assets.warehouse import PROVINCE_TAG, Warehouse
from pipelines import jobs
from pipelines.automation.fingerprints import REASON_TAG
from pipelines.distributed import step_places
from pipelines.runner import run_each_period

POSTGRES = "postgresql://root@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
BIN = Path(sys.executable).parent
#: Seconds the whole cluster gets to finish the runs of a test.
DEADLINE = 420

pytestmark = [pytest.mark.slow, pytest.mark.distributed]


@contextmanager
def fresh_database() -> Iterator[str]:
    """A database of its own (dropped after, even on failure): its URL."""
    name = f"cakupan_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def broker_of_this_test_process() -> str:
    """A Redis database of this pytest process's own (xdist's gw0 -> 1, gw1 -> 2, ...),
    emptied: another test's workers, running beside this one or killed before it, never
    take these steps (they would fail with "Could not load run": the run is in another
    PostgreSQL database). A random database collided one time in fifteen."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    url = f"{REDIS}/{1 + int(worker.removeprefix('gw')) % 15}"
    redis.Redis.from_url(url).flushdb()
    return url


class Cluster:
    """The processes of docs/deploy.md on this machine, one environment for all of them."""

    def __init__(self, tmp: Path, postgres: str, stack: ExitStack) -> None:
        home = tmp / "dagster_home"
        home.mkdir()
        shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
        self.home = home
        self.warehouse_dir = tmp / "warehouse"
        self.logs = tmp / "logs"
        self.logs.mkdir()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CAKUPAN_", "DAGSTER_"))}
        self.env = {
            **base,
            "DAGSTER_HOME": str(home),
            "CAKUPAN_EXECUTOR": "celery",
            "CAKUPAN_POSTGRES_URL": postgres,
            "CAKUPAN_BROKER_URL": broker_of_this_test_process(),
            "CAKUPAN_LANDING_DIR": str(land(tmp / "landing")),
            "CAKUPAN_WAREHOUSE_DIR": str(self.warehouse_dir),
            "CAKUPAN_DUCKDB_MEMORY_LIMIT": "1GB",
            "CAKUPAN_DUCKDB_THREADS": "1",
            "PYTHONWARNINGS": "ignore",
        }
        self.stack = stack
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        stack.callback(self.stop_all)

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        """A process in a session of its own (so that its children stop with it)."""
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of its session
        process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def services(self, port: int, landing_sensor: bool = True) -> None:
        """The webserver, the daemon (both on the workspace), as docs/deploy.md starts them;
        without the landing sensor, it is stopped before the daemon starts (it would queue
        runs of the same periods). The nightly schedule is stopped: a test that passes
        01:00 WITA would otherwise see it start runs of its own."""
        workspace = ["-w", "workspace.yaml"]
        self.start("webserver", [str(BIN / "dagster-webserver"), *workspace, "-p", str(port)])
        stop_automation(self.env, NIGHTLY, *([] if landing_sensor else [LANDING_SENSOR]))
        self.start("daemon", [str(BIN / "dagster-daemon"), "run", *workspace])

    def worker(self, name: str, **env: str) -> None:
        self.start(
            name, [str(BIN / "cakupan"), "worker", "--queue", "dagster", "--name", name], **env
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "cakupan"), "run", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            stdin=subprocess.DEVNULL,
        )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def instance(self) -> dg.DagsterInstance:
        os.environ["CAKUPAN_POSTGRES_URL"] = self.env["CAKUPAN_POSTGRES_URL"]
        instance = dg.DagsterInstance.from_config(str(self.home))
        self.stack.callback(instance.dispose)
        return instance


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    monkeypatch.setenv("CAKUPAN_POSTGRES_URL", "")  # the instance() of the test sets it
    with ExitStack() as stack:
        postgres = stack.enter_context(fresh_database())
        yield Cluster(tmp_path, postgres, stack)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_webserver(port: int, cluster: Cluster) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"webserver did not answer:\n{cluster.log('webserver')[-3000:]}")


def in_process(
    tmp: Path, landing: str, periods: list[str] | None = None, provinces: str = "64"
) -> Path:
    """The same landing zone published by the embedded default (in-process executor)."""
    warehouse = Warehouse(
        landing_dir=landing,
        warehouse_dir=str(tmp),
        memory_limit="1GB",
        threads=1,
        provinces=provinces,
    )
    assert all(o.success for o in run_each_period(warehouse, periods))
    return Path(warehouse.published_path)


def run_windows(
    instance: dg.DagsterInstance, runs: list[dg.DagsterRun] | None = None
) -> list[tuple[float, float]]:
    """(start, end) of every run (default: of the instance) that started, in order of start."""
    windows = []
    for run in instance.get_runs() if runs is None else runs:
        stats = instance.get_run_stats(run.run_id)
        if stats.start_time is not None and stats.end_time is not None:
            windows.append((stats.start_time, stats.end_time))
    return sorted(windows)


def tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of a DuckDB file, row by row, without when and by which run it was
    published (its timestamp columns and run ids)."""
    with duckdb.connect(str(path), read_only=True) as conn:
        columns = conn.execute(
            "SELECT table_schema || '.' || table_name, list(column_name ORDER BY "
            "ordinal_position) FILTER (data_type NOT LIKE 'TIMESTAMP%' AND column_name "
            "<> 'run_id') FROM information_schema.columns GROUP BY ALL"
        ).fetchall()
        return {
            table: conn.execute(
                f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in kept)} FROM {table} "
                "ORDER BY ALL"
            ).fetchall()
            for table, kept in columns
            if kept
        }


def test_two_workers_run_the_steps_of_queued_runs_one_run_of_a_province_at_a_time(
    cluster: Cluster, tmp_path: Path
) -> None:
    started = time.monotonic()
    port = free_port()
    cluster.services(port)
    cluster.worker("w1")
    cluster.worker("w2")
    wait_for_webserver(port, cluster)
    done = cluster.run()
    assert done.returncode == 0, done.stderr + cluster.log("daemon")[-3000:]
    assert "2 of 2 period(s) published" in done.stdout, done.stdout

    instance = cluster.instance()
    # The landing sensor (the daemon runs it) may queue runs of the same periods too.
    runs = instance.get_runs()
    ours = [r for r in runs if r.tags.get(REASON_TAG) == "cli"]
    # One run per province and period, tagged with both dimensions (the queue's limit is on
    # dagster/partition/province).
    assert sorted(r.tags["dagster/partition"] for r in ours) == ["2025-03|64", "2025-04|64"]
    assert {r.tags["dagster/partition/province"] for r in ours} == {"64"}
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    places = [p for r in runs for p in step_places(instance, r.run_id)]
    workers = {p.worker.split("@")[0] for p in places}
    assert workers == {"w1", "w2"}, places  # steps landed on both workers
    assert len(places) == len(runs) * 13  # every step of every run, each on a worker
    # The queue let one run of the province (one warehouse file) at a time.
    windows = run_windows(instance)
    assert len(windows) == len(runs)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(windows)), windows
    # The published file equals the embedded default's, table by table; nothing left over.
    reference = in_process(tmp_path / "in_process", cluster.env["CAKUPAN_LANDING_DIR"])
    assert marts(cluster.warehouse_dir / "coverage.duckdb") == marts(reference)
    assert leftovers(cluster.warehouse_dir) == []
    print(f"distributed test: {time.monotonic() - started:.0f} s; {done.stdout[-1500:]}")


PROVINCES = ("62", "63", "64")


def demo_landing(root: Path, periods: str = "2025-03,2025-04") -> Path:
    """Months (default two) of a tiny national snapshot of three provinces (`cakupan
    demo-data`)."""
    subprocess.run(
        [
            str(BIN / "cakupan"),
            "demo-data",
            "--out",
            str(root),
            "--persons",
            "1500",
            "--provinces",
            ",".join(PROVINCES),
            "--periods",
            periods,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return root


def test_several_provinces_run_in_two_phases_side_by_side_on_two_workers_as_in_process(
    cluster: Cluster, tmp_path: Path
) -> None:
    started = time.monotonic()
    landing = demo_landing(tmp_path / "demo")
    cluster.env |= {"CAKUPAN_PROVINCES": ",".join(PROVINCES), "CAKUPAN_LANDING_DIR": str(landing)}
    port = free_port()
    cluster.services(port, landing_sensor=False)
    cluster.worker("w1")
    cluster.worker("w2")
    wait_for_webserver(port, cluster)
    done = cluster.run()
    assert done.returncode == 0, done.stderr + cluster.log("daemon")[-3000:]
    # The client prints each province's summary from the province's own files, as in
    # process, and the national periods.
    for province in PROVINCES:
        assert f"== province {province} (" in done.stdout, done.stdout
    period_lines = [line.split() for line in done.stdout.splitlines() if line.startswith("2025-")]
    assert len(period_lines) == 2 * len(PROVINCES), done.stdout
    assert all(line[1] == "published" and int(line[2]) > 0 for line in period_lines), done.stdout
    assert done.stdout.count("national 2025-0") == 2, done.stdout

    instance = cluster.instance()
    runs = instance.get_runs()
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    by_province = {p: [r for r in runs if r.tags.get(PROVINCE_TAG) == p] for p in PROVINCES}
    # Two runs per province and period (before and after the placement), each writing its
    # province's file; per period one placement run and one run of the national file.
    assert all(len(r) == 4 for r in by_province.values()), by_province
    assert all({x.tags[jobs.WRITER_TAG] for x in r} == {p} for p, r in by_province.items())
    national = [r for r in runs if r.job_name == jobs.NATIONAL_JOB_NAME]
    assert len(national) == 4 and len(runs) == 16
    assert {r.tags[jobs.WRITER_TAG] for r in national} == {jobs.NATIONAL_WRITER}
    # Steps ran on both workers.
    places = {r.run_id: step_places(instance, r.run_id) for r in runs}
    workers = {p.worker.split("@")[0] for steps in places.values() for p in steps}
    assert workers == {"w1", "w2"}, places
    # No two runs of a province overlapped; runs of different provinces did, at least once.
    windows = {p: run_windows(instance, r) for p, r in by_province.items()}
    for province_windows in windows.values():
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(province_windows)), windows
    side_by_side = [
        (p, q)
        for p, q in itertools.combinations(PROVINCES, 2)
        for a in windows[p]
        for b in windows[q]
        if a[0] < b[1] and b[0] < a[1]
    ]
    assert side_by_side, windows
    # Every province file and the national file equal the embedded default's, table by table.
    reference = in_process(tmp_path / "in_process", str(landing), provinces=",".join(PROVINCES))
    for name in [f"{p}/coverage.duckdb" for p in PROVINCES] + ["coverage_nasional.duckdb"]:
        assert tables(cluster.warehouse_dir / name) == tables(reference.parent / name), name
    for province, province_runs in by_province.items():
        steps = [p.worker.split("@")[0] for r in province_runs for p in places[r.run_id]]
        print(
            f"province {province}: " + ", ".join(f"{w} {steps.count(w)}" for w in sorted(workers))
        )
    print(
        f"several provinces: {time.monotonic() - started:.0f} s, {len(side_by_side)} "
        f"overlapping run pair(s) of different provinces"
    )


def national_periods(path: Path) -> list[str]:
    """The periods the national file holds (none while it does not exist or is swapped)."""
    try:
        with duckdb.connect(str(path), read_only=True) as conn:
            rows = conn.execute("SELECT DISTINCT periode FROM mart.coverage_national").fetchall()
    except (duckdb.IOException, duckdb.CatalogException):
        return []
    return sorted(r[0] for r in rows)


def test_the_landing_sensor_alone_publishes_every_province_and_the_national_file(
    cluster: Cluster, tmp_path: Path
) -> None:
    """No `cakupan run`: the daemon's landing sensor starts each period's plan, the
    province_plan_sensor runs the placement, the provinces' second runs and the national
    file, on the workers (pipelines/automation/plan.py)."""
    started = time.monotonic()
    landing = demo_landing(tmp_path / "demo", periods="2025-03")
    cluster.env |= {"CAKUPAN_PROVINCES": ",".join(PROVINCES), "CAKUPAN_LANDING_DIR": str(landing)}
    cluster.services(free_port())
    cluster.worker("w1")
    cluster.worker("w2")
    national = cluster.warehouse_dir / "coverage_nasional.duckdb"
    deadline = time.monotonic() + DEADLINE
    while national_periods(national) != ["2025-03"]:
        assert time.monotonic() < deadline, cluster.log("daemon")[-3000:]
        time.sleep(5)
    instance = cluster.instance()
    while any(not r.is_finished for r in instance.get_runs()):  # the last run's bookkeeping
        assert time.monotonic() < deadline, cluster.log("daemon")[-3000:]
        time.sleep(2)
    runs = instance.get_runs()
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    phases = sorted(r.tags.get("cakupan/phase", "") for r in runs)
    # A persons run and a publish run per province, one placement, one national run.
    assert phases == sorted(["persons", "publish"] * 3 + ["placement", "national"]), phases
    reference = in_process(tmp_path / "in_process", str(landing), provinces=",".join(PROVINCES))
    for name in [f"{p}/coverage.duckdb" for p in PROVINCES] + ["coverage_nasional.duckdb"]:
        assert tables(cluster.warehouse_dir / name) == tables(reference.parent / name), name
    print(f"the landing sensor alone: {time.monotonic() - started:.0f} s, {len(runs)} runs")


def test_a_worker_killed_in_a_step_fails_the_run_publishes_nothing_and_a_rerun_is_exact(
    cluster: Cluster, tmp_path: Path
) -> None:
    port = free_port()
    cluster.services(port)
    # Both workers freeze inside the marts' write transaction (once per process).
    cluster.worker("w1", CAKUPAN_FAULT_AT="marts:STOP")
    cluster.worker("w2", CAKUPAN_FAULT_AT="marts:STOP")
    runner = subprocess.Popen(
        [str(BIN / "cakupan"), "run", "--period", "2025-03"],
        cwd=ROOT,
        env=cluster.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    # A frozen step holds the writer lock: its holder is the process to kill. Every run
    # that reaches the marts freezes (the landing sensor's too): kill each, until ours ends.
    lock_path = cluster.warehouse_dir / "internal.duckdb.lock"
    deadline = time.monotonic() + DEADLINE
    killed = 0
    while runner.poll() is None and time.monotonic() < deadline:
        holder = lock.read_holder(lock_path) if lock_path.exists() else None
        if holder is not None and stopped(holder.pid):
            os.kill(holder.pid, signal.SIGKILL)
            killed += 1
        time.sleep(0.5)
    out, err = runner.communicate(timeout=10)
    assert killed >= 1, cluster.log("w1")[-2000:]
    assert runner.returncode == 1, out + err
    assert "period 2025-03 NOT published" in err
    assert not (cluster.warehouse_dir / "coverage.duckdb").exists()  # nothing half-published

    # The workers again, without the fault: the rerun publishes what the embedded default does.
    cluster.stop("w1")
    cluster.stop("w2")
    cluster.worker("w1")
    cluster.worker("w2")
    done = cluster.run("--period", "2025-03")
    assert done.returncode == 0, done.stderr
    # The landing sensor may have published 2025-04 too (which refreshes 2025-03's flows):
    # the reference publishes the same periods in process.
    published = marts(cluster.warehouse_dir / "coverage.duckdb")
    periods = sorted({row[0] for row in published["mart.published_periods"]})
    reference = in_process(tmp_path / "in_process", cluster.env["CAKUPAN_LANDING_DIR"], periods)
    assert published == marts(reference)
    assert leftovers(cluster.warehouse_dir) == []


def stopped(pid: int) -> bool:
    """The process is frozen (SIGSTOP), from /proc."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "T"
    except (OSError, IndexError):
        return False


def refused(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "cakupan"), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("service", "variable", "bad_url", "named"),
    [
        ("broker", "CAKUPAN_BROKER_URL", "redis://127.0.0.1:1/0", "the Celery broker"),
        ("postgres", "CAKUPAN_POSTGRES_URL", "postgresql://root@127.0.0.1:1/x", "PostgreSQL"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["worker"]])
def test_a_service_down_is_named_in_one_line_and_nothing_runs(
    cluster: Cluster, command: list[str], service: str, variable: str, bad_url: str, named: str
) -> None:
    done = refused({**cluster.env, variable: bad_url}, *command)
    assert done.returncode == 4, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"cakupan: {named}") and "127.0.0.1:1" in lines[0], lines
    assert variable in lines[0] and "Traceback" not in done.stderr
    assert not cluster.warehouse_dir.exists() or not list(cluster.warehouse_dir.iterdir())
