"""Expectation suites: the data contract's rules as Great Expectations, one function per suite.

Each function returns a `Suite` for one period (one partition): its name (also the name of
the Dagster asset check that runs it), its severity, the asset it checks, the SQL that
selects the rows to validate (a GX query asset, run inside DuckDB: no table is loaded into
Python) and its expectations. Every expectation carries, as its GX ``description``, the
contract rule it guards: that text is what Data Docs, the check's metadata and
``quality.validation_results`` show.

Conventions that keep personal data out of everything a check reports:

- every target has a ``row_id`` column that identifies a row without personal data
  (``file:line`` for staged rows, the grain key for marts, ``schema.table.column`` for the
  published file); GX returns it as the sample of unexpected rows;
- a personal column (``pipelines.warehouse.personal_column_names``) is only read inside
  the SQL of an `ExpectNoRowsWhere`, which reports ``row_id`` alone, never by a GX column
  expectation (whose samples are values). ``tests/test_checks.py`` holds every suite to
  this.

Severity: ERROR suites guard the contract and block the publish; WARN suites show an
analyst what deserves a look and never block.

Great Expectations is imported inside the functions: importing it costs ~4 s and ~180 MB,
which only a process that validates should pay.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from checks.row_rules import (
    ENROLLMENT_REQUIRED,
    JENIS_KELAMIN,
    LABOUR_COLUMNS,
    SEGMEN,
    STATUS,
    STATUS_PEKERJAAN,
)
from pipelines import warehouse as wh

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

ERROR = "ERROR"
WARN = "WARN"

#: Where a suite's target lives: the internal file, or the candidate of the published file.
INTERNAL = "internal"
CANDIDATE = "candidate"

#: Largest move of a regency's coverage between two periods that needs no explanation.
MAX_MOVE_POINTS = 5.0
#: Largest share of a landing file's rows that may be rejected without a warning.
MAX_REJECT_RATE = 0.02

#: Programs in the contract's order; JKK and JKM are always required.
PROGRAM_REGEX = r"^JKK;JKM(;JHT)?(;JP)?(;JKP)?$"
MATCH_RULES = ("nik", "name_exact", "name_similar", "name_group")


@dataclass(frozen=True)
class Suite:
    """One expectation suite, for one period."""

    name: str
    severity: str  # ERROR or WARN
    asset: tuple[str, ...]  # the checked asset's key
    periode: str
    target: str  # SQL with a row_id column (a GX query asset)
    expectations: list[Expectation] = field(repr=False)
    database: str = INTERNAL
    #: Let GX materialise the target once as a DuckDB temp table (for a costly join that
    #: every expectation would otherwise run again).
    materialize: bool = False


# ----------------------------------------------------------------------------- reference


@functools.cache
def _reference(file: str, column: str) -> tuple[str, ...]:
    with (wh.REFERENCE_DIR / file).open(encoding="utf-8", newline="") as f:
        return tuple(row[column] for row in csv.DictReader(f))


def kbli_sections() -> list[str]:
    return list(_reference("kbli2020_sections.csv", "kbli"))


def bps_regions() -> list[str]:
    return list(_reference("kaltim_regencies.csv", "kode_bps"))


def kemendagri_regions() -> list[str]:
    return list(_reference("kaltim_regencies.csv", "kode_kemendagri"))


def kemendagri_codes() -> list[str]:
    """Every enrollment domicile code: the 10 regencies and the 105 districts."""
    return kemendagri_regions() + list(_reference("kaltim_districts.csv", "kode_kemendagri"))


def crosswalk_pairs() -> list[str]:
    """``<Kemendagri>><BPS>`` for each regency: the crosswalk as SQL-comparable text."""
    pairs = zip(kemendagri_regions(), bps_regions(), strict=True)
    return [f"{k}>{b}" for k, b in pairs]


def sql_list(values: list[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def periode_end(periode: str) -> date:
    """The snapshot date: the last day of the period."""
    year, month = int(periode[:4]), int(periode[5:7])
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


# ------------------------------------------------------------------------------ GX glue


#: The count of broken rows rides along with every row an `ExpectNoRowsWhere` query returns.
COUNT_COLUMN = "unexpected_count"


@functools.cache
def _gx() -> dict[str, Any]:
    """GX's expectation classes by name, plus `ExpectNoRowsWhere`, imported on first use."""
    import great_expectations.expectations as gxe

    class ExpectNoRowsWhere(gxe.UnexpectedRowsExpectation):  # type: ignore[misc]
        """GX's UnexpectedRowsExpectation (the rule holds when the query returns no row),
        in one pass: the query is wrapped so that each row it returns carries the count of
        all of them, and GX fetches at most 200 rows. The result reports that count as the
        observed value and the ``row_id`` of the first five rows (GX's own class runs the
        query twice: once to count, once for rows it then does not report)."""

        metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.table",)

        def _validate(
            self,
            metrics: dict[str, Any],
            runtime_configuration: dict[str, Any] | None = None,
            execution_engine: Any = None,
        ) -> Any:
            rows = metrics["unexpected_rows_query.table"] or []
            count = int(rows[0][COUNT_COLUMN]) if rows else 0
            return {
                "success": count == 0,
                "result": {
                    "observed_value": count,
                    "partial_unexpected_index_list": [
                        {"row_id": row.get("row_id")} for row in rows[:5]
                    ],
                },
            }

    return {**vars(gxe), "ExpectNoRowsWhere": ExpectNoRowsWhere}


