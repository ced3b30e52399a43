"""Settings: the one place where cakupan names its environment variables.

Every setting is a ``CAKUPAN_*`` environment variable with a default that works from the
repository root, so ``make run`` needs no configuration and an operator points the same
code at production folders without editing it. A variable that is set reaches the
resources as a ``dg.EnvVar`` (the UI shows the variable's name, and every run reads its
value when it starts); an unset one takes the default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

from assets.warehouse import Warehouse
from contract.amounts import BPU_MINIMUM_CONTRIBUTION_RP, JKM_DEATH_BENEFIT_RP


def whole_number(minimum: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value.isdigit() and int(value) >= minimum else "not a whole number"

    return check


def duckdb_size(value: str) -> str | None:
    ok = re.fullmatch(r"\d+(\.\d+)?\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)", value.strip().upper())
    return None if ok else "not a size"


@dataclass(frozen=True)
class Setting:
    variable: str
    field: str | None  # of the Warehouse resource; None: read by the CLI
    default: str
    accepts: str  # what a valid value looks like, for error messages
    check: Callable[[str], str | None] | None = None
    integer: bool = False

    def value(self, environ: Mapping[str, str]) -> str:
        return environ.get(self.variable) or self.default

    def problem(self, environ: Mapping[str, str]) -> str | None:
        """One line naming the variable and what it accepts, if its value is not valid."""
        value = environ.get(self.variable)
        if not value or self.check is None or self.check(value) is None:
            return None
        return f"{self.variable}={value!r} is not valid: it accepts {self.accepts}"

    def binding(self, environ: Mapping[str, str], resolve: bool) -> Any:
        """What the resource field gets: the variable itself when it is set (unless
        ``resolve``: then its value), else the default."""
        if environ.get(self.variable) and not resolve:
            return dg.EnvVar.int(self.variable) if self.integer else dg.EnvVar(self.variable)
        value = self.value(environ)
        return int(value) if self.integer else value


SETTINGS = (
    Setting("CAKUPAN_LANDING_DIR", "landing_dir", "data/landing", "a folder"),
    Setting(
        "CAKUPAN_WAREHOUSE_DIR",
        "warehouse_dir",
        "data/warehouse",
        "a folder (DuckDB files, spill files, Data Docs)",
    ),
    Setting(
        "CAKUPAN_PUBLISHED_PATH",
        "published_file",
        "",
        "a file path (default <warehouse>/coverage.duckdb)",
    ),
    Setting(
        "CAKUPAN_INTERNAL_PATH",
        "internal_file",
        "",
        "a file path (default <warehouse>/internal.duckdb)",
    ),
    Setting(
        "CAKUPAN_BPU_MINIMUM_CONTRIBUTION_RP",
        "bpu_minimum_contribution_rp",
        str(BPU_MINIMUM_CONTRIBUTION_RP),
        "a whole number of rupiah, e.g. 16800",
        whole_number(0),
        integer=True,
    ),
    Setting(
        "CAKUPAN_JKM_DEATH_BENEFIT_RP",
        "jkm_death_benefit_rp",
        str(JKM_DEATH_BENEFIT_RP),
        "a whole number of rupiah, e.g. 42000000",
        whole_number(0),
        integer=True,
    ),
    Setting(
        "CAKUPAN_DUCKDB_MEMORY_LIMIT",
        "memory_limit",
        "4GB",
        "a DuckDB size such as 4GB or 512MB",
        duckdb_size,
    ),
    Setting(
        "CAKUPAN_DUCKDB_THREADS",
        "threads",
        "2",
        "a whole number of threads, 1 or more",
        whole_number(1),
        integer=True,
    ),
    Setting(
        "CAKUPAN_LOG_LEVEL",
        None,
        "WARNING",
        "DEBUG, INFO, WARNING or ERROR (what `cakupan run` prints of Dagster's log)",
        lambda v: None if v.upper() in ("DEBUG", "INFO", "WARNING", "ERROR") else "unknown",
    ),
)


def setting(variable: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of a setting now (its default when unset)."""
    environ = os.environ if environ is None else environ
    return next(s for s in SETTINGS if s.variable == variable).value(environ)


def setting_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every setting whose value is not valid, one line each (empty: all valid)."""
    environ = os.environ if environ is None else environ
    return [p for s in SETTINGS if (p := s.problem(environ)) is not None]


def warehouse_from_env(
    environ: Mapping[str, str] | None = None,
    resolve: bool = False,
    overrides: Mapping[str, str] | None = None,
) -> Warehouse:
    """The warehouse resource bound to the ``CAKUPAN_*`` variables (``resolve``: to their
    values now, for code that reads the settings outside a run, like the CLI); ``overrides``
    (the CLI's flags, by field name) take precedence over them."""
    environ = os.environ if environ is None else environ
    fields = {s.field: s.binding(environ, resolve) for s in SETTINGS if s.field}
    return Warehouse(**{**fields, **(overrides or {})})
