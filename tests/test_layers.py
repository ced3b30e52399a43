"""The layout's import rule: lower layers never import upper ones (README, "Layout").

The contracts are import-linter's, in pyproject.toml: pipelines > checks > assets >
contract; the contract imports no framework; tools stand outside the code location.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_imports_cheaply() -> None:
    """The demo generator and the tests read the contract without loading Dagster or GX."""
    code = (
        "import sys, contract.tables, contract.row_rules, contract.reference, contract.landing; "
        "heavy = {'dagster', 'great_expectations', 'duckdb'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
