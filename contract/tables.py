"""The warehouse's tables, each declared once: columns, grain, file and descriptions.

One declaration feeds the DDL and the column comments in DuckDB, the column schemas shown
in the Dagster UI, the marts' SQL (their grain) and the checks (grain, grid, personal
columns), so none of them can disagree with another. Column names stay in Indonesian, as
the data contract fixes them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: The two DuckDB files of the contract.
INTERNAL = "internal"  # staged rows, persons, quality: personal data, for the pipeline only
PUBLISHED = "published"  # the marts, nothing personal, for dashboards


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    personal: bool = False  # personal data: never leaves the internal file


@dataclass(frozen=True)
class Table:
    name: str  # schema.table
    description: str
    columns: tuple[Column, ...]
    grain: tuple[str, ...] = ()  # the columns that identify a row (empty: none)
    #: A period's rows add up to the province. False where cells overlap (priority groups):
    #: such a table is never summed, by the checks or by a reader.
    additive: bool = True

    @property
    def schema(self) -> str:
        return self.name.split(".")[0]

    @property
    def short_name(self) -> str:
        return self.name.split(".")[1]

    @property
    def key(self) -> list[str]:
        """Asset key path of the table's asset: ``mart.coverage_region`` -> mart/coverage_region."""
        return [self.schema, self.short_name]

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The grain without ``periode``: the cells of one period."""
        return tuple(c for c in self.grain if c != "periode")

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> str:
        cols = ",\n  ".join(f"{c.name} {c.type}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"

    @property
    def order(self) -> str:
        """ORDER BY of the table's rows: its grain, or every column for a table without one."""
        return ", ".join(self.grain) or "ALL"

    def comments(self) -> list[str]:
        def q(text: str) -> str:
            return "'" + text.replace("'", "''") + "'"

        return [f"COMMENT ON TABLE {self.name} IS {q(self.description)}"] + [
            f"COMMENT ON COLUMN {self.name}.{c.name} IS {q(c.description)}" for c in self.columns
        ]


C = Column
PERIODE = C("periode", "VARCHAR", "Snapshot period YYYY-MM (the enrollment is as of its last day).")
SOURCE_FILE = C("file", "VARCHAR", "Landing file, relative to the landing directory.")
SOURCE_LINE = C(
    "line", "BIGINT", "Data row in the file: 1 = first row after the CSV header, or first row."
)
PEKERJA = C(
    "pekerja", "BIGINT", "Employed persons (Sakernas) in the cell; NULL where no statistics exist."
)
PESERTA_AKTIF = C(
    "peserta_aktif", "BIGINT", "Active participants, counted as persons (not registrations)."
)
CAKUPAN = C(
    "cakupan_persen",
    "DOUBLE",
    "100 x peserta_aktif / pekerja; not capped (may exceed 100); NULL where pekerja is 0 or NULL.",
)
BELUM = C(
    "belum_terlindungi", "BIGINT", "Workers not yet protected: max(pekerja - peserta_aktif, 0)."
)
DI_ATAS_100 = C(
    "cakupan_di_atas_100",
    "BOOLEAN",
    "Flag: cakupan_persen above 100 (more active participants than counted workers).",
)
TAHUN_PEKERJA = C(
    "tahun_pekerja",
    "INTEGER",
    "Sakernas year used as denominator: the latest year <= the period's.",
)
# Persons across periods (contract additions of 2026-11-28): the flow and trend columns of
# `FLOW_MARTS`, compared with the previous published period.
PERIODE_SEBELUMNYA = C(
    "periode_sebelumnya",
    "VARCHAR",
    "The period compared with: the latest period before this one that was published "
    "(whatever the gap); NULL where there is none.",
)
PESERTA_AKTIF_SEBELUMNYA = C(
    "peserta_aktif_sebelumnya",
    "BIGINT",
    "Active persons of the cell in the previous period; NULL where there is no previous period.",
)
PESERTA_BARU = C(
    "peserta_baru",
    "BIGINT",
    "Active in this cell now, not in it in the previous period (joined, came back, or moved "
    "in from another cell); NULL where there is no previous period.",
)
PESERTA_BERHENTI = C(
    "peserta_berhenti",
    "BIGINT",
    "Active in this cell in the previous period, not in it now (gone NONAKTIF, absent from "
    "the snapshot, or moved to another cell); NULL where there is no previous period.",
)
CAKUPAN_SEBELUMNYA = C(
    "cakupan_persen_sebelumnya",
    "DOUBLE",
    "cakupan_persen of the cell in the previous period; NULL where there is none.",
)
PERUBAHAN_POIN = C(
    "perubahan_poin",
    "DOUBLE",
    "cakupan_persen - cakupan_persen_sebelumnya, in percentage points; NULL where either is NULL.",
)
FLOW_COLUMNS = (PESERTA_AKTIF_SEBELUMNYA, PESERTA_BARU, PESERTA_BERHENTI)
TREND_COLUMNS = (CAKUPAN_SEBELUMNYA, PERUBAHAN_POIN)
#: Columns a mart with flows adds, after its own.
PERIOD_COMPARISON_COLUMNS = (PERIODE_SEBELUMNYA, *FLOW_COLUMNS, *TREND_COLUMNS)

