"""Sakernas tables as BPS publishes them: the calibrated grid with a few planted defects.

Why: the pipeline divides active participants by ``jumlah_pekerja``, so the labour table
must carry the full grid (every regency x KBLI section x formal/informal, BPS codes, in
BPS order) calibrated by `model.labour_grids`, plus what real tables contain: broken
cells that must be rejected (a negative count, "-" for zero, an unknown code, a
Kemendagri code where a BPS code belongs, a row of the wrong year, a duplicate) and
untidy ones that must be accepted (lower case, stray spaces). Defects sit only where
nothing is at stake (sector U, extra rows), so the coverage figures stay exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tools.demo_data.model import SECTORS, STATUS_PEKERJAAN

#: One table row: tahun, kode_wilayah, kbli, status_pekerjaan, jumlah_pekerja, and the
#: rule the row breaks (None for a row that must be accepted).
LabourRow = list[Any]


def sakernas_rows(
    year: int,
    grid: np.ndarray,
    bps: list[str],
    rng: np.random.Generator,
    *,
    xlsx: bool,
    not_bps_code: str = "6408",
) -> list[LabourRow]:
    """One year's table in file order. ``grid`` is jumlah_pekerja[region, sector, status]
    with regions in ``bps`` order; the XLSX year has no "-" cell (Excel holds numbers);
    ``not_bps_code`` is planted as a code no BPS regency has."""
    n_r, n_s = grid.shape[:2]
    rows: list[LabourRow] = []
    for r in sorted(range(n_r), key=lambda i: bps[i]):
        for s in range(n_s):
            for f in range(2):
                rows.append(
                    [year, bps[r], SECTORS[s], STATUS_PEKERJAAN[f], int(grid[r, s, f]), None]
                )
    index = {(x[1], x[2], x[3]): i for i, x in enumerate(rows)}
    pick = rng.choice(n_r, size=6, replace=n_r < 6)  # distinct unless fewer regencies
    # Broken cells only where nothing is at stake (sector U, international bodies).
    neg = index[(bps[pick[0]], "U", "INFORMAL")]
    rows[neg][4], rows[neg][5] = -int(rng.integers(5, 40)), "out_of_range"
    if not xlsx:
        bt = index[(bps[pick[1]], "U", "FORMAL")]
        rows[bt][4], rows[bt][5] = "-", "bad_type"  # BPS tables write 0 as "-"
    # Tidy-up cases that must be accepted.
    for key, col, val in (
        ((bps[pick[2]], "C", "FORMAL"), 3, "formal"),
        ((bps[pick[3]], "G", "INFORMAL"), 2, " g "),
    ):
        rows[index[key]][col] = val
    extra = [
        [year, bps[pick[4]], "Z", "FORMAL", int(rng.integers(50, 300)), "unknown_code"],
        [year, not_bps_code, "G", "FORMAL", int(rng.integers(50, 300)), "unknown_code"],
        [year - 1, bps[pick[5]], "A", "INFORMAL", int(rng.integers(50, 300)), "out_of_range"],
    ]
    for x in extra:
        rows.insert(int(rng.integers(1, len(rows))), x)
    dup_key = (bps[pick[2]], "I", "INFORMAL")
    orig = next(x for x in rows if (x[1], x[2], x[3]) == dup_key and x[5] is None)
    rows.append([year, *dup_key, int(orig[4]) + int(rng.integers(1, 50)), "duplicate_key"])
    return rows


def pekerja_totals(
    rows: list[LabourRow], bps: list[str]
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """jumlah_pekerja over the accepted rows, by region (BPS code), by sector and by
    status, as the pipeline must total them after cleaning."""
    ok = [x for x in rows if x[5] is None]
    out = []
    for col, codes in ((1, bps), (2, SECTORS), (3, STATUS_PEKERJAAN)):
        totals = dict.fromkeys(codes, 0)
        for x in ok:
            totals[str(x[col]).strip().upper()] += int(x[4])
        out.append(totals)
    return out[0], out[1], out[2]
