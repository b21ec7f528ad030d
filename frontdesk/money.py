"""Money in integer minor units (cents), shown with the site's currency.

Plain Python, cheap to import: screens format amounts without loading pydantic.
"""

from __future__ import annotations

MINOR_MAX = 2**63 - 1
"""The largest amount in minor units: what a 64-bit money column holds on every backend."""

MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "VND": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}


def minor_digits(currency: str) -> int:
    """Decimal places of a currency's minor unit (2 unless listed)."""
    return MINOR_DIGITS.get(currency.upper(), 2)


def format_money(minor: int, currency: str) -> str:
    """12.50 EUR from 1250; exact to the last cent at any size (no float on the way)."""
    digits = minor_digits(currency)
    if digits == 0:
        return f"{minor} {currency}"
    whole, part = divmod(abs(minor), 10**digits)
    return f"{'-' if minor < 0 else ''}{whole:,}.{part:0{digits}d} {currency}"
