"""What a validation found, in the shapes Dagster and people read: per expectation and per
suite, as a check's evaluation (description, metadata with sample row ids) and as rows of
``quality.validation_results``.

Nothing personal leaves the validation: samples are ``row_id`` values (``file:line``, grain
keys, column names), and sample *values* only of columns that cannot hold personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from checks.suites import ERROR, Suite

#: At most this many sample row ids per expectation (GX's "unexpected index" columns).
SAMPLES = 5
#: Key of an expectation's ``meta`` that names its suite.
SUITE_META = "cakupan_suite"
#: GX's name of `checks.suites.builder`'s ExpectNoRowsWhere.
NO_ROWS_WHERE = "expect_no_rows_where"


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # GX type, with its column: expect_column_values_to_not_be_null(kpj)
    rule: str
    success: bool
    observed: Any  # JSON-able
    unexpected_count: int | None
    sample_row_ids: list[str]
    sample_values: list[Any]  # aligned with the row ids; None for a personal column
    exception: str | None = None

    def samples(self) -> list[str]:
        return [
            row_id if value is None else f"{row_id} ({value})"
            for row_id, value in zip(self.sample_row_ids, self.sample_values, strict=True)
        ]


@dataclass
class SuiteOutcome:
    suite: Suite
    expectations: list[ExpectationOutcome]
    seconds: float
    validated_at: dt.datetime
    data_docs_page: Path | None = None
    data_docs_index: Path | None = None
    gx_result: Any = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return all(e.success for e in self.expectations)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(list(self.suite.spec.asset))

    def description(self) -> str:
        n = len(self.expectations)
        if self.passed:
            return f"{self.suite.period}: all {n} expectations of {self.suite.name} hold."
        parts = [
            e.rule + (f" ({e.unexpected_count:,} rows)" if e.unexpected_count else "")
            for e in self.failed
        ]
        return f"{self.suite.period}: {len(parts)} of {n} expectations failed: " + "; ".join(parts)

    def metadata(self) -> dict[str, dg.MetadataValue]:
        failed = self.failed
        metadata: dict[str, dg.MetadataValue] = {
            "periode": dg.MetadataValue.text(self.suite.period),
            "suite": dg.MetadataValue.text(self.suite.name),
            "expectations": dg.MetadataValue.md(expectations_markdown(self.expectations)),
            "expectations_evaluated": dg.MetadataValue.int(len(self.expectations)),
            "expectations_failed": dg.MetadataValue.int(len(failed)),
            "unexpected_rows": dg.MetadataValue.int(sum(e.unexpected_count or 0 for e in failed)),
            "sample_row_ids": dg.MetadataValue.json(
                {e.rule: e.sample_row_ids for e in failed if e.sample_row_ids}
            ),
            "validation_seconds": dg.MetadataValue.float(round(self.seconds, 3)),
        }
        if self.data_docs_page is not None:
            metadata["data_docs"] = dg.MetadataValue.path(str(self.data_docs_page))
        if self.data_docs_index is not None:
            metadata["data_docs_site"] = dg.MetadataValue.path(str(self.data_docs_index))
        return metadata

    def evaluation(self, partition: str | None = None) -> dg.AssetCheckEvaluation:
        """The check's result for this suite's partition (``partition``: the run's key, a
        province's ``2025-03|64``; default: the suite's period).

        An ``AssetCheckResult`` cannot name a partition (Dagster 1.13 derives it from the
        run, and a run of several periods has none): the evaluation, which is what Dagster
        makes of an ``AssetCheckResult``, can, so each period gets its own result.
        """
        return dg.AssetCheckEvaluation(
            asset_key=self.asset_key,
            check_name=self.suite.name,
            passed=self.passed,
            metadata=self.metadata(),
            severity=(
                dg.AssetCheckSeverity.ERROR
                if self.suite.severity == ERROR
                else dg.AssetCheckSeverity.WARN
            ),
            description=self.description(),
            blocking=self.suite.severity == ERROR,
            partition=partition or self.suite.period,
        )


def _md(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text.replace("|", "\\|").replace("\n", " ")


def expectations_markdown(outcomes: Sequence[ExpectationOutcome]) -> str:
    lines = [
        "| | rule | expectation | observed | unexpected | sample row ids (value) |",
        "|---|---|---|---|---:|---|",
    ]
    for e in outcomes:
        mark = "ok" if e.success else "**FAILED**"
        observed = _md(e.observed) if e.observed is not None else ""
        if e.exception:
            observed = f"error: {_md(e.exception)[:200]}"
        unexpected = "" if e.unexpected_count is None else f"{e.unexpected_count:,}"
        lines.append(
            f"| {mark} | {_md(e.rule)} | `{e.expectation}` | {observed} | {unexpected} | "
            f"{_md(', '.join(e.samples()))} |"
        )
    return "\n".join(lines)


def _json_safe(value: Any) -> Any:
    """Observed values as plain JSON (NaN and infinities become null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def outcomes_from_result(
    result: Any, personal: frozenset[str], suite: str | None = None
) -> list[ExpectationOutcome]:
    """Per-expectation outcomes of a GX suite result, with samples as row ids only; with
    ``suite``, only the expectations of that suite (see `validate`)."""
    from checks.gx_duckdb import summarize

    outcomes = []
    for row, item in zip(summarize(result), result.results, strict=True):
        if suite is not None and (item.expectation_config.meta or {}).get(SUITE_META) != suite:
            continue
        details = item.result or {}
        column = row["kwargs"].get("column")
        label = row["expectation"] + (f"({column})" if column else "")
        observed = row["observed_value"]
        if observed is None and "element_count" in details:
            observed = {
                "element_count": details.get("element_count"),
                "unexpected_percent": round(details.get("unexpected_percent") or 0.0, 4),
            }
        # GX returns each sample as {row_id, <column>: value}; the value is kept only for a
        # column that cannot hold personal data.
        shown = column is not None and column not in personal and column != "row_id"
        samples = [
            i for i in details.get("partial_unexpected_index_list") or [] if isinstance(i, dict)
        ][:SAMPLES]
        row_ids = [str(i.get("row_id")) for i in samples]
        values = [i.get(column) if shown else None for i in samples]
        unexpected = row["unexpected_count"]
        if unexpected is None and row["expectation"] == NO_ROWS_WHERE:
            unexpected = observed  # the number of rows the rule's query returned
        outcomes.append(
            ExpectationOutcome(
                expectation=label,
                rule=item.expectation_config.description or label,
                success=bool(row["success"]),
                observed=_json_safe(observed),
                unexpected_count=unexpected,
                sample_row_ids=row_ids,
                sample_values=_json_safe(values),
                exception=row["exception"],
            )
        )
    return outcomes