KODE_WILAYAH_BPS = C("kode_wilayah", "VARCHAR", "Regency/city, BPS code (as in Sakernas).")
NAMA_WILAYAH = C("nama_wilayah", "VARCHAR", "Regency/city name.")
KBLI = C("kbli", "VARCHAR", "KBLI 2020 section A-U.")
NAMA_SEKTOR = C("nama_sektor", "VARCHAR", "KBLI 2020 section name (Indonesian).")
STATUS_PEKERJAAN = C(
    "status_pekerjaan", "VARCHAR", "FORMAL (PU, JAKON participants) or INFORMAL (BPU)."
)

STAGED_ENROLLMENT = Table(
    "staging.enrollment",
    "Accepted enrollment rows (one per registration), cleaned and typed.",
    (
        PERIODE,
        SOURCE_FILE,
        SOURCE_LINE,
        C("kpj", "VARCHAR", "Participant card number (11 digits), unique per period.", True),
        C("nik", "VARCHAR", "National ID as delivered (may be missing or wrong).", True),
        C("nik_valid", "BOOLEAN", "NIK passes the contract's valid-NIK rule."),
        C(
            "nik_cocok",
            "BOOLEAN",
            "For a valid NIK: its birth date and sex agree with tanggal_lahir/jenis_kelamin.",
        ),
        C("nama", "VARCHAR", "Full name as registered.", True),
        C("tanggal_lahir", "DATE", "Birth date.", True),
        C("jenis_kelamin", "VARCHAR", "L or P."),
        C("alamat", "VARCHAR", "Street address, free text.", True),
        C("kode_wilayah", "VARCHAR", "Domicile as delivered: Kemendagri regency or district code."),
        C("kode_kemendagri_kabkota", "VARCHAR", "Regency/city of the domicile, Kemendagri code."),
        C("kode_bps", "VARCHAR", "Regency/city of the domicile, BPS code (via the crosswalk)."),
        C("segmen", "VARCHAR", "PU, BPU, JAKON or PMI."),
        KBLI,
        C("program", "VARCHAR", "Programs, ';'-separated, upper-case, in contract order."),
        C("status", "VARCHAR", "AKTIF or NONAKTIF."),
        C("tanggal_kepesertaan", "DATE", "Registration date."),
        C("npp", "VARCHAR", "Employer number (PU, JAKON)."),
    ),
    grain=("periode", "kpj"),
)

