"""Demo landing zone: synthetic BPJS Ketenagakerjaan enrollment and Sakernas labour data.

The generator lives in submodules split by concern; this is its public API.
"""

from tools.demo_data.generator import (
    ENROLLMENT_COLUMNS,
    LABOUR_COLUMNS,
    REJECT_RULES,
    VARIANT_KINDS,
    DemoSummary,
    generate_demo_landing,
)

__all__ = [
    "ENROLLMENT_COLUMNS",
    "LABOUR_COLUMNS",
    "REJECT_RULES",
    "VARIANT_KINDS",
    "DemoSummary",
    "generate_demo_landing",
]
