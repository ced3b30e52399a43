"""Enrollment rows that each break exactly one of the contract's row rules.

Why: the pipeline must reject exactly the bad rows and say why, so the demo plants them
itself and knows each one's file, line and rule. Every rule is planted at least once per
period, then in the ways real extracts break it (a missing value, a date typed with
slashes, an unknown code, an age of 12 or 104, an employer missing for a wage earner, a
programme without JKK, a re-exported duplicate...), each copied from a real row so that
it breaks nothing else: about 1.25 % of each file's rows, under 2 % in every file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from contract.row_rules import RULE_NAMES

BAD_ROW_RATE = 0.0125  # of each file's rows: rejects stay below 2 % in every file


def bad_rows(
    rows: pl.DataFrame,
    part: np.ndarray,
    pos: np.ndarray,
    n_parts: int,
    end: int,
    rng: np.random.Generator,
    fresh_kpj: Callable[[], str],
    unknown_regency: str = "6499",
) -> tuple[list[dict[str, Any]], list[int], list[float], list[str]]:
    """Rows that each break exactly one contract rule, copied from real rows.

    ``rows`` are a period's valid rows, row i going to file ``part[i]`` at position
    ``pos[i]`` (of ``n_parts`` files); ``end`` is the period's last day. Returns the bad
    rows with their part, position (between the valid rows'; a duplicate always after
    its original) and broken rule. ``fresh_kpj`` hands out kpj numbers no registration
    has; ``unknown_regency`` is the planted code that names no regency."""
    per_part = [int(BAD_ROW_RATE * (part == i).sum()) for i in range(n_parts)]
    catalogue = [
        ("missing_required", "nama"),
        ("bad_type", "lahir_slash"),
        ("unknown_code", "wilayah_6499"),
        ("out_of_range", "lahir_future"),
        ("npp_required", "npp_empty"),
        ("program_incomplete", "jkk_only"),
        ("duplicate_key", "dup"),
        ("missing_required", "tanggal_lahir"),
        ("missing_required", "jenis_kelamin"),
        ("missing_required", "kpj"),
        ("bad_type", "lahir_impossible"),
        ("bad_type", "kepesertaan_impossible"),
        ("bad_type", "kpj_letter"),
        ("bad_type", "kpj_10"),
        ("unknown_code", "wilayah_9999"),
        ("unknown_code", "kbli_Z"),
        ("unknown_code", "segmen_XYZ"),
        ("unknown_code", "jk_X"),
        ("unknown_code", "status_PENDING"),
        ("out_of_range", "age_12"),
        ("out_of_range", "age_104"),
        ("out_of_range", "kepesertaan_after"),
        ("program_incomplete", "unknown_program"),
        ("program_incomplete", "no_jkk"),
        ("duplicate_key", "dup"),
        ("missing_required", "nama"),
    ]
    n_in_part = np.bincount(part, minlength=n_parts)
    while sum(per_part) < len(RULE_NAMES):  # tiny runs: still one per rule
        per_part[int(np.argmax(n_in_part))] += 1
    total = sum(per_part)
    cycle = [c for c in catalogue if c[1] != "kpj"]
    plan = [catalogue[i] if i < len(catalogue) else cycle[i % len(cycle)] for i in range(total)]
    where = np.repeat(np.arange(n_parts), per_part)[rng.permutation(total)]
    seg = rows.get_column("segmen").str.strip_chars().str.to_uppercase().to_numpy()
    employed = np.flatnonzero((seg == "PU") | (seg == "JAKON"))
    # Source rows: any row; wage earners for npp_required; for a duplicate, a distinct
    # accepted row of the same or an earlier part (so the copy comes later).
    src = rng.integers(0, rows.height, total)
    subs = np.array([sub for _, sub in plan])
    wants_npp = np.flatnonzero(subs == "npp_empty")
    if len(employed):
        src[wants_npp] = employed[rng.integers(0, len(employed), len(wants_npp))]
    pools = [np.flatnonzero(part <= t) for t in range(n_parts)]
    used_dup: set[int] = set()
    for dup_index in np.flatnonzero(subs == "dup"):
        pool = pools[int(where[dup_index])]
        cand = int(pool[rng.integers(0, len(pool))])
        while cand in used_dup:
            cand = int(pool[rng.integers(0, len(pool))])
        used_dup.add(cand)
        src[dup_index] = cand
    sources = rows[src.tolist()].to_dicts()
    out, parts, positions, rules = [], [], [], []
    for j, (rule, sub) in enumerate(plan):
        part_no = int(where[j])
        row = sources[j]
        n_part = int(n_in_part[part_no])
        spot = float(rng.uniform(0, max(n_part, 1)))
        y, mo, d = (row["tanggal_lahir"] or "1990-01-01").strip().split("-")
        if sub in ("nama", "tanggal_lahir", "jenis_kelamin"):
            row[sub] = None
        elif sub == "kpj":
            row["kpj"] = None
        elif sub == "lahir_slash":
            row["tanggal_lahir"] = f"{d}/{mo}/{y}"
        elif sub == "lahir_impossible":
            row["tanggal_lahir"] = f"{y}-13-{d}" if rng.random() < 0.5 else f"{y}-{mo}-45"
        elif sub == "kepesertaan_impossible":
            row["tanggal_kepesertaan"] = f"{row['tanggal_kepesertaan'][:4]}-02-30"
        elif sub == "kpj_letter":
            fresh = fresh_kpj()
            row["kpj"] = fresh[:5] + "O" + fresh[6:]
        elif sub == "kpj_10":
            row["kpj"] = fresh_kpj()[:10]
        elif sub == "wilayah_6499":
            row["kode_wilayah"] = unknown_regency
        elif sub.startswith("wilayah_"):
            row["kode_wilayah"] = sub[-4:]
        elif sub == "kbli_Z":
            row["kbli"] = "Z"
        elif sub == "segmen_XYZ":
            row["segmen"] = "XYZ"
        elif sub == "jk_X":
            row["jenis_kelamin"] = "X"
        elif sub == "status_PENDING":
            row["status"] = "PENDING"
        elif sub == "lahir_future":
            row["tanggal_lahir"] = str(np.datetime64(end + int(rng.integers(20, 400)), "D"))
        elif sub in ("age_12", "age_104"):
            years = 12.5 if sub == "age_12" else 104.5
            row["tanggal_lahir"] = str(np.datetime64(end - int(years * 365.25), "D"))
        elif sub == "kepesertaan_after":
            row["tanggal_kepesertaan"] = str(np.datetime64(end + int(rng.integers(1, 90)), "D"))
        elif sub == "npp_empty":
            row["npp"] = None
            if row["segmen"].strip().upper() not in ("PU", "JAKON"):  # tiny runs only
                row["segmen"] = "PU"
        elif sub == "jkk_only":
            row["program"] = "JKK"
        elif sub == "unknown_program":
            row["program"] = "JKK;JKM;ABC"
        elif sub == "no_jkk":
            row["program"] = "JKM;JHT"
        elif sub == "dup":
            if rng.random() < 0.5:  # re-exported with a newer status
                row["status"] = "NONAKTIF" if row["status"].strip().upper() == "AKTIF" else "AKTIF"
            orig_part, orig_pos = int(part[src[j]]), float(pos[src[j]])
            if orig_part == part_no:
                spot = orig_pos + 0.5 + float(rng.uniform(0, max(n_part - orig_pos - 1, 0)))
        if sub not in ("kpj", "kpj_letter", "kpj_10", "dup"):
            row["kpj"] = fresh_kpj()
        out.append(row)
        parts.append(part_no)
        positions.append(spot)
        rules.append(rule)
    return out, parts, positions, rules