STAGED_LABOUR = Table(
    "staging.labour",
    "Accepted Sakernas rows: employed persons by year, regency (BPS code), sector and status.",
    (
        C("tahun", "INTEGER", "Sakernas year."),
        KODE_WILAYAH_BPS,
        KBLI,
        STATUS_PEKERJAAN,
        C("jumlah_pekerja", "BIGINT", "Employed persons aged 15+."),
        SOURCE_FILE,
        SOURCE_LINE,
    ),
    grain=("tahun", "kode_wilayah", "kbli", "status_pekerjaan"),
)

PERIOD_LABOUR_YEAR = Table(
    "staging.period_labour_year",
    "Which Sakernas year is the denominator of each period.",
    (PERIODE, C("tahun", "INTEGER", "The latest landed Sakernas year <= the period's year.")),
    grain=("periode",),
)

REJECTED_ROWS = Table(
    "quality.rejected_rows",
    "Quarantine: every input row that broke a contract rule, with all the rules it broke.",
    (
        C("source", "VARCHAR", "enrollment or labour."),
        C("periode_or_tahun", "VARCHAR", "The snapshot: period YYYY-MM or year YYYY."),
        SOURCE_FILE,
        SOURCE_LINE,
        C("rules", "VARCHAR", "Broken rules, ';'-separated, in the contract's order."),
        C("raw", "VARCHAR", "The row's original values as JSON text.", True),
    ),
    grain=("source", "periode_or_tahun", "file", "line"),
)

FILE_LOADS = Table(
    "quality.file_loads",
    "Row conservation per landing file: rows read = rows accepted + rows rejected.",
    (
        C("source", "VARCHAR", "enrollment or labour."),
        C("periode_or_tahun", "VARCHAR", "The snapshot: period YYYY-MM or year YYYY."),
        SOURCE_FILE,
        C("rows_read", "BIGINT", "Data rows read from the file."),
        C("rows_accepted", "BIGINT", "Rows staged."),
        C("rows_rejected", "BIGINT", "Rows quarantined in quality.rejected_rows."),
        C("loaded_at", "TIMESTAMP", "When the file was loaded (UTC)."),
    ),
    grain=("source", "periode_or_tahun", "file"),
)

BROKEN_FILES = Table(
    "quality.broken_files",
    "Files that could not be read as a table; their snapshot was not staged.",
    (
        C("source", "VARCHAR", "enrollment or labour."),
        C("periode_or_tahun", "VARCHAR", "The snapshot that was stopped."),
        SOURCE_FILE,
        C("error", "VARCHAR", "What is wrong with the file."),
        C("detected_at", "TIMESTAMP", "When (UTC)."),
    ),
)

PERSON_LINK = Table(
    "core.person_link",
    "Each accepted registration (kpj) of a period belongs to exactly one person.",
    (
        PERIODE,
        C("kpj", "VARCHAR", "Registration.", True),
        C(
            "person_id",
            "VARCHAR",
            "The person: the smallest kpj among the person's registrations in the period.",
            True,
        ),
        C(
            "match_rule",
            "VARCHAR",
            "How the row found its person: nik (its valid NIK), name_exact or name_similar (joined a NIK person by name, directly or through another NIK-less row of that person), name_group (a person of NIK-less rows).",
        ),
    ),
    grain=("periode", "kpj"),
)

PERSON = Table(
    "core.person",
    "One row per person and period, with the registration that counts for coverage.",
    (
        PERIODE,
        C("person_id", "VARCHAR", "The person (see core.person_link).", True),
        C("registrasi", "INTEGER", "Accepted registrations of the person in the period."),
        C("aktif", "BOOLEAN", "Has an AKTIF registration other than PMI: counted in coverage."),
        C("pmi_saja", "BOOLEAN", "Only AKTIF registrations are PMI: counted in peserta_pmi alone."),
        C(
            "kpj_terpilih",
            "VARCHAR",
            "The AKTIF non-PMI registration with the latest tanggal_kepesertaan (ties: smallest kpj).",
            True,
        ),
        C("kode_wilayah", "VARCHAR", "Region of the chosen registration, BPS code."),
        C("kbli", "VARCHAR", "Sector of the chosen registration."),
        C("segmen", "VARCHAR", "Segment of the chosen registration."),
        C("status_pekerjaan", "VARCHAR", "FORMAL for PU/JAKON, INFORMAL for BPU, NULL otherwise."),
        C(
            "nik",
            "VARCHAR",
            "The person's valid NIK (person rule 1: at most one); NULL where none. Followed "
            "across periods by it (core.person_continuity).",
            True,
        ),
    ),
    grain=("periode", "person_id"),
)

