"""`cakupan`: the command line of the pipeline.

    cakupan demo-data [--out DIR] [--persons N] [--seed N] [--periods 2025-03,2025-04]
                      [--provinces 61,62,63,64,65 | all]
    cakupan run [--landing DIR] [--warehouse-dir DIR] [--period YYYY-MM ...] [--no-wait] [--verbose]
    cakupan rebuild [--landing DIR] [--warehouse-dir DIR] [--no-wait] [--verbose]
    cakupan report [--warehouse-dir DIR] [--period YYYY-MM ...]
    cakupan dashboard [--warehouse-dir DIR] [--port N]
    cakupan ui [dagster dev options]
    cakupan worker [--queue NAME] [--name NAME] [--concurrency N]

`run` executes the same Dagster job as the UI (one run per period, on the Dagster instance
of $DAGSTER_HOME when it is set, so the runs show in the UI) and prints a summary.
With CAKUPAN_EXECUTOR=celery (docs/deploy.md) `run` submits the runs to the queue of the
instance of $DAGSTER_HOME (PostgreSQL) and waits for them; their steps run on the Celery
workers `worker` starts. `rebuild` rebuilds the internal file from the landing zone (every landed period), for when
it is damaged: everything in it derives from the landing zone.

Exit codes: 0 every period published; 1 some period not published (one line each: where,
why, what to do), or none because a file of the warehouse is damaged or of a newer version
(one line); 2 bad settings or usage; 3 the warehouse is being written by another
process and --no-wait was given; 4 a service of the distributed mode (PostgreSQL, the
broker) is unreachable, nothing ran; 130 interrupted (SIGINT, SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from contract.periods import is_period
from contract.reference import parse_provinces

if TYPE_CHECKING:
    from assets.warehouse import Warehouse
    from pipelines.runner import PeriodOutcome

OK, NOT_PUBLISHED, USAGE, BUSY, UNAVAILABLE, INTERRUPTED = 0, 1, 2, 3, 4, 130


def period_list(text: str) -> list[str]:
    periods = [p.strip() for p in text.split(",") if p.strip()]
    for p in periods:
        if not is_period(p):
            raise argparse.ArgumentTypeError(f"not a period YYYY-MM: {p!r}")
    return periods


def province_list(text: str) -> tuple[str, ...]:
    try:
        return parse_provinces(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def period(text: str) -> str:
    (p,) = period_list(text)
    return p


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cakupan", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo-data", help="generate a demo landing zone")
    demo.add_argument("--out", type=Path, default=None, help="landing dir (default: settings)")
    demo.add_argument("--persons", type=int, default=50_000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--periods", type=period_list, default=["2025-03", "2025-04"])
    demo.add_argument(
        "--provinces",
        type=province_list,
        default=None,
        help="Kemendagri codes or 'all': one national snapshot, --persons shared by employed"
        " (default: Kalimantan Timur alone, as always)",
    )

    run = commands.add_parser("run", help="stage, resolve, build marts and publish")
    rebuild = commands.add_parser(
        "rebuild", help="rebuild the internal file from the landing zone, then publish"
    )
    for command in (run, rebuild):
        command.add_argument("--landing", type=Path, default=None, help="$CAKUPAN_LANDING_DIR")
        command.add_argument(
            "--warehouse-dir", type=Path, default=None, help="$CAKUPAN_WAREHOUSE_DIR"
        )
        command.add_argument(
            "--no-wait",
            action="store_true",
            help="exit 3 at once if another process is writing the warehouse (default: wait)",
        )
        command.add_argument(
            "--verbose", action="store_true", help="Dagster's whole log, with stack traces"
        )
    run.add_argument(
        "--period",
        type=period,
        action="append",
        dest="periods",
        help="period to run (repeatable; default: every landed period)",
    )
    commands.add_parser(
        "ui", help="the Dagster UI and daemon (dagster dev), stopped cleanly by a signal"
    )
    worker = commands.add_parser(
        "worker", help="a Celery worker of the distributed mode (CAKUPAN_EXECUTOR=celery)"
    )
    worker.add_argument("--queue", default="dagster", help="queue to take steps from (dagster)")
    worker.add_argument("--name", default=None, help="worker name (default <queue>-<pid>)")
    worker.add_argument(
        "--concurrency", type=int, default=1, help="steps at a time (1: DuckDB uses the cores)"
    )
    report_parsers(commands)
    return top


def say(message: str) -> None:
    print(f"cakupan: {message}", file=sys.stderr, flush=True)


def report_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`report` and `dashboard`: what people read, from the published file only."""
    report = commands.add_parser("report", help="write the HTML report of the published file")
    report.add_argument("--warehouse-dir", type=Path, default=None, help="$CAKUPAN_WAREHOUSE_DIR")
    report.add_argument(
        "--period",
        type=period,
        action="append",
        dest="periods",
        help="period to write (repeatable; default: every published period)",
    )
    dashboard = commands.add_parser("dashboard", help="serve the live dashboard (Streamlit)")
    dashboard.add_argument(
        "--warehouse-dir", type=Path, default=None, help="$CAKUPAN_WAREHOUSE_DIR"
    )
    dashboard.add_argument("--port", type=int, default=8501)


