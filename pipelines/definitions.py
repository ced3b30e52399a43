"""The cakupan code location: one Definitions object, loaded by workspace.yaml."""

import dagster as dg

from assets.marts import mart_assets
from assets.partitions import period_partitions
from assets.persons import person_link, persons
from assets.publish import published_candidate, published_coverage
from assets.staging import staged_enrollment, staged_labour
from pipelines.resources import Warehouse, warehouse_from_env

all_assets = [
    staged_enrollment,
    staged_labour,
    person_link,
    persons,
    *mart_assets,
    published_candidate,
    published_coverage,
]

#: Landing zone -> staged rows -> persons -> marts -> published file, for given periods.
coverage_job = dg.define_asset_job(
    name="coverage_job",
    selection=dg.AssetSelection.assets(*all_assets),
    partitions_def=period_partitions,
    description="Stage, resolve persons, build the marts and publish, for the chosen periods.",
)


def build_defs(warehouse: Warehouse) -> dg.Definitions:
    """The code location on a given warehouse (the CLI's flags and the tests bind their own)."""
    return dg.Definitions(
        assets=all_assets,
        jobs=[coverage_job],
        resources={"warehouse": warehouse},
        # Steps share one DuckDB file that only one process may write: run them in one process.
        executor=dg.in_process_executor,
    )


defs = build_defs(warehouse_from_env())