PREVIOUS_PERIOD = Table(
    "core.previous_period",
    "Which period each period's persons are followed from: the latest period before it that "
    "was published, whatever the gap (decided when the period, or its predecessor, is run).",
    (
        PERIODE,
        C("periode_sebelumnya", "VARCHAR", "The previous published period; NULL where none."),
    ),
    grain=("periode",),
)

PERSON_CONTINUITY = Table(
    "core.person_continuity",
    "Persons across periods: each person of the period and the person of the previous "
    "period it continues (at most one, and each of those continued at most once).",
    (
        PERIODE,
        C("person_id", "VARCHAR", "The person in this period (see core.person_link).", True),
        C("periode_sebelumnya", "VARCHAR", "The previous published period; NULL where none."),
        C(
            "person_id_sebelumnya",
            "VARCHAR",
            "The person of the previous period this one continues; NULL: none (a new person).",
            True,
        ),
        C(
            "match_rule",
            "VARCHAR",
            "How the two were matched: nik (a shared valid NIK), name_exact or name_similar "
            "(birth date, sex, regency and the same or nearly the same name, as in person rule 2); "
            "NULL where the person continues nobody.",
        ),
    ),
    grain=("periode", "person_id"),
)

COVERAGE_PROVINCE = Table(
    "mart.coverage_province",
    "Coverage of Kalimantan Timur per period; PMI-only persons are counted apart (peserta_pmi).",
    (
        PERIODE,
        PEKERJA,
        PESERTA_AKTIF,
        CAKUPAN,
        BELUM,
        C("peserta_pmi", "BIGINT", "Persons whose only active registrations are PMI (abroad)."),
        DI_ATAS_100,
        TAHUN_PEKERJA,
        *PERIOD_COMPARISON_COLUMNS,
    ),
    grain=("periode",),
)

COVERAGE_REGION = Table(
    "mart.coverage_region",
    "Coverage per period and regency/city (BPS code, with its Kemendagri code).",
    (
        PERIODE,
        KODE_WILAYAH_BPS,
        C("kode_kemendagri", "VARCHAR", "The same regency/city, Kemendagri code (as in the NIK)."),
        NAMA_WILAYAH,
        PEKERJA,
        PESERTA_AKTIF,
        CAKUPAN,
        BELUM,
        DI_ATAS_100,
        TAHUN_PEKERJA,
        *PERIOD_COMPARISON_COLUMNS,
    ),
    grain=("periode", "kode_wilayah"),
)

COVERAGE_SECTOR = Table(
    "mart.coverage_sector",
    "Coverage per period and KBLI 2020 section.",
    (
        PERIODE,
        KBLI,
        NAMA_SEKTOR,
        PEKERJA,
        PESERTA_AKTIF,
        CAKUPAN,
        BELUM,
        DI_ATAS_100,
        TAHUN_PEKERJA,
        *PERIOD_COMPARISON_COLUMNS,
    ),
    grain=("periode", "kbli"),
)

COVERAGE_REGION_SECTOR = Table(
    "mart.coverage_region_sector",
    "Coverage per period, regency/city and KBLI 2020 section (every combination).",
    (
        PERIODE,
        KODE_WILAYAH_BPS,
        KBLI,
        NAMA_WILAYAH,
        NAMA_SEKTOR,
        PEKERJA,
        PESERTA_AKTIF,
        CAKUPAN,
        BELUM,
        DI_ATAS_100,
        TAHUN_PEKERJA,
    ),
    grain=("periode", "kode_wilayah", "kbli"),
)

