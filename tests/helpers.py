"""Test helpers: tiny hand-made landing zones, a real warehouse in a temp folder, and the
pipeline's stages run on it (directly, or as real Dagster runs)."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from assets.core.continuity import follow_persons, periods_to_follow, published_periods
from assets.core.persons import link_registrations, write_persons
from assets.mart.coverage import build_marts
from assets.published.publish import build_candidate, swap_in
from assets.staging.stage import (
    LabourStaging,
    StagedSnapshot,
    stage_enrollment,
    stage_labour,
    stage_labour_for,
)
from assets.warehouse import Warehouse
from contract.reference import STATUS_PEKERJAAN, bps_regions, kbli_sections
from contract.row_rules import ENROLLMENT_COLUMNS, LABOUR_COLUMNS
from contract.tables import MARTS
from pipelines.runner import PeriodOutcome, run_each_period

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2025-03"
#: The schedule that would start runs of its own in a test that passes 01:00 WITA.
NIGHTLY = ("schedule", "nightly_coverage")
LANDING_SENSOR = ("sensor", "landing_sensor")


def stop_automation(env: Mapping[str, str], *stopped: tuple[str, str]) -> None:
    """Stop schedules and sensors, as (kind, name), in the instance of ``env``'s
    DAGSTER_HOME, before a test starts its daemon there: only the test's own runs run."""
    dagster = Path(sys.executable).parent / "dagster"
    for kind, name in stopped:
        command = [str(dagster), kind, "stop", name, "-w", "workspace.yaml"]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)


def make_nik(birth: date, sex: str = "L", region: str = "647201", serial: str = "0001") -> str:
    """A valid NIK: Kemendagri region (6 digits), DDMMYY (+40 on DD for women), serial."""
    day = birth.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial}"


_kpj_counter = iter(range(10_000_000_001, 99_999_999_999))
_serial_counter = iter(range(1, 10_000))


def enrollment_row(**overrides: Any) -> dict[str, str]:
    """A valid enrollment row of a new person (PU, active, Samarinda); override any column."""
    birth = overrides.pop("birth", date(1990, 5, 15))
    sex = overrides.get("jenis_kelamin", "L")
    row = {
        "kpj": str(next(_kpj_counter)),
        "nik": make_nik(
            birth, sex if sex in ("L", "P") else "L", serial=f"{next(_serial_counter):04d}"
        ),
        "nama": "BUDI SANTOSO",
        "tanggal_lahir": birth.isoformat(),
        "jenis_kelamin": "L",
        "alamat": "Jl. Pahlawan 1",
        "kode_wilayah": "6472",
        "segmen": "PU",
        "kbli": "G",
        "program": "JKK;JKM;JHT;JP",
        "status": "AKTIF",
        "tanggal_kepesertaan": "2020-01-01",
        "npp": "12345678",
    }
    row.update({k: v for k, v in overrides.items()})
    return row


