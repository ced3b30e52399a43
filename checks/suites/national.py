"""Suite on the candidate of the national file: its sums and its provinces add up."""

from __future__ import annotations

from checks.suites.builder import Builder
from checks.suites.registry import ERROR, NATIONAL, SuiteParams, Validation, suite
from contract.tables import (
    COVERAGE_PROVINCE,
    NATIONAL_COVERAGE,
    NATIONAL_PROVINCE,
    NATIONAL_STATUS,
    NATIONAL_SUMS,
)


def province_alias(province: str) -> str:
    """The name under which a province's published file is attached to the validation."""
    return f"p{province}"


@suite(
    "national_rules",
    ERROR,
    ("national", "candidate"),
    "The candidate of the national file: the national row is the sum of the provinces, and "
    "each province's row equals the province row of its own published file. Blocks the "
    "swap: the national file keeps what it had.",
    database=NATIONAL,
)
def national_rules(params: SuiteParams) -> Validation:
    period = params.period
    b = Builder(ERROR)
    b.rows_where(
        f"The national row of {period} is the sum of the provinces' rows "
        "(mart.coverage_national = sum of mart.coverage_province)",
        " UNION ALL ".join(
            f"SELECT '{NATIONAL_COVERAGE.name}/{period}/{c}' AS row_id WHERE "
            f"(SELECT {c} FROM {NATIONAL_COVERAGE.name} WHERE periode = '{period}') "
            f"IS DISTINCT FROM (SELECT sum({c}) FROM {NATIONAL_PROVINCE.name} "
            f"WHERE periode = '{period}')"
            for c in NATIONAL_SUMS
        )
        + " /* reads the mart tables, not {batch} */",
    )
    columns = ", ".join(COVERAGE_PROVINCE.column_names())  # a province file's own columns
    differ = []
    for p in params.provinces:
        mine = (
            f"SELECT {columns} FROM {NATIONAL_PROVINCE.name} "
            f"WHERE periode = '{period}' AND kode_provinsi_kemendagri = '{p}'"
        )
        theirs = (
            f"SELECT {columns} FROM {province_alias(p)}.{COVERAGE_PROVINCE.name} "
            f"WHERE periode = '{period}'"
        )
        differ.append(
            f"SELECT '{NATIONAL_PROVINCE.name}/{period}/{p}' AS row_id FROM "
            f"(({mine} EXCEPT ALL {theirs}) UNION ALL ({theirs} EXCEPT ALL {mine}))"
        )
    complete = (
        f"NOT EXISTS (SELECT 1 FROM {NATIONAL_STATUS.name} WHERE periode = '{period}' "
        "AND status <> 'published')"
    )
    b.rows_where(
        f"Each province's row of {period} equals the province row of its own published file "
        "(when every covered province has published the period)",
        f"SELECT row_id FROM ({' UNION ALL '.join(differ)}) WHERE {complete}"
        " /* reads the mart tables, not {batch} */",
    )
    return b.validation(f"SELECT periode AS row_id, * FROM {NATIONAL_STATUS.name}")