COVERAGE_STATUS = Table(
    "mart.coverage_status",
    "Coverage per period, regency/city and formal (PU, JAKON) / informal (BPU) workers, "
    "with the monthly cost of covering the unprotected at the BPU minimum.",
    (
        PERIODE,
        KODE_WILAYAH_BPS,
        STATUS_PEKERJAAN,
        NAMA_WILAYAH,
        PEKERJA,
        PESERTA_AKTIF,
        CAKUPAN,
        BELUM,
        C(
            "iuran_minimum_bulanan_rp",
            "BIGINT",
            "Monthly cost of covering the unprotected at the BPU minimum (JKK + JKM).",
        ),
        DI_ATAS_100,
        TAHUN_PEKERJA,
        *PERIOD_COMPARISON_COLUMNS,
    ),
    grain=("periode", "kode_wilayah", "status_pekerjaan"),
)

PUBLISHED_PERIODS = Table(
    "mart.published_periods",
    "Periods in this file and when each was last published.",
    (
        PERIODE,
        TAHUN_PEKERJA,
        C("published_at", "TIMESTAMP", "When this period's numbers were published (UTC)."),
        C("run_id", "VARCHAR", "Dagster run that published them."),
    ),
    grain=("periode",),
)

VALIDATION_RESULTS = Table(
    "quality.validation_results",
    "One row per expectation evaluated by an asset check (the GX suites of checks/suites/).",
    (
        C("run_id", "VARCHAR", "Dagster run that evaluated the check."),
        C("asset", "VARCHAR", "Checked asset, e.g. staging/enrollment."),
        C("periode", "VARCHAR", "Partition the result is for: period YYYY-MM."),
        C("suite", "VARCHAR", "Expectation suite, also the asset check's name."),
        C("expectation", "VARCHAR", "GX expectation type, with its column where it has one."),
        C("rule", "VARCHAR", "The contract rule the expectation guards, in words."),
        C("severity", "VARCHAR", "ERROR (blocks the publish) or WARN (shown, never blocks)."),
        C("success", "BOOLEAN", "The expectation held."),
        C("observed", "VARCHAR", "Observed value as JSON text (a count, a share, a list)."),
        C("unexpected_count", "BIGINT", "Rows that broke the rule, where it counts rows."),
        C("validated_at", "TIMESTAMP", "When the suite was validated (UTC)."),
    ),
)

COVERAGE_PRIORITY = Table(
    "mart.coverage_priority",
    "Coverage of the groups the province names as gaps (contract/priority.py), per period and "
    "regency/city, with the cost of protecting the uncovered at the BPU minimum and the JKM "
    "death benefit their families would not receive. Groups overlap: never sum them.",
    (
        PERIODE,
        KODE_WILAYAH_BPS,
        C("kode_kemendagri", "VARCHAR", "The same regency/city, Kemendagri code (as in the NIK)."),
        NAMA_WILAYAH,
        C(
            "kelompok",
            "VARCHAR",
            "Priority group: TENAGA_PENDIDIK (KBLI P), ADMINISTRASI_PEMERINTAHAN (KBLI O), "
            "PEKERJA_RUMAH_TANGGA (KBLI T), INFORMAL (status INFORMAL, every sector).",
        ),
        C("nama_kelompok", "VARCHAR", "The group's name (Indonesian)."),
        PEKERJA,
        PESERTA_AKTIF,
        CAKUPAN,
        BELUM,
        C(
            "biaya_perlindungan_bulanan_rp",
            "BIGINT",
            "Monthly cost of protecting the uncovered: belum_terlindungi x the BPU minimum "
            "contribution (JKK + JKM).",
        ),
        C(
            "biaya_perlindungan_tahunan_rp",
            "BIGINT",
            "Yearly cost of protecting the uncovered: 12 x biaya_perlindungan_bulanan_rp.",
        ),
        C(
            "santunan_kematian_tidak_terlindungi_rp",
            "BIGINT",
            "JKM death benefit the uncovered would not receive: belum_terlindungi x the benefit.",
        ),
        DI_ATAS_100,
        TAHUN_PEKERJA,
    ),
    grain=("periode", "kode_wilayah", "kelompok"),
    additive=False,
)

