"""Faults: a killed run, a second writer, damaged files, a full disk.

Every fault ends in a correct publish or a clean stop that names the file and the reason;
the published numbers are never damaged; nothing hangs. The kill tests use the one test
hook of the pipeline, ``CAKUPAN_FAULT_AT=<point>`` (assets/warehouse.py ``fault_point``):
the process SIGKILLs (or, with ``:STOP``, SIGSTOPs) itself at that named point, so each
kill lands exactly where it is meant to.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers import ROOT, Landing, enrollment_row

from assets import lock
from assets.warehouse import Warehouse
from contract.tables import (
    ABOUT,
    COVERAGE_PRIORITY,
    FLOW_MARTS,
    INTERNAL_ABOUT,
    MARTS,
    PERIOD_COMPARISON_COLUMNS,
    PUBLISHED_PERIODS,
)
from contract.version import CONTRACT_VERSION, package_version
from pipelines.cli import main as cakupan
from pipelines.runner import run_each_period

pytestmark = pytest.mark.slow

PERIODS = ("2025-03", "2025-04")
KILL_POINTS = ["staging", "persons", "marts", "candidate", "before_swap", "after_swap"]


def environ(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CAKUPAN_", "DAGSTER_"))}
    return {**clean, **extra}


def cli(
    warehouse: Path, landing: Path, *args: str, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        env=environ(CAKUPAN_LANDING_DIR=str(landing), CAKUPAN_WAREHOUSE_DIR=str(warehouse), **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def here(
    capsys: pytest.CaptureFixture[str], warehouse: Path, landing: Path, command: str, *args: str
) -> Done:
    """`cakupan` in this process (no interpreter start, GX imported once per worker): for
    the runs whose process is not the point of the test."""
    capsys.readouterr()
    code = cakupan([command, *args, "--landing", str(landing), "--warehouse-dir", str(warehouse)])
    out = capsys.readouterr()
    return Done(code, out.out, out.err)


def land(root: Path) -> Path:
    landing = Landing(root)
    landing.full_labour(2025)
    landing.enrollment("2025-03", [enrollment_row(), enrollment_row(segmen="BPU")])
    landing.enrollment(
        "2025-04", [enrollment_row(), enrollment_row(kode_wilayah="6471"), enrollment_row()]
    )
    return root


def marts(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every published table's rows, without when and by which run they were published."""
    with duckdb.connect(str(path), read_only=True) as conn:
        found = {
            t.name: conn.execute(f"SELECT * FROM {t.name} ORDER BY ALL").fetchall() for t in MARTS
        }
        found[PUBLISHED_PERIODS.name] = conn.execute(
            f"SELECT periode, tahun_pekerja FROM {PUBLISHED_PERIODS.name} ORDER BY ALL"
        ).fetchall()
    return found


