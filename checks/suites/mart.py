"""Suites on the coverage marts: grain, grid and formulas; the province equals its parts.

Two suites per mart of `contract.tables.MARTS`, registered from the declarations: a new
mart gets its checks without a line here. The marts are small, so rules are single SQL
queries (a native GX column expectation costs ~3 queries), on the mart's target materialised
once as a temp table (it joins the previous period and, for the province, sums every other
mart: each rule would otherwise compute it again).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from checks.suites.builder import Builder, sql_list
from checks.suites.registry import ERROR, WARN, SuiteParams, SuiteSpec, Validation, register
from checks.suites.staging import labour_year_sql
from contract.priority import PRIORITY_GROUPS, priority_groups
from contract.reference import STATUS_PEKERJAAN, bps_regions, kbli_sections
from contract.tables import (
    COVERAGE_PRIORITY,
    COVERAGE_PROVINCE,
    COVERAGE_REGION,
    COVERAGE_REGION_SECTOR,
    COVERAGE_STATUS,
    FLOW_MARTS,
    MARTS,
    PERIOD_COMPARISON_COLUMNS,
    Table,
)

#: Largest move of a regency's coverage between two periods that needs no explanation.
MAX_MOVE_POINTS = 5.0
#: Largest share of a regency's active persons that may leave it in one period unnoticed.
MAX_LEAVING_SHARE = 0.10


def dimension_cells(provinces: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The reference cells of each mart dimension: the regions of the deployment's provinces."""
    return {
        "kode_wilayah": bps_regions(provinces),
        "kbli": kbli_sections(),
        "status_pekerjaan": STATUS_PEKERJAAN,
        "kelompok": priority_groups(),
    }


def grid_size(table: Table, provinces: Sequence[str]) -> int:
    cells = dimension_cells(provinces)
    n = 1
    for dimension in table.dimensions:
        n *= len(cells[dimension])
    return n


def row_id(table: Table, alias: str = "") -> str:
    return " || '/' || ".join(f"{alias}{c}" for c in table.grain)


def mart_target(table: Table, period: str) -> str:
    """The period's rows of a mart, with what its rules compare them to: the period's
    Sakernas year; for the province, the sums of every other mart; for the marts with flows,
    the previous published period (core.previous_period) and its values in the same cell."""
    columns = ["pekerja", "peserta_aktif", "cakupan_persen", "belum_terlindungi"]
    columns += ["cakupan_di_atas_100", "tahun_pekerja", *table.dimensions]
    if table is COVERAGE_STATUS:
        columns.append("iuran_minimum_bulanan_rp")
    if table is COVERAGE_PROVINCE:
        columns.append("peserta_pmi")
    if table is COVERAGE_PRIORITY:
        columns += [
            "biaya_perlindungan_bulanan_rp",
            "biaya_perlindungan_tahunan_rp",
            "santunan_kematian_tidak_terlindungi_rp",
        ]
    extra = [f"{labour_year_sql(period)} AS tahun_periode"]
    previous = ""
    if table is COVERAGE_PROVINCE:
        extra += [
            f"(SELECT sum({c}) FROM {other.name} WHERE periode = '{period}') "
            f"AS {c}_{other.short_name}"
            for other in MARTS
            if other is not table and other.additive
            for c in ("pekerja", "peserta_aktif")
        ]
    if table is COVERAGE_PRIORITY:
        extra += [
            f"{group_cell_sql(c, period)} AS {c}_definisi" for c in ("pekerja", "peserta_aktif")
        ]
    if table in FLOW_MARTS:
        columns += [c.name for c in PERIOD_COMPARISON_COLUMNS]
        extra += [
            "x.periode_sebelumnya AS periode_yang_dibandingkan",
            "CASE WHEN x.periode_sebelumnya IS NOT NULL THEN coalesce(p.peserta_aktif, -1) END "
            "AS peserta_aktif_saat_itu",
            "p.cakupan_persen AS cakupan_persen_saat_itu",
        ]
        same_cell = "".join(f" AND p.{d} = m.{d}" for d in table.dimensions)
        previous = f"""
            LEFT JOIN core.previous_period x ON x.periode = m.periode
            LEFT JOIN {table.name} p ON p.periode = x.periode_sebelumnya{same_cell}"""
    select = ", ".join([f"{row_id(table, 'm.')} AS row_id"] + [f"m.{c}" for c in columns])
    return f"""
        SELECT {select}, {", ".join(extra)}
        FROM {table.name} m{previous}
        WHERE m.periode = '{period}'
    """


