"""Suites on the persons: core.person_link against the staged rows."""

from __future__ import annotations

from checks.suites.builder import Builder
from checks.suites.registry import ERROR, SuiteParams, Validation, suite
from contract.tables import PERSON_LINK

MATCH_RULES = ("nik", "name_exact", "name_similar", "name_group")


def person_link_target(period: str) -> str:
    return f"""
        WITH staged AS (
            SELECT kpj, file || ':' || line AS row_id, nik, nik_valid
            FROM staging.enrollment WHERE periode = '{period}'
        ),
        link AS (
            SELECT kpj, count(*) AS links, min(person_id) AS person_id,
                   min(match_rule) AS match_rule, min(rowid) AS link_row
            FROM core.person_link WHERE periode = '{period}' GROUP BY kpj
        )
        SELECT coalesce(s.row_id, 'core.person_link#' || l.link_row) AS row_id,
               s.kpj IS NOT NULL AS accepted_row, coalesce(l.links, 0) AS links,
               l.match_rule, coalesce(s.kpj, l.kpj) AS kpj, l.person_id, s.nik, s.nik_valid
        FROM staged s FULL OUTER JOIN link l ON l.kpj = s.kpj
    """


@suite(
    "person_link_rules",
    ERROR,
    PERSON_LINK.key,
    "core.person_link covers every accepted row of the period exactly once; person_id is "
    "the person's smallest kpj; one valid NIK, one person, and back. Blocks the publish.",
)
def person_link_rules(params: SuiteParams) -> Validation:
    b = Builder(ERROR)
    b.add(
        "ExpectColumnValuesToBeInSet",
        "Every link is an accepted row of the period (no link without a staged row)",
        column="accepted_row",
        value_set=[True],
    )
    b.add(
        "ExpectColumnValuesToBeBetween",
        "Every accepted row belongs to exactly one person (person rule 3)",
        column="links",
        min_value=1,
        max_value=1,
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "match_rule names how the row found its person",
        column="match_rule",
        value_set=list(MATCH_RULES),
    )
    b.rows_where(
        "A person is named by its smallest kpj, and two different valid NIKs are never one "
        "person (person rule 1)",
        """
        SELECT row_id FROM {batch}
        WHERE links > 0 AND (person_id IS NULL OR person_id IN (
            SELECT person_id FROM {batch} WHERE links > 0 GROUP BY person_id
            HAVING person_id <> min(kpj)
                OR min(nik) FILTER (WHERE nik_valid) <> max(nik) FILTER (WHERE nik_valid)))
        """,
    )
    b.rows_where(
        "Rows with the same valid NIK are one person (person rule 1)",
        """
        SELECT row_id FROM {batch}
        WHERE nik_valid AND nik IN (
            SELECT nik FROM {batch} WHERE nik_valid GROUP BY nik
            HAVING min(person_id) <> max(person_id))
        """,
    )
    return b.validation(person_link_target(params.period), materialize=True)