class _Builder:
    """Expectations of one suite, all with the suite's severity and a stated rule."""

    def __init__(self, severity: str) -> None:
        self.classes = _gx()
        self.severity = "critical" if severity == ERROR else "warning"
        self.expectations: list[Expectation] = []

    def add(self, expectation_type: str, rule: str, **kwargs: Any) -> None:
        cls = self.classes[expectation_type]
        self.expectations.append(cls(description=rule, severity=self.severity, **kwargs))

    def rows_where(self, rule: str, query: str) -> None:
        """The rule is broken by every row the query returns (it must select ``row_id``).

        Rules that read other tables than the batch name ``{batch}`` in a comment only, so
        that GX does not warn that the query ignores the batch.
        """
        counted = (
            f"SELECT row_id, count(*) OVER () AS {COUNT_COLUMN} "
            f"FROM (\n{query.strip()}\n) AS broken"
        )
        self.add("ExpectNoRowsWhere", rule, unexpected_rows_query=counted)

    def required(self, columns: list[str]) -> None:
        """One rule for the contract's one rule: every required value is present."""
        self.rows_where(
            f"Required values are present (missing_required): {', '.join(columns)}",
            "SELECT row_id FROM {batch} WHERE " + " OR ".join(f"{c} IS NULL" for c in columns),
        )


# ------------------------------------------------------------------------------ staging


def _declared_types(b: _Builder, table: wh.Table) -> None:
    """Every column of the table exists with the type pipelines/warehouse.py declares."""
    schema, name = table.name.split(".")
    declared = ", ".join(f"('{c.name}', '{c.type}')" for c in table.columns)
    b.rows_where(
        f"Every column of {table.name} has its declared type (bad_type stays out)",
        f"""
        SELECT '{table.name}.' || d.column_name || ' ' || d.data_type AS row_id
        FROM (VALUES {declared}) AS d(column_name, data_type)
        WHERE NOT EXISTS (
            SELECT 1 FROM duckdb_columns() c
            WHERE c.database_name = current_database() AND c.schema_name = '{schema}'
              AND c.table_name = '{name}' AND c.column_name = d.column_name
              AND c.data_type = d.data_type)
        /* reads the catalog, not {{batch}} */
        """,
    )


def _file_loads_rules(b: _Builder, source: str, key_sql: str) -> None:
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


def _reject_rate_warning(b: _Builder, source: str, key_sql: str) -> None:
    b.rows_where(
        f"A landing file rejects at most {MAX_REJECT_RATE:.0%} of its rows "
        "(quality.file_loads; the rejects are in quality.rejected_rows)",
        f"""
        SELECT file AS row_id FROM quality.file_loads
        WHERE source = '{source}' AND periode_or_tahun = {key_sql}
          AND rows_rejected > {MAX_REJECT_RATE} * rows_read
        /* reads quality.file_loads, not {{batch}} */
        """,
    )


