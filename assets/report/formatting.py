"""Numbers and periods as Indonesian officials read them: ``63,1 %``, ``1.234.567``,
``Rp4,4 miliar``, ``April 2025``.

Indonesian writes a comma for the decimal point and a dot between thousands. The charts
get the same convention from `VEGA_LOCALE` (Vega-Lite's ``config.locale``), so a number
reads the same in a chart, its table and the headline.
"""

from __future__ import annotations

import math

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
#: d3-format's locale for Indonesian, as Vega-Lite takes it in ``config.locale.number``.
VEGA_LOCALE = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]}
}
#: Large amounts are read in words: Rp1,2 miliar, not Rp1.200.000.000.
SCALES = ((1e12, "triliun"), (1e9, "miliar"), (1e6, "juta"))
MISSING = "–"


def missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def decimal(value: float, digits: int) -> str:
    """``1234.56`` -> ``1.234,6`` (digits after the comma)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def angka(value: float | int | None) -> str:
    """A count: ``46861`` -> ``46.861``."""
    return MISSING if missing(value) else decimal(float(value or 0), 0)  # type: ignore[arg-type]


def persen(value: float | None, digits: int = 1) -> str:
    """A share in percent: ``63.14`` -> ``63,1 %`` (a no-break space before the sign)."""
    return MISSING if value is None or missing(value) else f"{decimal(value, digits)}\u00a0%"


def poin(value: float | None) -> str:
    """A change in percentage points, with its sign: ``+0,4 poin``, ``−5,2 poin``."""
    if value is None or missing(value):
        return MISSING
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{decimal(abs(value), 1)}\u00a0poin"


def rupiah(value: float | int | None) -> str:
    """An amount as read aloud: ``Rp4,4 miliar``, ``Rp436.800``."""
    if missing(value):
        return MISSING
    amount = float(value or 0)  # type: ignore[arg-type]
    for size, word in SCALES:
        if abs(amount) >= size:
            return f"Rp{decimal(amount / size, 1)} {word}"  # may wrap before the word
    return f"Rp{decimal(amount, 0)}"


def rupiah_penuh(value: float | int | None) -> str:
    """An amount to the rupiah, for tables: ``Rp4.439.635.200``."""
    return MISSING if missing(value) else f"Rp{angka(value)}"


def nama_periode(period: str) -> str:
    """``2025-04`` -> ``April 2025``."""
    year, month = period.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"
