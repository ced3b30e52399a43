"""Helpers of the bad-input tests: landing files written byte by byte, and personal values
planted in them that no error text may ever show."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from helpers import PERIOD, Pipeline, enrollment_row

from assets.staging.landing import BrokenFileError
from contract.row_rules import ENROLLMENT_COLUMNS

#: Planted in every personal column of the rows of these tests; never in an error text.
SECRET = "ZQXSECRET"


def secret_row(**overrides: str) -> dict[str, str]:
    """A row whose personal values carry the marker (kpj and birth date stay well-formed)."""
    row = enrollment_row(
        nama=f"{SECRET} NAMA", alamat=f"{SECRET} ALAMAT", nik=f"{SECRET}NIK", **overrides
    )
    return row


def csv_lines(
    rows: list[dict[str, str]], columns: tuple[str, ...] = ENROLLMENT_COLUMNS
) -> list[str]:
    """Header and rows as CSV records, without their line endings (a quoted value may hold a
    line break)."""

    def record(values: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(values)  # quotes values with a \n
        return out.getvalue()[:-1]

    return [record(list(columns)), *(record([r.get(c, "") for c in columns]) for r in rows)]


def land(pipeline: Pipeline, content: bytes, name: str = "part-1.csv", key: str = PERIOD) -> Path:
    """Bytes as an enrollment file of the period, exactly as given."""
    folder = pipeline.warehouse.landing / "enrollment" / key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def texts_of(error: BaseException) -> list[str]:
    """Every text an exception carries: its message, reason, and what it chains."""
    out: list[str] = []
    seen: BaseException | None = error
    while seen is not None:
        out += [str(seen), repr(seen), *map(str, getattr(seen, "args", ()))]
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return out


def assert_no_secret(error: BaseException) -> None:
    leaks = [t[max(0, t.find(SECRET) - 100) :][:300] for t in texts_of(error) if SECRET in t]
    assert not leaks, leaks
    assert error.__cause__ is None, "raise ... from None"
    assert error.__context__ is None or error.__suppress_context__, "raise ... from None"


def stage_error(pipeline: Pipeline, period: str = PERIOD) -> BrokenFileError:
    """The BrokenFileError staging the period raises (the test fails if it stages)."""
    with pytest.raises(BrokenFileError) as info:
        pipeline.stage(period)
    assert_no_secret(info.value)
    return info.value
