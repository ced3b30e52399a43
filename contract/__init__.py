"""The data contract (docs/data-contract.md) as code: the lowest layer of cakupan.

Everything the contract fixes is declared here once, and the rest of the project imports
it from here; this package imports nothing of the project and no framework (no Dagster,
no Great Expectations), so the demo generator and the tests can use it cheaply.

| contract section | module |
|---|---|
| Landing zone (inputs): folders, periods, ignored files | `contract.landing`, `contract.periods` |
| Input columns, cleaning, reject rules | `contract.row_rules` |
| Valid NIK, persons, coverage formulas (SQL expressions) | `contract/macros.sql` |
| Reference data (regions, districts, KBLI, provinces) | `contract.reference` |
| Output tables, their grain and columns; personal data | `contract.tables` |
| The contract's version (CHANGELOG.md) | `contract.version` |
| Amounts that are settings (minimum contribution, ...) | `contract.amounts` |
"""

from pathlib import Path

#: The contract's formulas as DuckDB macros, loaded on every pipeline connection.
MACROS_SQL = Path(__file__).with_name("macros.sql")
