"""Demo landing zone: synthetic BPJS Ketenagakerjaan enrollment and Sakernas labour data.

The generator lives in submodules split by concern; this is its public API.
"""

from contract.row_rules import ENROLLMENT_COLUMNS, LABOUR_COLUMNS, RULE_NAMES
from tools.demo_data.generator import DemoSummary, generate_demo_landing
from tools.demo_data.population import VARIANT_KINDS

# The contract's columns and rule names, from where the pipeline defines them.
REJECT_RULES = RULE_NAMES

__all__ = [
    "ENROLLMENT_COLUMNS",
    "LABOUR_COLUMNS",
    "REJECT_RULES",
    "VARIANT_KINDS",
    "DemoSummary",
    "generate_demo_landing",
]
