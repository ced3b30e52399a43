"""The data contract's input columns and row rules, as SQL over cleaned values.

This is where every reject reason is defined, once, under the contract's rule name.
Staging (`assets/staging/`) applies them in DuckDB: a row that breaks any rule goes to
``quality.rejected_rows`` with every rule it broke, in the contract's order. The SQL names
the contract's macros (``contract/macros.sql``) and reference tables (``ref_*``).

A missing value breaks ``missing_required`` only: the value rules judge the values that
are there, so one empty cell is not reported three times.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract.landing import ENROLLMENT as ENROLLMENT_SOURCE
from contract.landing import LABOUR as LABOUR_SOURCE
from contract.reference import STATUS_PEKERJAAN

#: Contract order of the rule names (the ``rules`` column lists them in this order).
RULE_NAMES = (
    "missing_required",
    "bad_type",
    "unknown_code",
    "out_of_range",
    "npp_required",
    "program_incomplete",
    "duplicate_key",
)

#: A region that exists but lies in a province the deployment does not cover: the row is set
#: aside, not rejected (kept in ``quality.rejected_rows`` and counted per file like a reject,
#: but not an error and not counted by the reject-rate warnings). Not in `RULE_NAMES`, the
#: rules a row breaks; listed after them, before ``duplicate_key``.
OUTSIDE_DEPLOYMENT = "outside_deployment"


@dataclass(frozen=True)
class RowRule:
    name: str
    broken_when: str  # SQL predicate over the cleaned row; NULL counts as not broken


@dataclass(frozen=True)
class SourceRules:
    """How one input is cleaned and judged.

    ``cleaned`` is a SELECT list over the raw text columns (named as in the contract) that
    yields cleaned columns of the same names; ``typed`` adds parsed columns over those.
    ``unique_key``: the first accepted row in file-name, then line order wins; each later
    row with the same key breaks ``duplicate_key``.
    """

    source: str
    columns: tuple[str, ...]
    cleaned: str
    typed: str
    rules: tuple[RowRule, ...]
    unique_key: tuple[str, ...]


ENROLLMENT_COLUMNS = (
    "kpj",
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "alamat",
    "kode_wilayah",
    "segmen",
    "kbli",
    "program",
    "status",
    "tanggal_kepesertaan",
    "npp",
)

#: Columns without which a row cannot be counted (``missing_required``): all but the
#: optional ones (``nik`` may be missing, ``alamat`` is free text, ``npp`` has its own rule).
ENROLLMENT_OPTIONAL = ("nik", "alamat", "npp")
ENROLLMENT_REQUIRED = tuple(c for c in ENROLLMENT_COLUMNS if c not in ENROLLMENT_OPTIONAL)

SEGMEN = ("PU", "BPU", "JAKON", "PMI")
STATUS = ("AKTIF", "NONAKTIF")
JENIS_KELAMIN = ("L", "P")


def sql_set(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


#: Enrollment rules. ``getvariable('periode_end')`` is the last day of the snapshot's period.
ENROLLMENT = SourceRules(
    source=ENROLLMENT_SOURCE,
    columns=ENROLLMENT_COLUMNS,
    cleaned="""
        clean_text(kpj) AS kpj,
        clean_text(nik) AS nik,
        clean_text(nama) AS nama,
        clean_text(tanggal_lahir) AS tanggal_lahir,
        clean_code(jenis_kelamin) AS jenis_kelamin,
        clean_text(alamat) AS alamat,
        clean_code(kode_wilayah) AS kode_wilayah,
        clean_code(segmen) AS segmen,
        clean_code(kbli) AS kbli,
        program_list(program) AS program,
        clean_code(status) AS status,
        clean_text(tanggal_kepesertaan) AS tanggal_kepesertaan,
        clean_text(npp) AS npp
    """,
    typed="""
        parse_iso_date(tanggal_lahir) AS tanggal_lahir_date,
        parse_iso_date(tanggal_kepesertaan) AS tanggal_kepesertaan_date
    """,
    rules=(
        RowRule("missing_required", " OR ".join(f"{c} IS NULL" for c in ENROLLMENT_REQUIRED)),
        RowRule(
            "bad_type",
            """NOT regexp_full_match(kpj, '[0-9]{11}')
               OR (tanggal_lahir IS NOT NULL AND tanggal_lahir_date IS NULL)
               OR (tanggal_kepesertaan IS NOT NULL AND tanggal_kepesertaan_date IS NULL)""",
        ),
        RowRule(
            "unknown_code",
            f"""jenis_kelamin NOT IN {sql_set(JENIS_KELAMIN)}
               OR kode_wilayah NOT IN (SELECT kode_wilayah FROM kemendagri_to_bps)
               OR segmen NOT IN {sql_set(SEGMEN)}
               OR kbli NOT IN (SELECT kbli FROM ref_kbli)
               OR status NOT IN {sql_set(STATUS)}""",
        ),
        RowRule(
            # Registration is possible from birth on, and never after the snapshot date.
            "out_of_range",
            """tanggal_lahir_date > getvariable('periode_end')
               OR age_on(tanggal_lahir_date, getvariable('periode_end')) NOT BETWEEN 15 AND 100
               OR tanggal_kepesertaan_date > getvariable('periode_end')
               OR tanggal_kepesertaan_date < tanggal_lahir_date""",
        ),
        RowRule("npp_required", "segmen IN ('PU', 'JAKON') AND npp IS NULL"),
        RowRule(
            "program_incomplete",
            """NOT list_contains(program, 'JKK') OR NOT list_contains(program, 'JKM')
               OR len(list_filter(program, lambda p: NOT list_contains(known_programs(), p))) > 0""",
        ),
        RowRule(
            OUTSIDE_DEPLOYMENT,
            """kode_wilayah IN (SELECT kode_wilayah FROM kemendagri_to_bps
                               WHERE kode_provinsi_kemendagri NOT IN
                                   (SELECT kode_provinsi_kemendagri FROM deployment_province))""",
        ),
    ),
    unique_key=("kpj",),
)

LABOUR_COLUMNS = ("tahun", "kode_wilayah", "kbli", "status_pekerjaan", "jumlah_pekerja")

#: Labour rules. ``getvariable('folder_year')`` is the year of the file's folder.
LABOUR = SourceRules(
    source=LABOUR_SOURCE,
    columns=LABOUR_COLUMNS,
    cleaned="""
        clean_text(tahun) AS tahun,
        clean_code(kode_wilayah) AS kode_wilayah,
        clean_code(kbli) AS kbli,
        clean_code(status_pekerjaan) AS status_pekerjaan,
        clean_text(jumlah_pekerja) AS jumlah_pekerja
    """,
    typed="""
        parse_integer(tahun) AS tahun_int,
        parse_integer(jumlah_pekerja) AS jumlah_pekerja_int
    """,
    rules=(
        RowRule("missing_required", " OR ".join(f"{c} IS NULL" for c in LABOUR_COLUMNS)),
        RowRule(
            "bad_type",
            """(tahun IS NOT NULL AND tahun_int IS NULL)
               OR (jumlah_pekerja IS NOT NULL AND jumlah_pekerja_int IS NULL)""",
        ),
        RowRule(
            "unknown_code",
            f"""kode_wilayah NOT IN (SELECT kode_bps FROM bps_regency)
               OR kbli NOT IN (SELECT kbli FROM ref_kbli)
               OR status_pekerjaan NOT IN {sql_set(STATUS_PEKERJAAN)}""",
        ),
        RowRule(
            "out_of_range",
            "jumlah_pekerja_int < 0 OR tahun_int <> getvariable('folder_year')",
        ),
        RowRule(
            OUTSIDE_DEPLOYMENT,
            """kode_wilayah IN (SELECT kode_bps FROM bps_regency
                               WHERE kode_provinsi_kemendagri NOT IN
                                   (SELECT kode_provinsi_kemendagri FROM deployment_province))""",
        ),
    ),
    unique_key=("tahun_int", "kode_wilayah", "kbli", "status_pekerjaan"),
)


def broken_rules_sql(rules: SourceRules) -> str:
    """A list expression of the names of the rules (but ``duplicate_key``) the row breaks."""
    cases = ",\n".join(
        f"CASE WHEN coalesce(({rule.broken_when}), false) THEN '{rule.name}' END"
        for rule in rules.rules
    )
    return f"list_filter([{cases}], lambda r: r IS NOT NULL)"
