"""Real GX on real DuckDB files: each expectation passes on good data and catches planted rows."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import great_expectations as gx
import great_expectations.execution_engine.sqlalchemy_execution_engine as gx_sqlae
import great_expectations.expectations as gxe
import pytest

from checks import gx_duckdb

pytestmark = pytest.mark.slow

NIK_REGEX = r"^64\d{14}$"
COLUMNS = ["id", "nik", "kode_kab", "periode", "periode_lapor", "upah", "tenaga_kerja", "peserta"]

# Six good rows: two periods, three regencies of Kalimantan Timur.
GOOD_ROWS = """
    (1, '6401000000000001', '6401', '2025-02', '2025-02', 3500000, 10, 8),
    (2, '6402000000000002', '6402', '2025-02', '2025-02', 4200000, 20, 20),
    (3, '6403000000000003', '6403', '2025-02', '2025-02', 0, 5, 1),
    (4, '6401000000000004', '6401', '2025-03', '2025-03', 3600000, 12, 9),
    (5, '6402000000000005', '6402', '2025-03', '2025-03', 4300000, 22, 21),
    (6, '6403000000000006', '6403', '2025-03', '2025-03', 100000000, 6, 0)
"""


def make_db(path: Path, *plant: str) -> Path:
    """A DuckDB file with `staging.enrollment` (good rows), then the `plant` SQL applied."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA staging")
    con.execute(
        """CREATE TABLE staging.enrollment (id INTEGER, nik VARCHAR, kode_kab VARCHAR,
        periode VARCHAR, periode_lapor VARCHAR, upah BIGINT, tenaga_kerja INTEGER,
        peserta INTEGER)"""
    )
    con.execute(f"INSERT INTO staging.enrollment VALUES {GOOD_ROWS}")
    for sql in plant:
        con.execute(sql)
    con.close()
    return path


T = "staging.enrollment"

