"""Reference data shipped in ``reference/``, read once per process.

Regions carry both codes: enrollment records domicile with **Kemendagri** codes (as in the
NIK), Sakernas with **BPS** codes, and ``6402`` / ``6403`` mean different regencies in the
two. Enrollment codes are therefore always translated through the crosswalk
(`crosswalk`, and the SQL view ``kemendagri_to_bps``), never joined raw.

The tables are national (``reference/indonesia/``); a deployment covers some provinces
(``CAKUPAN_PROVINCES``), and its regions are those of its provinces (`table`). The pipeline
gets these tables into DuckDB from here (`tables`), the checks and the demo generator read
the same Python values: the CSV files are parsed in one place only.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
NATIONAL_DIR = REFERENCE_DIR / "indonesia"
PROVINCE_CODE = "64"  # Kalimantan Timur
#: The provinces a deployment covers unless ``CAKUPAN_PROVINCES`` says otherwise.
DEFAULT_PROVINCES = (PROVINCE_CODE,)
STATUS_PEKERJAAN = ("FORMAL", "INFORMAL")


@dataclass(frozen=True)
class ReferenceTable:
    """One reference file as (column names, rows of text)."""

    name: str  # the SQL name, e.g. ref_regency
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> tuple[str, ...]:
        i = self.columns.index(name)
        return tuple(row[i] for row in self.rows)


def _read(name: str, file: str) -> ReferenceTable:
    with (REFERENCE_DIR / file).open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return ReferenceTable(name, tuple(header), tuple(tuple(r) for r in rows))


def _regencies(provinces: ReferenceTable) -> ReferenceTable:
    """Every regency/city with its province in both codes (``kode_provinsi`` is BPS: empty
    for the Papua provinces of 2022, whose BPS codes are not confirmed)."""
    regencies = _read("ref_regency", "indonesia/regencies.csv")
    bps = dict(zip(provinces.column("kode_kemendagri"), provinces.column("kode_bps"), strict=True))
    i = regencies.columns.index("kode_provinsi_kemendagri")
    return ReferenceTable(
        regencies.name,
        (*regencies.columns, "kode_provinsi"),
        tuple((*r, bps[r[i]]) for r in regencies.rows),
    )


@functools.cache
def tables() -> tuple[ReferenceTable, ...]:
    """Every reference table, national, under the name SQL uses for it. A deployment's own
    regions are taken from these (``ref_region``, ``ref_district``: `table`)."""
    provinces = _read("ref_province", "indonesia/provinces.csv")
    return (
        provinces,
        _regencies(provinces),
        _read("ref_district_all", "indonesia/districts.csv"),
        _read("ref_kbli", "kbli2020_sections.csv"),
    )


def table(name: str, provinces: Sequence[str] = DEFAULT_PROVINCES) -> ReferenceTable:
    """A national table, or the deployment's ``ref_region`` / ``ref_district``: the
    regencies and districts of ``provinces`` (the first two digits of a Kemendagri code)."""
    national = {"ref_region": "ref_regency", "ref_district": "ref_district_all"}
    found = next(t for t in tables() if t.name == national.get(name, name))
    if name not in national:
        return found
    covered = set(provinces)  # kode_kemendagri comes first in both
    return ReferenceTable(name, found.columns, tuple(r for r in found.rows if r[0][:2] in covered))


def bps_regions(provinces: Sequence[str] = DEFAULT_PROVINCES) -> tuple[str, ...]:
    """The deployment's regencies/cities, BPS codes (the marts' ``kode_wilayah``)."""
    return table("ref_region", provinces).column("kode_bps")


def kemendagri_regions(provinces: Sequence[str] = DEFAULT_PROVINCES) -> tuple[str, ...]:
    return table("ref_region", provinces).column("kode_kemendagri")


def kemendagri_codes(provinces: Sequence[str] = DEFAULT_PROVINCES) -> tuple[str, ...]:
    """Every domicile code the deployment accepts: its regencies and their districts."""
    return kemendagri_regions(provinces) + table("ref_district", provinces).column(
        "kode_kemendagri"
    )


def crosswalk(provinces: Sequence[str] = DEFAULT_PROVINCES) -> dict[str, str]:
    """Kemendagri regency code -> BPS regency code."""
    return dict(zip(kemendagri_regions(provinces), bps_regions(provinces), strict=True))


def kbli_sections() -> tuple[str, ...]:
    return table("ref_kbli").column("kbli")


def province_codes() -> tuple[str, ...]:
    """The 38 provinces, Kemendagri codes (as in a NIK's first two digits)."""
    return table("ref_province").column("kode_kemendagri")


def parse_provinces(value: str) -> tuple[str, ...]:
    """``CAKUPAN_PROVINCES``: Kemendagri codes separated by commas, or ``all``; sorted, once
    each. ValueError names what is not a province."""
    if value.strip().lower() == "all":
        return province_codes()
    codes = [c.strip() for c in value.split(",")]
    unknown = [c for c in codes if c not in province_codes()]
    if unknown:
        raise ValueError(f"not a province code: {', '.join(repr(c) for c in unknown)}")
    return tuple(sorted(set(codes)))


@functools.cache
def province_boundaries() -> dict[str, Any]:
    """The 38 provinces' boundaries (RFC 7946 GeoJSON), keyed by
    ``properties.kode_kemendagri``, named ``properties.nama_provinsi``, with a label point
    (``lat``, ``lng``); see reference/indonesia/README.md."""
    with (REFERENCE_DIR / "indonesia" / "provinces.geojson").open(encoding="utf-8") as f:
        boundaries: dict[str, Any] = json.load(f)
    return boundaries


def regency_boundaries() -> dict[str, Any]:
    """Regency/city boundaries (RFC 7946 GeoJSON, exterior rings counter-clockwise), keyed
    by ``properties.kode_kemendagri``; see reference/README.md before drawing them."""
    with (REFERENCE_DIR / "kaltim_regencies.geojson").open(encoding="utf-8") as f:
        boundaries: dict[str, Any] = json.load(f)
    return boundaries