def group_cell_sql(column: str, period: str) -> str:
    """A priority group's ``column`` in its region as another mart counts it: a group of one
    KBLI section is a region x sector cell, a group of one status a status cell (a group
    naming both has no such cell: NULL, and its rule is skipped)."""
    cases = []
    for g in PRIORITY_GROUPS:
        if g.kbli is not None and g.status_pekerjaan is None:
            other, where = COVERAGE_REGION_SECTOR, f"o.kbli = '{g.kbli}'"
        elif g.status_pekerjaan is not None and g.kbli is None:
            other, where = COVERAGE_STATUS, f"o.status_pekerjaan = '{g.status_pekerjaan}'"
        else:
            continue
        cases.append(
            f"WHEN '{g.kelompok}' THEN (SELECT o.{column} FROM {other.name} o "
            f"WHERE o.periode = '{period}' AND o.kode_wilayah = m.kode_wilayah AND {where})"
        )
    return f"CASE m.kelompok {' '.join(cases)} END"


def mart_rules(table: Table, params: SuiteParams) -> Validation:
    """One mart, one period: grain, grid, formulas; the province also equals its parts."""
    b = Builder(ERROR)
    size = grid_size(table, params.provinces)
    b.add(
        "ExpectTableRowCountToEqual",
        f"The landed period is in the mart with its complete grid: {size} row(s)",
        value=size,
    )
    if table.dimensions:
        b.rows_where(
            f"One row per grain key ({', '.join(table.grain)})",
            "SELECT row_id FROM {batch} GROUP BY row_id HAVING count(*) > 1",
        )
        cells = dimension_cells(params.provinces)
        b.rows_where(
            "Every grid cell is of the reference: "
            + ", ".join(f"{d} in {sql_list(cells[d])}" for d in table.dimensions),
            "SELECT row_id FROM {batch} WHERE "
            + " OR ".join(
                f"{d} IS NULL OR {d} NOT IN {sql_list(cells[d])}" for d in table.dimensions
            ),
        )
    b.rows_where(
        "pekerja ≥ 0 (NULL only where Sakernas has no row for the cell)",
        "SELECT row_id FROM {batch} WHERE pekerja < 0",
    )
    b.rows_where(
        "peserta_aktif ≥ 0, counted in every cell",
        "SELECT row_id FROM {batch} WHERE peserta_aktif IS NULL OR peserta_aktif < 0",
    )
    b.rows_where(
        "belum_terlindungi = max(pekerja - peserta_aktif, 0), NULL where pekerja is missing",
        """
        SELECT row_id FROM {batch} WHERE belum_terlindungi IS DISTINCT FROM
            CASE WHEN pekerja IS NULL THEN NULL ELSE greatest(pekerja - peserta_aktif, 0) END
        """,
    )
    b.rows_where(
        "cakupan_persen is NULL exactly where pekerja is 0 or missing, else "
        "100 x peserta_aktif / pekerja (not capped)",
        """
        SELECT row_id FROM {batch}
        WHERE (cakupan_persen IS NULL) <> (pekerja IS NULL OR pekerja = 0)
           OR abs(cakupan_persen - 100.0 * peserta_aktif / pekerja) > 1e-9
        """,
    )
    b.rows_where(
        "cakupan_di_atas_100 flags exactly the cells above 100 %",
        "SELECT row_id FROM {batch} "
        "WHERE cakupan_di_atas_100 IS DISTINCT FROM coalesce(cakupan_persen > 100, false)",
    )
    b.rows_where(
        "tahun_pekerja is the period's Sakernas year (the latest ≤ the period's year)",
        "SELECT row_id FROM {batch} WHERE tahun_pekerja IS DISTINCT FROM tahun_periode",
    )
    if table is COVERAGE_STATUS:
        rp = int(params.bpu_minimum_rp)
        b.rows_where(
            f"iuran_minimum_bulanan_rp = belum_terlindungi x Rp{rp:,} (BPU minimum)",
            f"SELECT row_id FROM {{batch}} WHERE iuran_minimum_bulanan_rp IS DISTINCT FROM "
            f"belum_terlindungi * {rp}",
        )
    if table is COVERAGE_PRIORITY:
        rp, benefit = int(params.bpu_minimum_rp), int(params.jkm_death_benefit_rp)
        b.rows_where(
            f"biaya_perlindungan_bulanan_rp = belum_terlindungi x Rp{rp:,} (BPU minimum), "
            "biaya_perlindungan_tahunan_rp = 12 x that, santunan_kematian_tidak_terlindungi_rp "
            f"= belum_terlindungi x Rp{benefit:,} (JKM death benefit); NULL where "
            "belum_terlindungi is",
            f"""
            SELECT row_id FROM {{batch}}
            WHERE biaya_perlindungan_bulanan_rp IS DISTINCT FROM belum_terlindungi * {rp}
               OR biaya_perlindungan_tahunan_rp IS DISTINCT FROM 12 * belum_terlindungi * {rp}
               OR santunan_kematian_tidak_terlindungi_rp
                  IS DISTINCT FROM belum_terlindungi * {benefit}
            """,
        )
        b.rows_where(
            "Each group is its definition (contract/priority.py): a KBLI group equals the "
            "region x sector cell, the INFORMAL group the region's informal status cell "
            "(pekerja and peserta_aktif); groups overlap and are never summed",
            "SELECT row_id FROM {batch} WHERE kelompok IN "
            + sql_list(
                [
                    g.kelompok
                    for g in PRIORITY_GROUPS
                    if (g.kbli is None) != (g.status_pekerjaan is None)
                ]
            )
            + " AND (pekerja IS DISTINCT FROM pekerja_definisi "
            "OR peserta_aktif IS DISTINCT FROM peserta_aktif_definisi)",
        )
    if table is COVERAGE_PROVINCE:
        b.rows_where(
            "peserta_pmi ≥ 0: PMI-only persons are counted apart",
            "SELECT row_id FROM {batch} WHERE peserta_pmi IS NULL OR peserta_pmi < 0",
        )
        parts = " UNION ALL ".join(
            f"SELECT row_id || ' vs {other.name}' AS row_id FROM {{batch}} "
            f"WHERE pekerja IS DISTINCT FROM pekerja_{other.short_name} "
            f"OR peserta_aktif IS DISTINCT FROM peserta_aktif_{other.short_name}"
            for other in MARTS
            if other is not table and other.additive
        )
        b.rows_where(
            "Province = sum of regions = sum of sectors = sum of region x sector cells "
            "= sum of status cells (pekerja and peserta_aktif)",
            parts,
        )
    if table in FLOW_MARTS:
        flow_rules(b, table, params.period)
    return b.validation(mart_target(table, params.period), materialize=True)


