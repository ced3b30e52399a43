"""What lies in the landing zone besides good files: links, FIFOs, unreadable files, folders
that are not periods, files that change while they are read, and very many files. Each is
read, or stops its snapshot naming it, or is reported as ignored; nothing hangs."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from helpers import PERIOD, ROOT, Pipeline, enrollment_row
from landing_cases import csv_lines, stage_error

import assets.staging.landing as landing_reader
from contract.landing import ignored_entries, landed_periods, snapshot_files
from pipelines.automation.fingerprints import HashCache, period_inputs
from pipelines.automation.sensors import landing_evaluation
from pipelines.runner import PeriodOutcome
from pipelines.summary import print_summary


def period_folder(pipeline: Pipeline, period: str = PERIOD) -> Path:
    folder = pipeline.warehouse.landing / "enrollment" / period
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def good_file(pipeline: Pipeline, name: str = "a-good.csv", rows: int = 1) -> Path:
    return pipeline.landing.enrollment(PERIOD, [enrollment_row() for _ in range(rows)], name=name)


def test_a_dangling_link_stops_the_snapshot_naming_it(pipeline: Pipeline) -> None:
    good_file(pipeline)
    (period_folder(pipeline) / "b.csv").symlink_to("gone.csv")
    assert landed_periods(pipeline.warehouse.landing) == [PERIOD]
    error = stage_error(pipeline)
    assert (error.file, error.reason) == (
        f"enrollment/{PERIOD}/b.csv",
        "a link to nothing (its target does not exist)",
    )


def test_a_link_loop_stops_the_snapshot_naming_it(pipeline: Pipeline) -> None:
    good_file(pipeline)
    folder = period_folder(pipeline)
    (folder / "b.csv").symlink_to("c.csv")
    (folder / "c.csv").symlink_to("b.csv")
    error = stage_error(pipeline)
    assert (error.file, error.reason) == (f"enrollment/{PERIOD}/b.csv", "a link that loops")


def test_a_link_out_of_the_landing_zone_is_refused(pipeline: Pipeline, tmp_path: Path) -> None:
    good_file(pipeline)
    outside = tmp_path / "elsewhere.csv"
    shutil.copy(good_file(pipeline, "model.csv"), outside)
    (period_folder(pipeline) / "model.csv").unlink()
    (period_folder(pipeline) / "b.csv").symlink_to(outside)
    error = stage_error(pipeline)
    assert (error.file, error.reason) == (
        f"enrollment/{PERIOD}/b.csv",
        "a link that leads outside the landing zone: refused",
    )


def test_a_link_inside_the_landing_zone_is_read_under_its_own_name(pipeline: Pipeline) -> None:
    """E.g. a labour year delivered once and linked into the next year's folder."""
    shared = pipeline.landing.enrollment("2025-02", [enrollment_row(kbli="Z")], name="x.csv")
    good_file(pipeline)
    (period_folder(pipeline) / "b.csv").symlink_to(Path("..") / "2025-02" / shared.name)
    snapshot = pipeline.stage()
    assert [f.file for f in snapshot.files] == [
        f"enrollment/{PERIOD}/a-good.csv",
        f"enrollment/{PERIOD}/b.csv",
    ]
    assert pipeline.internal("SELECT file, line FROM quality.rejected_rows") == [
        (f"enrollment/{PERIOD}/b.csv", 1)
    ]


