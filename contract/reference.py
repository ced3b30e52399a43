"""Reference data shipped in ``reference/``, read once per process.

Regions carry both codes: enrollment records domicile with **Kemendagri** codes (as in the
NIK), Sakernas with **BPS** codes, and ``6402`` / ``6403`` mean different regencies in the
two. Enrollment codes are therefore always translated through the crosswalk
(`crosswalk`, and the SQL view ``kemendagri_to_bps``), never joined raw.

The pipeline gets these tables into DuckDB from here (`tables`), the checks and the demo
generator read the same Python values: the CSV files are parsed in one place only.
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
PROVINCE_CODE = "64"  # Kalimantan Timur
STATUS_PEKERJAAN = ("FORMAL", "INFORMAL")


@dataclass(frozen=True)
class ReferenceTable:
    """One reference file as (column names, rows of text)."""

    name: str  # the SQL name, e.g. ref_region
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> tuple[str, ...]:
        i = self.columns.index(name)
        return tuple(row[i] for row in self.rows)


def _read(name: str, file: str) -> ReferenceTable:
    with (REFERENCE_DIR / file).open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return ReferenceTable(name, tuple(header), tuple(tuple(r) for r in rows))


@functools.cache
def tables() -> tuple[ReferenceTable, ...]:
    """Every reference table, under the name SQL uses for it."""
    return (
        _read("ref_region", "kaltim_regencies.csv"),
        _read("ref_district", "kaltim_districts.csv"),
        _read("ref_kbli", "kbli2020_sections.csv"),
        _read("ref_province", "provinces.csv"),
    )


def table(name: str) -> ReferenceTable:
    return next(t for t in tables() if t.name == name)


def bps_regions() -> tuple[str, ...]:
    """The 10 regencies/cities, BPS codes (the marts' ``kode_wilayah``)."""
    return table("ref_region").column("kode_bps")


def kemendagri_regions() -> tuple[str, ...]:
    return table("ref_region").column("kode_kemendagri")


def kemendagri_codes() -> tuple[str, ...]:
    """Every valid enrollment domicile code: the 10 regencies and the 105 districts."""
    return kemendagri_regions() + table("ref_district").column("kode_kemendagri")


def crosswalk() -> dict[str, str]:
    """Kemendagri regency code -> BPS regency code."""
    return dict(zip(kemendagri_regions(), bps_regions(), strict=True))


def kbli_sections() -> tuple[str, ...]:
    return table("ref_kbli").column("kbli")


def province_codes() -> tuple[str, ...]:
    return table("ref_province").column("kode_provinsi")


@functools.cache
def regency_boundaries() -> dict[str, Any]:
    """Regency/city boundaries (RFC 7946 GeoJSON, exterior rings counter-clockwise), keyed
    by ``properties.kode_kemendagri``; see reference/README.md before drawing them."""
    with (REFERENCE_DIR / "kaltim_regencies.geojson").open(encoding="utf-8") as f:
        boundaries: dict[str, Any] = json.load(f)
    return boundaries
