"""Report asset: the HTML report people read, written after every publish."""

import dagster as dg

from assets.partitions import province_scope
from assets.warehouse import Warehouse

REPORT_KEY = ["report", "coverage"]


def report_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The report asset, partitioned by ``partitions`` (province x period)."""

    @dg.asset(
        key=REPORT_KEY,
        deps=[["published", "coverage"]],
        group_name="report",
        partitions_def=partitions,
        kinds={"html"},
        description=(
            "The coverage report for officials, in Indonesian: one self-contained HTML page per "
            "published period under <warehouse>/report/ (YYYY-MM.html) and index.html for the "
            "latest. Headline figures, map, rankings, sectors, formal/informal, priority groups "
            "with their cost, trends, flows and flags, each chart with its table and CSV. Reads "
            "only the published file. Writes the page of this period and of every later one "
            "(their trends and comparisons include this period)."
        ),
    )
    def coverage_report(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        # The renderer (altair, jinja2) is loaded by the step that writes pages, not by
        # every process that loads the definitions (run workers, Celery workers, the daemon).
        from assets.report.page import INDEX, report_file, write_warehouse_reports

        period, warehouse = province_scope(context.partition_key, warehouse)
        written = write_warehouse_reports(warehouse, since=period)
        page = warehouse.report_dir / report_file(period)
        index = warehouse.report_dir / INDEX
        return dg.MaterializeResult(
            metadata={
                "report": dg.MetadataValue.path(str(page.resolve())),
                "index": dg.MetadataValue.path(str(index.resolve())),
                "pages": dg.MetadataValue.int(len(written)),
                "size_bytes": dg.MetadataValue.int(page.stat().st_size if page.exists() else 0),
            }
        )

    return [coverage_report]
