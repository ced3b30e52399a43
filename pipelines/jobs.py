"""The coverage job: landing zone -> staged rows -> persons -> marts -> published file."""

import dagster as dg

JOB_NAME = "coverage_job"
NATIONAL_JOB_NAME = "national_job"

#: Runs that write the warehouse carry this tag; the run queue lets one run at a time
#: (dagster_home/dagster.yaml). Runs that do not pass through the queue (`cakupan run`,
#: an in-process run) meet on the writer lock instead.
WRITER_TAG = "cakupan/writer"
WRITER_TAG_VALUE = "warehouse"
#: The national runs write the national file: a value of their own (deploy/dagster.yaml).
NATIONAL_WRITER = "national"

#: Transient failures (a DuckDB file held by another program, such as a DuckDB shell) are
#: retried after ~15 s, ~30 s, ~60 s. Contract failures, damaged files, full disks and bad
#: settings raise Failure(allow_retries=False) and are never retried: the same files would
#: fail the same way. Two runs of the pipeline never meet on DuckDB's lock: they queue on
#: the writer lock (assets/lock.py) before they open a file.
TRANSIENT_RETRY = dg.RetryPolicy(
    max_retries=3, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def coverage_job(
    assets: dg.AssetSelection, retry_policy: dg.RetryPolicy | None
):  # an unresolved asset job
    """Stage, resolve persons, build the marts and publish, one province and period per run
    (the partitions of its assets)."""
    return dg.define_asset_job(
        name=JOB_NAME,
        selection=assets,
        description="Stage, resolve persons, build the marts and publish, for one province "
        "and period.",
        tags={WRITER_TAG: WRITER_TAG_VALUE},
        op_retry_policy=retry_policy,
    )


def national_job(assets: dg.AssetSelection, retry_policy: dg.RetryPolicy | None):
    """Build, check and publish the national file, one period per run."""
    return dg.define_asset_job(
        name=NATIONAL_JOB_NAME,
        selection=assets,
        description="Build, check and publish the national file, for one period.",
        tags={WRITER_TAG: NATIONAL_WRITER},
        op_retry_policy=retry_policy,
    )