def labour_row(**overrides: Any) -> dict[str, str]:
    row = {
        "tahun": "2025",
        "kode_wilayah": "6472",
        "kbli": "G",
        "status_pekerjaan": "FORMAL",
        "jumlah_pekerja": "100",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


class Landing:
    """Writes landing files the way the source systems deliver them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(
        self,
        source: str,
        key: str,
        rows: list[dict[str, str]],
        name: str,
        columns: tuple[str, ...] | list[str] | None = None,
        bom: bool = False,
        crlf: bool = False,
    ) -> Path:
        folder = self.root / source / key
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        columns = list(columns or (rows[0].keys() if rows else []))
        if path.suffix == ".csv":
            with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
                writer = csv.DictWriter(
                    f, columns, extrasaction="ignore", lineterminator="\r\n" if crlf else "\n"
                )
                writer.writeheader()
                writer.writerows(rows)
        else:
            frame = pl.DataFrame(
                {c: [r.get(c) for r in rows] for c in columns},
                schema={c: pl.String for c in columns},
            )
            if path.suffix == ".parquet":
                frame.write_parquet(path)
            elif path.suffix == ".xlsx":
                frame.write_excel(path)
            else:
                raise ValueError(path)
        return path

    def enrollment(
        self, periode: str, rows: list[dict[str, str]], name: str = "part-1.csv", **kw: Any
    ) -> Path:
        kw.setdefault("columns", ENROLLMENT_COLUMNS)
        return self.write("enrollment", periode, rows, name, **kw)

    def labour(
        self, tahun: int | str, rows: list[dict[str, str]], name: str = "sakernas.csv", **kw: Any
    ) -> Path:
        kw.setdefault("columns", LABOUR_COLUMNS)
        return self.write("labour", str(tahun), rows, name, **kw)

    def full_labour(self, tahun: int, jumlah: int = 100) -> Path:
        """Every region x sector x status cell, each with ``jumlah`` workers."""
        rows = [
            labour_row(
                tahun=tahun, kode_wilayah=r, kbli=k, status_pekerjaan=s, jumlah_pekerja=jumlah
            )
            for r in bps_regions()
            for k in kbli_sections()
            for s in STATUS_PEKERJAAN
        ]
        return self.labour(tahun, rows)


class Pipeline:
    """A real warehouse (two DuckDB files) in a temp folder: its stages called directly
    (fast: no Dagster, no GX), or real Dagster runs of the coverage job (`run`)."""

    def __init__(self, tmp: Path, provinces: str = "64") -> None:
        self.landing = Landing(tmp / "landing")
        self.warehouse = Warehouse(
            landing_dir=str(tmp / "landing"),
            warehouse_dir=str(tmp / "warehouse"),
            provinces=provinces,
            memory_limit="1GB",
            threads=1,
        )

    def run(self, *periods: str) -> list[PeriodOutcome]:
        """The coverage job, one real Dagster run per period (default: every landed one)."""
        return run_each_period(self.warehouse, list(periods) or None)

    def run_ok(self, *periods: str) -> None:
        outcomes = self.run(*periods)
        assert all(o.success for o in outcomes), [o.error for o in outcomes]

    def internal(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.warehouse.internal_path, read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()

    def published(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.warehouse.published_path, read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()

    def connect(self) -> Any:
        return self.warehouse.connect()

    # The stages, called directly -------------------------------------------------------

    def stage(self, period: str = PERIOD) -> StagedSnapshot:
        with self.connect() as conn:
            return stage_enrollment(conn, self.warehouse.landing, period)

    def stage_year(self, year: int = 2025) -> StagedSnapshot:
        with self.connect() as conn:
            return stage_labour(conn, self.warehouse.landing, year)

    def stage_labour_for(self, period: str = PERIOD) -> LabourStaging:
        with self.connect() as conn:
            return stage_labour_for(conn, self.warehouse.landing, period)

    def resolve_persons(self, period: str = PERIOD) -> dict[str, str]:
        """kpj -> person_id of the period, after person resolution of the staged rows."""
        with self.connect() as conn:
            link_registrations(conn, period)
            write_persons(conn, period)
        return dict(
            self.internal("SELECT kpj, person_id FROM core.person_link WHERE periode = ?", [period])
        )

    def follow_persons(self, period: str = PERIOD) -> list[tuple[str, str | None]]:
        """Persons across periods, as the job does: this period from its previous published
        one, and the published period after it from this one. Returns those pairs."""
        with self.connect() as conn:
            pairs = periods_to_follow(published_periods(self.warehouse, conn), period)
            for each, previous in pairs:
                follow_persons(conn, each, previous)
        return pairs

    def build_marts(self, period: str = PERIOD) -> None:
        """Stage the period and its labour year, resolve and follow persons and build every
        mart, as the job does (without Dagster and without the checks)."""
        with self.connect() as conn:  # one connection: opening one costs ~0.25 s
            pairs = periods_to_follow(published_periods(self.warehouse, conn), period)
            stage_enrollment(conn, self.warehouse.landing, period)
            stage_labour_for(conn, self.warehouse.landing, period)
            link_registrations(conn, period)
            write_persons(conn, period)
            for each, previous in pairs:
                follow_persons(conn, each, previous)
            later = pairs[1][0] if len(pairs) > 1 else None
            bpu = self.warehouse.bpu_minimum_contribution_rp
            build_marts(conn, MARTS, period, bpu, later=later)

    def publish(self, period: str = PERIOD, run_id: str = "test-run") -> None:
        """Build the period's marts and publish them as the job's last steps do (candidate,
        swap; no checks, no Dagster): a published file in seconds, for its readers' tests."""
        self.build_marts(period)
        candidate = build_candidate(self.warehouse, period, run_id)
        swap_in(candidate, self.warehouse.published_path)
