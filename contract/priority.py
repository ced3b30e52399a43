"""The priority groups of ``mart.coverage_priority`` (contract, "Additions of 2026-11-28"):
the groups the provincial government and BPJS name as gaps, declared once.

A group is a KBLI section, a status, or both; a worker or person belongs to it when every
part it names is theirs (the membership test itself is in ``assets/mart/priority.sql``).
Groups overlap (an informal teacher is in two), so they are never summed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PriorityGroup:
    kelompok: str  # the contract's code
    nama: str  # as officials read it (Indonesian)
    kbli: str | None = None  # KBLI 2020 section; None: every sector
    status_pekerjaan: str | None = None  # FORMAL / INFORMAL; None: both


PRIORITY_GROUPS = (
    PriorityGroup("TENAGA_PENDIDIK", "Tenaga pendidik", kbli="P"),
    PriorityGroup(
        "ADMINISTRASI_PEMERINTAHAN", "Administrasi pemerintahan (termasuk aparat desa)", kbli="O"
    ),
    PriorityGroup("PEKERJA_RUMAH_TANGGA", "Pekerja rumah tangga", kbli="T"),
    PriorityGroup("INFORMAL", "Pekerja informal (semua sektor)", status_pekerjaan="INFORMAL"),
)


def priority_groups() -> tuple[str, ...]:
    """The ``kelompok`` codes, in the contract's order."""
    return tuple(g.kelompok for g in PRIORITY_GROUPS)