# (id, expectation, SQL that plants bad rows, result key, value expected after planting)
CASES = [
    (
        "not_null",
        gxe.ExpectColumnValuesToNotBeNull(column="nik"),
        f"UPDATE {T} SET nik = NULL WHERE id IN (2, 3)",
        "unexpected_count",
        2,
    ),
    (
        "in_set",
        gxe.ExpectColumnValuesToBeInSet(column="kode_kab", value_set=["6401", "6402", "6403"]),
        f"UPDATE {T} SET kode_kab = '9999' WHERE id = 1",
        "unexpected_count",
        1,
    ),
    (
        "regex",
        gxe.ExpectColumnValuesToMatchRegex(column="nik", regex=NIK_REGEX),
        f"UPDATE {T} SET nik = 'x' || nik WHERE id IN (1, 4, 6)",
        "unexpected_count",
        3,
    ),
    (
        "not_match_regex",
        gxe.ExpectColumnValuesToNotMatchRegex(column="nik", regex=r"[^0-9]"),
        f"UPDATE {T} SET nik = '64O1000000000001' WHERE id = 1",
        "unexpected_count",
        1,
    ),
    (
        "between",
        gxe.ExpectColumnValuesToBeBetween(column="upah", min_value=0, max_value=100_000_000),
        f"UPDATE {T} SET upah = -1 WHERE id = 2; UPDATE {T} SET upah = 100000001 WHERE id = 5",
        "unexpected_count",
        2,
    ),
    (
        "unique",
        gxe.ExpectColumnValuesToBeUnique(column="id"),
        f"INSERT INTO {T} SELECT * FROM {T} WHERE id = 3",
        "unexpected_count",
        2,
    ),
    (
        "compound_unique",
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["nik", "periode"]),
        f"INSERT INTO {T} SELECT 7, nik, kode_kab, periode, periode_lapor, upah, "
        f"tenaga_kerja, peserta FROM {T} WHERE id = 4",
        "unexpected_count",
        2,
    ),
    (
        "pair_equal",
        gxe.ExpectColumnPairValuesToBeEqual(column_A="periode", column_B="periode_lapor"),
        f"UPDATE {T} SET periode_lapor = '2025-04' WHERE id = 6",
        "unexpected_count",
        1,
    ),
    (
        "pair_a_ge_b",
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="tenaga_kerja", column_B="peserta", or_equal=True
        ),
        f"UPDATE {T} SET peserta = tenaga_kerja + 1 WHERE id IN (1, 5)",
        "unexpected_count",
        2,
    ),
    (
        "unexpected_rows_sql",
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query="SELECT * FROM {batch} WHERE peserta > tenaga_kerja"
        ),
        f"UPDATE {T} SET peserta = tenaga_kerja + 1 WHERE id IN (1, 5)",
        "observed_value",
        2,
    ),
    (
        "row_count",
        gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=10),
        f"INSERT INTO {T} SELECT * FROM {T}",
        "observed_value",
        12,
    ),
    (
        "columns_match_set",
        gxe.ExpectTableColumnsToMatchSet(column_set=COLUMNS, exact_match=True),
        f"ALTER TABLE {T} ADD COLUMN extra INTEGER",
        "observed_value",
        [*COLUMNS, "extra"],
    ),
    (
        "column_exists",
        gxe.ExpectColumnToExist(column="peserta"),
        f"ALTER TABLE {T} RENAME COLUMN peserta TO jumlah_peserta",
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("expectation", "plant", "key", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_expectation_passes_on_good_data_and_catches_planted_rows(
    tmp_path, expectation, plant, key, expected
):
    good = make_db(tmp_path / "good.duckdb")
    bad = make_db(tmp_path / "bad.duckdb", *plant.split(";"))

    [ok] = gx_duckdb.summarize(gx_duckdb.validate_table(good, T, [expectation]))
    [ko] = gx_duckdb.summarize(gx_duckdb.validate_table(bad, T, [expectation]))

    assert ok["exception"] is None and ko["exception"] is None
    assert ok["success"] is True
    assert ko["success"] is False
    if key == "unexpected_count":
        assert ok["unexpected_count"] == 0
        assert ko["unexpected_count"] == expected
        assert 0 < len(ko["partial_unexpected_list"]) <= 5
    elif key == "observed_value":
        if isinstance(expected, list):
            assert sorted(ko["observed_value"]) == sorted(expected)
        else:
            assert ko["observed_value"] == expected


def test_regex_samples_are_the_bad_values(tmp_path):
    db = make_db(tmp_path / "w.duckdb", f"UPDATE {T} SET nik = 'x' || nik WHERE id = 4")
    [row] = gx_duckdb.summarize(
        gx_duckdb.validate_table(
            db, T, [gxe.ExpectColumnValuesToMatchRegex(column="nik", regex=NIK_REGEX)]
        )
    )
    assert row["partial_unexpected_list"] == ["x6401000000000004"]
    assert row["column"] == "nik" and row["kwargs"]["regex"] == NIK_REGEX


def test_full_suite_on_good_data_passes_in_one_validation(tmp_path):
    db = make_db(tmp_path / "w.duckdb")
    suite = gx.ExpectationSuite(name="enrollment", expectations=[c[1] for c in CASES])
    result = gx_duckdb.validate_table(db, T, suite)
    failed = [r for r in gx_duckdb.summarize(result) if not r["success"]]
    assert result.success, failed
    assert len(result.results) == len(CASES)


def test_query_asset_filters_rows_with_where(tmp_path):
    # The bad rows are all in 2025-02: the March query must pass, the whole table fail.
    db = make_db(tmp_path / "w.duckdb", f"UPDATE {T} SET nik = NULL WHERE id IN (1, 2)")
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="nik"),
        gxe.ExpectTableRowCountToBeBetween(min_value=3, max_value=3),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query="SELECT * FROM {batch} WHERE periode <> '2025-03'"
        ),
    ]
    with gx_duckdb.duckdb_datasource(db) as ds:
        march = gx_duckdb.validate_table(
            ds, f"SELECT * FROM {T} WHERE periode = '2025-03'", expectations
        )
        feb = gx_duckdb.validate_table(
            ds,
            f"WITH f AS (SELECT * FROM {T} WHERE periode = '2025-02') SELECT * FROM f",
            expectations,
        )
        whole = gx_duckdb.validate_table(ds, T, expectations[:1])
    assert march.success, gx_duckdb.summarize(march)
    assert [r["success"] for r in gx_duckdb.summarize(feb)] == [False, True, False]
    assert gx_duckdb.summarize(feb)[0]["unexpected_count"] == 2
    assert gx_duckdb.summarize(feb)[2]["observed_value"] == 3
    assert gx_duckdb.summarize(whole)[0]["unexpected_count"] == 2


def test_datasource_is_read_only_and_releases_the_file(tmp_path):
    db = make_db(tmp_path / "w.duckdb")
    with gx_duckdb.duckdb_datasource(db) as ds:
        gx_duckdb.validate_table(ds, T, [gxe.ExpectColumnToExist(column="id")])
        with ds.get_engine().connect() as con, pytest.raises(Exception, match="read-only"):
            con.exec_driver_sql("CREATE TABLE staging.x (i INTEGER)")
    # Closed: this process can open the file read-write again (DuckDB refuses a second
    # configuration for a file while any connection to it is open).
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE staging.x (i INTEGER)")
    con.close()