def enrollment_target(periode: str) -> str:
    return f"""
        SELECT file || ':' || line AS row_id, file, line,
               kpj, nama, tanggal_lahir, nik_valid, nik_cocok, jenis_kelamin, kode_wilayah,
               kode_kemendagri_kabkota, kode_bps, segmen, kbli, program, status,
               tanggal_kepesertaan, npp,
               date_sub('year', tanggal_lahir, DATE '{periode_end(periode)}') AS usia
        FROM staging.enrollment WHERE periode = '{periode}'
    """


def staged_enrollment_rules(periode: str) -> Suite:
    """Staged enrollment rows: what staging promises the rest of the pipeline."""
    b = _Builder(ERROR)
    end = periode_end(periode)
    b.add(
        "ExpectTableRowCountToBeBetween",
        "The snapshot has accepted rows (a landed period is never staged empty)",
        min_value=1,
    )
    _declared_types(b, wh.STAGED_ENROLLMENT)
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
    b.add(
        "ExpectColumnValuesToBeInSet",
        "jenis_kelamin is L or P (unknown_code)",
        column="jenis_kelamin",
        value_set=list(JENIS_KELAMIN),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "segmen is PU, BPU, JAKON or PMI (unknown_code)",
        column="segmen",
        value_set=list(SEGMEN),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "kbli is a KBLI 2020 section A-U (unknown_code)",
        column="kbli",
        value_set=kbli_sections(),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "status is AKTIF or NONAKTIF (unknown_code)",
        column="status",
        value_set=list(STATUS),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "kode_wilayah exists in the region reference: a regency or a district (unknown_code)",
        column="kode_wilayah",
        value_set=kemendagri_codes(),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "kode_bps is one of the 10 regencies/cities, BPS code",
        column="kode_bps",
        value_set=bps_regions(),
    )
    b.rows_where(
        "Domicile goes through the Kemendagri -> BPS crosswalk, never joined raw",
        f"""
        SELECT row_id FROM {{batch}}
        WHERE NOT starts_with(kode_wilayah, kode_kemendagri_kabkota)
           OR kode_kemendagri_kabkota || '>' || kode_bps NOT IN {sql_list(crosswalk_pairs())}
        """,
    )
    b.add(
        "ExpectColumnValuesToMatchRegex",
        "program holds JKK and JKM, only known programs, in contract order (program_incomplete)",
        column="program",
        regex=PROGRAM_REGEX,
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
    _file_loads_rules(b, "enrollment", f"'{periode}'")
    return Suite(
        name="staged_enrollment_rules",
        severity=ERROR,
        asset=("staging", "enrollment"),
        periode=periode,
        target=enrollment_target(periode),
        expectations=b.expectations,
    )


def staged_enrollment_warnings(periode: str) -> Suite:
    b = _Builder(WARN)
    b.add(
        "ExpectColumnValuesToBeInSet",
        "A valid NIK agrees with tanggal_lahir and jenis_kelamin (nik_cocok; kept, counted)",
        column="nik_cocok",
        value_set=[True],
    )
    _reject_rate_warning(b, "enrollment", f"'{periode}'")
    return Suite(
        name="staged_enrollment_warnings",
        severity=WARN,
        asset=("staging", "enrollment"),
        periode=periode,
        target=enrollment_target(periode),
        expectations=b.expectations,
    )


def _labour_year_sql(periode: str) -> str:
    return f"(SELECT tahun FROM staging.period_labour_year WHERE periode = '{periode}')"


def labour_target(periode: str) -> str:
    return f"""
        SELECT file || ':' || line AS row_id, file, tahun, kode_wilayah, kbli, status_pekerjaan,
               jumlah_pekerja
        FROM staging.labour WHERE tahun = {_labour_year_sql(periode)}
    """


def staged_labour_rules(periode: str) -> Suite:
    """Sakernas rows of the year that is the period's denominator."""
    b = _Builder(ERROR)
    b.add(
        "ExpectTableRowCountToBeBetween",
        "The period's Sakernas year has accepted rows",
        min_value=1,
    )
    _declared_types(b, wh.STAGED_LABOUR)
    b.required(list(LABOUR_COLUMNS))
    b.add(
        "ExpectColumnValuesToBeBetween",
        f"The denominator is a Sakernas year ≤ the period's year {periode[:4]}",
        column="tahun",
        max_value=int(periode[:4]),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "kode_wilayah is one of the 10 regencies/cities, BPS code (unknown_code)",
        column="kode_wilayah",
        value_set=bps_regions(),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "kbli is a KBLI 2020 section A-U (unknown_code)",
        column="kbli",
        value_set=kbli_sections(),
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "status_pekerjaan is FORMAL or INFORMAL (unknown_code)",
        column="status_pekerjaan",
        value_set=list(STATUS_PEKERJAAN),
    )
    b.add(
        "ExpectColumnValuesToBeBetween",
        "jumlah_pekerja is an integer ≥ 0 (out_of_range)",
        column="jumlah_pekerja",
        min_value=0,
    )
    key = "(tahun, kode_wilayah, kbli, status_pekerjaan)"
    b.rows_where(
        f"{key} is unique (duplicate_key: later rows are rejected)",
        f"SELECT row_id FROM {{batch}} WHERE {key} IN "
        f"(SELECT {key} FROM {{batch}} GROUP BY ALL HAVING count(*) > 1)",
    )
    _file_loads_rules(b, "labour", f"{_labour_year_sql(periode)}::VARCHAR")
    return Suite(
        name="staged_labour_rules",
        severity=ERROR,
        asset=("staging", "labour"),
        periode=periode,
        target=labour_target(periode),
        expectations=b.expectations,
    )


def staged_labour_warnings(periode: str) -> Suite:
    b = _Builder(WARN)
    _reject_rate_warning(b, "labour", f"{_labour_year_sql(periode)}::VARCHAR")
    return Suite(
        name="staged_labour_warnings",
        severity=WARN,
        asset=("staging", "labour"),
        periode=periode,
        target=labour_target(periode),
        expectations=b.expectations,
    )


# ------------------------------------------------------------------------------ persons


def person_link_rules(periode: str) -> Suite:
    """core.person_link against the staged rows: every accepted row exactly once."""
    b = _Builder(ERROR)
    b.add(
        "ExpectColumnValuesToBeInSet",
        "Every link is an accepted row of the period (no link without a staged row)",
        column="accepted_row",
        value_set=[True],
    )
    b.add(
        "ExpectColumnValuesToBeBetween",
        "Every accepted row belongs to exactly one person (person rule 3)",
        column="links",
        min_value=1,
        max_value=1,
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "match_rule names how the row found its person",
        column="match_rule",
        value_set=list(MATCH_RULES),
    )
    b.rows_where(
        "A person is named by its smallest kpj, and two different valid NIKs are never one "
        "person (person rule 1)",
        """
        SELECT row_id FROM {batch}
        WHERE links > 0 AND (person_id IS NULL OR person_id IN (
            SELECT person_id FROM {batch} WHERE links > 0 GROUP BY person_id
            HAVING person_id <> min(kpj)
                OR min(nik) FILTER (WHERE nik_valid) <> max(nik) FILTER (WHERE nik_valid)))
        """,
    )
    b.rows_where(
        "Rows with the same valid NIK are one person (person rule 1)",
        """
        SELECT row_id FROM {batch}
        WHERE nik_valid AND nik IN (
            SELECT nik FROM {batch} WHERE nik_valid GROUP BY nik
            HAVING min(person_id) <> max(person_id))
        """,
    )
    return Suite(
        name="person_link_rules",
        severity=ERROR,
        asset=("core", "person_link"),
        periode=periode,
        target=f"""
            WITH staged AS (
                SELECT kpj, file || ':' || line AS row_id, nik, nik_valid
                FROM staging.enrollment WHERE periode = '{periode}'
            ),
            link AS (
                SELECT kpj, count(*) AS links, min(person_id) AS person_id,
                       min(match_rule) AS match_rule, min(rowid) AS link_row
                FROM core.person_link WHERE periode = '{periode}' GROUP BY kpj
            )
            SELECT coalesce(s.row_id, 'core.person_link#' || l.link_row) AS row_id,
                   s.kpj IS NOT NULL AS accepted_row, coalesce(l.links, 0) AS links,
                   l.match_rule, coalesce(s.kpj, l.kpj) AS kpj, l.person_id, s.nik, s.nik_valid
            FROM staged s FULL OUTER JOIN link l ON l.kpj = s.kpj
        """,
        expectations=b.expectations,
        materialize=True,
    )


# -------------------------------------------------------------------------------- marts

#: The grain of each mart (besides periode) and the size of its complete grid.
MART_KEYS: dict[str, tuple[str, ...]] = {
    "mart.coverage_province": (),
    "mart.coverage_region": ("kode_wilayah",),
    "mart.coverage_sector": ("kbli",),
    "mart.coverage_region_sector": ("kode_wilayah", "kbli"),
    "mart.coverage_status": ("kode_wilayah", "status_pekerjaan"),
}


def grid_size(table: str) -> int:
    sizes = {
        "kode_wilayah": len(bps_regions()),
        "kbli": len(kbli_sections()),
        "status_pekerjaan": 2,
    }
    n = 1
    for key in MART_KEYS[table]:
        n *= sizes[key]
    return n


def mart_suite_name(table: str, severity: str) -> str:
    return f"{table.split('.')[1]}_{'rules' if severity == ERROR else 'warnings'}"


def mart_row_id(table: str, alias: str = "") -> str:
    return " || '/' || ".join(f"{alias}{c}" for c in ("periode", *MART_KEYS[table]))


def mart_target(table: str, periode: str) -> str:
    """The period's rows of a mart, with what its rules compare them to: the period's
    Sakernas year; for the province, the sums of every other mart; for the regions, the
    coverage of the previous period in the mart."""
    columns = ["pekerja", "peserta_aktif", "cakupan_persen", "belum_terlindungi"]
    columns += ["cakupan_di_atas_100", "tahun_pekerja", *MART_KEYS[table]]
    if table == "mart.coverage_status":
        columns.append("iuran_minimum_bulanan_rp")
    if table == "mart.coverage_province":
        columns.append("peserta_pmi")
    extra = [f"{_labour_year_sql(periode)} AS tahun_periode"]
    previous = ""
    if table == "mart.coverage_province":
        extra += [
            f"(SELECT sum({c}) FROM {other} WHERE periode = '{periode}') AS {c}_{other[14:]}"
            for other in MART_KEYS
            if other != table
            for c in ("pekerja", "peserta_aktif")
        ]
    if table == "mart.coverage_region":
        extra += ["p.cakupan_persen AS cakupan_sebelumnya", "p.periode AS periode_sebelumnya"]
        previous = f"""
            LEFT JOIN mart.coverage_region p ON p.kode_wilayah = m.kode_wilayah
             AND p.periode = (SELECT max(periode) FROM mart.coverage_region
                              WHERE periode < '{periode}')"""
    select = ", ".join([f"{mart_row_id(table, 'm.')} AS row_id"] + [f"m.{c}" for c in columns])
    return f"""
        SELECT {select}, {", ".join(extra)}
        FROM {table} m{previous}
        WHERE m.periode = '{periode}'
    """


def mart_rules(table: str, periode: str, bpu_minimum_rp: int) -> Suite:
    """One mart, one period: grain, grid, formulas; the province also equals its parts."""
    b = _Builder(ERROR)
    size = grid_size(table)
    b.add(
        "ExpectTableRowCountToEqual",
        f"The landed period is in the mart with its complete grid: {size} row(s)",
        value=size,
    )
    # The marts are small: rules are single SQL queries (a native GX column expectation
    # costs ~3 queries), which keeps the five marts' checks to a fraction of a second.
    keys = MART_KEYS[table]
    if keys:
        b.rows_where(
            f"One row per grain key (periode, {', '.join(keys)})",
            "SELECT row_id FROM {batch} GROUP BY row_id HAVING count(*) > 1",
        )
        grid = {
            "kode_wilayah": bps_regions(),
            "kbli": kbli_sections(),
            "status_pekerjaan": list(STATUS_PEKERJAAN),
        }
        b.rows_where(
            "Every grid cell is of the reference: "
            + ", ".join(f"{k} in {sql_list(grid[k])}" for k in keys),
            "SELECT row_id FROM {batch} WHERE "
            + " OR ".join(f"{k} IS NULL OR {k} NOT IN {sql_list(grid[k])}" for k in keys),
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
    if table == "mart.coverage_status":
        b.rows_where(
            f"iuran_minimum_bulanan_rp = belum_terlindungi x Rp{bpu_minimum_rp:,} (BPU minimum)",
            f"SELECT row_id FROM {{batch}} WHERE iuran_minimum_bulanan_rp IS DISTINCT FROM "
            f"belum_terlindungi * {int(bpu_minimum_rp)}",
        )
    if table == "mart.coverage_province":
        b.rows_where(
            "peserta_pmi ≥ 0: PMI-only persons are counted apart",
            "SELECT row_id FROM {batch} WHERE peserta_pmi IS NULL OR peserta_pmi < 0",
        )
        parts = " UNION ALL ".join(
            f"SELECT row_id || ' vs {other}' AS row_id FROM {{batch}} "
            f"WHERE pekerja IS DISTINCT FROM pekerja_{other[14:]} "
            f"OR peserta_aktif IS DISTINCT FROM peserta_aktif_{other[14:]}"
            for other in MART_KEYS
            if other != table
        )
        b.rows_where(
            "Province = sum of regions = sum of sectors = sum of region x sector cells "
            "= sum of status cells (pekerja and peserta_aktif)",
            parts,
        )
    return Suite(
        name=mart_suite_name(table, ERROR),
        severity=ERROR,
        asset=tuple(table.split(".")),
        periode=periode,
        target=mart_target(table, periode),
        expectations=b.expectations,
    )


def mart_warnings(table: str, periode: str) -> Suite:
    b = _Builder(WARN)
    b.rows_where(
        "Coverage of a cell is at most 100 % (above: more active participants than "
        "counted workers; published as is and flagged)",
        "SELECT row_id || ' (' || round(cakupan_persen, 1) || ' %)' AS row_id "
        "FROM {batch} WHERE cakupan_persen > 100",
    )
    if table == "mart.coverage_region":
        b.rows_where(
            f"A regency's coverage moves at most {MAX_MOVE_POINTS:g} points since the "
            "previous period in the marts",
            f"""
            SELECT row_id || ': ' || printf('%+.1f', cakupan_persen - cakupan_sebelumnya)
                   || ' points since ' || periode_sebelumnya AS row_id
            FROM {{batch}}
            WHERE abs(cakupan_persen - cakupan_sebelumnya) > {MAX_MOVE_POINTS}
            """,
        )
    return Suite(
        name=mart_suite_name(table, WARN),
        severity=WARN,
        asset=tuple(table.split(".")),
        periode=periode,
        target=mart_target(table, periode),
        expectations=b.expectations,
    )


# ---------------------------------------------------------------------------- published


def published_rules(periode: str) -> Suite:
    """The candidate of the published file: marts only, nothing personal, the period in."""
    b = _Builder(ERROR)
    personal = sorted(wh.personal_column_names())
    b.add(
        "ExpectColumnValuesToNotBeInSet",
        "No column that can hold personal data (name, NIK, address, birth date, kpj, and "
        "every column declared personal in pipelines/warehouse.py)",
        column="column_name",
        value_set=personal,
    )
    b.add(
        "ExpectColumnValuesToBeInSet",
        "Only the published tables (the marts and mart.published_periods)",
        column="table_name",
        value_set=[t.name for t in wh.PUBLISHED_TABLES],
    )
    declared = [f"{t.name}.{c.name}" for t in wh.PUBLISHED_TABLES for c in t.columns]
    b.rows_where(
        "Every column is declared (non-personal) for its table in pipelines/warehouse.py",
        f"SELECT row_id FROM {{batch}} WHERE row_id NOT IN {sql_list(declared)}",
    )
    missing = " UNION ALL ".join(
        f"SELECT '{t}/{periode}' AS row_id "
        f"WHERE (SELECT count(*) FROM {t} WHERE periode = '{periode}') <> {grid_size(t)}"
        for t in MART_KEYS
    )
    b.rows_where(
        f"The period {periode} is published in every mart with its complete grid, and listed "
        "in mart.published_periods",
        f"""
        {missing}
        UNION ALL SELECT 'mart.published_periods/{periode}' AS row_id
        WHERE NOT EXISTS (SELECT 1 FROM mart.published_periods WHERE periode = '{periode}')
        /* reads the mart tables, not {{batch}} */
        """,
    )
    return Suite(
        name="published_rules",
        severity=ERROR,
        asset=("published", "candidate"),
        periode=periode,
        target="""
            SELECT schema_name || '.' || table_name || '.' || column_name AS row_id,
                   schema_name || '.' || table_name AS table_name,
                   lower(column_name) AS column_name
            FROM duckdb_columns() WHERE database_name = current_database()
        """,
        expectations=b.expectations,
        database=CANDIDATE,
    )


# ---------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class SuiteSpec:
    """A suite as an asset check: what Dagster shows before anything is validated."""

    name: str
    severity: str
    asset: tuple[str, ...]
    description: str
    build: Callable[[str, int], Suite]  # (periode, BPU minimum contribution Rp) -> Suite
    database: str = INTERNAL


def _mart_specs(table: str) -> list[SuiteSpec]:
    asset = tuple(table.split("."))
    province = table == "mart.coverage_province"
    region = table == "mart.coverage_region"
    return [
        SuiteSpec(
            mart_suite_name(table, ERROR),
            ERROR,
            asset,
            f"{table}: one row per grain key and the complete grid for the period, "
            "pekerja ≥ 0, belum_terlindungi = max(pekerja - peserta_aktif, 0), cakupan_persen "
            "NULL exactly where pekerja is 0 or missing"
            + ("; the province equals the sum of every other mart" if province else "")
            + ". Blocks the publish.",
            lambda periode, rp: mart_rules(table, periode, rp),
        ),
        SuiteSpec(
            mart_suite_name(table, WARN),
            WARN,
            asset,
            f"{table}: cells above 100 %"
            + (
                f"; regencies whose coverage moved more than {MAX_MOVE_POINTS:g} points since "
                "the previous period"
                if region
                else ""
            )
            + ". Never blocks.",
            lambda periode, rp: mart_warnings(table, periode),
        ),
    ]


#: Every suite, in pipeline order. Each is the asset check of the same name.
SUITE_SPECS: tuple[SuiteSpec, ...] = (
    SuiteSpec(
        "staged_enrollment_rules",
        ERROR,
        ("staging", "enrollment"),
        "Staged enrollment rows of the period: types (kpj 11 digits, codes), sets, ranges "
        "(age 15-100, registration dates), required values, kpj unique in the snapshot, "
        "rows read = accepted + rejected per file. Blocks the publish.",
        lambda periode, rp: staged_enrollment_rules(periode),
    ),
    SuiteSpec(
        "staged_enrollment_warnings",
        WARN,
        ("staging", "enrollment"),
        "Rows whose valid NIK disagrees with the birth date or sex (nik_cocok = false); "
        f"landing files that rejected more than {MAX_REJECT_RATE:.0%} of their rows. "
        "Never blocks.",
        lambda periode, rp: staged_enrollment_warnings(periode),
    ),
    SuiteSpec(
        "staged_labour_rules",
        ERROR,
        ("staging", "labour"),
        "Staged Sakernas rows of the period's labour year: sets, jumlah_pekerja ≥ 0, "
        "required values, (tahun, kode_wilayah, kbli, status_pekerjaan) unique, rows read = "
        "accepted + rejected per file. Blocks the publish.",
        lambda periode, rp: staged_labour_rules(periode),
    ),
    SuiteSpec(
        "staged_labour_warnings",
        WARN,
        ("staging", "labour"),
        f"Sakernas files that rejected more than {MAX_REJECT_RATE:.0%} of their rows. "
        "Never blocks.",
        lambda periode, rp: staged_labour_warnings(periode),
    ),
    SuiteSpec(
        "person_link_rules",
        ERROR,
        ("core", "person_link"),
        "core.person_link covers every accepted row of the period exactly once; person_id is "
        "the person's smallest kpj; one valid NIK, one person, and back. Blocks the publish.",
        lambda periode, rp: person_link_rules(periode),
    ),
    *(spec for table in MART_KEYS for spec in _mart_specs(table)),
    SuiteSpec(
        "published_rules",
        ERROR,
        ("published", "candidate"),
        "The candidate of the published file: no column that can hold personal data, only "
        "the published tables and their declared columns, the period complete in every "
        "mart. Blocks the swap: the published file keeps the numbers it had.",
        lambda periode, rp: published_rules(periode),
        database=CANDIDATE,
    ),
)
