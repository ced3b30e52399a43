"""Expectation suites: the data contract's rules as Great Expectations, one suite per asset
check, registered once each (`checks.suites.registry`):

| module | asset | suites |
|---|---|---|
| `staging` | staging/enrollment, staging/labour | ``staged_*_rules`` (ERROR), ``staged_*_warnings`` (WARN) |
| `core` | core/person_link | ``person_link_rules`` |
| `mart` | every mart of `contract.tables.MARTS` | ``<mart>_rules``, ``<mart>_warnings`` |
| `published` | published/candidate | ``published_rules`` |
| `national` | national/candidate | ``national_rules`` |

Every expectation carries, as its GX ``description``, the contract rule it guards: that
text is what Data Docs, the check's metadata and ``quality.validation_results`` show.
"""

from checks.suites import core, mart, national, published, staging
from checks.suites.registry import (
    CANDIDATE,
    ERROR,
    INTERNAL,
    NATIONAL,
    SUITES,
    WARN,
    Suite,
    SuiteParams,
    SuiteSpec,
)

__all__ = [
    "CANDIDATE",
    "ERROR",
    "INTERNAL",
    "NATIONAL",
    "SUITES",
    "WARN",
    "Suite",
    "SuiteParams",
    "SuiteSpec",
    "core",
    "mart",
    "national",
    "published",
    "staging",
]