def test_a_fifo_stops_the_snapshot_and_nothing_hangs(pipeline: Pipeline) -> None:
    good_file(pipeline)
    fifo = period_folder(pipeline) / "b.csv"
    os.mkfifo(fifo)
    outcome: dict[str, Any] = {}

    def read_everything() -> None:
        years: list[int] = []
        inputs = period_inputs(pipeline.warehouse.landing, PERIOD, years)
        outcome["fingerprint"] = HashCache().fingerprint(inputs)  # what `cakupan run` tags
        try:
            pipeline.stage()
        except landing_reader.BrokenFileError as error:
            outcome["error"] = error

    reader = threading.Thread(target=read_everything, daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # release the blocked reader, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=10)
        pytest.fail("reading a FIFO hung")
    error = outcome["error"]
    assert (error.file, error.reason) == (
        f"enrollment/{PERIOD}/b.csv",
        "not a regular file (a FIFO)",
    )
    assert len(outcome["fingerprint"]) == 64


#: Staging one period in a process without the power to override file permissions (root
#: has it; this test runs as root in containers).
UNPRIVILEGED_STAGE = """
import json, sys
from pathlib import Path
import duckdb
from assets.staging.landing import BrokenFileError, load_snapshot
from contract.row_rules import ENROLLMENT_COLUMNS
try:
    load_snapshot(duckdb.connect(), Path(sys.argv[1]), "enrollment", sys.argv[2],
                  ENROLLMENT_COLUMNS, "raw_rows")
    print(json.dumps({"staged": True}))
except BrokenFileError as e:
    print(json.dumps({"file": e.file, "reason": e.reason}))
"""


def stage_without_privileges(landing: Path, period: str) -> dict[str, Any]:
    return run_unprivileged(UNPRIVILEGED_STAGE, landing, period)


def run_unprivileged(script: str, *args: Any) -> dict[str, Any]:
    command = [sys.executable, "-c", script, *map(str, args)]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: permissions cannot be denied")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.slow
def test_a_file_that_cannot_be_opened_stops_the_snapshot_naming_it(pipeline: Pipeline) -> None:
    good_file(pipeline)
    locked = good_file(pipeline, "b.csv")
    locked.chmod(0)
    assert stage_without_privileges(pipeline.warehouse.landing, PERIOD) == {
        "file": f"enrollment/{PERIOD}/b.csv",
        "reason": "cannot be opened: permission denied",
    }
    locked.chmod(0o644)
    assert stage_without_privileges(pipeline.warehouse.landing, PERIOD) == {"staged": True}


UNPRIVILEGED_IGNORED = """
import json, sys
from pathlib import Path
from contract.landing import ignored_entries, landed_periods
landing = Path(sys.argv[1])
print(json.dumps({"ignored": ignored_entries(landing), "landed": landed_periods(landing)}))
"""


@pytest.mark.slow
def test_a_folder_that_cannot_be_listed_is_reported(pipeline: Pipeline) -> None:
    good_file(pipeline)
    locked = pipeline.landing.enrollment("2025-04", [enrollment_row()]).parent
    locked.chmod(0)
    try:
        seen = run_unprivileged(UNPRIVILEGED_IGNORED, pipeline.warehouse.landing)
    finally:
        locked.chmod(0o755)
    assert seen == {
        "ignored": [["enrollment/2025-04", "cannot be listed (no permission to read the folder?)"]],
        "landed": [PERIOD],
    }


def test_files_starting_with_dot_or_underscore_stay_ignored_whatever_they_are(
    pipeline: Pipeline,
) -> None:
    good_file(pipeline)
    folder = period_folder(pipeline)
    (folder / "_gone.csv").symlink_to("nowhere.csv")
    os.mkfifo(folder / ".upload.csv")
    assert [p.name for p in snapshot_files(pipeline.warehouse.landing, "enrollment", PERIOD)] == [
        "a-good.csv"
    ]
    assert pipeline.stage().read == 1
    assert ignored_entries(pipeline.warehouse.landing) == []


def test_folders_that_are_not_periods_or_years_are_reported_as_ignored(
    pipeline: Pipeline,
) -> None:
    landing = pipeline.warehouse.landing
    good_file(pipeline)
    for key in ("2025-13", "2025-3", "abc", "2025-04\n"):
        pipeline.landing.enrollment(key, [enrollment_row()])
    pipeline.landing.labour("25", [])
    pipeline.landing.labour("\uff12\uff10\uff12\uff15", [])  # full-width digits
    (landing / "enrollment" / "2025-04").mkdir()
    (landing / "enrollment" / "loose.csv").write_text("kpj\n")
    (landing / "enrollment" / PERIOD / "old").mkdir()
    (landing / "README.txt").write_text("landing zone")
    (landing / "enrollment" / "_archive").mkdir()
    assert ignored_entries(landing) == [
        ("README.txt", "not a source folder (enrollment/, labour/)"),
        ("enrollment/2025-03/old", "a folder inside a snapshot folder is not read"),
        ("enrollment/2025-04", "holds no file to read"),
        ("enrollment/2025-04\n", "not a period folder (YYYY-MM, month 01-12)"),
        ("enrollment/2025-13", "not a period folder (YYYY-MM, month 01-12)"),
        ("enrollment/2025-3", "not a period folder (YYYY-MM, month 01-12)"),
        ("enrollment/abc", "not a period folder (YYYY-MM, month 01-12)"),
        ("enrollment/loose.csv", "a file outside a period folder"),
        ("labour/25", "not a year folder (YYYY)"),
        ("labour/\uff12\uff10\uff12\uff15", "not a year folder (YYYY)"),
    ]
    assert landed_periods(landing) == [PERIOD]


@pytest.mark.slow  # a Dagster instance
def test_ignored_entries_are_in_the_run_summary_and_the_sensor_log(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_file(pipeline)
    pipeline.landing.enrollment("2025-3", [enrollment_row()])
    line = "ignored: enrollment/2025-3: not a period folder (YYYY-MM, month 01-12)"
    with pipeline.connect():
        pass  # the internal file the summary reads
    print_summary(pipeline.warehouse, [PeriodOutcome(PERIOD, False, "run", "failed")], 0.1)
    assert line in capsys.readouterr().out.splitlines()
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        requests, _, log = landing_evaluation(pipeline.warehouse, instance, None)
    assert [r.partition_key for r in requests] == [f"{PERIOD}|64"]
    assert line in log


def test_a_file_that_changes_while_it_is_read_stops_the_snapshot(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row appended by the uploader while staging reads the file."""
    path = good_file(pipeline, rows=3)
    read_csv = landing_reader.READERS[".csv"]

    def read_while_appending(*args: Any, **kwargs: Any) -> Any:
        result = read_csv(*args, **kwargs)
        with path.open("a") as f:
            f.write(csv_lines([enrollment_row()])[1] + "\n")
        return result

    monkeypatch.setitem(landing_reader.READERS, ".csv", read_while_appending)
    error = stage_error(pipeline)
    assert (error.file, error.reason) == (
        f"enrollment/{PERIOD}/a-good.csv",
        "changed while reading (an upload in progress?): run again once it is complete",
    )
    monkeypatch.undo()
    assert pipeline.stage().read == 4  # the next run reads the whole file


@pytest.mark.slow
def test_a_file_removed_while_it_is_read_stops_the_snapshot(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = good_file(pipeline)
    read_csv = landing_reader.READERS[".csv"]

    def read_after_removal(*args: Any, **kwargs: Any) -> Any:
        path.unlink()
        return read_csv(*args, **kwargs)

    monkeypatch.setitem(landing_reader.READERS, ".csv", read_after_removal)
    error = stage_error(pipeline)
    assert (error.file, error.reason) == (f"enrollment/{PERIOD}/a-good.csv", landing_reader.CHANGED)


@pytest.mark.slow
def test_two_thousand_small_files_in_one_period(pipeline: Pipeline) -> None:
    """Read in one run with exact per-file line numbers, under a low open-file limit."""
    folder = period_folder(pipeline)
    header = csv_lines([])[0]
    for i in range(2000):
        rows = [enrollment_row(kbli="Z" if i % 500 == 7 else "G") for _ in range(1 + i % 2)]
        (folder / f"part-{i:04d}.csv").write_text("\n".join([header, *csv_lines(rows)[1:]]) + "\n")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))
    try:
        snapshot = pipeline.stage()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert len(snapshot.files) == 2000
    assert (snapshot.read, snapshot.rejected) == (3000, 8)
    assert pipeline.internal(
        "SELECT file, line FROM quality.rejected_rows ORDER BY file, line"
    ) == [
        (f"enrollment/{PERIOD}/part-{i:04d}.csv", line)
        for i in (7, 507, 1007, 1507)
        for line in (1, 2)
    ]
    assert pipeline.internal(
        "SELECT count(*), sum(rows_read), min(rows_read), max(rows_read) FROM quality.file_loads"
    ) == [(2000, 3000, 1, 2)]
