"""Writing the landing zone's files the ways the sources deliver them.

Why: the pipeline must read every format the data contract allows (plain CSV, CSV with a
BOM and CRLF line ends, Parquet, CSV with reordered columns and an extra notes column;
Sakernas as CSV or as the XLSX BPS hands out) and ignore partial uploads (names starting
with "_" or "."). Writing is kept apart from drawing so each format is produced in one
place. The little randomness here (notes, where an upload was cut off, a temp file's
bytes) comes from the run's generator in a fixed order, and the XLSX document date is
fixed, so the same seed still gives the same bytes.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from contract.row_rules import LABOUR_COLUMNS
from tools.demo_data.labour import LabourRow

# Enrollment parts of one period: (file name, format). Each exercises one way the source
# systems deliver files; their file-name order is the order that decides duplicates.
ENROLLMENT_PARTS = (
    ("part-0001.csv", "csv"),
    ("part-0002.csv", "csv_bom_crlf"),
    ("part-0003.parquet", "parquet"),
    ("part-0004.csv", "csv_reordered"),
)
PART_SHARES = (0.34, 0.26, 0.24, 0.16)  # of a period's rows, per part
REORDERED_COLUMNS = (
    "npp",
    "kpj",
    "nama",
    "nik",
    "jenis_kelamin",
    "tanggal_lahir",
    "kode_wilayah",
    "alamat",
    "kbli",
    "segmen",
    "status",
    "program",
    "tanggal_kepesertaan",
    "catatan",
)
NOTES = (  # the free-text column of the reordered part
    "PINDAH DARI PART LAMA",
    "UPDATE ALAMAT",
    "cek NIK ke Disdukcapil",
    "data migrasi 2019",
    'PESERTA "BPU" MANDIRI',
    "KOREKSI NAMA, SESUAI KTP",
    "VERIFIKASI ULANG",
)


def fresh_folder(folder: Path) -> Path:
    """An empty ``folder``: what a previous run generated there is replaced."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def write_enrollment_part(
    path: Path, fmt: str, data: pl.DataFrame, rng: np.random.Generator
) -> None:
    """One enrollment part in its format (see `ENROLLMENT_PARTS`); ``data`` has the
    contract's columns in the contract's order, as text."""
    if fmt == "parquet":
        data.write_parquet(path, compression="zstd", statistics=True)
        return
    if fmt == "csv_reordered":
        note = np.where(
            rng.random(data.height) < 0.03, rng.integers(0, len(NOTES), data.height), -1
        )
        notes = pl.Series(np.array([*NOTES, ""], dtype=object)[note])
        data = data.with_columns(catatan=notes.replace("", None)).select(*REORDERED_COLUMNS)
    data.write_csv(
        path,
        include_bom=fmt == "csv_bom_crlf",
        line_terminator="\r\n" if fmt == "csv_bom_crlf" else "\n",
    )


def write_ignored_uploads(folder: Path, rng: np.random.Generator, prefix: str = "") -> list[Path]:
    """Partial uploads that must be ignored, next to a period's parts: a CSV cut off in
    mid-row (a copy of the first part's head) and a hidden temp file of binary junk.
    ``prefix`` starts the parts' names (a province's, with several in one folder)."""
    with (folder / f"{prefix}{ENROLLMENT_PARTS[0][0]}").open("rb") as f:
        head = f.read(1500 + int(rng.integers(0, 300)))
    cut = head[: max(1, len(head) - 1)]
    written = []
    for name, content in (
        (f"_{prefix}upload_in_progress.csv", cut),
        (f".{prefix}part-0005.csv", b"\x00\xff\xfe" + rng.bytes(253)),
    ):
        (folder / name).write_bytes(content)
        written.append(folder / name)
    return written


def write_sakernas(path: Path, rows: list[LabourRow]) -> None:
    """A Sakernas table: XLSX if ``path`` says so, else CSV with every value as text."""
    if path.suffix == ".xlsx":
        _write_xlsx(path, rows)
        return
    pl.DataFrame(
        [[str(v) for v in x[:5]] for x in rows],
        schema=list(LABOUR_COLUMNS),
        orient="row",
    ).write_csv(path)


def _write_xlsx(path: Path, rows: list[LabourRow]) -> None:
    """Sakernas as BPS hands it out in Excel: numbers as numbers, codes as text. The
    document date is fixed so the same seed gives the same bytes."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": datetime(2025, 1, 1), "author": "BPS (demo)"})
    sheet = workbook.add_worksheet("Sakernas")
    for c, name in enumerate(LABOUR_COLUMNS):
        sheet.write_string(0, c, name)
    for r, x in enumerate(rows, start=1):
        sheet.write_number(r, 0, int(x[0]))
        sheet.write_string(r, 1, str(x[1]))
        sheet.write_string(r, 2, str(x[2]))
        sheet.write_string(r, 3, str(x[3]))
        sheet.write_number(r, 4, int(x[4]))
    workbook.close()
