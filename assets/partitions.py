"""Monthly periods: the partitions of every asset and check.

One partition = one enrollment snapshot ``enrollment/<YYYY-MM>/``. A period becomes a
partition once it has ended (the snapshot is as of its last day), in the province's time
zone, WITA, which the nightly schedule uses too.

The assets set no backfill policy, so a backfill of many periods (from the UI) runs one
run per period, as `cakupan run` and the schedule do: a broken period fails alone while
the others publish, and every period shows as its own run with its own check results.
"""

import dagster as dg

from contract.periods import FIRST_PERIOD, TIMEZONE

period_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_PERIOD, fmt="%Y-%m", timezone=TIMEZONE
)
