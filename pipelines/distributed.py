"""The distributed mode (``CAKUPAN_EXECUTOR=celery``, docs/deploy.md): the Celery executor of
the code location, the services it needs, and `cakupan run` as a client of the run queue.

The executor and the workers (`cakupan worker`, pipelines/celery_app.py) are configured
from the same settings here, so that they always meet on the same broker and queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import dagster as dg

from assets.partitions import PERIOD, PROVINCE
from pipelines.resources import setting

if TYPE_CHECKING:  # pipelines.runner imports the definitions, which import this module
    from dagster._core.remote_representation.external import RemoteJob
    from dagster._core.snap import ExecutionPlanSnapshot

    from pipelines.runner import Launch

#: The queue steps go to unless they carry the ``dagster-celery/queue`` tag (Dagster's default).
DEFAULT_QUEUE = "dagster"
#: Seconds a service gets to answer before it is called unreachable.
CONNECT_TIMEOUT = 5
WORKSPACE = Path(__file__).resolve().parents[1] / "workspace.yaml"


def result_backend(broker: str) -> str:
    """Results go back through Redis itself, or as RabbitMQ messages (``rpc://``)."""
    return broker if broker.startswith("redis") else "rpc://"


#: Celery's own settings, the same for the executor and the workers: a worker takes one
#: step at a time (a step uses CAKUPAN_DUCKDB_THREADS threads and its memory limit).
CELERY_SETTINGS: dict[str, Any] = {"worker_prefetch_multiplier": 1}


def executor_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``celery_executor``'s config: the broker named by its variable (no password
    in the definitions the UI shows)."""
    broker = setting("CAKUPAN_BROKER_URL", environ)
    backend = result_backend(broker)
    return {
        "broker": {"env": "CAKUPAN_BROKER_URL"},
        "backend": {"env": "CAKUPAN_BROKER_URL"} if backend == broker else backend,
        "config_source": CELERY_SETTINGS,
    }


#: Seconds between two looks of a run at its steps' results. dagster_celery looks once a
#: second (``core_execution_loop.TICK_SECONDS``), so every step boundary waited half a
#: second on average before the next step was sent; a look is one broker round trip.
STEP_POLL_SECONDS = 0.1


def celery_executor(environ: Mapping[str, str] | None = None) -> dg.ExecutorDefinition:
    from dagster_celery import celery_executor, core_execution_loop

    core_execution_loop.TICK_SECONDS = STEP_POLL_SECONDS  # type: ignore[assignment]  # an int there
    return celery_executor.configured(executor_config(environ))


def where(url: str) -> str:
    """host:port of a service URL, without the user and password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def service_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per service of the distributed mode that does not answer, with what to do."""
    problems = []
    postgres = setting("CAKUPAN_POSTGRES_URL", environ)
    broker = setting("CAKUPAN_BROKER_URL", environ)
    if (why := postgres_problem(postgres)) is not None:
        problems.append(
            f"PostgreSQL (the Dagster instance) is unreachable at {where(postgres)}: {why}; "
            "start it, or correct CAKUPAN_POSTGRES_URL"
        )
    if (why := broker_problem(broker)) is not None:
        problems.append(
            f"the Celery broker is unreachable at {where(broker)}: {why}; "
            "start it (Redis or RabbitMQ), or correct CAKUPAN_BROKER_URL"
        )
    return problems


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def postgres_problem(url: str) -> str | None:
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
    except psycopg2.Error as error:
        return first_line(error)
    return None


def broker_problem(url: str) -> str | None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=CONNECT_TIMEOUT) as connection:
            connection.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)
    except Exception as error:  # kombu raises the transport's own errors
        return first_line(error)
    return None


# --- `cakupan run` in the distributed mode: runs submitted to the queue, then awaited ----


@dataclass(frozen=True)
class Submitted:
    period: str
    province: str | None  # None: a national run
    run_id: str


def run_tags(launch: Launch) -> dict[str, str]:
    """A queued run's tags: the partition's (as a backfill from the UI makes them) and the
    writer tag, whose value is the file the run writes (its province, or the national
    file): the queue lets one run per value at a time (deploy/dagster.yaml)."""
    from pipelines.jobs import NATIONAL_WRITER, WRITER_TAG

    if launch.province is None:
        return {**launch.tags, "dagster/partition": launch.period, WRITER_TAG: NATIONAL_WRITER}
    return {
        **launch.tags,
        "dagster/partition": launch.partition_key,
        f"dagster/partition/{PERIOD}": launch.period,
        f"dagster/partition/{PROVINCE}": launch.province,
        WRITER_TAG: launch.province,
    }


@contextmanager
def run_submitter(instance: dg.DagsterInstance) -> Iterator[Callable[[Launch], Submitted]]:
    """Submits queued runs of the code location (workspace.yaml), each with its asset
    selection; the daemon starts them under the tag limits of dagster.yaml, their steps
    run on the workers."""
    from dagster._cli.workspace.cli_target import (
        WorkspaceOpts,
        get_code_location_from_workspace,
        get_remote_repository_from_code_location,
        get_workspace_from_cli_opts,
    )
    from dagster._core.definitions.selector import JobSubsetSelector
    from dagster.version import __version__

    opts = WorkspaceOpts(workspace=(str(WORKSPACE),))
    with get_workspace_from_cli_opts(instance, version=__version__, workspace_opts=opts) as ws:
        location = get_code_location_from_workspace(ws, None)
        repo = get_remote_repository_from_code_location(location, None)

        # A job subset and its plan depend on the job and the selection only, not on the
        # partition: asked of the code server once per selection, not once per run (a
        # period of 38 provinces asks for the same two province selections 38 times each).
        plans: dict[tuple[object, ...], tuple[RemoteJob, ExecutionPlanSnapshot]] = {}

        def job_and_plan(launch: Launch) -> tuple[RemoteJob, ExecutionPlanSnapshot]:
            key = (launch.job, launch.selection, launch.checks)
            if key not in plans:
                selector = JobSubsetSelector(
                    location_name=location.name,
                    repository_name=repo.name,
                    job_name=launch.job,
                    op_selection=None,
                    asset_selection=launch.selection,
                    asset_check_selection=launch.checks,
                )
                job = location.get_job(selector)
                plan = location.get_execution_plan(
                    job, {}, step_keys_to_execute=None, known_state=None, instance=instance
                ).execution_plan_snapshot
                plans[key] = (job, plan)
            return plans[key]

        def submit(launch: Launch) -> Submitted:
            job, plan = job_and_plan(launch)
            run = instance.create_run(
                job_name=launch.job,
                run_id=None,
                run_config={},
                resolved_op_selection=job.resolved_op_selection,
                step_keys_to_execute=plan.step_keys_to_execute,
                op_selection=None,
                status=None,
                root_run_id=None,
                parent_run_id=None,
                tags={**job.run_tags, **run_tags(launch)},
                job_snapshot=job.job_snapshot,
                execution_plan_snapshot=plan,
                parent_job_snapshot=job.parent_job_snapshot,
                remote_job_origin=job.get_remote_origin(),
                job_code_origin=job.get_python_origin(),
                asset_selection=frozenset(launch.selection) if launch.selection else None,
                asset_check_selection=frozenset(launch.checks) if launch.checks else None,
                asset_graph=repo.asset_graph,
            )
            instance.submit_run(run.run_id, ws)
            return Submitted(launch.period, launch.province, run.run_id)

        yield submit


def wait_for_runs(
    instance: dg.DagsterInstance, submitted: list[Submitted], poll: float = 0.25
) -> dict[str, dg.DagsterRun]:
    """The runs once every one has ended (success, failure or canceled), by run id: the
    runs still going read in one query per poll, whatever their number."""
    ended: dict[str, dg.DagsterRun] = {}
    while len(ended) < len(submitted):
        going = [s.run_id for s in submitted if s.run_id not in ended]
        for run in instance.get_runs(filters=dg.RunsFilter(run_ids=going)):
            if run.is_finished:
                ended[run.run_id] = run
        if len(ended) < len(submitted):
            time.sleep(poll)
    return ended


@dataclass(frozen=True)
class StepPlace:
    step: str
    worker: str  # the Celery worker's name: <queue>-<pid>@<host> unless named


def step_places(instance: dg.DagsterInstance, run_id: str) -> list[StepPlace]:
    """Where each step of a run ran, from the event each worker writes when it starts one
    (dagster_celery's "Executing steps ... in celery worker")."""
    places = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        data = event.engine_event_data if event else None
        worker = data.metadata.get("Celery worker") if data else None
        if event is not None and event.step_key and worker is not None:
            places.append(StepPlace(event.step_key, str(worker.value)))
    return places


def run_on_workers(
    instance: dg.DagsterInstance, warehouse: Any, periods: list[str]
) -> tuple[list[Any], dict[str, list[StepPlace]]]:
    """`cakupan run` in the distributed mode: the phase plan of the embedded mode
    (`run_plan`), each batch of runs submitted to the queue at once (the provinces' runs
    side by side on the workers) and awaited before the next; the outcome of each run and
    where its steps ran (by period and province, or national)."""
    from pipelines.console import step_failure_line
    from pipelines.definitions import build_defs
    from pipelines.jobs import JOB_NAME
    from pipelines.runner import PeriodOutcome, run_plan

    places: dict[str, list[StepPlace]] = {}
    with run_submitter(instance) as submit:

        def launch(batch: list[Launch]) -> list[PeriodOutcome]:
            submitted = [submit(run) for run in batch]
            ended = wait_for_runs(instance, submitted)
            outcomes = []
            for s in submitted:
                run = ended[s.run_id]
                line, trace = None, None
                if run.status != dg.DagsterRunStatus.SUCCESS:
                    line = f"run {s.run_id} ended {run.status.value}; see it in the Dagster UI"
                    failures = instance.all_logs(s.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
                    if failures and failures[0].dagster_event is not None:
                        line, trace = step_failure_line(failures[0].dagster_event)
                outcomes.append(
                    PeriodOutcome(s.period, line is None, s.run_id, line, trace, s.province)
                )
                where = f"{s.period} {s.province or 'national'}"
                places.setdefault(where, []).extend(step_places(instance, s.run_id))
            return outcomes

        job = build_defs(warehouse, retry_policy=None).resolve_job_def(JOB_NAME)
        return run_plan(warehouse, sorted(periods), job, launch), places


def print_places(places: dict[str, list[StepPlace]]) -> None:
    """Where each step ran, by period and province (or national) and worker."""
    for where, steps in sorted(places.items()):
        period, province = where.split(" ")
        workers = sorted({p.worker for p in steps})
        for worker in workers:
            ran = [p.step for p in steps if p.worker == worker]
            print(f"period {period} {province}: {len(ran)} step(s) on {worker}: {', '.join(ran)}")
