"""The data contract's version: one number for what the published file holds and means.

It goes up with every change of an output table or of a rule that changes published
numbers (CHANGELOG.md: what each version changed and what a dashboard must do about it).
Each DuckDB file of the warehouse records the version it was written for (its about
table, `contract.tables.ABOUT` and `INTERNAL_ABOUT`), so a dashboard can check what it
reads, and a run can tell an older file (migrated or rebuilt) from a newer one (refused).
"""

from __future__ import annotations

from importlib import metadata

#: Major: a column renamed or dropped (never so far); minor: tables or columns added, or a
#: rule that changes published numbers; patch: a correction that changes no table.
CONTRACT_VERSION = "1.2.0"


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """``"1.2.0"`` -> ``(1, 2, 0)``; None for anything else (not a version of ours)."""
    parts = (text or "").split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    major, minor, patch = (int(p) for p in parts)
    return major, minor, patch


def package_version() -> str:
    """The installed cakupan's version (pyproject.toml), recorded beside the contract's."""
    try:
        return metadata.version("cakupan")
    except metadata.PackageNotFoundError:
        return "unknown"