def test_patches_are_installed_once():
    gx_duckdb.install_duckdb_patches()
    gx_duckdb.install_duckdb_patches()
    assert gx_sqlae._PERSISTED_CONNECTION_DIALECTS.count("duckdb") == 1
    holders = {
        name: module.get_dialect_regex_expression
        for name, module in list(sys.modules.items())
        if name.startswith("great_expectations.")
        and hasattr(module, "get_dialect_regex_expression")
    }
    assert (
        "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex"
        in holders
    )
    assert set(holders.values()) == {gx_duckdb._regex_expression_with_duckdb}


def test_unpatched_gx_fails_on_duckdb(tmp_path, monkeypatch):
    """Documents why the patches exist: without them GX cannot validate DuckDB at all."""
    db = make_db(tmp_path / "w.duckdb")
    regex = gxe.ExpectColumnValuesToMatchRegex(column="nik", regex=NIK_REGEX)
    not_null = gxe.ExpectColumnValuesToNotBeNull(column="nik")

    # Regex mapping undone: only the regex expectation fails, with GX's own message.
    for name, module in list(sys.modules.items()):
        if name.startswith("great_expectations.") and hasattr(
            module, "get_dialect_regex_expression"
        ):
            monkeypatch.setattr(
                module, "get_dialect_regex_expression", gx_duckdb._ORIGINAL_REGEX_EXPRESSION
            )
    rows = gx_duckdb.summarize(gx_duckdb.validate_table(db, T, [regex, not_null]))
    assert [r["success"] for r in rows] == [False, True]
    assert "Regex is not supported for dialect duckdb" in rows[0]["exception"]

    # Persisted connection undone too: every expectation fails (metric queries fetch []).
    unpatched = tuple(d for d in gx_sqlae._PERSISTED_CONNECTION_DIALECTS if d != "duckdb")
    monkeypatch.setattr(gx_sqlae, "_PERSISTED_CONNECTION_DIALECTS", unpatched)
    rows = gx_duckdb.summarize(gx_duckdb.validate_table(db, T, [not_null]))
    assert rows[0]["success"] is False
    assert "list index out of range" in rows[0]["exception"]


def test_duckdb_config_reaches_duckdb(tmp_path):
    db = make_db(tmp_path / "w.duckdb")
    config = {"threads": 1, "memory_limit": "128MB"}
    with gx_duckdb.duckdb_datasource(db, duckdb_config=config) as ds:
        result = gx_duckdb.validate_table(ds, T, [gxe.ExpectColumnValuesToBeUnique(column="id")])
        with ds.get_engine().connect() as con:
            threads = con.exec_driver_sql("SELECT current_setting('threads')").scalar()
    assert result.success
    assert int(threads) == 1


def test_samples_are_fetched_only_for_failed_expectations(tmp_path):
    # Two passes on one batch: counts for every expectation, then samples (with their rows'
    # values) only for the one that failed; each value set is a subquery, not a list.
    import re

    import sqlalchemy as sa

    db = make_db(tmp_path / "w.duckdb", f"UPDATE {T} SET kode_kab = '9999' WHERE id = 2")
    sampled: list[str] = []  # the column of every query that fetches samples
    aggregates: list[str] = []

    def log(conn, cursor, statement, parameters, *args):
        limit = re.search(r"LIMIT \$(\d+)", statement)
        if limit and parameters[int(limit[1]) - 1] > 0:
            sampled.append("periode" if "periode IS NOT NULL" in statement else "kode_kab")
        if statement.startswith("SELECT sum("):
            aggregates.append(statement)

    kode_kab = gxe.ExpectColumnValuesToBeInSet(column="kode_kab", value_set=["6401", "6402"])
    periode = gxe.ExpectColumnValuesToBeInSet(column="periode", value_set=["2025-02", "2025-03"])
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", log)
    try:
        result = gx_duckdb.validate_table(db, T, [kode_kab, periode])
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", log)
    failed, passed = gx_duckdb.summarize(result)
    assert (failed["success"], failed["unexpected_count"]) == (False, 3)
    assert sorted(failed["partial_unexpected_list"]) == ["6403", "6403", "9999"]
    assert (passed["success"], passed["unexpected_count"]) == (True, 0)
    assert passed["partial_unexpected_list"] == []
    assert result.statistics["unsuccessful_expectations"] == 1
    assert set(sampled) == {"kode_kab"}
    assert aggregates and all("VALUES" in a for a in aggregates)