def flows_broken() -> str:
    """SQL: a row whose flow columns break the identity, or are not NULL together."""
    return """
        (periode_sebelumnya IS NULL) <> (peserta_aktif_sebelumnya IS NULL)
        OR (periode_sebelumnya IS NULL) <> (peserta_baru IS NULL)
        OR (periode_sebelumnya IS NULL) <> (peserta_berhenti IS NULL)
        OR least(peserta_aktif_sebelumnya, peserta_baru, peserta_berhenti) < 0
        OR peserta_aktif_sebelumnya + peserta_baru - peserta_berhenti <> peserta_aktif
    """


def flow_rules(b: Builder, table: Table, period: str) -> None:
    """Persons across periods (contract additions of 2026-11-28): flows and trend."""
    b.rows_where(
        "peserta_aktif_sebelumnya + peserta_baru - peserta_berhenti = peserta_aktif at every "
        "row, none negative, all three NULL exactly where no earlier period was published; "
        "also on the published period after this one, whose flows this run refreshed",
        f"""
        SELECT row_id FROM {{batch}} WHERE {flows_broken()}
        UNION ALL
        SELECT {row_id(table)} || ' (refreshed)' AS row_id FROM {table.name}
        WHERE periode IN (SELECT periode FROM core.previous_period
                          WHERE periode_sebelumnya = '{period}')
          AND ({flows_broken()})
        """,
    )
    b.rows_where(
        "The period is compared with the latest earlier published period (core.previous_period): "
        "peserta_aktif_sebelumnya and cakupan_persen_sebelumnya are that period's values in the "
        "same cell, perubahan_poin = cakupan_persen - cakupan_persen_sebelumnya",
        """
        SELECT row_id FROM {batch}
        WHERE periode_sebelumnya IS DISTINCT FROM periode_yang_dibandingkan
           OR peserta_aktif_sebelumnya IS DISTINCT FROM peserta_aktif_saat_itu
           OR cakupan_persen_sebelumnya IS DISTINCT FROM cakupan_persen_saat_itu
           OR (perubahan_poin IS NULL) <> (cakupan_persen IS NULL OR cakupan_persen_sebelumnya IS NULL)
           OR abs(perubahan_poin - (cakupan_persen - cakupan_persen_sebelumnya)) > 1e-9
        """,
    )
    if table is COVERAGE_PROVINCE:
        # Counts only: a person_id is a kpj, personal data, and never a row_id.
        b.rows_where(
            "Each person of the period continues at most one person of the previous period, a "
            "person of that period, and each of those is continued at most once "
            "(core.person_continuity)",
            f"""
            SELECT 'core.person_continuity/{period}: ' || count(*)
                   || ' person(s) of the previous period continued more than once' AS row_id
            FROM (SELECT person_id_sebelumnya FROM core.person_continuity
                  WHERE periode = '{period}' AND person_id_sebelumnya IS NOT NULL
                  GROUP BY ALL HAVING count(*) > 1)
            HAVING count(*) > 0
            UNION ALL
            SELECT 'core.person_continuity/{period}: ' || count(*)
                   || ' continued person(s) not in the previous period' AS row_id
            FROM core.person_continuity k ANTI JOIN core.person p
                 ON p.periode = k.periode_sebelumnya AND p.person_id = k.person_id_sebelumnya
            WHERE k.periode = '{period}' AND k.person_id_sebelumnya IS NOT NULL
            HAVING count(*) > 0
            /* reads core.person_continuity, not {{batch}} */
            """,
        )


