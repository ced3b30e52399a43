"""Property-based tests: landing files of every shape, damaged byte by byte.

Every case either stages (each file: rows read = accepted + rejected, and an undamaged file
loses no row) or stops with a ``BrokenFileError`` naming a file of the snapshot; never
another exception, and never a value of the file in the error: personal values carry the
marker ``ZQX``, which no error text may hold.

Examples are fixed (derandomized) so that CI sees the same cases every run; set
``CAKUPAN_FUZZ_EXAMPLES`` (and ``CAKUPAN_FUZZ_RANDOM=1``) for a longer hunt.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from helpers import PERIOD, Pipeline, enrollment_row, labour_row
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from landing_cases import texts_of

from assets.staging.landing import BrokenFileError
from assets.staging.stage import StagedSnapshot, stage_enrollment, stage_labour
from contract.row_rules import ENROLLMENT_COLUMNS, LABOUR_COLUMNS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fuzz")]

MARKER = "ZQX"
FUZZ = settings(
    max_examples=int(os.getenv("CAKUPAN_FUZZ_EXAMPLES", "60")),
    derandomize=os.getenv("CAKUPAN_FUZZ_RANDOM") != "1",
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Stager:
    """One warehouse and one open connection for all examples of a test (opening and
    preparing a warehouse per example would take most of the time)."""

    def __init__(self, pipeline: Pipeline, conn: duckdb.DuckDBPyConnection) -> None:
        self.pipeline = pipeline
        self.conn = conn
        self.landing = pipeline.warehouse.landing

    def folder(self, source: str, key: str) -> Path:
        shutil.rmtree(self.landing, ignore_errors=True)
        folder = self.landing / source / key
        folder.mkdir(parents=True)
        return folder

    def stage(self, source: str) -> StagedSnapshot | BrokenFileError:
        try:
            if source == "enrollment":
                return stage_enrollment(self.conn, self.landing, PERIOD)
            return stage_labour(self.conn, self.landing, 2025)
        except BrokenFileError as error:
            return error

    def file_loads(self, source: str) -> list[tuple[str, int, int, int]]:
        return self.conn.execute(
            "SELECT file, rows_read, rows_accepted, rows_rejected FROM quality.file_loads "
            "WHERE source = ? ORDER BY file",
            [source],
        ).fetchall()


@pytest.fixture(scope="module")
def stager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stager]:
    pipeline = Pipeline(tmp_path_factory.mktemp("fuzz"))
    with pipeline.warehouse.connect() as conn:
        yield Stager(pipeline, conn)


def check(stager: Stager, source: str, files: dict[str, int | None]) -> None:
    """The invariants. ``files``: name -> rows written (None: damaged, count unknown)."""
    outcome = stager.stage(source)
    key = PERIOD if source == "enrollment" else "2025"
    if isinstance(outcome, BrokenFileError):
        event(f"stopped: {outcome.reason.split(' (')[0][:60]}")
        names = {f"{source}/{key}/{name}" for name in files} | {f"{source}/{key}"}
        assert outcome.file in names
        leaks = [t for t in texts_of(outcome) if MARKER in t]
        assert not leaks, leaks[0][:300]
        assert outcome.__cause__ is None
        assert outcome.__context__ is None or outcome.__suppress_context__
        assert not any(
            MARKER in r[0]
            for r in stager.conn.execute("SELECT error FROM quality.broken_files").fetchall()
        )
        return
    event("staged")
    loads = stager.file_loads(source)
    assert {f for f, *_ in loads} == {f"{source}/{key}/{name}" for name in files}
    for file, read, accepted, rejected in loads:
        assert read == accepted + rejected, file
        written = files[file.rsplit("/", 1)[1]]
        if written is not None:
            assert read == written, file
    assert outcome.read == sum(r[1] for r in loads) == outcome.accepted + outcome.rejected


# CSV ------------------------------------------------------------------------------------

CELL = st.text(alphabet=st.sampled_from([*'ab Z09-.;,"\n\r\té\u00a0\ufeff', "\x00"]), max_size=8)
PERSONAL = ("kpj", "nik", "nama", "tanggal_lahir", "alamat")


@st.composite
def enrollment_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = enrollment_row()
        for column in ENROLLMENT_COLUMNS:
            choice = draw(st.integers(0, 3))
            if choice == 1:
                row[column] = draw(CELL)
            elif choice == 2 and column in PERSONAL:
                row[column] = MARKER + draw(CELL)
        if draw(st.booleans()):  # most personal values carry the marker
            row.update(nama=f"{MARKER} NAMA", alamat=f"{MARKER}\nALAMAT")
        rows.append(row)
    return rows


def csv_bytes(header: list[str], rows: list[list[str]], endings: list[str]) -> bytes:
    out = io.StringIO()
    records = [header, *rows]
    for i, record in enumerate(records):
        csv.writer(out, lineterminator=endings[i % len(endings)]).writerow(record)
    return out.getvalue().encode()


MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "insert", "cut", "duplicate-line"]),
        st.floats(0, 1),
        st.sampled_from([b'"', b",", b"\n", b"\r", b"\xff", b"\x00", b"a", b";", b"\r\n"]),
    ),
    max_size=2,
)


def mutate(content: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    """Damage the bytes after the header (a damaged header is a case of its own)."""
    start = content.find(b"\n") + 1 or len(content)
    for kind, where, piece in mutations:
        at = start + int(where * max(len(content) - start - 1, 0))
        if kind == "delete":
            content = content[:at] + content[at + 1 :]
        elif kind == "insert":
            content = content[:at] + piece + content[at:]
        elif kind == "cut":
            content = content[:at]
        else:
            line_end = content.find(b"\n", at) + 1 or len(content)
            line_start = content.rfind(b"\n", 0, at) + 1
            content = content[:line_end] + content[line_start:line_end] + content[line_end:]
    return content


@FUZZ
@given(
    rows=enrollment_rows(),
    extra=st.lists(
        st.sampled_from(["catatan", "", MARKER, "catatan", "KPJ", " nama "]), max_size=2
    ),
    drop=st.sampled_from([None] * 8 + ["kpj", "npp"]),
    shuffle=st.randoms(use_true_random=False),
    upper=st.booleans(),
    endings=st.sampled_from([["\n"], ["\r\n"], ["\r\n", "\n"], ["\n", "\n", "\r\n"]]),
    bom=st.booleans(),
    mutations=MUTATIONS,
    parts=st.integers(1, 2),
)
def test_fuzz_csv(
    stager: Stager,
    rows: list[dict[str, str]],
    extra: list[str],
    drop: str | None,
    shuffle: Any,
    upper: bool,
    endings: list[str],
    bom: bool,
    mutations: list[tuple[str, float, bytes]],
    parts: int,
) -> None:
    header = [c for c in ENROLLMENT_COLUMNS if c != drop] + extra
    shuffle.shuffle(header)
    folder = stager.folder("enrollment", PERIOD)
    files: dict[str, int | None] = {}
    for part in range(parts):
        values = [[r.get(c.strip().lower(), MARKER) for c in header] for r in rows]
        content = csv_bytes([c.upper() if upper else c for c in header], values, endings)
        content = (b"\xef\xbb\xbf" if bom else b"") + content
        damaged = mutate(content, mutations if part == parts - 1 else [])
        (folder / f"part-{part}.csv").write_bytes(damaged)
        files[f"part-{part}.csv"] = len(rows) if damaged == content else None
    check(stager, "enrollment", files)


# Parquet --------------------------------------------------------------------------------


TEXT_LIKE = ["string", "dictionary", "int64", "date", "timestamp", "timestamptz", "double", "null"]
NOT_TEXT = ["list", "struct", "binary", "time"]


def typed_array(kind: str, draw: st.DrawFn, column: str, rows: list[dict[str, str]]) -> pa.Array:
    text = [r[column] for r in rows]
    if column in PERSONAL:
        text = [MARKER + t for t in text]
    nulls = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    text_or_none = [None if n else t for t, n in zip(text, nulls, strict=True)]
    if kind == "string":
        return pa.array(text_or_none, pa.string())
    if kind == "dictionary":
        return pa.array(text_or_none, pa.string()).dictionary_encode()
    if kind == "int64":
        return pa.array([draw(st.integers(-(2**63), 2**63 - 1)) for _ in rows], pa.int64())
    if kind == "date":
        return pa.array([draw(st.dates(date(1900, 1, 1))) for _ in rows], pa.date32())
    if kind in ("timestamp", "timestamptz"):
        stamps = [draw(st.datetimes(datetime(1900, 1, 1))) for _ in rows]
        return pa.array(stamps, pa.timestamp("us", tz="UTC" if kind == "timestamptz" else None))
    if kind == "double":
        return pa.array([draw(st.floats(allow_nan=True)) for _ in rows], pa.float64())
    if kind == "null":
        return pa.nulls(len(rows))
    if kind == "list":
        return pa.array([[t] for t in text], pa.list_(pa.string()))
    if kind == "struct":
        return pa.array([{"v": t} for t in text])
    if kind == "binary":
        return pa.array([t.encode() for t in text], pa.binary())
    return pa.array([draw(st.times()) for _ in rows], pa.time64("us"))


@FUZZ
@given(
    data=st.data(),
    rows=enrollment_rows(),
    not_text=st.one_of(
        st.none(), st.tuples(st.sampled_from(ENROLLMENT_COLUMNS), st.sampled_from(NOT_TEXT))
    ),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_fuzz_parquet(
    stager: Stager,
    data: st.DataObject,
    rows: list[dict[str, str]],
    not_text: tuple[str, str] | None,
    cut: float | None,
) -> None:
    """Columns of every type that can stand for text (text most often), maybe one that
    cannot (nested, binary, time); the file maybe cut short."""
    kinds = {c: data.draw(st.sampled_from(TEXT_LIKE)) for c in ENROLLMENT_COLUMNS}
    if not_text is not None:
        kinds[not_text[0]] = not_text[1]
    columns = {c: typed_array(kinds[c], data.draw, c, rows) for c in ENROLLMENT_COLUMNS}
    folder = stager.folder("enrollment", PERIOD)
    path = folder / "part-1.parquet"
    pq.write_table(pa.table(columns), path)
    if cut is not None:
        content = path.read_bytes()
        path.write_bytes(content[: int(cut * len(content))])
    check(stager, "enrollment", {"part-1.parquet": None if cut is not None else len(rows)})


# XLSX -----------------------------------------------------------------------------------

XLSX_CELL = st.one_of(
    st.text(alphabet=st.sampled_from([*"aZ09 .-,;é"]), max_size=6),
    st.just(f"{MARKER} cell"),
    st.integers(-10, 10**16),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.datetimes(datetime(1901, 1, 1), datetime(2100, 1, 1)),
    st.just("=1/0"),
    st.just("=2+3"),
    st.none(),
)


@FUZZ
@given(
    sheets=st.lists(st.integers(-1, 3), min_size=1, max_size=3),
    rows=st.lists(st.lists(XLSX_CELL, min_size=5, max_size=7), max_size=5),
    good=st.integers(0, 3),
    damage=st.one_of(st.none(), st.floats(0, 1)),
    junk=st.one_of(st.none(), st.binary(max_size=300)),
)
def test_fuzz_xlsx(
    stager: Stager,
    sheets: list[int],
    rows: list[list[Any]],
    good: int,
    damage: float | None,
    junk: bytes | None,
) -> None:
    """Sheets with the header at row 0-3 (-1: a sheet without the table), cells of every
    kind, good labour rows; then maybe cut short, or replaced by junk bytes."""
    folder = stager.folder("labour", "2025")
    path = folder / "sakernas.xlsx"
    book = xlsxwriter.Workbook(path)
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for number, top in enumerate(sheets):
        sheet = book.add_worksheet(f"S{number}")
        if top < 0:
            sheet.write(0, 0, f"{MARKER} petunjuk")
            continue
        for j, name in enumerate([*LABOUR_COLUMNS, MARKER]):
            sheet.write_string(top, j, name)
        table = [list(labour_row(kbli="ABCD"[i]).values()) for i in range(good)] + rows
        for i, row in enumerate(table, start=top + 1):
            for j, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(i, j, value, day)
                elif isinstance(value, str) and value.startswith("="):
                    sheet.write_formula(i, j, value)
                elif value is not None:
                    sheet.write(i, j, value)
    book.close()
    if damage is not None:
        content = path.read_bytes()
        path.write_bytes(content[: int(damage * len(content))])
    if junk is not None:
        path.write_bytes(junk)
    check(stager, "labour", {"sakernas.xlsx": None})
