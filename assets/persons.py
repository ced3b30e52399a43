"""Persons: coverage counts people, not registrations.

Person rules of the contract, in SQL inside DuckDB:
1. rows with the same valid NIK are one person; two different valid NIKs never are;
2. a row without a valid NIK joins the person with the same birth date, the same
   regency/city and the same or nearly the same normalised name (``normalise_name``,
   ``names_nearly_same`` in assets/sql/macros.sql); otherwise it is a person of its own,
   together with the other NIK-less rows that match it;
3. every accepted row belongs to exactly one person.

Names are compared only inside blocks of (birth date, regency), so the work grows with
the rows, not with their square.
"""

import dagster as dg
import duckdb

from assets.partitions import period_partitions, run_periods, single_run_backfill
from pipelines import warehouse as wh
from pipelines.resources import Warehouse

MAX_LABEL_ROUNDS = 100


def link_registrations(conn: duckdb.DuckDBPyConnection, periode: str) -> None:
    """``registration_person``: each accepted registration of the period and its person."""
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE registration AS
        SELECT kpj, nik, nik_valid, tanggal_lahir, kode_kemendagri_kabkota AS regency,
               normalise_name(nama) AS name_key
        FROM staging.enrollment WHERE periode = ?
        """,
        [periode],
    )
    # Rule 1: a valid NIK is a person; its names in each block are what others match.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE nik_name AS
        SELECT DISTINCT tanggal_lahir, regency, name_key, nik FROM registration WHERE nik_valid
        """
    )
    # Rule 2: rows without a valid NIK, by distinct name per block.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE loose_name AS
        SELECT DISTINCT tanggal_lahir, regency, name_key FROM registration WHERE NOT nik_valid
        """
    )
    # ... join the NIK person with the same or the nearest name (ties: the smallest NIK),
    # so one NIK-less row can never bridge two different valid NIKs.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE loose_to_nik AS
        WITH candidate AS (
            SELECT l.tanggal_lahir, l.regency, l.name_key, n.nik,
                   CASE WHEN l.name_key = n.name_key THEN 0
                        ELSE damerau_levenshtein(l.name_key, n.name_key) END AS distance
            FROM loose_name l
            JOIN nik_name n ON n.tanggal_lahir = l.tanggal_lahir AND n.regency = l.regency
            WHERE names_nearly_same(l.name_key, n.name_key)
        )
        SELECT tanggal_lahir, regency, name_key, nik,
               CASE WHEN distance = 0 THEN 'name_exact' ELSE 'name_similar' END AS match_rule
        FROM candidate
        QUALIFY row_number() OVER (
            PARTITION BY tanggal_lahir, regency, name_key ORDER BY distance, nik) = 1
        """
    )
    # ... or else form persons among themselves: connected names in the block.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE loose_group AS
        SELECT *, row_number() OVER (ORDER BY tanggal_lahir, regency, name_key) AS gid
        FROM loose_name l
        WHERE NOT EXISTS (
            SELECT 1 FROM loose_to_nik m
            WHERE m.tanggal_lahir = l.tanggal_lahir AND m.regency = l.regency
              AND m.name_key = l.name_key)
        """
    )
    conn.execute("ALTER TABLE loose_group ADD COLUMN label BIGINT")
    conn.execute("UPDATE loose_group SET label = gid")
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE loose_edge AS
        WITH e AS (
            SELECT a.gid AS a, b.gid AS b
            FROM loose_group a
            JOIN loose_group b ON b.tanggal_lahir = a.tanggal_lahir AND b.regency = a.regency
                              AND a.gid < b.gid
            WHERE names_nearly_same(a.name_key, b.name_key)
        )
        SELECT a AS node, b AS neighbour FROM e UNION ALL SELECT b, a FROM e
        """
    )
    for _ in range(MAX_LABEL_ROUNDS):  # smallest label spreads through each component
        (changed,) = conn.execute(
            """
            UPDATE loose_group SET label = s.label
            FROM (SELECT e.node, min(g.label) AS label
                  FROM loose_edge e JOIN loose_group g ON g.gid = e.neighbour
                  GROUP BY e.node) s
            WHERE loose_group.gid = s.node AND s.label < loose_group.label
            """
        ).fetchone() or (0,)
        if changed == 0:
            break
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE registration_person AS
        WITH keyed AS (
            SELECT r.kpj,
                   CASE WHEN r.nik_valid THEN 'N' || r.nik
                        WHEN m.nik IS NOT NULL THEN 'N' || m.nik
                        ELSE 'G' || g.label END AS person_key,
                   CASE WHEN r.nik_valid THEN 'nik'
                        WHEN m.nik IS NOT NULL THEN m.match_rule
                        ELSE 'name_group' END AS match_rule
            FROM registration r
            LEFT JOIN loose_to_nik m ON NOT r.nik_valid AND m.tanggal_lahir = r.tanggal_lahir
                 AND m.regency = r.regency AND m.name_key = r.name_key
            LEFT JOIN loose_group g ON NOT r.nik_valid AND g.tanggal_lahir = r.tanggal_lahir
                 AND g.regency = r.regency AND g.name_key = r.name_key
        )
        SELECT kpj, min(kpj) OVER (PARTITION BY person_key) AS person_id, match_rule FROM keyed
        """
    )


def write_person_link(conn: duckdb.DuckDBPyConnection, periode: str) -> None:
    conn.execute("BEGIN TRANSACTION")
    conn.execute("DELETE FROM core.person_link WHERE periode = ?", [periode])
    conn.execute(
        "INSERT INTO core.person_link SELECT ?, kpj, person_id, match_rule "
        "FROM registration_person",
        [periode],
    )
    conn.execute("COMMIT")


def write_persons(conn: duckdb.DuckDBPyConnection, periode: str) -> None:
    """Active person rule: at least one AKTIF row other than PMI; region, sector and segment
    come from that kind of row with the latest tanggal_kepesertaan (ties: smallest kpj)."""
    conn.execute("BEGIN TRANSACTION")
    conn.execute("DELETE FROM core.person WHERE periode = ?", [periode])
    conn.execute(
        """
        INSERT INTO core.person
        WITH r AS (
            SELECT e.*, l.person_id
            FROM staging.enrollment e
            JOIN core.person_link l ON l.periode = e.periode AND l.kpj = e.kpj
            WHERE e.periode = $1
        ),
        counted AS (
            SELECT person_id, kpj, kode_bps, kbli, segmen FROM r
            WHERE status = 'AKTIF' AND segmen <> 'PMI'
            QUALIFY row_number() OVER (
                PARTITION BY person_id ORDER BY tanggal_kepesertaan DESC, kpj) = 1
        ),
        per_person AS (
            SELECT person_id, count(*) AS registrasi,
                   bool_or(status = 'AKTIF' AND segmen <> 'PMI') AS aktif,
                   bool_or(status = 'AKTIF' AND segmen = 'PMI') AS aktif_pmi
            FROM r GROUP BY person_id
        )
        SELECT $1, p.person_id, p.registrasi, p.aktif, p.aktif_pmi AND NOT p.aktif,
               c.kpj, c.kode_bps, c.kbli, c.segmen, status_pekerjaan_of(c.segmen)
        FROM per_person p LEFT JOIN counted c USING (person_id)
        """,
        [periode],
    )
    conn.execute("COMMIT")


@dg.asset(
    key=["core", "person_link"],
    deps=[["staging", "enrollment"]],
    group_name="persons",
    partitions_def=period_partitions,
    backfill_policy=single_run_backfill,
    kinds={"duckdb"},
    description=(
        "Person resolution: every accepted registration (kpj) of the period linked to exactly "
        "one person, by valid NIK, else by birth date + regency + (nearly) the same name."
    ),
    metadata={"dagster/column_schema": wh.PERSON_LINK.dagster_schema()},
    tags={"pii": ""},
)
def person_link(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    by_rule: dict[str, int] = {}
    with warehouse.connect() as conn:
        for periode in run_periods(context):
            link_registrations(conn, periode)
            write_person_link(conn, periode)
            for rule, n in conn.execute(
                "SELECT match_rule, count(*) FROM registration_person GROUP BY ALL"
            ).fetchall():
                by_rule[rule] = by_rule.get(rule, 0) + n
        registrations, persons = conn.execute(
            "SELECT count(*), count(DISTINCT (periode, person_id)) FROM core.person_link "
            "WHERE list_contains(?, periode)",
            [run_periods(context)],
        ).fetchone() or (0, 0)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(registrations),
            "persons": dg.MetadataValue.int(persons),
            "registrations_by_match_rule": dg.MetadataValue.json(by_rule),
        }
    )


@dg.asset(
    key=["core", "person"],
    deps=[["core", "person_link"]],
    group_name="persons",
    partitions_def=period_partitions,
    backfill_policy=single_run_backfill,
    kinds={"duckdb"},
    description=(
        "One row per person: active (an AKTIF registration other than PMI) or not, PMI only, "
        "and the region, sector and segment that count for coverage."
    ),
    metadata={"dagster/column_schema": wh.PERSON.dagster_schema()},
    tags={"pii": ""},
)
def persons(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    periods = run_periods(context)
    with warehouse.connect() as conn:
        for periode in periods:
            write_persons(conn, periode)
        total, active, pmi_only = conn.execute(
            "SELECT count(*), count(*) FILTER (aktif), count(*) FILTER (pmi_saja) "
            "FROM core.person WHERE list_contains(?, periode)",
            [periods],
        ).fetchone() or (0, 0, 0)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(total),
            "active_persons": dg.MetadataValue.int(active),
            "pmi_only_persons": dg.MetadataValue.int(pmi_only),
        }
    )
