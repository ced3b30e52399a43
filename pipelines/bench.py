"""`make bench`: the whole pipeline end to end on generated data, against a floor.

    python -m pipelines.bench [--persons 1000000] [--periods 2025-03,2025-04]

The landing zone is generated once per size and seed (cached under .bench/). Each
measurement runs in a fresh child process so that peak RSS is its own:

- floor: DuckDB reading every landing file once into a table of a new DuckDB file;
- pipeline: the coverage job for every landed period, as `cakupan run` runs it, with the
  wall time and peak RSS of each step (RSS sampled every 20 ms while the step runs).

It prints a table of stages and the ratio pipeline / floor, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

BENCH_DIR = Path(".bench")


def status_bytes(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss_bytes() -> int:
    return status_bytes("VmRSS")


def peak_rss_bytes() -> int:
    """This process's peak RSS. Not getrusage's ru_maxrss: Linux carries that across
    fork + exec, so a child would report its parent's peak (the data generation)."""
    return status_bytes("VmHWM")


class RssSampler(threading.Thread):
    """Samples this process's RSS, so that each step's peak can be read off its time window."""

    def __init__(self, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append((time.time(), rss_bytes()))
            time.sleep(self.interval)

    def peak(self, start: float, end: float) -> int:
        return max((r for t, r in self.samples if start <= t <= end + self.interval), default=0)


def child_floor(landing: Path, out: Path) -> None:
    import duckdb
    import polars as pl

    from assets.landing import landed_keys, snapshot_files

    started = time.time()
    db = out.with_suffix(".duckdb")
    conn = duckdb.connect(str(db))
    rows = 0
    for source in ("enrollment", "labour"):
        for key in landed_keys(landing, source):
            for i, path in enumerate(snapshot_files(landing, source, key)):
                table = f"{source}_{key.replace('-', '_')}_{i}"
                if path.suffix == ".csv":
                    conn.execute(
                        f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, all_varchar = true)",
                        [str(path)],
                    )
                elif path.suffix == ".parquet":
                    conn.execute(f"CREATE TABLE {table} AS FROM read_parquet(?)", [str(path)])
                else:
                    frame = pl.read_excel(path, infer_schema_length=0).to_arrow()  # noqa: F841
                    conn.execute(f"CREATE TABLE {table} AS FROM frame")
                (n,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
                rows += n
    conn.close()
    wall = time.time() - started
    peak = peak_rss_bytes()
    db.unlink()
    out.write_text(json.dumps({"wall": wall, "peak": peak, "rows": rows}))


def child_pipeline(landing: Path, warehouse_dir: Path, out: Path) -> None:
    import dagster as dg

    from pipelines.resources import warehouse_from_env
    from pipelines.runner import run_periods

    os.environ["CAKUPAN_LANDING_DIR"] = str(landing)
    os.environ["CAKUPAN_WAREHOUSE_DIR"] = str(warehouse_dir)
    sampler = RssSampler()
    sampler.start()
    instance = dg.DagsterInstance.ephemeral()
    started = time.time()
    outcomes = run_periods(warehouse_from_env(), instance=instance)
    wall = time.time() - started
    sampler.stopped.set()
    steps: dict[str, dict[str, float]] = defaultdict(lambda: {"wall": 0.0, "peak": 0})
    for outcome in outcomes:
        begun: dict[str, float] = {}
        for record in instance.all_logs(outcome.run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                begun[event.step_key] = record.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                start = begun.pop(event.step_key, record.timestamp)
                step = steps[event.step_key]
                step["wall"] += record.timestamp - start
                step["peak"] = max(step["peak"], sampler.peak(start, record.timestamp))
    out.write_text(
        json.dumps(
            {
                "wall": wall,
                "peak": peak_rss_bytes(),
                "ok": all(o.success for o in outcomes),
                "errors": [o.error for o in outcomes if not o.success],
                "periods": [o.periode for o in outcomes],
                "steps": steps,
            }
        )
    )


def in_child(mode: str, *args: Path) -> dict[str, Any]:
    out = BENCH_DIR / f"{mode}.json"
    cmd = [sys.executable, "-m", "pipelines.bench", "--child", mode, *map(str, args), str(out)]
    subprocess.run(cmd, check=True)
    return dict(json.loads(out.read_text()))


def ensure_landing(persons: int, periods: list[str], seed: int) -> Path:
    from pipelines.demo_data import generate_demo_landing

    landing = BENCH_DIR / f"landing-{persons}-{seed}-{'_'.join(periods)}"
    done = landing / ".complete"
    if not done.exists():
        shutil.rmtree(landing, ignore_errors=True)
        print(f"generating {persons:,} persons x {len(periods)} periods into {landing} (cached)")
        started = time.perf_counter()
        generate_demo_landing(landing, persons=persons, seed=seed, periods=periods)
        done.write_text("")
        print(f"generated in {time.perf_counter() - started:.1f} s")
    return landing


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def report(floor: dict[str, Any], pipeline: dict[str, Any]) -> str:
    lines = [
        "| stage | wall s | peak RSS |",
        "|---|---:|---:|",
    ]
    for step, m in sorted(pipeline["steps"].items(), key=lambda kv: -kv[1]["wall"]):
        lines.append(f"| {step} | {m['wall']:.2f} | {gib(m['peak'])} |")
    from checks.asset_checks import VALIDATION_STEP_PREFIX

    checks = [m for step, m in pipeline["steps"].items() if step.startswith(VALIDATION_STEP_PREFIX)]
    if checks:
        wall = sum(m["wall"] for m in checks)
        lines.append(
            f"| **validation (all checks)**: {len(checks)} check steps, "
            f"{wall / pipeline['wall']:.0%} of the pipeline total | **{wall:.2f}** | "
            f"{gib(max(m['peak'] for m in checks))} |"
        )
    lines += [
        f"| **pipeline total** (Dagster runs of {len(pipeline['periods'])} periods) | "
        f"**{pipeline['wall']:.2f}** | **{gib(pipeline['peak'])}** |",
        f"| floor: DuckDB reads every landing file once ({floor['rows']:,} rows) | "
        f"{floor['wall']:.2f} | {gib(floor['peak'])} |",
        f"| **ratio pipeline / floor** | **{pipeline['wall'] / floor['wall']:.1f} x** | "
        f"{pipeline['peak'] / floor['peak']:.1f} x |",
    ]
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, *paths = sys.argv[2:]
        if mode == "floor":
            child_floor(Path(paths[0]), Path(paths[1]))
        else:
            child_pipeline(Path(paths[0]), Path(paths[1]), Path(paths[2]))
        return 0
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument(
        "--persons", type=int, default=int(os.environ.get("BENCH_PERSONS", 1_000_000))
    )
    args.add_argument("--periods", default="2025-03,2025-04")
    args.add_argument("--seed", type=int, default=7)
    opts = args.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    landing = ensure_landing(opts.persons, opts.periods.split(","), opts.seed)
    warehouse = BENCH_DIR / "warehouse"
    shutil.rmtree(warehouse, ignore_errors=True)
    floor = in_child("floor", landing)
    pipeline = in_child("pipeline", landing, warehouse)
    if not pipeline["ok"]:
        print("pipeline failed:", *pipeline["errors"], sep="\n", file=sys.stderr)
        return 1
    print(
        f"\nbenchmark: {opts.persons:,} persons, periods {opts.periods}, "
        f"DuckDB memory_limit {os.environ.get('CAKUPAN_DUCKDB_MEMORY_LIMIT', '4GB')}, "
        f"{os.cpu_count()} cores\n"
    )
    print(report(floor, pipeline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