def demo_data(args: argparse.Namespace) -> int:
    from pipelines.resources import warehouse_from_env
    from tools.demo_data import generate_demo_landing, generate_national_landing

    out = args.out or warehouse_from_env(resolve=True).landing
    started = time.perf_counter()
    if args.provinces is not None:
        national = generate_national_landing(
            out, args.provinces, persons=args.persons, seed=args.seed, periods=args.periods
        )
        summaries = list(national.by_province.values())
        where = f"provinces {', '.join(f'{k} ({n:,})' for k, n in national.persons.items())}, "
        where += f"{len(national.cross_persons)} persons in two provinces"
    else:
        summaries = [
            generate_demo_landing(out, persons=args.persons, seed=args.seed, periods=args.periods)
        ]
        where = "Kalimantan Timur"
    rows = sum(n for s in summaries for n in s.rows_written.values())
    print(
        f"demo landing zone in {out}: {args.persons:,} persons, {where}, periods "
        f"{', '.join(summaries[0].periods)}, labour years "
        f"{', '.join(str(y) for y in summaries[0].labour_years)}: "
        f"{sum(len(s.files) for s in summaries)} files, "
        f"{rows:,} rows in {time.perf_counter() - started:.1f} s"
    )
    return OK


def checked_warehouse(args: argparse.Namespace) -> Warehouse | None:
    """The warehouse of the settings and flags, or None after naming every problem of them
    (the settings' values, then the folder and files it must write)."""
    from pipelines.resources import setting_problems, warehouse_from_env, warehouse_problems

    problems = setting_problems()
    if problems:  # the warehouse cannot even be bound to values that are not valid
        for problem in problems:
            say(problem)
        return None
    flags: dict[str, str] = {}
    labels: dict[str, str] = {}
    if args.landing:
        flags["landing_dir"] = str(args.landing)
    if args.warehouse_dir:  # the files go with the folder given on the command line
        flags |= {
            "warehouse_dir": str(args.warehouse_dir),
            "published_file": "",
            "internal_file": "",
        }
        labels["warehouse_dir"] = "--warehouse-dir"
    warehouse = warehouse_from_env(resolve=True, overrides=flags)
    problems += warehouse_problems(warehouse, flags=labels)
    for problem in problems:
        say(problem)
    return None if problems else warehouse


def run(args: argparse.Namespace) -> int:
    from contract.landing import landed_periods

    warehouse = checked_warehouse(args)
    if warehouse is None:
        return USAGE
    periods = args.periods or landed_periods(warehouse.landing)
    if not periods:
        say(f"no landed period under {warehouse.landing_dir}/enrollment/")
        return USAGE
    from pipelines.resources import distributed

    if distributed():
        return run_distributed(warehouse, periods)
    return run_periods(warehouse, periods, args, "cakupan run")


def services_down() -> bool:
    """Say which service of the distributed mode is unreachable (one line each), if any."""
    from pipelines.distributed import service_problems

    problems = service_problems()
    for problem in problems:
        say(problem)
    return bool(problems)


