"""Persons across provinces: a person with a valid NIK in several provinces is counted once.

Rule 1 holds nationally, but every province resolves its persons in its own internal file.
The placement is a shuffle of keys, in three steps, so that nothing personal leaves an
internal file:

1. each province writes the keys of its active (or PMI-only) persons with a valid NIK
   (``person_keys``): a keyed hash of the NIK (SHA-256 of the deployment's secret and the
   NIK: the secret never leaves the warehouse), and what the region rule needs: the
   ``tanggal_kepesertaan`` of the row that counts and its kpj's rank in the period's
   snapshot (`assets/staging/split.sql`), never the kpj;
2. the national step reads every province's keys and, for each hash found in several
   provinces, names the province the usual rule places the person in: an active person
   before a PMI-only one, then the latest ``tanggal_kepesertaan``, then the smallest kpj
   (its rank), then the smallest province code (``place_persons``);
3. each province counts such a person only if placed in it: elsewhere, the person is
   neither active nor PMI-only in its core.person (``apply_placement``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dagster as dg
import duckdb

from assets.core.persons import write_persons
from assets.warehouse import Warehouse

KEY_FILE = "person_key.secret"


def person_key(warehouse: Warehouse) -> str:
    """The deployment's secret for hashing NIKs, made once in its folder (readable by its
    owner only); the first writer wins when two provinces make it at once."""
    national_dir = warehouse.national_dir or Path(warehouse.warehouse_dir)
    path = national_dir / KEY_FILE
    if not path.exists():
        national_dir.mkdir(parents=True, exist_ok=True)
        draft = national_dir / f".{KEY_FILE}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # fails if another process made it first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def quoted_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_parquet(conn: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    """The rows of ``query`` as a Parquet file, replaced whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    conn.execute(f"COPY ({query}) TO {quoted_path(draft)} (FORMAT parquet)")
    os.replace(draft, path)


def write_person_keys(
    conn: duckdb.DuckDBPyConnection, warehouse: Warehouse, period: str, ranks: str | None
) -> int:
    """The period's keys of the province's NIK persons (``ranks``: its rows of the split,
    for the kpj ranks). Returns how many."""
    conn.execute("SET VARIABLE person_key = ?", [person_key(warehouse)])
    conn.execute("SET VARIABLE periode = ?", [period])
    conn.execute("CREATE OR REPLACE TEMP TABLE ranks (file VARCHAR, line BIGINT, kpj_rank BIGINT)")
    if ranks is not None and any(Path(ranks).parent.glob("*.parquet")):
        conn.execute("INSERT INTO ranks SELECT file, line, kpj_rank FROM read_parquet(?)", [ranks])
    path = warehouse.person_keys_path(period)
    write_parquet(
        conn,
        """SELECT sha256(getvariable('person_key') || p.nik) AS nik_hash, p.aktif, p.pmi_saja,
                  e.tanggal_kepesertaan AS tanggal_terpilih, r.kpj_rank
           FROM core.person p
           LEFT JOIN staging.enrollment e ON e.periode = p.periode AND e.kpj = p.kpj_terpilih
           LEFT JOIN ranks r ON r.file = e.file AND r.line = e.line
           WHERE p.periode = getvariable('periode') AND p.nik IS NOT NULL
             AND (p.aktif OR p.pmi_saja)
           ORDER BY nik_hash""",
        path,
    )
    (count,) = conn.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone() or (0,)
    return int(count)


def place_persons(warehouse: Warehouse, period: str) -> dict[str, int]:
    """For each NIK hash in the keys of several provinces, the province that counts it;
    returns how many such persons each province counts. A province without keys for the
    period (never staged it) takes no part."""
    keys = [(p, warehouse.person_keys_path(period, p)) for p in warehouse.covered_provinces]
    keys = [(p, path) for p, path in keys if path.exists()]
    target = warehouse.placement_path(period)
    with duckdb.connect(":memory:", config=warehouse.duckdb_config()) as conn:
        union = " UNION ALL ".join(
            f"SELECT '{p}' AS province, * FROM read_parquet({quoted_path(path)})"
            for p, path in keys
        ) or (
            "SELECT NULL::VARCHAR AS province, NULL::VARCHAR AS nik_hash, NULL::BOOLEAN AS aktif, "
            "NULL::DATE AS tanggal_terpilih, NULL::BIGINT AS kpj_rank WHERE false"
        )
        write_parquet(
            conn,
            f"""SELECT nik_hash, province FROM (
                    SELECT nik_hash, province, count(*) OVER (PARTITION BY nik_hash) AS provinces,
                           row_number() OVER (
                               PARTITION BY nik_hash
                               ORDER BY aktif DESC, tanggal_terpilih DESC NULLS LAST,
                                        kpj_rank NULLS LAST, province) AS choice
                    FROM ({union}))
                WHERE provinces > 1 AND choice = 1
                ORDER BY nik_hash""",
            target,
        )
        counted = conn.execute(
            f"SELECT province, count(*) FROM read_parquet({quoted_path(target)}) GROUP BY ALL"
        ).fetchall()
    return {str(p): int(n) for p, n in counted}


def placed_before_keys(warehouse: Warehouse, period: str) -> list[str]:
    """The provinces whose keys of the period were written after the placement (all that
    have keys, when there is no placement): counting now could count a person twice."""
    placement = warehouse.placement_path(period)
    made = placement.stat().st_mtime_ns if placement.exists() else -1
    keys = {p: warehouse.person_keys_path(period, p) for p in warehouse.deployment}
    return [p for p, path in keys.items() if path.exists() and path.stat().st_mtime_ns > made]


def apply_placement(
    conn: duckdb.DuckDBPyConnection, warehouse: Warehouse, period: str
) -> tuple[int, int]:
    """core.person of the period again (from its registrations), with every person the
    placement counts in another province neither active nor PMI-only here. Returns (persons
    counted here, counted elsewhere) among those with a valid NIK in several provinces."""
    (province,) = warehouse.covered_provinces
    placement = warehouse.placement_path(period)
    stale = placed_before_keys(warehouse, period)
    if stale:
        raise dg.Failure(
            description=f"the placement of persons across provinces of {period} is older than "
            f"the keys of province(s) {', '.join(stale)}: materialize national/person_placement "
            f"for {period} first (`cakupan run` runs it between the two runs of each province)",
            allow_retries=False,
        )
    write_persons(conn, period)
    conn.execute("CREATE OR REPLACE TEMP TABLE placed (nik_hash VARCHAR, province VARCHAR)")
    if placement.exists():
        conn.execute(
            "INSERT INTO placed SELECT nik_hash, province FROM read_parquet(?)", [str(placement)]
        )
    conn.execute("SET VARIABLE person_key = ?", [person_key(warehouse)])
    here, elsewhere = conn.execute(
        """SELECT count(*) FILTER (pl.province = $2), count(*) FILTER (pl.province <> $2)
           FROM core.person p JOIN placed pl ON pl.nik_hash = sha256(getvariable('person_key') || p.nik)
           WHERE p.periode = $1 AND p.nik IS NOT NULL""",
        [period, province],
    ).fetchone() or (0, 0)
    conn.execute(
        """UPDATE core.person SET aktif = false, pmi_saja = false
           WHERE periode = $1 AND nik IS NOT NULL
             AND sha256(getvariable('person_key') || nik) IN
                 (SELECT nik_hash FROM placed WHERE province <> $2)""",
        [period, province],
    )
    return int(here), int(elsewhere)
