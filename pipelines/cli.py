"""`cakupan`: the command line of the pipeline.

    cakupan demo-data [--out DIR] [--persons N] [--seed N] [--periods 2025-03,2025-04]
    cakupan run [--landing DIR] [--warehouse-dir DIR] [--period YYYY-MM ...]
    cakupan report [--warehouse-dir DIR] [--period YYYY-MM ...]
    cakupan dashboard [--warehouse-dir DIR] [--port N]

`run` executes the same Dagster job as the UI (one run per period, on the Dagster instance
of $DAGSTER_HOME when it is set, so the runs show in the UI) and prints a summary.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from contract.periods import is_period

if TYPE_CHECKING:
    from assets.warehouse import Warehouse


def period_list(text: str) -> list[str]:
    periods = [p.strip() for p in text.split(",") if p.strip()]
    for p in periods:
        if not is_period(p):
            raise argparse.ArgumentTypeError(f"not a period YYYY-MM: {p!r}")
    return periods


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

    run = commands.add_parser("run", help="stage, resolve, build marts and publish")
    run.add_argument("--landing", type=Path, default=None, help="$CAKUPAN_LANDING_DIR")
    run.add_argument("--warehouse-dir", type=Path, default=None, help="$CAKUPAN_WAREHOUSE_DIR")
    run.add_argument(
        "--period",
        type=period,
        action="append",
        dest="periods",
        help="period to run (repeatable; default: every landed period)",
    )
    report_parsers(commands)
    return top


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
    from tools.demo_data import generate_demo_landing

    out = args.out or warehouse_from_env(resolve=True).landing
    started = time.perf_counter()
    summary = generate_demo_landing(out, persons=args.persons, seed=args.seed, periods=args.periods)
    rows = sum(summary.rows_written.values())
    print(
        f"demo landing zone in {out}: {args.persons:,} persons, periods "
        f"{', '.join(summary.periods)}, labour years "
        f"{', '.join(str(y) for y in summary.labour_years)}: {len(summary.files)} files, "
        f"{rows:,} rows in {time.perf_counter() - started:.1f} s"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    import dagster as dg

    from contract.landing import landed_periods
    from pipelines.resources import setting, warehouse_from_env
    from pipelines.runner import run_each_period
    from pipelines.summary import print_summary

    flags: dict[str, str] = {}
    if args.landing:
        flags["landing_dir"] = str(args.landing)
    if args.warehouse_dir:  # the files go with the folder given on the command line
        flags |= {
            "warehouse_dir": str(args.warehouse_dir),
            "published_file": "",
            "internal_file": "",
        }
    warehouse = warehouse_from_env(resolve=True, overrides=flags)
    periods = args.periods or landed_periods(warehouse.landing)
    if not periods:
        print(f"no landed period under {warehouse.landing_dir}/enrollment/", file=sys.stderr)
        return 2
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    started = time.perf_counter()
    log_level = setting("CAKUPAN_LOG_LEVEL").upper()
    outcomes = run_each_period(warehouse, periods, instance=instance, log_level=log_level)
    elapsed = time.perf_counter() - started
    print_summary(warehouse, outcomes, elapsed)
    print_report_path(Path(warehouse.warehouse_dir))
    failed = [o for o in outcomes if not o.success]
    for o in failed:
        print(f"period {o.period} NOT published: {o.error}", file=sys.stderr)
    return 1 if failed else 0


def report_warehouse(args: argparse.Namespace) -> Warehouse:
    from pipelines.resources import warehouse_from_env

    flags: dict[str, str] = {}
    if args.warehouse_dir:
        flags = {"warehouse_dir": str(args.warehouse_dir), "published_file": ""}
    return warehouse_from_env(resolve=True, overrides=flags)


def report(args: argparse.Namespace) -> int:
    from assets.report.data import NotPublishedError
    from assets.report.page import write_warehouse_reports

    warehouse = report_warehouse(args)
    try:
        written = write_warehouse_reports(warehouse, args.periods)
    except NotPublishedError as error:
        print(f"no report written: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


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
    warnings.filterwarnings("ignore", module="dagster")
    args = parser().parse_args(argv)
    commands = {"demo-data": demo_data, "run": run, "report": report, "dashboard": dashboard}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
