"""`cakupan` as a user meets it: what it prints, and its exit codes.

0 every period published, 1 some period not published, 2 bad settings or usage, 3 the
warehouse is being written by someone else and ``--no-wait`` was given. A contract
failure is one line per period (period, file, reason, what to do), never a stack trace;
stack traces are for bugs, and for ``--verbose`` / ``CAKUPAN_LOG_LEVEL=DEBUG``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from helpers import ROOT, Landing, enrollment_row

from pipelines.cli import main as cakupan
from pipelines.resources import SETTINGS, setting_problems, warehouse_from_env
from pipelines.runner import run_each_period

#: A bad setting must be refused before any run, so well within this (it used to be
#: retried for minutes).
REFUSED_WITHIN = 60


def cli(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`cakupan` in its own process, as a user runs it (no DAGSTER_HOME, no terminal)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CAKUPAN_", "DAGSTER_"))}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def small_landing(root: Path, periods: tuple[str, ...] = ("2025-03",)) -> Landing:
    landing = Landing(root)
    landing.full_labour(2025)
    for period in periods:
        landing.enrollment(period, [enrollment_row(), enrollment_row(segmen="BPU")])
    return landing


def where(tmp: Path) -> list[str]:
    return ["--landing", str(tmp / "landing"), "--warehouse-dir", str(tmp / "warehouse")]


# ----------------------------------------------------------------------------- settings


BAD_SETTINGS = [
    ("CAKUPAN_DUCKDB_MEMORY_LIMIT", "abc"),
    ("CAKUPAN_DUCKDB_MEMORY_LIMIT", "-4GB"),
    ("CAKUPAN_DUCKDB_THREADS", "0"),
    ("CAKUPAN_DUCKDB_THREADS", "two"),
    ("CAKUPAN_BPU_MINIMUM_CONTRIBUTION_RP", "16.800,00"),
    ("CAKUPAN_LOG_LEVEL", "LOUD"),
    ("CAKUPAN_PROVINCES", "99"),  # no such province
    ("CAKUPAN_PROVINCES", "64;35"),
    ("CAKUPAN_PROVINCES", "Kaltim"),
    ("CAKUPAN_PROVINCES", "64,"),
    ("CAKUPAN_EXECUTOR", "dask"),
    ("CAKUPAN_BROKER_URL", "localhost:6379"),
    ("CAKUPAN_BROKER_URL", "http://127.0.0.1:6379"),
    ("CAKUPAN_POSTGRES_URL", "mysql://root@127.0.0.1/x"),
]


def test_the_celery_executor_needs_its_broker_and_postgresql() -> None:
    accepts = {s.variable: s.accepts for s in SETTINGS}
    assert setting_problems({"CAKUPAN_EXECUTOR": "celery"}) == [
        f"CAKUPAN_EXECUTOR=celery needs {v}: it accepts {accepts[v]}"
        for v in ("CAKUPAN_BROKER_URL", "CAKUPAN_POSTGRES_URL")
    ]


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_a_bad_setting_is_named_in_one_line_and_refused_before_any_run(
    variable: str, value: str
) -> None:
    setting = next(s for s in SETTINGS if s.variable == variable)
    assert setting_problems({variable: value}) == [
        f"{variable}={value!r} is not valid: it accepts {setting.accepts}"
    ]
    assert setting_problems({variable: setting.default}) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "variable",
    # A text setting and an integer one (which once ended in `invalid literal for int()`).
    ["CAKUPAN_DUCKDB_MEMORY_LIMIT", "CAKUPAN_DUCKDB_THREADS"],
)
def test_cakupan_run_with_a_bad_setting_exits_2_at_once(tmp_path: Path, variable: str) -> None:
    small_landing(tmp_path / "landing")
    started = time.monotonic()
    done = cli(["run", *where(tmp_path)], {variable: "abc"}, timeout=REFUSED_WITHIN)
    assert time.monotonic() - started < REFUSED_WITHIN
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"cakupan: {variable}='abc' is not valid: it accepts "
        + next(s.accepts for s in SETTINGS if s.variable == variable)
    ]
    assert not (tmp_path / "warehouse" / "internal.duckdb").exists()  # nothing ran


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write: chmod for a user; for root (whom chmod does not
    stop) a read-only tmpfs, else /sys."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return folder
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True
    )
    return folder if mounted.returncode == 0 else Path("/sys")


@pytest.mark.slow
def test_a_warehouse_that_is_a_file_or_not_writable_exits_2(tmp_path: Path) -> None:
    small_landing(tmp_path / "landing")
    a_file = tmp_path / "warehouse-file"
    a_file.write_text("not a folder")
    readonly = unwritable_folder(tmp_path)
    try:
        for folder, words in ((a_file, "is a file, not a folder"), (readonly, "not writable")):
            done = cli(
                ["run", "--landing", str(tmp_path / "landing")],
                {"CAKUPAN_WAREHOUSE_DIR": str(folder)},
                timeout=REFUSED_WITHIN,
            )
            assert done.returncode == 2, done.stderr
            [line] = done.stderr.strip().splitlines()
            assert line.startswith(f"cakupan: CAKUPAN_WAREHOUSE_DIR='{folder}' is not valid:")
            assert words in line
            # The same through the flag, which names itself.
            done = cli(
                ["run", "--landing", str(tmp_path / "landing"), "--warehouse-dir", str(folder)],
                timeout=REFUSED_WITHIN,
            )
            assert done.returncode == 2, done.stderr
            [line] = done.stderr.strip().splitlines()
            assert line.startswith(f"cakupan: --warehouse-dir {folder} is not valid:")
            assert words in line
    finally:
        if readonly.parent == tmp_path and os.geteuid() == 0:
            subprocess.run(["umount", str(readonly)], capture_output=True)


@pytest.mark.slow
def test_the_code_location_refuses_to_load_with_a_bad_setting() -> None:
    """What `dagster dev`, the daemon and `dg check defs` load: the variable is named."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CAKUPAN_")}
    done = subprocess.run(
        [sys.executable, "-c", "import pipelines.definitions"],
        cwd=ROOT,
        env={**environ, "CAKUPAN_DUCKDB_THREADS": "many"},
        capture_output=True,
        text=True,
        timeout=REFUSED_WITHIN,
    )
    assert done.returncode != 0
    assert "CAKUPAN_DUCKDB_THREADS='many' is not valid" in done.stderr.strip().splitlines()[-1]


