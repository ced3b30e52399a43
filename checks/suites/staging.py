"""Suites on the staged rows: what staging promises the rest of the pipeline."""

from __future__ import annotations

import itertools

from checks.suites.builder import Builder, sql_list
from checks.suites.registry import ERROR, WARN, SuiteParams, Validation, suite
from contract.landing import ENROLLMENT, LABOUR
from contract.periods import period_end
from contract.reference import (
    STATUS_PEKERJAAN,
    bps_regions,
    crosswalk,
    kbli_sections,
    kemendagri_codes,
)
from contract.row_rules import (
    ENROLLMENT_REQUIRED,
    JENIS_KELAMIN,
    LABOUR_COLUMNS,
    OUTSIDE_DEPLOYMENT,
    SEGMEN,
    STATUS,
)
from contract.tables import STAGED_ENROLLMENT, STAGED_LABOUR, Table

#: Largest share of a landing file's rows that may be rejected without a warning.
MAX_REJECT_RATE = 0.02
#: The staged program lists (`program_list` in contract/macros.sql: known programs in the
#: contract's order) that hold JKK and JKM: JKK;JKM and any of JHT, JP, JKP after them. A set,
#: not a regex: a set check is a hash lookup, a regex costs ~0.2 s per million rows.
PROGRAM_LISTS = tuple(
    ";".join(("JKK", "JKM", *optional))
    for n in range(4)
    for optional in itertools.combinations(("JHT", "JP", "JKP"), n)
)


def declared_types(b: Builder, table: Table) -> None:
    """Every column of the table exists with the type `contract.tables` declares."""
    declared = ", ".join(f"('{c.name}', '{c.type}')" for c in table.columns)
    b.rows_where(
        f"Every column of {table.name} has its declared type (bad_type stays out)",
        f"""
        SELECT '{table.name}.' || d.column_name || ' ' || d.data_type AS row_id
        FROM (VALUES {declared}) AS d(column_name, data_type)
        WHERE NOT EXISTS (
            SELECT 1 FROM duckdb_columns() c
            WHERE c.database_name = current_database() AND c.schema_name = '{table.schema}'
              AND c.table_name = '{table.short_name}' AND c.column_name = d.column_name
              AND c.data_type = d.data_type)
        /* reads the catalog, not {{batch}} */
        """,
    )


def file_loads_rules(b: Builder, source: str, key_sql: str) -> None:
    """Row conservation of every landing file of the snapshot (quality.file_loads)."""
    b.rows_where(
        "Every landing file: rows read = rows accepted + rows rejected, and its accepted "
        "rows are the staged rows of that file",
        f"""
        SELECT f.file AS row_id FROM quality.file_loads f
        WHERE f.source = '{source}' AND f.periode_or_tahun = {key_sql}
          AND (f.rows_read <> f.rows_accepted + f.rows_rejected
               OR f.rows_accepted <> (SELECT count(*) FROM {{batch}} WHERE file = f.file))
        """,
    )


def files_over_reject_rate(source: str, key_sql: str) -> str:
    """The snapshot's files that reject more than `MAX_REJECT_RATE` of their rows. Rows set
    aside as outside_deployment (another province's: normal in a national file) are left out
    of both sides of the rate, whatever else they break."""
    return f"""
        SELECT f.file AS row_id
        FROM quality.file_loads f LEFT JOIN (
            SELECT file, count(*) AS set_aside FROM quality.rejected_rows
            WHERE source = '{source}' AND periode_or_tahun = {key_sql}
              AND contains(rules, '{OUTSIDE_DEPLOYMENT}')
            GROUP BY file) s USING (file)
        WHERE f.source = '{source}' AND f.periode_or_tahun = {key_sql}
          AND f.rows_rejected - coalesce(s.set_aside, 0)
              > {MAX_REJECT_RATE} * (f.rows_read - coalesce(s.set_aside, 0))
        /* reads quality.file_loads and quality.rejected_rows, not {{batch}} */
        """


def reject_rate_warning(b: Builder, source: str, key_sql: str) -> None:
    b.rows_where(
        f"A landing file rejects at most {MAX_REJECT_RATE:.0%} of its rows "
        f"(quality.file_loads; the rejects are in quality.rejected_rows; {OUTSIDE_DEPLOYMENT} "
        "rows not counted)",
        files_over_reject_rate(source, key_sql),
    )


