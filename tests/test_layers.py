"""The layout's import rule: lower layers never import upper ones (README, "Layout").

The contracts are import-linter's, in pyproject.toml: pipelines > checks > assets >
contract; the contract imports no framework; tools stand outside the code location.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
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


def test_top_level_packages_are_declared_in_one_place() -> None:
    """A top-level package is declared once, in the hatch wheel's ``packages`` (the Makefile
    compiles its bytecode from that list). import-linter and mypy cannot read that list, so
    their copies must equal it; and every folder at the root holding Python code, other than
    ``tests``, must be declared (else it is left out of the wheel, the layers and mypy)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert config["tool"]["importlinter"]["root_packages"] == declared
    assert config["tool"]["mypy"]["files"] == declared
    on_disk = {
        folder.name
        for folder in ROOT.iterdir()
        if folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name != "tests"
        and any(folder.glob("*.py"))
    }
    assert sorted(on_disk - set(declared)) == []
    assert sorted(set(declared) - on_disk) == []