def internal_marts(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return {
            t.name: conn.execute(f"SELECT * FROM {t.name} ORDER BY ALL").fetchall() for t in MARTS
        }


def leftovers(warehouse: Path) -> list[str]:
    """What a finished run must not leave: candidates, WALs, spill files."""
    found = [
        p.name for p in warehouse.iterdir() if p.name.endswith(".wal") or "candidate" in p.name
    ]
    spill = warehouse / "spill"
    if spill.is_dir():
        found += [f"spill/{p.name}" for p in spill.iterdir()]
    return found


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """2025-03 published; and beside it, the reference: then 2025-04, uninterrupted."""
    root = tmp_path_factory.mktemp("faults")
    landing = land(root / "landing")
    first = root / "first"
    flags = ["--landing", str(landing), "--warehouse-dir"]
    assert cakupan(["run", "--period", "2025-03", *flags, str(first)]) == 0
    reference = root / "reference"
    shutil.copytree(first, reference)
    assert cakupan(["run", "--period", "2025-04", *flags, str(reference)]) == 0
    return {"landing": landing, "first": first, "reference": reference}


def copy_of(baseline: dict[str, Path], which: str, to: Path) -> Path:
    shutil.copytree(baseline[which], to)
    return to


# ---------------------------------------------------------------------------- kill -9


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_at_every_stage_then_a_rerun(
    baseline: dict[str, Path], tmp_path: Path, point: str, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = copy_of(baseline, "first", tmp_path / "warehouse")
    published = warehouse / "coverage.duckdb"
    before = marts(published)

    killed = cli(
        warehouse, baseline["landing"], "run", "--period", "2025-04", CAKUPAN_FAULT_AT=point
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # The published file opens read-only with the numbers it had (the new ones once swapped).
    expected = marts(baseline["reference"] / "coverage.duckdb") if point == "after_swap" else before
    assert marts(published) == expected
    # The kernel dropped the killed writer's lock: the next writer takes it at once.
    rerun = here(capsys, warehouse, baseline["landing"], "run", "--period", "2025-04", "--no-wait")
    assert rerun.returncode == 0, rerun.stderr
    assert marts(published) == marts(baseline["reference"] / "coverage.duckdb")
    assert internal_marts(warehouse / "internal.duckdb") == internal_marts(
        baseline["reference"] / "internal.duckdb"
    )
    assert leftovers(warehouse) == []


def test_spill_files_of_a_killed_process_are_removed_by_the_next_run(
    baseline: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB names spill files after their process and never removes them after a kill."""
    warehouse = copy_of(baseline, "first", tmp_path / "warehouse")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    spill = warehouse / "spill"
    spill.mkdir(exist_ok=True)
    stale = spill / f"duckdb_temp_{dead.pid}_0_storage_DEFAULT-0.tmp"
    stale.write_bytes(b"\0" * 4096)
    (spill / f"duckdb_temp_{dead.pid}_0_owner").touch()
    live = spill / f"duckdb_temp_{os.getpid()}_0_owner"  # a reader's: still in use
    live.touch()
    done = here(capsys, warehouse, baseline["landing"], "run", "--period", "2025-04")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in spill.iterdir()) == [live.name]


# ------------------------------------------------------------------------------ locks


def test_the_writer_lock_is_reentrant_and_names_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "internal.duckdb.lock"
    outer = lock.Holder(pid=os.getpid(), command="cakupan run")
    assert lock.acquire(path, outer) is True  # first: the time to clean up
    try:
        assert lock.acquire(path, lock.Holder(os.getpid(), "Dagster run", run_id="abc123")) is False
        holder = lock.read_holder(path)
        assert holder is not None
        assert (holder.run_id, holder.command, holder.pid) == ("abc123", "cakupan run", os.getpid())
        lock.release(path)
        assert lock.read_holder(path) == outer
        # Another process cannot take it, and says who has it.
        other = subprocess.run(
            [sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True, text=True, cwd=ROOT
        )
        assert other.returncode == 3
        assert f"the warehouse is being written by cakupan run (pid {os.getpid()})" in other.stdout
        fd = lock._held[path.resolve()].fd
        assert not os.get_inheritable(fd)  # a child can never keep it alive
    finally:
        lock.release(path)
    assert not lock.held_here(path)
    assert lock.acquire(path, outer) is True
    lock.release(path)


TRY_LOCK = """
import os, sys
from assets import lock
try:
    lock.acquire(sys.argv[1], lock.Holder(os.getpid(), "probe"), wait=False)
except lock.WarehouseBusy as busy:
    print(busy)
    sys.exit(3)
"""

HOLD_LOCK = """
import os, sys
from assets import lock
lock.acquire(sys.argv[1], lock.Holder(os.getpid(), "holder", run_id="r-1"))
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_killed_holder_releases_the_lock_at_once(tmp_path: Path) -> None:
    path = tmp_path / "internal.duckdb.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(lock.WarehouseBusy, match=f"run r-1 \\(pid {holder.pid}, holder\\)"):
        lock.acquire(path, lock.Holder(os.getpid(), "test"), wait=False)
    holder.kill()
    holder.wait()
    assert lock.acquire(path, lock.Holder(os.getpid(), "test"), wait=False)  # no stale lock
    lock.release(path)


DAEMON_RUN = """
import sys
import dagster as dg
from pipelines.definitions import defs
job = defs.resolve_job_def("coverage_job")
result = job.execute_in_process(
    partition_key=f"{sys.argv[1]}|64", run_id=sys.argv[2], instance=dg.DagsterInstance.ephemeral(),
    raise_on_error=False,
)
sys.exit(0 if result.success else 1)
"""


def stopped(pid: int) -> bool:
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state == "T"


def wait_for(what: str, condition: Any, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_cakupan_run_beside_a_daemon_run_waits_for_it_or_exits_3(
    baseline: dict[str, Path], tmp_path: Path
) -> None:
    """A run as the daemon launches it (its own process, the code location's definitions,
    the settings from the environment) holds the lock from its resources' setup to their
    teardown; `cakupan run` waits for it and names it, or exits 3 with --no-wait."""
    warehouse = copy_of(baseline, "first", tmp_path / "warehouse")
    landing = baseline["landing"]
    run_id = "0f0e0d0c-aaaa-bbbb-cccc-000000000001"
    daemon_run = subprocess.Popen(
        [sys.executable, "-c", DAEMON_RUN, "2025-04", run_id],
        cwd=ROOT,
        env=environ(
            CAKUPAN_LANDING_DIR=str(landing),
            CAKUPAN_WAREHOUSE_DIR=str(warehouse),
            CAKUPAN_FAULT_AT="persons:STOP",  # frozen mid-write, holding the lock
        ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    waiting = None
    try:
        wait_for("the daemon's run to stop mid-write", lambda: stopped(daemon_run.pid))
        started = time.monotonic()
        busy = cli(warehouse, landing, "run", "--no-wait", timeout=60)
        assert time.monotonic() - started < 30
        assert busy.returncode == 3
        [line] = busy.stderr.strip().splitlines()
        assert f"written by run {run_id} (pid {daemon_run.pid}, Dagster run)" in line
        assert "--no-wait" in line

        waiting = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run"],
            cwd=ROOT,
            env=environ(CAKUPAN_LANDING_DIR=str(landing), CAKUPAN_WAREHOUSE_DIR=str(warehouse)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert waiting.stderr is not None
        first = waiting.stderr.readline()
        assert first.startswith(
            f"cakupan: waiting for the warehouse: being written by run {run_id}"
        )
        os.kill(daemon_run.pid, signal.SIGCONT)
        assert daemon_run.wait(timeout=300) == 0
        out, err = waiting.communicate(timeout=300)
        assert waiting.returncode == 0, err
        assert "2 of 2 period(s) published" in out
    finally:
        for process in (daemon_run, waiting):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert marts(warehouse / "coverage.duckdb") == marts(baseline["reference"] / "coverage.duckdb")


def test_a_daemon_run_waits_for_cakupan_run_and_says_for_whom(
    baseline: dict[str, Path], tmp_path: Path
) -> None:
    """The other way round: a run launched by the daemon finds `cakupan run` writing; it
    waits in its resources' setup, says for whom in its log, then runs."""
    warehouse = copy_of(baseline, "first", tmp_path / "warehouse")
    path = warehouse / "internal.duckdb.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    daemon_run = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        daemon_run = subprocess.Popen(
            [sys.executable, "-c", DAEMON_RUN, "2025-04", "0f0e0d0c-aaaa-bbbb-cccc-000000000002"],
            cwd=ROOT,
            env=environ(
                CAKUPAN_LANDING_DIR=str(baseline["landing"]), CAKUPAN_WAREHOUSE_DIR=str(warehouse)
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert daemon_run.stderr is not None
        expected = f"waiting for the warehouse: being written by run r-1 (pid {holder.pid}"
        seen = []  # Dagster's own log lines (RUN_START, ...) come first
        while not any(expected in line for line in seen) and len(seen) < 50:
            line = daemon_run.stderr.readline()
            if not line:
                break
            seen.append(line)
        assert any(expected in line for line in seen), seen
        assert daemon_run.poll() is None  # it waits...
        assert holder.stdin is not None
        holder.stdin.close()  # ...until the holder is done
        holder.wait(timeout=30)
        _, err = daemon_run.communicate(timeout=300)
        assert daemon_run.returncode == 0, err
    finally:
        for process in (holder, daemon_run):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert marts(warehouse / "coverage.duckdb") == marts(baseline["reference"] / "coverage.duckdb")


# --------------------------------------------------------------------- damaged files


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(random.Random(9).randbytes(len(data)))


@pytest.mark.parametrize("how", ["truncated", "random bytes"])
def test_a_damaged_internal_file_is_named_and_cakupan_rebuild_rebuilds_it(
    baseline: dict[str, Path], tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = copy_of(baseline, "reference", tmp_path / "warehouse")
    internal = warehouse / "internal.duckdb"
    published = warehouse / "coverage.duckdb"
    before = published.read_bytes()
    damage(internal, how)

    done = here(capsys, warehouse, baseline["landing"], "run")
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"cakupan: {internal} is damaged: ")
    assert "`cakupan rebuild`" in line
    assert "Traceback" not in done.stderr
    assert published.read_bytes() == before

    done = here(capsys, warehouse, baseline["landing"], "rebuild")
    assert done.returncode == 0, done.stderr
    assert "2 of 2 period(s) published" in done.stdout
    assert internal_marts(internal) == internal_marts(baseline["reference"] / "internal.duckdb")
    assert marts(published) == marts(baseline["reference"] / "coverage.duckdb")
    assert leftovers(warehouse) == []


@pytest.mark.parametrize("how", ["truncated", "random bytes"])
def test_a_damaged_published_file_is_rebuilt_from_the_internal_marts_by_the_next_run(
    baseline: dict[str, Path], tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = copy_of(baseline, "reference", tmp_path / "warehouse")
    published = warehouse / "coverage.duckdb"
    damage(published, how)
    # A run of one period republishes every period that was published.
    done = here(capsys, warehouse, baseline["landing"], "run", "--period", "2025-04")
    assert done.returncode == 0, done.stderr
    assert f"{published} is damaged" in done.stderr
    assert "Traceback" not in done.stderr
    assert marts(published) == marts(baseline["reference"] / "coverage.duckdb")


# ------------------------------------------------------------------------- full disk


def file_size_limit(limit: int) -> Any:
    def set_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the child
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


def test_a_file_size_limit_mid_run_leaves_the_published_file_and_names_the_file(
    baseline: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = copy_of(baseline, "first", tmp_path / "warehouse")
    published = warehouse / "coverage.duckdb"
    before = published.read_bytes()
    limit = 256 * 1024  # no file may be written beyond its first 256 KiB
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--period", "2025-04"],
        cwd=ROOT,
        env=environ(
            CAKUPAN_LANDING_DIR=str(baseline["landing"]), CAKUPAN_WAREHOUSE_DIR=str(warehouse)
        ),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=file_size_limit(limit),
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Stack Trace" not in done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("period 2025-04")]
    assert "could not be written: the file size limit was reached" in line
    assert str(warehouse) in line  # names the file
    assert published.read_bytes() == before
    # Without the limit the same run publishes, as an uninterrupted one does.
    done = here(capsys, warehouse, baseline["landing"], "run", "--period", "2025-04")
    assert done.returncode == 0, done.stderr
    assert marts(published) == marts(baseline["reference"] / "coverage.duckdb")


def test_a_full_disk_mid_run_leaves_the_published_file_and_names_the_file(
    baseline: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(
        # Room for the rerun once the filler is gone: the failed run leaves the internal
        # file grown by what it wrote before the disk filled (64m left the rerun short).
        ["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(mount)],
        capture_output=True,
    ).returncode:
        pytest.skip("mounting a small tmpfs needs CAP_SYS_ADMIN")
    try:
        warehouse = mount / "warehouse"
        shutil.copytree(baseline["first"], warehouse)
        published = warehouse / "coverage.duckdb"
        before = published.read_bytes()
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * (free - 64 * 1024))  # 64 KiB left
        # Its own process: the point is what a user's terminal shows.
        done = cli(warehouse, baseline["landing"], "run", "--period", "2025-04")
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr and "Stack Trace" not in done.stderr
        [line] = [x for x in done.stderr.splitlines() if x.startswith("period 2025-04")]
        assert "could not be written: the disk is full" in line
        assert str(warehouse) in line
        assert published.read_bytes() == before
        (mount / "filler").unlink()
        done = here(capsys, warehouse, baseline["landing"], "run", "--period", "2025-04")
        assert done.returncode == 0, done.stderr
        assert marts(published) == marts(baseline["reference"] / "coverage.duckdb")
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_cakupan_run_is_interrupted_cleanly_by_sigterm(
    baseline: dict[str, Path], tmp_path: Path
) -> None:
    warehouse = copy_of(baseline, "first", tmp_path / "warehouse")
    published = warehouse / "coverage.duckdb"
    before = published.read_bytes()
    run = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--period", "2025-04"],
        cwd=ROOT,
        env=environ(
            CAKUPAN_LANDING_DIR=str(baseline["landing"]),
            CAKUPAN_WAREHOUSE_DIR=str(warehouse),
            CAKUPAN_FAULT_AT="marts:STOP",
        ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for("the run to reach the marts", lambda: stopped(run.pid))
    run.send_signal(signal.SIGTERM)
    os.kill(run.pid, signal.SIGCONT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("cakupan: interrupted")
    assert published.read_bytes() == before
    assert json.loads((warehouse / "internal.duckdb.lock").read_text() or "null") is None


def test_rebuild_refuses_while_another_writer_holds_the_lock(
    baseline: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = copy_of(baseline, "reference", tmp_path / "warehouse")
    path = warehouse / "internal.duckdb.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        args = ["--landing", str(baseline["landing"]), "--warehouse-dir", str(warehouse)]
        assert cakupan(["rebuild", "--no-wait", *args]) == 3
        assert f"run r-1 (pid {holder.pid}, holder)" in capsys.readouterr().err
        assert (warehouse / "internal.duckdb").exists()  # untouched
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------ files of another version or schema


@pytest.fixture
def warehouse(baseline: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the reference warehouse: both periods published by this version."""
    return copy_of(baseline, "reference", tmp_path / "warehouse")


def written_before_about(warehouse: Path, release: str) -> None:
    """The two files as an older release left them: 1.1.0 recorded no version (no about
    tables); 1.0.0 had no flow or trend columns and no priority mart either."""
    for name, about in (("coverage.duckdb", ABOUT), ("internal.duckdb", INTERNAL_ABOUT)):
        with duckdb.connect(str(warehouse / name)) as conn:
            conn.execute(f"DROP TABLE {about.name}")
            if release == "1.0.0":
                conn.execute(f"DROP TABLE {COVERAGE_PRIORITY.name}")
                for table in FLOW_MARTS:
                    for column in PERIOD_COMPARISON_COLUMNS:
                        conn.execute(f"ALTER TABLE {table.name} DROP COLUMN {column.name}")


def recorded_versions(warehouse: Path) -> list[tuple[Any, ...]]:
    found = []
    for name, about in (("coverage.duckdb", ABOUT), ("internal.duckdb", INTERNAL_ABOUT)):
        with duckdb.connect(str(warehouse / name), read_only=True) as conn:
            found += conn.execute(
                f"SELECT versi_kontrak, versi_cakupan FROM {about.name}"
            ).fetchall()
    return found


def foreign_file(path: Path) -> bytes:
    """Another program's DuckDB file of the same name: a table of ours with other columns."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE SCHEMA mart")
        conn.execute("CREATE TABLE mart.coverage_province (periode VARCHAR, jumlah INTEGER)")
        conn.execute("INSERT INTO mart.coverage_province VALUES ('2025-03', 7)")
    return path.read_bytes()


@pytest.mark.parametrize("release", ["1.1.0", "1.0.0"])
def test_an_older_releases_files_are_migrated_and_the_published_file_rebuilt(
    baseline: dict[str, Path], warehouse: Path, release: str, capsys: pytest.CaptureFixture[str]
) -> None:
    written_before_about(warehouse, release)
    internal, published = warehouse / "internal.duckdb", warehouse / "coverage.duckdb"

    # 1.1.0: one period, the other taken from the internal marts; 1.0.0 lacks the priority
    # mart of 2025-03, so every period is run again (what CHANGELOG.md tells its readers).
    periods = ["--period", "2025-04"] if release == "1.1.0" else []
    done = here(capsys, warehouse, baseline["landing"], "run", *periods)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    before = f"a data contract before {CONTRACT_VERSION} (it records none)"
    assert done.stderr.splitlines() == [
        f"{internal} was written for {before}: migrated to {CONTRACT_VERSION} (tables and "
        "columns declared since are added, rows kept); a period keeps the numbers of the rules "
        "it was run with until it is run again (CHANGELOG.md)",
        f"{published} was written for {before}; this run publishes a new one, rebuilt from "
        "the internal marts",
    ]
    assert marts(published) == marts(baseline["reference"] / "coverage.duckdb")
    assert internal_marts(internal) == internal_marts(baseline["reference"] / "internal.duckdb")
    assert recorded_versions(warehouse) == [(CONTRACT_VERSION, package_version())] * 2
    assert leftovers(warehouse) == []


def test_a_foreign_published_file_is_kept_aside_and_rebuilt_from_the_internal_marts(
    baseline: dict[str, Path], warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    published = warehouse / "coverage.duckdb"
    theirs = foreign_file(published)

    done = here(capsys, warehouse, baseline["landing"], "run", "--period", "2025-04")
    assert done.returncode == 0, done.stderr
    [aside] = warehouse.glob("coverage.duckdb.foreign-*")
    assert done.stderr.splitlines() == [
        f"{published} is not a cakupan published file (mart.coverage_province.jumlah is not "
        f"a cakupan column): kept aside as {aside}; this run publishes a new one, rebuilt "
        "from the internal marts"
    ]
    assert aside.read_bytes() == theirs
    assert marts(published) == marts(baseline["reference"] / "coverage.duckdb")
    assert recorded_versions(warehouse) == [(CONTRACT_VERSION, package_version())] * 2


def duckdb_files(warehouse: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in warehouse.glob("*.duckdb")}


def assert_refused(done: Done, line: str, warehouse: Path, files: dict[str, bytes]) -> None:
    """Exit 1 before any run: the one line, nothing else, every file as it was."""
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"cakupan: {line}"]
    assert done.stdout == ""
    assert duckdb_files(warehouse) == files


@pytest.mark.parametrize("command", ["run", "rebuild"])
def test_a_foreign_internal_file_is_refused_and_left_as_it_is(
    baseline: dict[str, Path], warehouse: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    internal = warehouse / "internal.duckdb"
    internal.with_name("internal.duckdb.wal").unlink(missing_ok=True)
    foreign_file(internal)
    files = duckdb_files(warehouse)

    done = here(capsys, warehouse, baseline["landing"], command)
    assert_refused(
        done,
        f"{internal} is not a cakupan internal file (mart.coverage_province.jumlah is not a "
        "cakupan column): left as it is and nothing is run; move it away (or set "
        "CAKUPAN_INTERNAL_PATH to another file), then run again: a new internal file is "
        "built from the landing zone",
        warehouse,
        files,
    )


def newer(path: Path, about: Any) -> None:
    """The file as a later release would write it (a version above ours in its about)."""
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"UPDATE {about.name} SET versi_kontrak = '9.0.0'")


@pytest.mark.parametrize("name", ["coverage.duckdb", "internal.duckdb"])
def test_a_newer_versions_file_is_refused_and_left_byte_for_byte(
    baseline: dict[str, Path], warehouse: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = warehouse / name
    newer(path, ABOUT if name == "coverage.duckdb" else INTERNAL_ABOUT)
    files = duckdb_files(warehouse)

    done = here(capsys, warehouse, baseline["landing"], "run")
    assert_refused(
        done,
        f"{path} was written for data contract 9.0.0, newer than this cakupan's "
        f"{CONTRACT_VERSION}: left as it is and nothing is published; upgrade cakupan "
        "(CHANGELOG.md) or run the release that wrote it",
        warehouse,
        files,
    )


def test_a_run_launched_from_dagster_refuses_a_newer_published_file_too(
    baseline: dict[str, Path], warehouse: Path
) -> None:
    """The assets are safe without the CLI's look first (a run from the UI, the daemon)."""
    published = warehouse / "coverage.duckdb"
    newer(published, ABOUT)
    theirs = published.read_bytes()
    resource = Warehouse(
        landing_dir=str(baseline["landing"]), warehouse_dir=str(warehouse), threads=1
    )

    [outcome] = run_each_period(resource, ["2025-04"])
    assert not outcome.success
    assert outcome.error is not None and outcome.error.startswith(
        f"{published} was written for data contract 9.0.0, newer than this cakupan's"
    )
    assert outcome.trace is None
    assert published.read_bytes() == theirs