def run_distributed(warehouse: Warehouse, periods: list[str]) -> int:
    """The runs go through the queue of the PostgreSQL instance (the daemon starts them, the
    workers run their steps), in the phases of the embedded mode (`run_plan`); this process
    only submits and waits. It takes no writer lock: the steps take it, on the workers."""
    import dagster as dg

    from pipelines.distributed import print_places, run_on_workers

    if not os.environ.get("DAGSTER_HOME"):
        say("CAKUPAN_EXECUTOR=celery needs DAGSTER_HOME: a folder with deploy/dagster.yaml")
        return USAGE
    if services_down():
        return UNAVAILABLE
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        outcomes, places = run_on_workers(instance, warehouse, periods)
    print_summaries(warehouse, outcomes, time.perf_counter() - started)
    print_places(places)
    return report_failures(warehouse, outcomes)


def worker(args: argparse.Namespace) -> int:
    """A Celery worker in this process's place (SIGTERM: it finishes its step, then stops),
    after the same checks as a run: settings, the warehouse folder, the services."""
    from pipelines.resources import distributed

    if checked_warehouse(argparse.Namespace(landing=None, warehouse_dir=None)) is None:
        return USAGE
    if not distributed():
        say("cakupan worker needs CAKUPAN_EXECUTOR=celery (and the settings of docs/deploy.md)")
        return USAGE
    if services_down():
        return UNAVAILABLE
    name = args.name or f"{args.queue}-{os.getpid()}"
    command = [sys.executable, "-m", "celery", "-A", "pipelines.celery_app", "worker"]
    command += ["--queues", args.queue, "--hostname", f"{name}@%h", "--loglevel", "INFO"]
    command += ["--concurrency", str(args.concurrency), "--prefetch-multiplier", "1"]
    os.execv(sys.executable, command)
    return OK  # not reached


def rebuild(args: argparse.Namespace) -> int:
    """The internal file again from the landing zone: every landed period, then published
    as a run publishes (a damaged published file is rebuilt on the way)."""
    from contract.landing import landed_periods

    warehouse = checked_warehouse(args)
    if warehouse is None:
        return USAGE
    periods = landed_periods(warehouse.landing)
    if not periods:
        say(f"no landed period under {warehouse.landing_dir}/enrollment/: nothing to rebuild from")
        return USAGE
    return run_periods(warehouse, periods, args, "cakupan rebuild", rebuild=True)


def run_periods(
    warehouse: Warehouse,
    periods: list[str],
    args: argparse.Namespace,
    command: str,
    rebuild: bool = False,
) -> int:
    """Under the writer lock: check the files, run each period, print the summary."""
    from assets.lock import WarehouseBusy

    try:
        with warehouse.writing(command, wait=not args.no_wait, on_wait=say):
            return run_locked(warehouse, periods, args, rebuild)
    except WarehouseBusy as busy:
        say(f"{busy}; --no-wait given, so not waiting")
        return BUSY


def run_locked(
    warehouse: Warehouse, periods: list[str], args: argparse.Namespace, rebuild: bool
) -> int:
    import dagster as dg

    from pipelines.resources import setting
    from pipelines.runner import run_each_period

    provinces = {p: warehouse.for_province(p) for p in warehouse.covered_provinces}
    for scoped in provinces.values():
        refused = scoped.refusal()  # before anything is written (the runs check it again)
        if refused is not None:
            say(str(refused))
            return NOT_PUBLISHED
    for scoped in provinces.values():
        if rebuild:
            internal = Path(scoped.internal_path)
            for path in (internal, internal.with_name(internal.name + ".wal")):
                path.unlink(missing_ok=True)
            say(f"rebuilding {internal} from the landing zone {warehouse.landing_dir}")
        fault = scoped.damaged_internal_file()  # a damaged published file: the run says it
        if fault is not None:
            say(str(fault))
            return NOT_PUBLISHED
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    log_level = "DEBUG" if args.verbose else setting("CAKUPAN_LOG_LEVEL").upper()
    started = time.perf_counter()
    outcomes = run_each_period(
        warehouse, periods, instance=instance, log_level=log_level, verbose=args.verbose
    )
    print_summaries(warehouse, outcomes, time.perf_counter() - started)
    return report_failures(warehouse, outcomes)


