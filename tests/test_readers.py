"""Dashboards read the published file while the pipeline publishes: never an error, never a
half-built period."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import Pipeline, enrollment_row

pytestmark = pytest.mark.slow

READERS = 4
PUBLISHES = 3  # after the first one: four publishes in all
LIMITS = ("20000", "90")  # reads and seconds at most, per reader

#: One dashboard: open read-only, read every mart per period, check it adds up, close.
READER = r"""
import json, sys, time
from pathlib import Path
import duckdb

path, stop, max_reads, max_seconds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
GRID = {"coverage_province": 1, "coverage_region": 10, "coverage_sector": 21,
        "coverage_region_sector": 210, "coverage_status": 20}
reads, errors, inconsistent, seen = 0, [], [], set()
deadline = time.monotonic() + max_seconds
while reads < max_reads and time.monotonic() < deadline:
    stopping = stop.exists()
    try:
        conn = duckdb.connect(path, read_only=True)
        try:
            periods = sorted(r[0] for r in conn.execute("SELECT periode FROM mart.published_periods").fetchall())
            for table, cells in GRID.items():
                counts = dict(conn.execute(f"SELECT periode, count(*) FROM mart.{table} GROUP BY 1").fetchall())
                if sorted(counts) != periods or any(n != cells for n in counts.values()):
                    inconsistent.append(f"{table}: {counts} for periods {periods}")
            sums = conn.execute('''
                SELECT p.periode, p.peserta_aktif,
                       (SELECT sum(peserta_aktif) FROM mart.coverage_region r WHERE r.periode = p.periode),
                       (SELECT sum(peserta_aktif) FROM mart.coverage_sector s WHERE s.periode = p.periode),
                       (SELECT sum(peserta_aktif) FROM mart.coverage_status s WHERE s.periode = p.periode)
                FROM mart.coverage_province p''').fetchall()
            for periode, province, *parts in sums:
                if any(part != province for part in parts):
                    inconsistent.append(f"{periode}: province {province}, region/sector/status {parts}")
                seen.add((periode, province))
        finally:
            conn.close()
    except Exception as e:
        errors.append(f"{type(e).__name__}: {e}")
    reads += 1
    if stopping:
        break
    time.sleep(0.03)
print(json.dumps({"reads": reads, "errors": errors[:5], "n_errors": len(errors),
                  "inconsistent": inconsistent[:5], "n_inconsistent": len(inconsistent),
                  "seen": sorted(seen)}))
"""


def test_readers_never_fail_nor_see_a_half_built_file_while_publishing(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    pipeline.landing.full_labour(2025)
    pipeline.landing.enrollment("2025-01", [enrollment_row(), enrollment_row(kbli="C")])
    pipeline.run_ok()  # the file dashboards open exists before they start
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, pipeline.warehouse.published_path, str(stop), *LIMITS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(READERS)
    ]
    try:
        time.sleep(0.5)  # the readers are reading
        for publish in range(PUBLISHES):
            # New numbers every time, so that a mix of two publishes would not add up.
            regions = ("6401", "6472", "6474")[: publish + 1]
            rows = [enrollment_row(kode_wilayah=k) for k in regions]
            pipeline.landing.enrollment("2025-01", rows, name=f"part-{publish + 2}.csv")
            outcomes = pipeline.run("2025-01")
            assert all(o.success for o in outcomes), [o.error for o in outcomes]
    finally:
        stop.touch()
        results = []
        for reader in readers:
            out, err = reader.communicate(timeout=120)
            assert reader.returncode == 0, err
            results.append(json.loads(out))

    for result in results:
        assert result["n_errors"] == 0, result["errors"]
        assert result["n_inconsistent"] == 0, result["inconsistent"]
        assert result["reads"] > 1
    # The readers did see the publishes: more than one state of 2025-01.
    seen = {tuple(s) for r in results for s in r["seen"] if s[0] == "2025-01"}
    assert len(seen) > 1, seen
    final = pipeline.published(
        "SELECT periode, peserta_aktif FROM mart.coverage_province ORDER BY periode"
    )
    assert final == [("2025-01", 2 + 1 + 2 + 3)]