def test_bad_flags_and_a_missing_landing_zone_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["run", "--period", "2025-13"], ["run", "--no-such-flag"], ["frobnicate"]):
        with pytest.raises(SystemExit) as stopped:
            cakupan(args)
        assert stopped.value.code == 2
        assert "usage: cakupan" in capsys.readouterr().err
    assert cakupan(["run", *where(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"cakupan: no landed period under {tmp_path / 'landing'}/enrollment/"
    ]


# ------------------------------------------------------------------------------ console


@pytest.mark.slow
def test_contract_failures_print_one_line_per_period_and_no_stack_trace(tmp_path: Path) -> None:
    landing = small_landing(tmp_path / "landing", ("2025-03", "2025-04"))
    assert cli(["run", *where(tmp_path), "--period", "2025-03"]).returncode == 0
    published = tmp_path / "warehouse" / "coverage.duckdb"
    before = published.read_bytes()

    # 2025-04: a file without the required columns. 2024-06: no labour year <= 2024.
    (landing.root / "enrollment" / "2025-04" / "part-2.csv").write_text("kpj,nama\n1,x\n")
    landing.enrollment("2024-06", [enrollment_row()])
    # 2025-03: someone added a column to the published file by hand; the candidate copies
    # it, and the blocking check on the candidate refuses a column that can hold a name.
    with duckdb.connect(str(published)) as conn:
        conn.execute("ALTER TABLE mart.coverage_region ADD COLUMN nama VARCHAR")
    before = published.read_bytes()

    done = cli(["run", *where(tmp_path)])
    assert done.returncode == 1
    assert "Stack Trace" not in done.stderr and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    by_period = {line.split()[1]: line for line in lines}
    assert set(by_period) == {"2024-06", "2025-03", "2025-04"}
    assert all(line.startswith("period ") and " NOT published: " in line for line in lines)
    broken = by_period["2025-04"]
    assert "enrollment/2025-04/part-2.csv" in broken and "lacks required column(s)" in broken
    assert "then run again" in broken
    assert "no labour statistics" in by_period["2024-06"]
    assert "labour/<YYYY>/" in by_period["2024-06"]
    check = by_period["2025-03"]
    assert "published_rules" in check and "published/candidate" in check
    assert "quality.validation_results" in check
    assert published.read_bytes() == before  # nothing of it was published
    assert "0 of 3 period(s) published" in done.stdout


@pytest.mark.slow
def test_verbose_and_debug_show_the_stack_trace_of_a_contract_failure(tmp_path: Path) -> None:
    landing = small_landing(tmp_path / "landing")
    (landing.root / "enrollment" / "2025-03" / "part-2.csv").write_text("kpj,nama\n1,x\n")
    for extra, env in ((["--verbose"], {}), ([], {"CAKUPAN_LOG_LEVEL": "DEBUG"})):
        done = cli(["run", *where(tmp_path), *extra], env)
        assert done.returncode == 1
        assert "Stack Trace:" in done.stderr
        assert "period 2025-03 NOT published" in done.stderr


@pytest.mark.slow
def test_a_bug_prints_its_stack_trace_without_personal_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small_landing(tmp_path / "landing")

    def broken(conn: duckdb.DuckDBPyConnection, period: str) -> None:
        raise ValueError("boom on 'BUDI SANTOSO'")

    monkeypatch.setattr("assets.core.assets.write_persons", broken)
    assert cakupan(["run", *where(tmp_path)]) == 1
    err = capsys.readouterr().err
    [line] = [x for x in err.splitlines() if x.startswith("period ")]
    assert "period 2025-03 NOT published: core/person: unexpected error (a bug): ValueError" in line
    assert "Stack Trace:" in err and "write_persons" not in line
    assert "BUDI SANTOSO" not in err


@pytest.mark.slow
def test_the_event_log_keeps_every_failure_in_full(tmp_path: Path) -> None:
    landing = small_landing(tmp_path / "landing")
    (landing.root / "enrollment" / "2025-03" / "part-2.csv").write_text("kpj,nama\n1,x\n")
    with dg.instance_for_test() as instance:
        warehouse = warehouse_from_env(
            {"CAKUPAN_LANDING_DIR": str(landing.root), "CAKUPAN_WAREHOUSE_DIR": str(tmp_path)},
            resolve=True,
        )
        [outcome] = run_each_period(warehouse, ["2025-03"], instance=instance)
        assert not outcome.success
        events = [r.dagster_event for r in instance.all_logs(outcome.run_id) if r.dagster_event]
        [failure] = [e for e in events if e.is_step_failure]
        assert failure.step_failure_data is not None
        assert failure.step_failure_data.error is not None  # the stack trace is kept there
        assert "part-2.csv" in (failure.step_failure_data.user_failure_data.description or "")
        assert any(e.is_run_failure for e in events)


@pytest.mark.slow
def test_no_dagster_warning_reaches_the_console(tmp_path: Path) -> None:
    """Python shows every warning here (-W always): only the project's filters stop them."""
    small_landing(tmp_path / "landing")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CAKUPAN_", "DAGSTER_"))}
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    done = subprocess.run(
        [sys.executable, "-W", "always", "-m", "pipelines.cli", "run", *where(tmp_path)],
        cwd=ROOT,
        env={**environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr


@pytest.mark.slow
def test_make_ui_with_a_bad_setting_exits_2_before_starting_anything() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CAKUPAN_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.ui", "-p", "1"],
        cwd=ROOT,
        env={**environ, "CAKUPAN_DUCKDB_MEMORY_LIMIT": "lots"},
        capture_output=True,
        text=True,
        timeout=REFUSED_WITHIN,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("cakupan: CAKUPAN_DUCKDB_MEMORY_LIMIT='lots' is not valid: it accepts")


@pytest.mark.slow
def test_a_broken_great_expectations_install_is_one_line_per_period(tmp_path: Path) -> None:
    """GX is imported only by the steps that validate; if it does not import, they say so."""
    small_landing(tmp_path / "landing", ("2025-03", "2025-04"))
    shadow = tmp_path / "shadow" / "great_expectations"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('simulated broken install')\n")
    done = cli(["run", *where(tmp_path)], {"PYTHONPATH": str(shadow.parent)})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Stack Trace" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["2025-03", "2025-04"]
    assert all("Great Expectations does not import" in line for line in lines)
    assert all("uv sync --frozen" in line for line in lines)
    assert not (tmp_path / "warehouse" / "coverage.duckdb").exists()
