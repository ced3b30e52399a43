"""Core assets: the persons behind the registrations of a period."""

import dagster as dg

from assets.core.continuity import follow_persons, periods_to_follow, published_periods
from assets.core.persons import link_registrations, write_persons
from assets.core.placement import apply_placement, write_person_keys
from assets.partitions import NATIONAL_MAPPING, province_scope
from assets.staging.split import split_of
from assets.warehouse import Warehouse, table_schema
from contract.tables import PERSON, PERSON_CONTINUITY, PERSON_LINK, STAGED_ENROLLMENT

#: The steps of the placement of persons with a valid NIK in several provinces.
PERSON_KEYS_KEY = ["core", "person_keys"]
PERSON_COUNTED_KEY = ["core", "person_counted"]
PLACEMENT_KEY = ["national", "person_placement"]


def core_assets(
    partitions: dg.PartitionsDefinition, several: bool = False
) -> list[dg.AssetsDefinition]:
    """The core assets, partitioned by ``partitions`` (province x period); ``several``:
    with the steps of the placement of persons across provinces (`placement`)."""

    @dg.asset(
        key=PERSON_LINK.key,
        deps=[STAGED_ENROLLMENT.key],
        group_name="core",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "Person resolution: every accepted registration (kpj) of the period linked to exactly "
            "one person, by valid NIK, else by birth date + sex + regency + (nearly) the same name."
        ),
        metadata={"dagster/column_schema": table_schema(PERSON_LINK)},
        tags={"pii": ""},
    )
    def person_link(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        with warehouse.connect() as conn:
            link_registrations(conn, period)
            by_rule = dict(
                conn.execute(
                    "SELECT match_rule, count(*) FROM core.person_link WHERE periode = ? "
                    "GROUP BY ALL ORDER BY ALL",
                    [period],
                ).fetchall()
            )
            (persons,) = conn.execute(
                "SELECT count(DISTINCT person_id) FROM core.person_link WHERE periode = ?", [period]
            ).fetchone() or (0,)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(sum(by_rule.values())),
                "persons": dg.MetadataValue.int(persons),
                "registrations_by_match_rule": dg.MetadataValue.json(by_rule),
            }
        )

    @dg.asset(
        key=PERSON.key,
        deps=[PERSON_LINK.key],
        group_name="core",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "One row per person: active (an AKTIF registration other than PMI) or not, PMI only, "
            "and the region, sector and segment that count for coverage."
        ),
        metadata={"dagster/column_schema": table_schema(PERSON)},
        tags={"pii": ""},
    )
    def person(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        with warehouse.connect() as conn:
            write_persons(conn, period)
            total, active, pmi_only = conn.execute(
                "SELECT count(*), count(*) FILTER (aktif), count(*) FILTER (pmi_saja) "
                "FROM core.person WHERE periode = ?",
                [period],
            ).fetchone() or (0, 0, 0)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(total),
                "active_persons": dg.MetadataValue.int(active),
                "pmi_only_persons": dg.MetadataValue.int(pmi_only),
            }
        )

    @dg.asset(
        key=PERSON_KEYS_KEY,
        deps=[PERSON.key],
        group_name="core",
        partitions_def=partitions,
        kinds={"parquet"},
        description=(
            "What crosses provinces of a person with a valid NIK: a keyed hash of the NIK, the "
            "date of the registration that counts and its kpj's rank in the snapshot; nothing "
            "personal (<warehouse>/<kode>/person_keys/<YYYY-MM>.parquet)."
        ),
    )
    def person_keys(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        split = split_of(warehouse)
        ranks = None if split is None else split.province_files(warehouse.landing, period)
        with warehouse.connect() as conn:
            count = write_person_keys(conn, warehouse, period, ranks)
        return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(count)})

    @dg.asset(
        key=PERSON_COUNTED_KEY,
        deps=[
            PERSON.key,
            dg.AssetDep(PLACEMENT_KEY, partition_mapping=NATIONAL_MAPPING),
        ],
        group_name="core",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "core.person as counted: a person with a valid NIK in several provinces is "
            "active (or PMI-only) only in the province the national placement names."
        ),
    )
    def person_counted(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        with warehouse.connect() as conn:
            here, elsewhere = apply_placement(conn, warehouse, period)
        return dg.MaterializeResult(
            metadata={
                "persons_of_several_provinces_counted_here": dg.MetadataValue.int(here),
                "persons_counted_in_another_province": dg.MetadataValue.int(elsewhere),
            }
        )

    @dg.asset(
        key=PERSON_CONTINUITY.key,
        deps=[PERSON_COUNTED_KEY if several else PERSON.key],
        group_name="core",
        partitions_def=partitions,
        kinds={"duckdb"},
        description=(
            "Persons across periods: the person of the previous published period each person "
            "continues (a shared valid NIK, else birth date + sex + regency + (nearly) the same name; "
            "one to one). Also refreshes the published period right after this one, whose "
            "previous period this one becomes."
        ),
        metadata={"dagster/column_schema": table_schema(PERSON_CONTINUITY)},
        tags={"pii": ""},
    )
    def person_continuity(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        period, warehouse = province_scope(context.partition_key, warehouse)
        with warehouse.connect() as conn:
            pairs = periods_to_follow(published_periods(warehouse, conn), period)
            for each, previous in pairs:
                follow_persons(conn, each, previous)
            by_rule = dict(
                conn.execute(
                    "SELECT coalesce(match_rule, 'none'), count(*) FROM core.person_continuity "
                    "WHERE periode = ? GROUP BY ALL ORDER BY ALL",
                    [period],
                ).fetchall()
            )
        previous = pairs[0][1]
        metadata: dict[str, dg.MetadataValue] = {
            "dagster/row_count": dg.MetadataValue.int(sum(by_rule.values())),
            "periode_sebelumnya": dg.MetadataValue.text(
                previous or "none (no earlier published period)"
            ),
            "persons_by_match_rule": dg.MetadataValue.json(by_rule),
        }
        if len(pairs) > 1:
            metadata["refreshed_successor"] = dg.MetadataValue.text(
                f"{pairs[1][0]} (its previous period becomes {period})"
            )
        return dg.MaterializeResult(metadata=metadata)

    placement = [person_keys, person_counted] if several else []
    return [person_link, person, *placement, person_continuity]