# The version a file was written for (contract/version.py), one row, so that a dashboard
# can check what it reads and a run can tell an older file from a newer or a foreign one.
VERSI_KONTRAK = C(
    "versi_kontrak",
    "VARCHAR",
    "Version of the data contract the file follows (CHANGELOG.md), e.g. 1.2.0.",
)
VERSI_CAKUPAN = C("versi_cakupan", "VARCHAR", "Version of the cakupan release that wrote it.")

ABOUT = Table(
    "mart.about",
    "Which version of the data contract this file follows (one row): what its tables hold "
    "and the rules behind its numbers, as CHANGELOG.md describes each version.",
    (
        VERSI_KONTRAK,
        VERSI_CAKUPAN,
        C("diterbitkan", "TIMESTAMP", "When this file was published (UTC)."),
    ),
)

INTERNAL_ABOUT = Table(
    "meta.about",
    "Which version of the data contract the internal file follows (one row): set when the "
    "file is created or migrated to this version.",
    (
        VERSI_KONTRAK,
        VERSI_CAKUPAN,
        C("diperbarui", "TIMESTAMP", "When the file was created or migrated to it (UTC)."),
    ),
)

MARTS = (
    COVERAGE_PROVINCE,
    COVERAGE_REGION,
    COVERAGE_SECTOR,
    COVERAGE_REGION_SECTOR,
    COVERAGE_STATUS,
    COVERAGE_PRIORITY,
)
#: The marts with the flow and trend columns (`PERIOD_COMPARISON_COLUMNS`): persons who
#: joined and left each cell since the previous published period, and the coverage then.
FLOW_MARTS = (COVERAGE_PROVINCE, COVERAGE_REGION, COVERAGE_SECTOR, COVERAGE_STATUS)
INTERNAL_TABLES = (
    STAGED_ENROLLMENT,
    STAGED_LABOUR,
    PERIOD_LABOUR_YEAR,
    REJECTED_ROWS,
    FILE_LOADS,
    BROKEN_FILES,
    PERSON_LINK,
    PERSON,
    PREVIOUS_PERIOD,
    PERSON_CONTINUITY,
    *MARTS,
    VALIDATION_RESULTS,
    INTERNAL_ABOUT,
)
PUBLISHED_TABLES = (*MARTS, PUBLISHED_PERIODS, ABOUT)

#: The data contract's personal data by column name: name, NIK, address, birth date, kpj.
CONTRACT_PERSONAL_COLUMNS = ("nama", "nik", "alamat", "tanggal_lahir", "kpj")

#: Column names that can hold personal data: every column declared ``personal`` in any
#: table, plus the contract's list. None of them may appear in the published file, and
#: no value of them in a log, a message or a check's metadata.
PERSONAL_COLUMNS = frozenset(
    {c.name for t in (*INTERNAL_TABLES, *PUBLISHED_TABLES) for c in t.columns if c.personal}
    | set(CONTRACT_PERSONAL_COLUMNS)
)


# --- The national file (contract additions of 2026-12-07, "Many provinces") -----------
#: ``coverage_nasional.duckdb`` of a deployment of several provinces: the province files'
#: marts side by side (with the province), the sums over the provinces, and which
#: provinces each period waits for. Nothing personal, like every published table.

KODE_PROVINSI = C(
    "kode_provinsi",
    "VARCHAR",
    "Province, BPS code (like kode_wilayah); NULL for the Papua provinces of 2022, whose BPS "
    "codes are not confirmed.",
)
KODE_PROVINSI_KEMENDAGRI = C(
    "kode_provinsi_kemendagri", "VARCHAR", "The same province, Kemendagri code (as in the NIK)."
)
NAMA_PROVINSI = C("nama_provinsi", "VARCHAR", "Province name.")