def print_summaries(warehouse: Warehouse, outcomes: list[PeriodOutcome], elapsed: float) -> None:
    """Each province's summary from its own files (one province: the summary alone), then
    the national file's periods and report."""
    from pipelines.summary import print_summary

    several = warehouse.several_provinces
    for province in warehouse.covered_provinces:
        scoped = warehouse.for_province(province)
        if several:
            print(f"\n== province {province} ({scoped.warehouse_dir}) ==")
        print_summary(scoped, [o for o in outcomes if o.province == province], elapsed)
        print_report_path(Path(scoped.warehouse_dir))
    for o in outcomes:
        if o.province is None and o.success:
            print(f"national {o.period}: {warehouse.national_path} (mart.national_status)")
    if several:
        national_report = warehouse.report_dir / "index.html"
        if national_report.is_file():
            print(f"National report (open in a browser): {national_report.resolve()}")


def report_failures(warehouse: Warehouse, outcomes: list[PeriodOutcome]) -> int:
    """One line per run that did not publish (its trace first, for a bug); the exit code."""
    failed = [o for o in outcomes if not o.success]
    for o in failed:
        if o.trace:
            print(o.trace, file=sys.stderr)
        where = f" ({o.province or 'national file'})" if warehouse.several_provinces else ""
        print(f"period {o.period}{where} NOT published: {o.error}", file=sys.stderr, flush=True)
    return NOT_PUBLISHED if failed else OK


def interrupted(signo: int, frame: FrameType | None) -> None:
    """SIGTERM as Ctrl-C: the run stops at once, cleanly (its lock and files released)."""
    raise KeyboardInterrupt


def report_warehouse(args: argparse.Namespace) -> Warehouse:
    from pipelines.resources import warehouse_from_env

    flags: dict[str, str] = {}
    if args.warehouse_dir:
        flags = {"warehouse_dir": str(args.warehouse_dir), "published_file": ""}
    return warehouse_from_env(resolve=True, overrides=flags)


def report(args: argparse.Namespace) -> int:
    from assets.report.data import NotPublishedError
    from assets.report.national import write_national_reports
    from assets.report.page import write_warehouse_reports

    warehouse = report_warehouse(args)
    if warehouse.several_provinces:  # each province's pages, then the national page
        written, missing = [], []
        for province in warehouse.covered_provinces:
            try:
                written += write_warehouse_reports(warehouse.for_province(province), args.periods)
            except NotPublishedError as error:
                missing.append(f"province {province}: {error}")
        try:
            written += write_national_reports(warehouse)
        except NotPublishedError as error:
            missing.append(f"national page: {error}")
        for line in missing:
            print(f"no report written for {line}", file=sys.stderr)
    else:
        try:
            written = write_warehouse_reports(warehouse, args.periods)
        except NotPublishedError as error:
            print(f"no report written: {error}", file=sys.stderr)
            return 2
    for path in written:
        print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB)")
    return 0 if written else 2


def print_report_path(warehouse_dir: Path) -> None:
    """After `run`: where the report of the latest period is (written by report/coverage)."""
    index = warehouse_dir / "report" / "index.html"
    if index.is_file():
        print(f"Report (open in a browser): {index.resolve()}")


def dashboard(args: argparse.Namespace) -> int:
    """Streamlit in this process's place (Ctrl-C stops it), on 127.0.0.1 only, no usage
    statistics sent, settings passed on through the environment."""
    warehouse = report_warehouse(args)
    app = Path(__file__).with_name("dashboard") / "app.py"
    os.environ["CAKUPAN_WAREHOUSE_DIR"] = warehouse.warehouse_dir
    os.environ["CAKUPAN_PUBLISHED_PATH"] = warehouse.published_path
    print(f"Dashboard on http://127.0.0.1:{args.port}  (Ctrl-C stops it)", flush=True)
    command = [sys.executable, "-m", "streamlit", "run", str(app)]
    command += ["--server.address", "127.0.0.1", "--server.port", str(args.port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"]
    os.execv(sys.executable, command)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    args, rest = parser().parse_known_args(argv)
    if args.command == "ui":
        from pipelines import ui

        return ui.main(rest)
    if rest:
        parser().parse_args(argv)  # the usual error for unknown arguments (exit 2)
    previous = signal.getsignal(signal.SIGTERM)
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:
        signal.signal(signal.SIGTERM, interrupted)
    try:
        return {
            "demo-data": demo_data,
            "run": run,
            "rebuild": rebuild,
            "report": report,
            "dashboard": dashboard,
            "worker": worker,
        }[args.command](args)
    except KeyboardInterrupt:
        say(
            "interrupted: the period in progress was not published (the published file keeps "
            "what it had); run again to publish it"
        )
        return INTERRUPTED
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
