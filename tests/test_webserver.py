"""The real webserver and daemon on the project's dagster.yaml: runs launched through GraphQL
and by the landing sensor go through the run queue, one writer at a time, and publish."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from helpers import NIGHTLY, Landing, enrollment_row, labour_row, stop_automation

from pipelines.definitions import defs

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PERIODS = ("2025-01", "2025-02")
#: The tests wait on what happens, not on a clock: a wait fails only when nothing has moved
#: (no run changed status, no server answered) for this long, or a server process died.
STALLED_AFTER = 240

pytestmark = [pytest.mark.ui, pytest.mark.xdist_group("webserver")]

JOB_SELECTOR = {
    "repositoryLocationName": "cakupan",
    "repositoryName": "__repository__",
    "jobName": "coverage_job",
}
LAUNCH = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
RUNS = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status startTime endTime tags { key value } } }
    ... on Error { message }
  }
}
"""
REPOSITORY = """
query {
  repositoryOrError(repositorySelector: {
    repositoryLocationName: "cakupan", repositoryName: "__repository__"}) {
    __typename
    ... on Repository { jobs { name } schedules { name } sensors { name } }
  }
}
"""
DONE = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    published_path: Path
    logs: list[Path]
    processes: list[subprocess.Popen[bytes]]

    def wait(self, what: str, poll: Callable[[], tuple[Any, bool]]) -> Any:
        """Poll until ``poll`` says done; fail when its state stops moving for
        STALLED_AFTER seconds or a server process has died."""
        state, done = poll()
        moved = time.monotonic()
        while not done:
            dead = [p.args for p in self.processes if p.poll() is not None]
            assert not dead, f"{what}: server process died: {dead}\n{self.log_tail()}"
            assert time.monotonic() - moved < STALLED_AFTER, (
                f"{what}: nothing moved for {STALLED_AFTER} s: {state}\n{self.log_tail()}"
            )
            time.sleep(1)
            new_state, done = poll()
            if new_state != state:
                state, moved = new_state, time.monotonic()
        return state

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.loads(response.read())
        assert "errors" not in payload, payload
        return dict(payload["data"])

    def log_tail(self) -> str:
        try:
            runs = [
                (r["runId"][:8], r["status"], r["startTime"], r["endTime"]) for r in self.runs()
            ]
        except Exception as e:  # the report must not hide the failure it reports
            runs = [("?", repr(e), None, None)]
        return f"runs: {runs}\n" + "\n".join(
            f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-60:])
            for p in self.logs
        )

    def launch(self, periode: str, assets: list[list[str]] | None = None) -> str:
        """A run of coverage_job, or with ``assets`` what the UI's Materialize button
        launches: the implicit asset job on a selection, which carries no job tag."""
        selector: dict[str, Any] = dict(JOB_SELECTOR)
        if assets is not None:
            selector["jobName"] = "__ASSET_JOB"
            selector["assetSelection"] = [{"path": path} for path in assets]
        params = {
            "selector": selector,
            "runConfigData": {},
            "executionMetadata": {
                "tags": [
                    {"key": "dagster/partition", "value": f"{periode}|64"},
                    {"key": "dagster/partition/period", "value": periode},
                    {"key": "dagster/partition/province", "value": "64"},
                ]
            },
        }
        result = self.graphql(LAUNCH, {"executionParams": params})["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return str(result["run"]["runId"])

    def runs(self, **filter: Any) -> list[dict[str, Any]]:
        result = self.graphql(RUNS, {"filter": filter})["runsOrError"]
        assert result["__typename"] == "Runs", result
        return list(result["results"])

    def wait_for(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        def poll() -> tuple[dict[str, dict[str, Any]], bool]:
            runs = {r["runId"]: r for r in self.runs(runIds=run_ids)}
            return runs, all(runs.get(i, {}).get("status") in DONE for i in run_ids)

        return dict(self.wait(f"runs {run_ids}", poll))


def group_alive(pgid: int) -> bool:
    """Does a live (not zombie) process remain in the group?"""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server and everything it started: its process group (code servers, runs)."""
    pgid = process.pid  # start_new_session: the server leads its own group
    for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        if not group_alive(pgid):
            break
        os.killpg(pgid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            process.poll()  # reap the leader
            if not group_alive(pgid):
                break
            time.sleep(0.2)
    process.wait(timeout=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("ui")
    landing = Landing(tmp / "landing")
    landing.labour(2024, [labour_row(tahun=2024, kode_wilayah=k) for k in ("6472", "6471")])
    for periode in PERIODS:
        landing.enrollment(periode, [enrollment_row(), enrollment_row(kode_wilayah="6471")])
    home = tmp / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")  # the real config
    with dg.DagsterInstance.from_config(str(home)):
        pass  # create the storage once: two processes migrating a new sqlite storage race
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CAKUPAN_LANDING_DIR": str(tmp / "landing"),
        "CAKUPAN_WAREHOUSE_DIR": str(tmp / "warehouse"),
        "CAKUPAN_DUCKDB_MEMORY_LIMIT": "1GB",
    }
    port = free_port()
    address = ("-h", "127.0.0.1", "-p", str(port))
    commands = {
        "webserver": [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", *address],
        "daemon": [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
    }
    stop_automation(env, NIGHTLY)
    processes, logs = [], []
    try:
        for name, command in commands.items():
            log = tmp / f"{name}.log"
            logs.append(log)
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        command,
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # a process group to stop as a whole
                    )
                )
        srv = Server(
            f"http://127.0.0.1:{port}", tmp / "warehouse" / "coverage.duckdb", logs, processes
        )

        def ready() -> tuple[str, bool]:
            """Up once the webserver answers and has loaded the code location."""
            try:
                with urllib.request.urlopen(f"{srv.url}/server_info", timeout=5):
                    pass
                repo = srv.graphql(REPOSITORY)["repositoryOrError"]["__typename"]
            except (urllib.error.URLError, ConnectionError):
                return "not answering", False
            return repo, repo == "Repository"

        srv.wait("webserver up", ready)
        yield srv
    finally:
        for process in processes:
            stop(process)


def published(server: Server, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(server.published_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def assert_marts_consistent(server: Server) -> None:
    mismatched = published(
        server,
        """
        SELECT p.periode FROM mart.coverage_province p
        JOIN (SELECT periode, sum(peserta_aktif) AS s FROM mart.coverage_region GROUP BY 1) r
          USING (periode)
        WHERE p.peserta_aktif <> r.s
        """,
    )
    assert mismatched == []


def test_the_ui_serves_the_code_location(server: Server) -> None:
    repo = server.graphql(REPOSITORY)["repositoryOrError"]
    assert "coverage_job" in {j["name"] for j in repo["jobs"]}
    assert {s["name"] for s in repo["schedules"]} == {"nightly_coverage"}
    assert {s["name"] for s in repo["sensors"]} == {"landing_sensor", "freshness_sensor"}


def sensor_runs(server: Server) -> dict[str, dict[str, Any]]:
    """The runs the daemon launched for the landing sensor (RUNNING by default), once done."""

    def poll() -> tuple[list[str], bool]:
        runs = server.runs(tags=[{"key": "dagster/sensor_name", "value": "landing_sensor"}])
        return sorted(r["runId"] for r in runs), len(runs) >= len(PERIODS)

    return server.wait_for(server.wait("sensor runs", poll))


def test_the_landing_sensor_runs_the_landed_periods(server: Server) -> None:
    done = sensor_runs(server)
    assert {r["status"] for r in done.values()} == {"SUCCESS"}, server.log_tail()
    periods = sorted(
        t["value"]
        for r in done.values()
        for t in r["tags"]
        if t["key"] == "dagster/partition/period"
    )
    assert periods == list(PERIODS)  # one run per landed period
    assert published(server, "SELECT periode FROM mart.published_periods ORDER BY 1") == [
        (p,) for p in PERIODS
    ]


def test_a_job_run_and_a_ui_materialization_at_once_queue_and_both_publish(
    server: Server,
) -> None:
    sensor_runs(server)  # so that the runs launched here are the last to publish
    everything_materialized = [
        list(k.path) for k in defs.get_repository_def().asset_graph.get_all_asset_keys()
    ]
    run_ids = [
        server.launch(PERIODS[0]),
        server.launch(PERIODS[1], assets=everything_materialized),
    ]
    runs = server.wait_for(run_ids)
    assert [runs[i]["status"] for i in run_ids] == ["SUCCESS", "SUCCESS"], server.log_tail()
    tags = [{t["key"]: t["value"] for t in runs[i]["tags"]} for i in run_ids]
    assert tags[0]["cakupan/writer"] == "warehouse"
    assert "cakupan/writer" not in tags[1]  # the UI's ad-hoc run has no job tags...
    assert {t["dagster/code_location"] for t in tags} == {"cakupan"}  # ...but this one
    # One after the other: no two runs of this instance were ever in progress together.
    everything = [r for r in server.runs() if r["startTime"] and r["endTime"]]
    assert len(everything) >= 2
    for a, b in combinations(everything, 2):
        assert a["endTime"] <= b["startTime"] or b["endTime"] <= a["startTime"], (a, b)
    # Each period was published last by the run launched for it, and the marts add up.
    rows = published(server, "SELECT periode, run_id FROM mart.published_periods ORDER BY 1")
    assert rows == list(zip(PERIODS, run_ids, strict=True))
    province = published(server, "SELECT peserta_aktif FROM mart.coverage_province")
    assert province == [(2,), (2,)]
    assert_marts_consistent(server)
