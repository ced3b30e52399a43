"""The short summary `cakupan run` prints: what was read, who was counted, the coverage."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.resources import Warehouse
from pipelines.runner import PeriodOutcome


def fmt_int(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def fmt_pct(p: float | None) -> str:
    return "-" if p is None else f"{p:.1f} %"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 or (not c[:1].isdigit() and c != "-") else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(out)


def period_rows(
    conn: duckdb.DuckDBPyConnection,
    published: duckdb.DuckDBPyConnection | None,
    outcomes: list[PeriodOutcome],
) -> list[list[str]]:
    rows = []
    for o in outcomes:
        files, read, accepted, rejected = conn.execute(
            "SELECT count(*), sum(rows_read), sum(rows_accepted), sum(rows_rejected) "
            "FROM quality.file_loads WHERE source = 'enrollment' AND periode_or_tahun = ?",
            [o.periode],
        ).fetchone() or (0, None, None, None)
        persons, active, pmi = conn.execute(
            "SELECT count(*), count(*) FILTER (aktif), count(*) FILTER (pmi_saja) "
            "FROM core.person WHERE periode = ?",
            [o.periode],
        ).fetchone() or (None, None, None)
        coverage = None
        if published is not None:
            found = published.execute(
                "SELECT cakupan_persen FROM mart.coverage_province WHERE periode = ?", [o.periode]
            ).fetchone()
            coverage = found[0] if found else None
        rows.append(
            [
                o.periode,
                "published" if o.success else "FAILED",
                fmt_int(files),
                fmt_int(read),
                fmt_int(accepted),
                fmt_int(rejected),
                fmt_int(persons),
                fmt_int(active),
                fmt_int(pmi),
                fmt_pct(coverage) if o.success else "-",
            ]
        )
    return rows


def region_rows(published: duckdb.DuckDBPyConnection, periode: str) -> list[list[str]]:
    return [
        [bps, kmd, nama, fmt_int(pekerja), fmt_int(aktif), fmt_pct(pct), fmt_int(belum)]
        for bps, kmd, nama, pekerja, aktif, pct, belum in published.execute(
            "SELECT kode_wilayah, kode_kemendagri, nama_wilayah, pekerja, peserta_aktif, "
            "cakupan_persen, belum_terlindungi FROM mart.coverage_region WHERE periode = ? "
            "ORDER BY kode_wilayah",
            [periode],
        ).fetchall()
    ]


def print_validation(
    warehouse: Warehouse, conn: duckdb.DuckDBPyConnection, periods: list[str]
) -> None:
    """One line per period: the asset checks of its latest run, passed / warned / failed."""
    from checks.validation import DATA_DOCS_DIR, validation_summary

    summaries = validation_summary(conn, periods)
    if summaries:
        docs = Path(warehouse.warehouse_dir) / DATA_DOCS_DIR
        print(f"\nValidation (quality.validation_results; Data Docs in {docs}/):\n")
        for summary in summaries:
            print(f"  {summary.line()}")


def print_summary(warehouse: Warehouse, outcomes: list[PeriodOutcome], elapsed: float) -> None:
    published_path = Path(warehouse.published_path)
    ok = sum(o.success for o in outcomes)
    print(
        f"\ncakupan: {ok} of {len(outcomes)} period(s) published in {elapsed:.1f} s "
        f"-> {published_path}\n"
    )
    conn = duckdb.connect(warehouse.internal_path, read_only=True)
    published = (
        duckdb.connect(str(published_path), read_only=True) if published_path.exists() else None
    )
    try:
        print(
            table(
                [
                    "periode",
                    "status",
                    "files",
                    "rows read",
                    "accepted",
                    "rejected",
                    "persons",
                    "active",
                    "PMI only",
                    "coverage",
                ],
                period_rows(conn, published, outcomes),
            )
        )
        latest = max((o.periode for o in outcomes if o.success), default=None)
        if published is not None and latest is not None:
            print(f"\nCoverage per regency/city, {latest} (kode_wilayah = BPS code):\n")
            print(
                table(
                    [
                        "BPS",
                        "Kemendagri",
                        "wilayah",
                        "pekerja",
                        "peserta aktif",
                        "cakupan",
                        "belum terlindungi",
                    ],
                    region_rows(published, latest),
                )
            )
        print_validation(warehouse, conn, [o.periode for o in outcomes])
    finally:
        conn.close()
        if published is not None:
            published.close()
    print()
