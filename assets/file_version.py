"""Which version of the data contract a DuckDB file of the warehouse was written for.

Each file records it in its about table (``mart.about`` in the published file, ``meta.about``
in the internal one). A file that records none was written before version 1.2.0, or by
another program: it is ours when it holds only tables and columns we declare, with our
types (the contract only ever adds them), and foreign otherwise. What a run does with each
kind is in `Warehouse.check_files`; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from contract.tables import Table
from contract.version import CONTRACT_VERSION, parse_version

CURRENT = "current"  # written for this version
OLDER = "older"  # by an older cakupan: migrated or rebuilt
NEWER = "newer"  # by a newer cakupan: refused, left as it is
FOREIGN = "foreign"  # not ours: never read as ours nor overwritten unseen
EMPTY = "empty"  # no table at all (a file DuckDB created a moment before its tables)
# (and ``assets.warehouse.DAMAGED``: DuckDB cannot read it, found by ``Warehouse.file_version``)


@dataclass(frozen=True)
class FileVersion:
    file: str
    kind: str
    version: str | None = None  # as the file records it; None: it records none
    reason: str = ""  # FOREIGN: which table or column is not ours; DAMAGED: what is wrong

    @property
    def written_for(self) -> str:
        if self.version is None:
            return f"a data contract before {CONTRACT_VERSION} (it records none)"
        return f"data contract {self.version}"


def read_version(
    conn: duckdb.DuckDBPyConnection, file: str, tables: tuple[Table, ...], about: Table
) -> FileVersion:
    """The version of ``conn``'s file, whose tables should be ``tables`` (``about`` among
    them). Reads the catalog and one row: cheap enough for every connection."""
    held: dict[str, dict[str, str]] = {}
    for schema, table, column, data_type in conn.execute(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database()"
    ).fetchall():
        held.setdefault(f"{schema}.{table}", {})[column] = data_type
    if not held:
        return FileVersion(file, EMPTY)
    recorded = None
    if about.name in held:
        if "versi_kontrak" not in held[about.name]:
            return FileVersion(file, FOREIGN, reason=f"its {about.name} is not ours")
        row = conn.execute(f"SELECT max(versi_kontrak) FROM {about.name}").fetchone()
        recorded = row[0] if row else None
    if recorded is not None:
        version = parse_version(recorded)
        if version is None:
            return FileVersion(file, FOREIGN, reason=f"its {about.name} records no version")
        ours = parse_version(CONTRACT_VERSION) or (0, 0, 0)
        kind = CURRENT if version == ours else NEWER if version > ours else OLDER
        return FileVersion(file, kind, recorded)
    reason = not_ours(held, tables)
    return FileVersion(file, FOREIGN, reason=reason) if reason else FileVersion(file, OLDER)


def not_ours(held: dict[str, dict[str, str]], tables: tuple[Table, ...]) -> str:
    """The first table or column of ``held`` that no version of ours wrote ('' if none)."""
    declared = {t.name: {c.name: c.type for c in t.columns} for t in tables}
    for name, columns in sorted(held.items()):
        if name not in declared:
            return f"it holds {name}, which cakupan does not declare there"
        for column, data_type in sorted(columns.items()):
            if column not in declared[name]:
                return f"{name}.{column} is not a cakupan column"
            if data_type != declared[name][column]:
                return f"{name}.{column} is {data_type}, not {declared[name][column]}"
    return ""
