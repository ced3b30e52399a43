"""The coverage job: landing zone -> staged rows -> persons -> marts -> published file."""

import dagster as dg

from assets.partitions import period_partitions

JOB_NAME = "coverage_job"

#: Runs that write the warehouse carry this tag; the run queue lets one run at a time
#: (dagster_home/dagster.yaml).
WRITER_TAG = "cakupan/writer"
WRITER_TAG_VALUE = "warehouse"

#: Transient failures (a DuckDB file locked by another process, a hiccup of the disk) are
#: retried after ~15 s, ~30 s, ~60 s. Contract failures raise Failure(allow_retries=False)
#: and are never retried: the same files would fail the same way.
TRANSIENT_RETRY = dg.RetryPolicy(
    max_retries=3, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def coverage_job(
    assets: dg.AssetSelection, retry_policy: dg.RetryPolicy
):  # an unresolved asset job
    """Stage, resolve persons, build the marts and publish, one period per run."""
    return dg.define_asset_job(
        name=JOB_NAME,
        selection=assets,
        partitions_def=period_partitions,
        description="Stage, resolve persons, build the marts and publish, for one period.",
        tags={WRITER_TAG: WRITER_TAG_VALUE},
        op_retry_policy=retry_policy,
    )
