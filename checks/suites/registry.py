"""The catalogue of expectation suites: each registered once, with everything Dagster shows
before anything is validated (name, severity, asset, description) and how to build it.

A suite is one asset check of the same name on its asset. Its builder returns, for one
period, the SQL that selects the rows to validate (a GX query asset with a ``row_id``
column, run inside DuckDB) and the expectations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from contract.amounts import JKM_DEATH_BENEFIT_RP
from contract.reference import DEFAULT_PROVINCES

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

ERROR = "ERROR"  # guards the contract; blocks the publish
WARN = "WARN"  # shows an analyst what deserves a look; never blocks

#: Where a suite's target lives: the internal file, or the candidate of the published file.
INTERNAL = "internal"
CANDIDATE = "candidate"
NATIONAL = "national"  # the candidate of the national file, with the provinces' files


@dataclass(frozen=True)
class SuiteParams:
    """What a suite may depend on besides the data: the period and the settings."""

    period: str
    bpu_minimum_rp: int
    jkm_death_benefit_rp: int = JKM_DEATH_BENEFIT_RP
    provinces: tuple[str, ...] = DEFAULT_PROVINCES  # the deployment's (CAKUPAN_PROVINCES)


@dataclass(frozen=True)
class Validation:
    """What a builder returns: the rows to validate and the expectations."""

    target: str  # SQL with a row_id column
    expectations: list[Expectation] = field(repr=False)
    #: Let GX materialise the target once as a DuckDB temp table (for a costly join that
    #: every expectation would otherwise run again).
    materialize: bool = False


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    severity: str
    asset: tuple[str, ...]  # the checked asset's key
    description: str
    build: Callable[[SuiteParams], Validation]
    database: str = INTERNAL

    def for_period(self, params: SuiteParams) -> Suite:
        return Suite(self, params.period, self.build(params))


@dataclass(frozen=True)
class Suite:
    """One suite built for one period."""

    spec: SuiteSpec
    period: str
    validation: Validation

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def severity(self) -> str:
        return self.spec.severity


SUITES: list[SuiteSpec] = []


def register(spec: SuiteSpec) -> SuiteSpec:
    if any(s.name == spec.name for s in SUITES):
        raise ValueError(f"suite {spec.name} is registered twice")
    SUITES.append(spec)
    return spec


def suite(
    name: str,
    severity: str,
    asset: list[str] | tuple[str, ...],
    description: str,
    database: str = INTERNAL,
) -> Callable[[Callable[[SuiteParams], Validation]], Callable[[SuiteParams], Validation]]:
    """Register the decorated builder as the suite ``name``."""

    def decorate(build: Callable[[SuiteParams], Validation]) -> Callable[[SuiteParams], Validation]:
        register(SuiteSpec(name, severity, tuple(asset), description, build, database))
        return build

    return decorate