def enrollment_target(period: str) -> str:
    return f"""
        SELECT file || ':' || line AS row_id, file, line,
               kpj, nama, tanggal_lahir, nik_valid, nik_cocok, jenis_kelamin, kode_wilayah,
               kode_kemendagri_kabkota, kode_bps, segmen, kbli, program, status,
               tanggal_kepesertaan, npp,
               date_sub('year', tanggal_lahir, DATE '{period_end(period)}') AS usia
        FROM staging.enrollment WHERE periode = '{period}'
    """


@suite(
    "staged_enrollment_rules",
    ERROR,
    STAGED_ENROLLMENT.key,
    "Staged enrollment rows of the period: types (kpj 11 digits, codes), sets, ranges "
    "(age 15-100, registration dates), required values, kpj unique in the snapshot, "
    "rows read = accepted + rejected per file. Blocks the publish.",
)
def staged_enrollment_rules(params: SuiteParams) -> Validation:
    b = Builder(ERROR)
    end = period_end(params.period)
    b.add(
        "ExpectTableRowCountToBeBetween",
        "The snapshot has accepted rows (a landed period is never staged empty)",
        min_value=1,
    )
    declared_types(b, STAGED_ENROLLMENT)
    b.required([*ENROLLMENT_REQUIRED, "nik_valid"])
    b.rows_where(
        "kpj is 11 digits (bad_type)",
        "SELECT row_id FROM {batch} WHERE length(kpj) <> 11 OR NOT regexp_full_match(kpj, '[0-9]+')",
    )
    b.rows_where(
        "kpj is unique within the snapshot (duplicate_key: later rows are rejected)",
        "SELECT row_id FROM {batch} "
        "WHERE kpj IN (SELECT kpj FROM {batch} GROUP BY kpj HAVING count(*) > 1)",
    )
    for column, values, rule in (
        ("jenis_kelamin", JENIS_KELAMIN, "jenis_kelamin is L or P"),
        ("segmen", SEGMEN, "segmen is PU, BPU, JAKON or PMI"),
        ("kbli", kbli_sections(), "kbli is a KBLI 2020 section A-U"),
        ("status", STATUS, "status is AKTIF or NONAKTIF"),
        (
            "kode_wilayah",
            kemendagri_codes(params.provinces),
            "kode_wilayah is a regency or a district of the deployment's provinces",
        ),
    ):
        b.add(
            "ExpectColumnValuesToBeInSet",
            f"{rule} (unknown_code)",
            column=column,
            value_set=list(values),
        )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "kode_bps is one of the deployment's regencies/cities, BPS code",
        column="kode_bps",
        value_set=list(bps_regions(params.provinces)),
    )
    pairs = [f"{k}>{b_}" for k, b_ in crosswalk(params.provinces).items()]
    b.rows_where(
        "Domicile goes through the Kemendagri -> BPS crosswalk, never joined raw",
        f"""
        SELECT row_id FROM {{batch}}
        WHERE NOT starts_with(kode_wilayah, kode_kemendagri_kabkota)
           OR kode_kemendagri_kabkota || '>' || kode_bps NOT IN {sql_list(pairs)}
        """,
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "program holds JKK and JKM, only known programs, in contract order (program_incomplete)",
        column="program",
        value_set=list(PROGRAM_LISTS),
    )
    b.rows_where(
        "PU and JAKON rows have an npp (npp_required)",
        "SELECT row_id FROM {batch} WHERE segmen IN ('PU', 'JAKON') AND npp IS NULL",
    )
    b.add(
        "ExpectColumnValuesToBeBetween",
        f"Age 15-100 on the snapshot date {end} (out_of_range)",
        column="usia",
        min_value=15,
        max_value=100,
    )
    b.rows_where(
        f"tanggal_kepesertaan is between birth and the snapshot date {end} (out_of_range)",
        f"""
        SELECT row_id FROM {{batch}}
        WHERE tanggal_kepesertaan > DATE '{end}' OR tanggal_kepesertaan < tanggal_lahir
        """,
    )
    b.rows_where(
        "nik_cocok is set exactly for the rows whose NIK is valid",
        "SELECT row_id FROM {batch} WHERE (nik_cocok IS NULL) = nik_valid",
    )
    file_loads_rules(b, ENROLLMENT, f"'{params.period}'")
    return b.validation(enrollment_target(params.period))


