"""Periods and labour years: the keys of every snapshot.

A period (``periode``, text ``YYYY-MM``) is one monthly enrollment snapshot, as of the
period's last day; a labour year (``tahun``) is one Sakernas table.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

#: Matched whole (``fullmatch``), ASCII digits only: "2025-03\n" or full-width digits are
#: no key (Dagster would get a partition it does not know).
PERIOD_PATTERN = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
YEAR_PATTERN = re.compile(r"[0-9]{4}")

#: The province's time zone (WITA): a month ends, and the nightly run starts, in it.
TIMEZONE = "Asia/Makassar"
#: The first period the pipeline knows (the first monthly partition).
FIRST_PERIOD = "2015-01"


def is_period(text: str) -> bool:
    return bool(PERIOD_PATTERN.fullmatch(text))


def is_year(text: str) -> bool:
    return bool(YEAR_PATTERN.fullmatch(text))


def period_end(period: str) -> date:
    """The snapshot date of a period: its last day. Dates and ages are judged on it, so a
    rerun of an old period gives the same answer whatever day it runs."""
    year, month = int(period[:4]), int(period[5:7])
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def labour_year_for(period: str, years: list[int]) -> int | None:
    """Coverage rule: the denominator of a period is the latest landed Sakernas year that
    is not after the period's year (None when there is none)."""
    candidates = [y for y in years if y <= int(period[:4])]
    return max(candidates) if candidates else None
