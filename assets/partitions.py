"""Partitions: monthly periods, and provinces x periods.

One period = one enrollment snapshot ``enrollment/<YYYY-MM>/``. A period becomes a
partition once it has ended (the snapshot is as of its last day), in the province's time
zone, WITA, which the nightly schedule uses too.

The province-level assets (staging, core, marts, published file, report) are partitioned
by ``period`` x ``province`` (the covered provinces, Kemendagri codes): each province has
its own internal file, so provinces run side by side and a province's run never waits for
another's. The national assets are partitioned by ``period`` alone and read every
province's partition of their period (`NATIONAL_MAPPING`).

The assets set no backfill policy, so a backfill of many partitions (from the UI) runs one
run per province and period, as `cakupan run` and the schedule do: a broken snapshot fails
alone while the others publish, and every partition shows as its own run with its own check
results.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from assets.warehouse import Warehouse
from contract.periods import FIRST_PERIOD, TIMEZONE

PERIOD = "period"
PROVINCE = "province"

period_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_PERIOD, fmt="%Y-%m", timezone=TIMEZONE
)

#: A national period reads the partitions of that period in every covered province.
NATIONAL_MAPPING = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name=PERIOD)


def coverage_partitions(provinces: Sequence[str]) -> dg.MultiPartitionsDefinition:
    """The partitions of the province-level assets: every covered province x every period."""
    return dg.MultiPartitionsDefinition(
        {PERIOD: period_partitions, PROVINCE: dg.StaticPartitionsDefinition(list(provinces))}
    )


def coverage_key(period: str, province: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({PERIOD: period, PROVINCE: province})


def period_and_province(key: str) -> tuple[str, str]:
    """``2025-03|64`` -> (``2025-03``, ``64``): a multi-partition key lists the values in the
    order of the dimensions' names."""
    period, province = key.split("|")
    return period, province


def province_scope(key: str, warehouse: Warehouse) -> tuple[str, Warehouse]:
    """The period of a province-level partition, and the warehouse of its province."""
    period, province = period_and_province(key)
    return period, warehouse.for_province(province)
