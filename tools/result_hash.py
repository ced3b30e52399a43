"""The fingerprint of what a run produced, to show a change leaves the numbers exact.

    python -m tools.result_hash <warehouse dir>

One line per table: its rows and an order-independent hash (xor and a sum of the row hashes) of their content, for every
table of the published file (``mart.about``'s publishing time left out) and the internal
file's staged, rejected and person tables (``quality.validation_results`` and run ids left
out: they differ from run to run by design). Two runs of the same landing zone before and
after a change must print the same lines.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

#: Columns that differ between two runs of the same inputs by design.
VOLATILE = {"diterbitkan", "run_id", "loaded_at", "validated_at", "published_at", "staged_at"}
INTERNAL = ("staging", "quality.rejected_rows", "quality.file_loads", "core", "mart")


def table_hashes(path: Path, only: tuple[str, ...] | None = None) -> list[str]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY 1, 2"
        ).fetchall()
        lines = []
        for schema, name in tables:
            full = f"{schema}.{name}"
            if only is not None and not any(full == o or schema == o for o in only):
                continue
            columns = [
                c
                for (c,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                    [schema, name],
                ).fetchall()
                if c not in VOLATILE
            ]
            row = ", ".join(f'"{c}"' for c in columns)
            count, digest, check = conn.execute(
                f"SELECT count(*), coalesce(bit_xor(hash(({row}))), 0)::UBIGINT, coalesce(sum(hash(({row})) % 1000000007), 0)::UBIGINT FROM {full}"
            ).fetchone() or (0, 0, 0)
            lines.append(f"{path.name} {full}: {count} rows, {digest:x}-{check:x}")
        return lines
    finally:
        conn.close()


def main() -> int:
    warehouse = Path(sys.argv[1])
    for line in table_hashes(warehouse / "coverage.duckdb"):
        print(line)
    for line in table_hashes(warehouse / "internal.duckdb", INTERNAL):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