def with_province(table: Table, description: str, *extra: Column) -> Table:
    """A province-level mart in the national file: the province after ``periode``. (Its
    regencies' BPS codes are national: the grain stays that of the mart.)"""
    first, *rest = table.columns
    return replace(table, description=description, columns=(first, KODE_PROVINSI, *extra, *rest))


NATIONAL_COVERAGE = replace(
    COVERAGE_PROVINCE,
    name="mart.coverage_national",
    description="Coverage of the covered provinces together per period: the sum of "
    "mart.coverage_province (ratios recomputed from the sums).",
)
NATIONAL_PROVINCE = with_province(
    COVERAGE_PROVINCE,
    "Coverage per period and province: each row equals the province row of the province's "
    "own file.",
    KODE_PROVINSI_KEMENDAGRI,
    NAMA_PROVINSI,
)
NATIONAL_PROVINCE = replace(NATIONAL_PROVINCE, grain=("periode", "kode_provinsi_kemendagri"))
NATIONAL_REGION = with_province(
    COVERAGE_REGION, "Coverage per period and regency/city of every covered province."
)
NATIONAL_SECTOR = replace(
    COVERAGE_SECTOR,
    description="Coverage per period and KBLI 2020 section over the covered provinces: the "
    "sum of the provinces' rows (ratios recomputed from the sums).",
)
NATIONAL_REGION_SECTOR = with_province(
    COVERAGE_REGION_SECTOR,
    "Coverage per period, regency/city and KBLI 2020 section of every covered province.",
)
NATIONAL_STATUS_MART = with_province(
    COVERAGE_STATUS,
    "Coverage per period, regency/city and formal / informal workers of every covered province.",
)
NATIONAL_PRIORITY = with_province(
    COVERAGE_PRIORITY,
    "Coverage of the priority groups per period and regency/city of every covered province. "
    "Groups overlap: never sum them.",
)
NATIONAL_STATUS = Table(
    "mart.national_status",
    "Per period and covered province: whether the province has published the period. A period "
    "is in the national tables only once every covered province has; until then the file "
    "keeps what it had and these rows name the provinces still missing.",
    (
        PERIODE,
        KODE_PROVINSI,
        KODE_PROVINSI_KEMENDAGRI,
        C(
            "status",
            "VARCHAR",
            "published: the province's file holds the period from its latest run; missing: "
            "not published yet, or its latest run failed (a broken snapshot).",
        ),
    ),
    grain=("periode", "kode_provinsi_kemendagri"),
)
#: Province-level marts whose national table is the provinces' rows side by side, and the
#: national table that sums them.
NATIONAL_STACKED = {
    COVERAGE_PROVINCE: NATIONAL_PROVINCE,
    COVERAGE_REGION: NATIONAL_REGION,
    COVERAGE_REGION_SECTOR: NATIONAL_REGION_SECTOR,
    COVERAGE_STATUS: NATIONAL_STATUS_MART,
    COVERAGE_PRIORITY: NATIONAL_PRIORITY,
}
NATIONAL_SUMMED = {COVERAGE_PROVINCE: NATIONAL_COVERAGE, COVERAGE_SECTOR: NATIONAL_SECTOR}
#: The counts a summed national row adds up over the provinces (its ratios are recomputed).
NATIONAL_SUMS = (
    "pekerja",
    "peserta_aktif",
    "belum_terlindungi",
    "peserta_pmi",
    "peserta_aktif_sebelumnya",
    "peserta_baru",
    "peserta_berhenti",
)
NATIONAL_TABLES = (
    NATIONAL_COVERAGE,
    NATIONAL_PROVINCE,
    NATIONAL_REGION,
    NATIONAL_SECTOR,
    NATIONAL_REGION_SECTOR,
    NATIONAL_STATUS_MART,
    NATIONAL_PRIORITY,
    NATIONAL_STATUS,
)