def mart_warnings(table: Table, params: SuiteParams) -> Validation:
    b = Builder(WARN)
    b.rows_where(
        "Coverage of a cell is at most 100 % (above: more active participants than "
        "counted workers; published as is and flagged)",
        "SELECT row_id || ' (' || round(cakupan_persen, 1) || ' %)' AS row_id "
        "FROM {batch} WHERE cakupan_persen > 100",
    )
    if table is COVERAGE_REGION:
        b.rows_where(
            f"A regency's coverage moves at most {MAX_MOVE_POINTS:g} points since the "
            "previous published period",
            f"""
            SELECT row_id || ': ' || printf('%+.1f', perubahan_poin)
                   || ' points since ' || periode_sebelumnya AS row_id
            FROM {{batch}}
            WHERE abs(perubahan_poin) > {MAX_MOVE_POINTS}
            """,
        )
        b.rows_where(
            f"A regency loses at most {MAX_LEAVING_SHARE:.0%} of its active persons in one "
            "period (peserta_berhenti / peserta_aktif_sebelumnya)",
            f"""
            SELECT row_id || ': ' || peserta_berhenti || ' of ' || peserta_aktif_sebelumnya
                   || ' active persons left since ' || periode_sebelumnya AS row_id
            FROM {{batch}}
            WHERE peserta_berhenti > {MAX_LEAVING_SHARE} * peserta_aktif_sebelumnya
            """,
        )
    return b.validation(mart_target(table, params.period), materialize=True)


def register_mart_suites(table: Table) -> None:
    province = table is COVERAGE_PROVINCE
    region = table is COVERAGE_REGION
    priority = table is COVERAGE_PRIORITY
    register(
        SuiteSpec(
            f"{table.short_name}_rules",
            ERROR,
            tuple(table.key),
            f"{table.name}: one row per grain key and the complete grid for the period, "
            "pekerja ≥ 0, belum_terlindungi = max(pekerja - peserta_aktif, 0), cakupan_persen "
            "NULL exactly where pekerja is 0 or missing"
            + ("; the province equals the sum of every other mart" if province else "")
            + (
                "; peserta_aktif_sebelumnya + peserta_baru - peserta_berhenti = peserta_aktif "
                "at every row, and the trend against the previous published period"
                if table in FLOW_MARTS
                else ""
            )
            + (
                "; the costs (BPU minimum x uncovered, monthly and yearly; JKM death benefit x "
                "uncovered); each group equals its cell in the region x sector or status mart "
                "(groups overlap, never summed)"
                if priority
                else ""
            )
            + ("; each person continued at most once" if province else "")
            + ". Blocks the publish.",
            partial(mart_rules, table),
        )
    )
    register(
        SuiteSpec(
            f"{table.short_name}_warnings",
            WARN,
            tuple(table.key),
            f"{table.name}: cells above 100 %"
            + (
                f"; regencies whose coverage moved more than {MAX_MOVE_POINTS:g} points since "
                f"the previous published period, or that lost more than {MAX_LEAVING_SHARE:.0%} "
                "of their active persons in one period"
                if region
                else ""
            )
            + ". Never blocks.",
            partial(mart_warnings, table),
        )
    )


for mart in MARTS:
    register_mart_suites(mart)
