"""Small vectorised helpers: day numbers, weighted draws, text columns with nulls.

Why a module of its own: the population (birth and registration dates), the records
(NIKs, date strings, empty CSV fields) and the generator all need them. Dates are int64
days since 1970-01-01 throughout, so millions of them stay plain integer arrays.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def to_day(text: str) -> int:
    """Day number of an ISO date."""
    return int(np.datetime64(text, "D").astype(np.int64))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of month of day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("M8[D]")
    months = d.astype("M8[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (d - months.astype("M8[D]")).astype(np.int64) + 1
    return year, month, dom


def from_ymd(year: np.ndarray, month: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """Day numbers from year, month and day of month (the inverse of `ymd`)."""
    months = ((year - 1970) * 12 + (month - 1)).astype("M8[M]")
    return months.astype("M8[D]").astype(np.int64) + (dom - 1)


def date_strings(days: np.ndarray) -> pl.Series:
    """Day numbers as ISO date text."""
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date).dt.to_string("%Y-%m-%d")


def nullable(values: np.ndarray, missing: np.ndarray) -> pl.Series:
    """Text column with nulls where ``missing`` (written as empty CSV fields)."""
    text = pl.Series(np.asarray(values).astype(str))
    return pl.select(pl.when(pl.lit(pl.Series(~missing))).then(text)).to_series()


def pick_weighted(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    """``n`` keys of ``options`` drawn with the weights that are its values."""
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def period_days(periode: str) -> tuple[int, int]:
    """First and last day number of a period "YYYY-MM"."""
    start = np.datetime64(periode, "M")
    return (
        int(start.astype("M8[D]").astype(np.int64)),
        int((start + 1).astype("M8[D]").astype(np.int64)) - 1,
    )
