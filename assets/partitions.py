"""Monthly periods: the partitions of every asset.

One partition = one enrollment snapshot ``enrollment/<YYYY-MM>/``. A period becomes
available once it has ended (the snapshot is as of its last day), in the province's time
zone, WITA, which the nightly schedule uses too.
"""

import dagster as dg

TIMEZONE = "Asia/Makassar"
FIRST_PERIOD = "2015-01"

period_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_PERIOD, fmt="%Y-%m", timezone=TIMEZONE
)

#: Backfills of many periods run as one run: every asset loops over its partition keys.
single_run_backfill = dg.BackfillPolicy.single_run()


def run_periods(context: dg.AssetExecutionContext) -> list[str]:
    """The periods this run materializes, in order."""
    return sorted(context.partition_keys)