@suite(
    "staged_enrollment_warnings",
    WARN,
    STAGED_ENROLLMENT.key,
    "Rows whose valid NIK disagrees with the birth date or sex (nik_cocok = false); "
    f"landing files that rejected more than {MAX_REJECT_RATE:.0%} of their rows. Never blocks.",
)
def staged_enrollment_warnings(params: SuiteParams) -> Validation:
    b = Builder(WARN)
    b.add(
        "ExpectColumnValuesToBeInSet",
        "A valid NIK agrees with tanggal_lahir and jenis_kelamin (nik_cocok; kept, counted)",
        column="nik_cocok",
        value_set=[True],
    )
    reject_rate_warning(b, ENROLLMENT, f"'{params.period}'")
    return b.validation(enrollment_target(params.period))


def labour_year_sql(period: str) -> str:
    return f"(SELECT tahun FROM staging.period_labour_year WHERE periode = '{period}')"


def labour_target(period: str) -> str:
    return f"""
        SELECT file || ':' || line AS row_id, file, tahun, kode_wilayah, kbli, status_pekerjaan,
               jumlah_pekerja
        FROM staging.labour WHERE tahun = {labour_year_sql(period)}
    """


@suite(
    "staged_labour_rules",
    ERROR,
    STAGED_LABOUR.key,
    "Staged Sakernas rows of the period's labour year: sets, jumlah_pekerja ≥ 0, required "
    "values, (tahun, kode_wilayah, kbli, status_pekerjaan) unique, rows read = accepted + "
    "rejected per file. Blocks the publish.",
)
def staged_labour_rules(params: SuiteParams) -> Validation:
    period = params.period
    b = Builder(ERROR)
    b.add(
        "ExpectTableRowCountToBeBetween",
        "The period's Sakernas year has accepted rows",
        min_value=1,
    )
    declared_types(b, STAGED_LABOUR)
    b.required(list(LABOUR_COLUMNS))
    b.add(
        "ExpectColumnValuesToBeBetween",
        f"The denominator is a Sakernas year ≤ the period's year {period[:4]}",
        column="tahun",
        max_value=int(period[:4]),
    )
    for column, values, rule in (
        (
            "kode_wilayah",
            bps_regions(params.provinces),
            "kode_wilayah is one of the deployment's regencies/cities, BPS code",
        ),
        ("kbli", kbli_sections(), "kbli is a KBLI 2020 section A-U"),
        ("status_pekerjaan", STATUS_PEKERJAAN, "status_pekerjaan is FORMAL or INFORMAL"),
    ):
        b.add(
            "ExpectColumnValuesToBeInSet",
            f"{rule} (unknown_code)",
            column=column,
            value_set=list(values),
        )
    b.add(
        "ExpectColumnValuesToBeBetween",
        "jumlah_pekerja is an integer ≥ 0 (out_of_range)",
        column="jumlah_pekerja",
        min_value=0,
    )
    key = "(" + ", ".join(STAGED_LABOUR.grain) + ")"
    b.rows_where(
        f"{key} is unique (duplicate_key: later rows are rejected)",
        f"SELECT row_id FROM {{batch}} WHERE {key} IN "
        f"(SELECT {key} FROM {{batch}} GROUP BY ALL HAVING count(*) > 1)",
    )
    file_loads_rules(b, LABOUR, f"{labour_year_sql(period)}::VARCHAR")
    return b.validation(labour_target(period))


@suite(
    "staged_labour_warnings",
    WARN,
    STAGED_LABOUR.key,
    f"Sakernas files that rejected more than {MAX_REJECT_RATE:.0%} of their rows. Never blocks.",
)
def staged_labour_warnings(params: SuiteParams) -> Validation:
    b = Builder(WARN)
    reject_rate_warning(b, LABOUR, f"{labour_year_sql(params.period)}::VARCHAR")
    return b.validation(labour_target(params.period))
