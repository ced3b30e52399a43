"""Suite on the candidate of the published file: marts only, nothing personal, the period in."""

from __future__ import annotations

from checks.suites.builder import Builder, sql_list
from checks.suites.mart import grid_size
from checks.suites.registry import CANDIDATE, ERROR, SuiteParams, Validation, suite
from contract.tables import MARTS, PERSONAL_COLUMNS, PUBLISHED_TABLES

CANDIDATE_COLUMNS = """
    SELECT schema_name || '.' || table_name || '.' || column_name AS row_id,
           schema_name || '.' || table_name AS table_name,
           lower(column_name) AS column_name
    FROM duckdb_columns() WHERE database_name = current_database()
"""


@suite(
    "published_rules",
    ERROR,
    ("published", "candidate"),
    "The candidate of the published file: no column that can hold personal data, only the "
    "published tables and their declared columns, the period complete in every mart. Blocks "
    "the swap: the published file keeps the numbers it had.",
    database=CANDIDATE,
)
def published_rules(params: SuiteParams) -> Validation:
    period = params.period
    b = Builder(ERROR)
    b.add(
        "ExpectColumnValuesToNotBeInSet",
        "No column that can hold personal data (name, NIK, address, birth date, kpj, and "
        "every column declared personal in contract/tables.py)",
        column="column_name",
        value_set=sorted(PERSONAL_COLUMNS),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "Only the published tables (the marts, mart.published_periods and mart.about)",
        column="table_name",
        value_set=[t.name for t in PUBLISHED_TABLES],
    )
    declared = [f"{t.name}.{c.name}" for t in PUBLISHED_TABLES for c in t.columns]
    b.rows_where(
        "Every column is declared (non-personal) for its table in contract/tables.py",
        f"SELECT row_id FROM {{batch}} WHERE row_id NOT IN {sql_list(declared)}",
    )
    missing = " UNION ALL ".join(
        f"SELECT '{t.name}/{period}' AS row_id "
        f"WHERE (SELECT count(*) FROM {t.name} WHERE periode = '{period}') <> {grid_size(t, params.provinces)}"
        for t in MARTS
    )
    b.rows_where(
        f"The period {period} is published in every mart with its complete grid, and listed "
        "in mart.published_periods",
        f"""
        {missing}
        UNION ALL SELECT 'mart.published_periods/{period}' AS row_id
        WHERE NOT EXISTS (SELECT 1 FROM mart.published_periods WHERE periode = '{period}')
        /* reads the mart tables, not {{batch}} */
        """,
    )
    return b.validation(CANDIDATE_COLUMNS)
