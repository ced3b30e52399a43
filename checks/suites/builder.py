"""Great Expectations glue for the suites: expectations built with their stated rule.

Conventions that keep personal data out of everything a check reports:

- every target has a ``row_id`` column that identifies a row without personal data
  (``file:line`` for staged rows, the grain key for marts, ``schema.table.column`` for the
  published file); GX returns it as the sample of unexpected rows;
- a personal column (`contract.tables.PERSONAL_COLUMNS`) is only read inside the SQL of
  an `ExpectNoRowsWhere`, which reports ``row_id`` alone, never by a GX column expectation
  (whose samples are values). ``tests/test_checks.py`` holds every suite to this.

Great Expectations is imported on first use: importing it costs ~4 s and ~180 MB, which
only a process that validates should pay.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, ClassVar

from checks.suites.registry import ERROR, Validation

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

#: The count of broken rows rides along with every row an `ExpectNoRowsWhere` query returns.
COUNT_COLUMN = "unexpected_count"


@functools.cache
def gx_classes() -> dict[str, Any]:
    """GX's expectation classes by name, plus `ExpectNoRowsWhere`, imported on first use."""
    import great_expectations.expectations as gxe

    class ExpectNoRowsWhere(gxe.UnexpectedRowsExpectation):  # type: ignore[misc]
        """GX's UnexpectedRowsExpectation (the rule holds when the query returns no row),
        in one pass: the query is wrapped so that each row it returns carries the count of
        all of them, and GX fetches at most 200 rows. The result reports that count as the
        observed value and the ``row_id`` of the first five rows (GX's own class runs the
        query twice: once to count, once for rows it then does not report)."""

        metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.table",)

        def _validate(
            self,
            metrics: dict[str, Any],
            runtime_configuration: dict[str, Any] | None = None,
            execution_engine: Any = None,
        ) -> Any:
            rows = metrics["unexpected_rows_query.table"] or []
            count = int(rows[0][COUNT_COLUMN]) if rows else 0
            return {
                "success": count == 0,
                "result": {
                    "observed_value": count,
                    "partial_unexpected_index_list": [
                        {"row_id": row.get("row_id")} for row in rows[:5]
                    ],
                },
            }

    return {**vars(gxe), "ExpectNoRowsWhere": ExpectNoRowsWhere}


class Builder:
    """Expectations of one suite, all with the suite's severity and a stated rule."""

    def __init__(self, severity: str) -> None:
        self.classes = gx_classes()
        self.severity = "critical" if severity == ERROR else "warning"
        self.expectations: list[Expectation] = []

    def add(self, expectation_type: str, rule: str, **kwargs: Any) -> None:
        cls = self.classes[expectation_type]
        self.expectations.append(cls(description=rule, severity=self.severity, **kwargs))

    def rows_where(self, rule: str, query: str) -> None:
        """The rule is broken by every row the query returns (it must select ``row_id``).

        Rules that read other tables than the batch name ``{batch}`` in a comment only, so
        that GX does not warn that the query ignores the batch.
        """
        counted = (
            f"SELECT row_id, count(*) OVER () AS {COUNT_COLUMN} "
            f"FROM (\n{query.strip()}\n) AS broken"
        )
        self.add("ExpectNoRowsWhere", rule, unexpected_rows_query=counted)

    def validation(self, target: str, materialize: bool = False) -> Validation:
        """The suite for ``target`` (SQL with a ``row_id`` column) with these expectations."""
        return Validation(target, self.expectations, materialize)

    def required(self, columns: list[str]) -> None:
        """One rule for the contract's one rule: every required value is present."""
        self.rows_where(
            f"Required values are present (missing_required): {', '.join(columns)}",
            "SELECT row_id FROM {batch} WHERE " + " OR ".join(f"{c} IS NULL" for c in columns),
        )


def sql_list(values: list[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"
