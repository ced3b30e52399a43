"""Broken landing files, and error texts that never carry a value of the file.

A landing file holds personal data, and the errors of the libraries that read it quote it
(DuckDB's CSV errors print the whole row, or the rest of the file after an unclosed
quote). So a reason is built only from safe parts: our own words for the kind of error,
the data-row number, the contract's column names, counts. Readers raise ``BrokenFileError
... from None``, so that the library's text is not chained into logs or Dagster's events.
"""

from __future__ import annotations

import re

import duckdb


class BrokenFileError(Exception):
    """A landing file that cannot be read as a table; its whole snapshot stops.

    ``reason`` names what is wrong without quoting the file; ``line`` is the data row
    (1 = the first row after the header) where one is known.
    """

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason
        self.line = line


def wrong_field_count(found: int, header: int) -> str:
    """The reason for a ragged row (the contract's CSV is a table: one field per column)."""
    return f"the row has {found} field{'' if found == 1 else 's'}, the header has {header}"


def column_positions(header: list[str], required: tuple[str, ...], file: str) -> dict[str, int]:
    """Position of each required column; names match trimmed and case-insensitively."""
    names = [h.strip().lstrip("\ufeff").strip().lower() for h in header]
    if not any(names):
        raise BrokenFileError(file, "no header row")
    positions: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in required:
            if name in positions:
                raise BrokenFileError(file, f"column '{name}' appears twice in the header")
            positions[name] = i
    missing = [c for c in required if c not in positions]
    if missing:
        raise BrokenFileError(file, f"lacks required column(s): {', '.join(missing)}")
    return positions


#: DuckDB's CSV error kinds, each turned into fixed words and integers only. The kind line
#: follows the quoted row in DuckDB's text, so the last match is taken.
_CSV_LINE = re.compile(r"^(?:Invalid Input Error: )?CSV Error on Line: (\d+)\s*$", re.M)
_FIELDS = re.compile(r"^Expected Number of Columns: (\d+) Found: (\d+)$", re.M)
_CSV_KINDS = (
    (re.compile(r"^Value with unterminated quote found\.$", re.M), "a quote is not closed"),
    (re.compile(r"^Invalid unicode \(byte sequence mismatch\) detected", re.M), "not UTF-8 text"),
    (
        re.compile(r"^Maximum line size of (\d+) bytes exceeded", re.M),
        "a row is longer than {0} bytes",
    ),
    (
        re.compile(r"CSV Parser state machine reached an invalid state", re.M),
        "not a well-formed CSV file (stray quotes, or line breaks of more than one kind)",
    ),
)


def csv_error(error: duckdb.Error, file: str, header_fields: int) -> BrokenFileError:
    """DuckDB's CSV error as a BrokenFileError: the kind and the data row, no file text.

    ``header_fields`` is the number of fields of the header (DuckDB's own count may include
    columns the reader added)."""
    text = str(error)
    kind = "not readable as CSV"
    found = list(_FIELDS.finditer(text))
    if found:
        kind = wrong_field_count(int(found[-1][2]), header_fields)
    else:
        for pattern, words in _CSV_KINDS:
            matches = list(pattern.finditer(text))
            if matches:
                kind = words.format(*(int(g) for g in matches[-1].groups()))
                break
    line = _CSV_LINE.search(text)  # the first line of the text, before any file content
    if line is None:
        return BrokenFileError(file, kind)
    row = int(line[1]) - 1
    return BrokenFileError(file, f"{kind} (data row {row})", row)


#: Phrases of DuckDB's Parquet errors, as our words (the rest of its text is not shown).
_PARQUET_KINDS = (
    ("No magic bytes found", "no Parquet footer: cut short, or not Parquet"),
    ("too small to be a Parquet file", "too small to be a Parquet file"),
    ("Footer length error", "its footer is damaged"),
    ("Corrupt", "its data is damaged"),
)


def parquet_error(error: duckdb.Error, file: str) -> BrokenFileError:
    text = str(error)
    kind = next((words for phrase, words in _PARQUET_KINDS if phrase in text), type(error).__name__)
    return BrokenFileError(file, f"not a readable Parquet file ({kind})")


def is_fault(error: duckdb.Error) -> bool:
    """Errors of the machine, not of the file (memory, disk): never a broken file."""
    if isinstance(error, duckdb.OutOfMemoryException):
        return True
    text = str(error)
    return isinstance(error, duckdb.IOException) and any(
        phrase in text for phrase in ("No space left", "File too large", "Could not write")
    )
