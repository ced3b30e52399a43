"""The short summary `cakupan run` prints: what was read, who was counted, the coverage."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.warehouse import Warehouse, WarehouseFault, prepare
from checks.results import PeriodSummary, validation_summary
from contract.landing import ignored_entries
from contract.row_rules import OUTSIDE_DEPLOYMENT
from pipelines.runner import PeriodOutcome

#: The column of rows of other provinces (outside_deployment): kept, but not rejects.
SET_ASIDE = "set aside"


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
            [o.period],
        ).fetchone() or (0, None, None, None)
        (set_aside,) = conn.execute(
            "SELECT count(*) FROM quality.rejected_rows WHERE source = 'enrollment' "
            "AND periode_or_tahun = ? AND contains(rules, ?)",
            [o.period, OUTSIDE_DEPLOYMENT],
        ).fetchone() or (0,)
        persons, active, pmi = conn.execute(
            "SELECT count(*), count(*) FILTER (aktif), count(*) FILTER (pmi_saja) "
            "FROM core.person WHERE periode = ?",
            [o.period],
        ).fetchone() or (None, None, None)
        coverage = None
        if published is not None:
            found = published.execute(
                "SELECT cakupan_persen FROM mart.coverage_province WHERE periode = ?", [o.period]
            ).fetchone()
            coverage = found[0] if found else None
        rows.append(
            [
                o.period,
                "published" if o.success else "FAILED",
                fmt_int(files),
                fmt_int(read),
                fmt_int(accepted),
                fmt_int(None if rejected is None else rejected - set_aside),
                fmt_int(set_aside),
                fmt_int(persons),
                fmt_int(active),
                fmt_int(pmi),
                fmt_pct(coverage) if o.success else "-",
            ]
        )
    return rows


def region_rows(published: duckdb.DuckDBPyConnection, period: str) -> list[list[str]]:
    return [
        [bps, kmd, nama, fmt_int(pekerja), fmt_int(aktif), fmt_pct(pct), fmt_int(belum)]
        for bps, kmd, nama, pekerja, aktif, pct, belum in published.execute(
            "SELECT kode_wilayah, kode_kemendagri, nama_wilayah, pekerja, peserta_aktif, "
            "cakupan_persen, belum_terlindungi FROM mart.coverage_region WHERE periode = ? "
            "ORDER BY kode_wilayah",
            [period],
        ).fetchall()
    ]


def print_validation(
    warehouse: Warehouse, conn: duckdb.DuckDBPyConnection, periods: list[str]
) -> None:
    """One line per period: the asset checks of its latest run, passed / warned / failed."""
    print_validation_lines(warehouse, validation_summary(conn, periods))


def print_validation_lines(warehouse: Warehouse, summaries: list[PeriodSummary]) -> None:
    if summaries:
        print(
            f"\nValidation (quality.validation_results; Data Docs in {warehouse.data_docs_dir}/):\n"
        )
        for summary in summaries:
            print(f"  {summary.line()}")


def internal_figures(
    warehouse: Warehouse,
    published: duckdb.DuckDBPyConnection | None,
    outcomes: list[PeriodOutcome],
) -> tuple[list[list[str]], list[PeriodSummary]]:
    """The period rows and validation lines, read from the internal file; dashes when it
    cannot be read (not built yet, or damaged: the period lines say so)."""

    def figures(conn: duckdb.DuckDBPyConnection) -> tuple[list[list[str]], list[PeriodSummary]]:
        periods = [o.period for o in outcomes]
        return period_rows(conn, published, outcomes), validation_summary(conn, periods)

    try:
        with warehouse.read_internal() as conn:
            return figures(conn)
    except (duckdb.Error, WarehouseFault):
        with duckdb.connect() as empty:
            prepare(empty)
            return figures(empty)


def print_summary(warehouse: Warehouse, outcomes: list[PeriodOutcome], elapsed: float) -> None:
    published_path = Path(warehouse.published_path)
    ok = sum(o.success for o in outcomes)
    print(
        f"\ncakupan: {ok} of {len(outcomes)} period(s) published in {elapsed:.1f} s "
        f"-> {published_path}\n"
    )
    ignored = ignored_entries(warehouse.landing)  # never silently: 2025-3/, abc/, ...
    for name, why in ignored:
        print(f"ignored: {name}: {why}")
    if ignored:
        print()
    with warehouse.read_published() as published:
        rows, validations = internal_figures(warehouse, published, outcomes)
        headers = ["periode", "status", "files", "rows read", "accepted", "rejected"]
        headers += [SET_ASIDE, "persons", "active", "PMI only", "coverage"]
        if all(r[headers.index(SET_ASIDE)] in ("0", "-") for r in rows):
            rows = [r[: headers.index(SET_ASIDE)] + r[headers.index(SET_ASIDE) + 1 :] for r in rows]
            headers.remove(SET_ASIDE)  # a deployment that gets only its own rows sees no change
        print(table(headers, rows))
        latest = max((o.period for o in outcomes if o.success), default=None)
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
        print_validation_lines(warehouse, validations)
    print()
