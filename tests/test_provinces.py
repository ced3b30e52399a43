"""Many provinces: a file per province, the national file, and a one-province deployment
unchanged (contract additions of 2026-12-07, "Many provinces")."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from helpers import Pipeline, enrollment_row, labour_row, make_nik
from test_distributed import tables

from contract.tables import ABOUT, NATIONAL_TABLES, PERSONAL_COLUMNS, PUBLISHED_TABLES
from contract.version import CONTRACT_VERSION
from pipelines.runner import run_each_period

pytestmark = pytest.mark.slow

PERIOD = "2025-03"
#: Kota Samarinda (64) and Kota Banjarmasin (63): the same code in BPS and Kemendagri.
SAMARINDA, BANJARMASIN = "6472", "6371"


def query(path: Path | str, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def person(region: str, serial: int, **overrides: Any) -> dict[str, str]:
    birth = overrides.pop("birth", date(1985, 1, 1 + serial % 28))
    nik = overrides.pop("nik", make_nik(birth, region=f"{region}01", serial=f"{serial:04d}"))
    return enrollment_row(birth=birth, nik=nik, kode_wilayah=region, **overrides)


def land_two_provinces(
    pipeline: Pipeline, in_63: int, in_64: int, name: str = "part-1.csv"
) -> list[dict[str, str]]:
    rows = [person(BANJARMASIN, i) for i in range(in_63)]
    rows += [person(SAMARINDA, 100 + i) for i in range(in_64)]
    pipeline.landing.write("enrollment", PERIOD, rows, name)
    pipeline.landing.write(
        "labour",
        "2025",
        [labour_row(kode_wilayah=SAMARINDA), labour_row(kode_wilayah=BANJARMASIN)],
        "sakernas.csv",
    )
    return rows


@pytest.fixture
def two(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path, provinces="63,64")


def test_two_provinces_publish_a_file_each_and_the_national_file(two: Pipeline) -> None:
    land_two_provinces(two, in_63=3, in_64=5)
    two.run_ok()
    root = Path(two.warehouse.warehouse_dir)
    assert not (root / "internal.duckdb").exists() and not (root / "coverage.duckdb").exists()
    aktif = {}
    for code, expected in (("63", 3), ("64", 5)):
        assert (root / code / "internal.duckdb").exists()
        published = root / code / "coverage.duckdb"
        tables = {
            f"{s}.{t}"
            for s, t in query(published, "SELECT schema_name, table_name FROM duckdb_tables()")
        }
        assert tables == {t.name for t in PUBLISHED_TABLES}  # today's tables, per province
        [(aktif[code],)] = query(published, "SELECT peserta_aktif FROM mart.coverage_province")
        assert aktif[code] == expected
    national = root / "coverage_nasional.duckdb"
    tables = {
        f"{s}.{t}"
        for s, t in query(national, "SELECT schema_name, table_name FROM duckdb_tables()")
    }
    assert tables == {t.name for t in NATIONAL_TABLES} | {ABOUT.name}
    assert query(national, "SELECT versi_kontrak FROM mart.about") == [(CONTRACT_VERSION,)]
    assert query(
        national, "SELECT periode, peserta_aktif, pekerja FROM mart.coverage_national"
    ) == [(PERIOD, 8, 200)]
    assert query(
        national,
        "SELECT kode_provinsi, kode_provinsi_kemendagri, nama_provinsi, peserta_aktif "
        "FROM mart.coverage_province ORDER BY 2",
    ) == [("63", "63", "Kalimantan Selatan", 3), ("64", "64", "Kalimantan Timur", 5)]
    assert query(national, "SELECT * FROM mart.national_status ORDER BY ALL") == [
        (PERIOD, "63", "63", "published"),
        (PERIOD, "64", "64", "published"),
    ]
    # Every regency of both provinces, with its province; the sectors summed over both.
    regions = dict(
        query(national, "SELECT kode_provinsi, count(*) FROM mart.coverage_region GROUP BY 1")
    )
    assert set(regions) == {"63", "64"} and regions["63"] > 1 and regions["64"] > 1
    assert query(national, "SELECT sum(peserta_aktif) FROM mart.coverage_sector") == [(8,)]
    # The national file is a published file: DuckDB 1.4 reads it.
    assert query(
        national,
        "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()",
    ) == [("v1.4.0+",)]


def test_nothing_personal_in_the_national_file(two: Pipeline) -> None:
    rows = land_two_provinces(two, in_63=2, in_64=2)
    two.run_ok()
    national = Path(two.warehouse.national_path)
    columns = {c for (c,) in query(national, "SELECT column_name FROM duckdb_columns()")}
    assert not columns & PERSONAL_COLUMNS
    personal = {row[c] for row in rows for c in ("kpj", "nik", "nama", "alamat")}
    with duckdb.connect(str(national), read_only=True) as conn:
        for schema, table in conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
        ).fetchall():
            for row in conn.execute(f"SELECT * FROM {schema}.{table}").fetchall():
                assert not {str(v) for v in row} & personal, (table, row)


def test_a_broken_province_keeps_its_numbers_and_the_national_file_names_it(
    two: Pipeline,
) -> None:
    land_two_provinces(two, in_63=3, in_64=5)
    two.run_ok()
    national = Path(two.warehouse.national_path)
    before = query(national, "SELECT * FROM mart.coverage_national")
    province_63 = Path(two.warehouse.for_province("63").published_path)
    published_63 = query(province_63, "SELECT * FROM mart.coverage_province")
    # New numbers land; province 63's file cannot be written (damaged): its run fails.
    land_two_provinces(two, in_63=4, in_64=7)
    Path(two.warehouse.for_province("63").internal_path).write_bytes(b"not a database" * 100)
    outcomes = {o.province: o for o in two.run()}
    assert not outcomes["63"].success and outcomes["64"].success
    assert outcomes[None].success  # the national run itself publishes what it may
    assert query(province_63, "SELECT * FROM mart.coverage_province") == published_63
    province_64 = Path(two.warehouse.for_province("64").published_path)
    assert query(province_64, "SELECT peserta_aktif FROM mart.coverage_province") == [(7,)]
    assert query(national, "SELECT * FROM mart.coverage_national") == before
    assert query(
        national, "SELECT kode_provinsi_kemendagri, status FROM mart.national_status ORDER BY 1"
    ) == [
        ("63", "missing"),
        ("64", "published"),
    ]


def test_one_province_keeps_todays_files_in_runs_of_its_province(pipeline: Pipeline) -> None:
    """The default deployment (64): today's two files, no province folder, no national
    file; its runs are runs of the province 64 (the tag the run queue limits)."""
    land_two_provinces(pipeline, in_63=1, in_64=2)
    instance = dg.DagsterInstance.ephemeral()
    outcomes = run_each_period(pipeline.warehouse, instance=instance)
    assert [(o.period, o.province, o.success) for o in outcomes] == [(PERIOD, "64", True)]
    [run] = instance.get_runs()
    assert run.tags["dagster/partition/province"] == "64"
    assert run.tags["dagster/partition/period"] == PERIOD
    root = Path(pipeline.warehouse.warehouse_dir)
    assert sorted(p.name for p in root.glob("*.duckdb")) == ["coverage.duckdb", "internal.duckdb"]
    assert not (root / "64").exists()
    assert pipeline.published("SELECT peserta_aktif FROM mart.coverage_province") == [(2,)]


def test_the_split_reads_the_national_snapshot_once_and_keeps_every_row(two: Pipeline) -> None:
    """Rows of every province in two files: each province stages its own rows; a row of an
    uncovered province, with an unknown code or without a kpj is judged once, by the first
    province (63); per original file, rows read = accepted + rejected, and the rejects name
    the original file and line."""
    land_two_provinces(two, in_63=2, in_64=3)
    two.landing.write(
        "enrollment",
        PERIOD,
        [
            person("6571", 300),  # Kota Pontianak, Kalimantan Barat: not covered
            person("9999", 301),  # no such region
            person(SAMARINDA, 302),
            person(BANJARMASIN, 303, kpj=""),
        ],
        "part-2.csv",
    )
    two.run_ok()
    loads = {}
    for code in ("63", "64"):
        internal = two.warehouse.for_province(code).internal_path
        for file, read, accepted, rejected in query(
            internal,
            "SELECT file, rows_read, rows_accepted, rows_rejected FROM quality.file_loads "
            "WHERE source = 'enrollment'",
        ):
            assert read == accepted + rejected
            loads[code, file] = read
        if code == "63":
            assert query(
                internal,
                "SELECT file, line, rules FROM quality.rejected_rows "
                "WHERE source = 'enrollment' ORDER BY line",
            ) == [
                ("enrollment/2025-03/part-2.csv", 1, "outside_deployment"),
                ("enrollment/2025-03/part-2.csv", 2, "unknown_code"),
                ("enrollment/2025-03/part-2.csv", 4, "missing_required"),
            ]
    assert loads == {
        ("63", "enrollment/2025-03/part-1.csv"): 2,
        ("63", "enrollment/2025-03/part-2.csv"): 3,
        ("64", "enrollment/2025-03/part-1.csv"): 3,
        ("64", "enrollment/2025-03/part-2.csv"): 1,
    }
    split = Path(two.warehouse.warehouse_dir) / "split" / "enrollment" / PERIOD
    assert sorted(p.name for p in split.iterdir()) == [
        "manifest.json",
        "province=63",
        "province=64",
    ]


def test_a_person_with_the_same_nik_in_two_provinces_is_counted_once_where_the_rule_says(
    two: Pipeline,
) -> None:
    """Rule 1 nationally: the latest AKTIF non-PMI registration places the person (Ani in
    64, registered there later); on the same date, the smallest kpj does (Budi in 63); and
    nothing personal crosses provinces: the keys and the placement hold NIK hashes only."""
    ani = {"birth": date(1990, 2, 3), "jenis_kelamin": "P", "nama": "ANI LESTARI"}
    ani["nik"] = make_nik(ani["birth"], "P", region="647201", serial="0042")
    budi = {"birth": date(1988, 7, 9), "nama": "BUDI HARTONO"}
    budi["nik"] = make_nik(budi["birth"], region="637101", serial="0043")
    rows = [
        person(BANJARMASIN, 1, **ani, tanggal_kepesertaan="2021-01-01"),
        person(SAMARINDA, 2, **ani, tanggal_kepesertaan="2023-06-01"),
        person(BANJARMASIN, 3, **budi, kpj="11000000001", tanggal_kepesertaan="2022-01-01"),
        person(SAMARINDA, 4, **budi, kpj="11000000002", tanggal_kepesertaan="2022-01-01"),
        person(SAMARINDA, 5),
    ]
    two.landing.write("enrollment", PERIOD, rows, "part-1.csv")
    land_labour = [labour_row(kode_wilayah=SAMARINDA), labour_row(kode_wilayah=BANJARMASIN)]
    two.landing.write("labour", "2025", land_labour, "sakernas.csv")
    two.run_ok()
    aktif = {
        code: query(
            two.warehouse.for_province(code).published_path,
            "SELECT peserta_aktif FROM mart.coverage_province",
        )
        for code in ("63", "64")
    }
    assert aktif == {"63": [(1,)], "64": [(2,)]}  # Budi in 63; Ani and the fifth in 64
    national = two.warehouse.national_path
    assert query(national, "SELECT peserta_aktif FROM mart.coverage_national") == [(3,)]
    root = Path(two.warehouse.warehouse_dir)
    crossing = [*root.glob("*/person_keys/*.parquet"), *root.glob("placement/*.parquet")]
    assert len(crossing) == 3
    personal = {r[c] for r in rows for c in ("kpj", "nik", "nama", "alamat", "tanggal_lahir")}
    personal |= {c for r in rows for c in (r["nik"][:12], r["nik"][-4:]) if len(c) > 4}
    for path in crossing:
        with duckdb.connect() as conn:
            found = conn.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
            names = [d[0] for d in conn.description or []]
        assert not set(names) & PERSONAL_COLUMNS, (path, names)
        assert not {str(v) for row in found for v in row} & personal, path
    [(placed,)] = query_parquet(root / "placement" / f"{PERIOD}.parquet")
    assert placed == 2  # Ani and Budi, the two persons of both provinces


def query_parquet(path: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect() as conn:
        return conn.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()


def test_the_national_checks_catch_a_wrong_sum_and_a_province_row_unlike_its_file(
    two: Pipeline,
) -> None:
    from assets.national.publish import build_national
    from checks import suites
    from checks.validate import validate

    land_two_provinces(two, in_63=3, in_64=5)
    two.run_ok()
    candidate = build_national(two.warehouse, PERIOD, set()).candidate
    with duckdb.connect(str(candidate)) as conn:
        conn.execute("UPDATE mart.coverage_national SET peserta_aktif = peserta_aktif + 1")
        conn.execute(
            "UPDATE mart.coverage_province SET pekerja = pekerja + 1 "
            "WHERE kode_provinsi_kemendagri = '63'"
        )
    [spec] = [s for s in suites.SUITES if s.name == "national_rules"]
    params = suites.SuiteParams(PERIOD, 16_800, provinces=("63", "64"))
    [outcome] = validate(two.warehouse, [spec.for_period(params)], suites.NATIONAL)
    failed = {e.rule: e for e in outcome.expectations if not e.success}
    assert len(failed) == 2, [e.rule for e in outcome.expectations]
    assert any("sum of the provinces" in rule for rule in failed)
    assert any("own published file" in rule for rule in failed)


def test_keys_newer_than_the_placement_stop_the_count_rather_than_count_twice(
    two: Pipeline,
) -> None:
    """A province restaged after the placement (its keys newer): no province counts its
    persons of several provinces until the placement is made again."""
    from assets.core.placement import apply_placement

    land_two_provinces(two, in_63=1, in_64=1)
    two.run_ok()
    keys = two.warehouse.person_keys_path(PERIOD, "63")
    later = two.warehouse.placement_path(PERIOD).stat().st_mtime_ns + 10**9
    os.utime(keys, ns=(later, later))
    province = two.warehouse.for_province("64")
    with (
        province.connect() as conn,
        pytest.raises(dg.Failure, match="older than the keys of province"),
    ):
        apply_placement(conn, province, PERIOD)


def test_each_province_file_equals_a_one_province_run_of_its_rows_less_those_placed_elsewhere(
    tmp_path: Path,
) -> None:
    """A deployment of several provinces publishes, for each province, what a deployment of
    that province alone publishes from its own rows, once the registrations of persons the
    rule places in another province are taken out (Ani is counted in 64, Budi in 63)."""
    ani = {"birth": date(1990, 2, 3), "jenis_kelamin": "P", "nama": "ANI LESTARI"}
    ani["nik"] = make_nik(ani["birth"], "P", region="647201", serial="0042")
    budi = {"birth": date(1988, 7, 9), "nama": "BUDI HARTONO"}
    budi["nik"] = make_nik(budi["birth"], region="637101", serial="0043")
    ani_in_63 = person(BANJARMASIN, 1, **ani, tanggal_kepesertaan="2021-01-01")
    budi_in_64 = person(SAMARINDA, 4, **budi, kpj="11000000002", tanggal_kepesertaan="2022-01-01")
    in_63 = [person(BANJARMASIN, 10 + i) for i in range(4)]
    in_63.append(
        person(BANJARMASIN, 3, **budi, kpj="11000000001", tanggal_kepesertaan="2022-01-01")
    )
    in_64 = [person(SAMARINDA, 20 + i) for i in range(5)]
    in_64.append(person(SAMARINDA, 2, **ani, tanggal_kepesertaan="2023-06-01"))
    labour = [labour_row(kode_wilayah=SAMARINDA), labour_row(kode_wilayah=BANJARMASIN)]

    together = Pipeline(tmp_path / "together", provinces="63,64")
    together.landing.write("enrollment", PERIOD, [*in_63, ani_in_63, *in_64, budi_in_64], "a.csv")
    together.landing.write("labour", "2025", labour, "sakernas.csv")
    together.run_ok()
    for code, own_rows in (("63", in_63), ("64", in_64)):
        alone = Pipeline(tmp_path / f"alone_{code}", provinces=code)
        alone.landing.write("enrollment", PERIOD, own_rows, "a.csv")
        alone.landing.write("labour", "2025", labour, "sakernas.csv")
        alone.run_ok()
        mine = tables(Path(together.warehouse.for_province(code).published_path))
        theirs = tables(Path(alone.warehouse.published_path))
        assert mine == theirs, code
