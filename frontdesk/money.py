"""Money in integer minor units (cents), shown with the site's currency.

Plain Python, cheap to import: screens format amounts without loading pydantic.
"""

from __future__ import annotations

MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "VND": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}


def minor_digits(currency: str) -> int:
    """Decimal places of a currency's minor unit (2 unless listed)."""
    return MINOR_DIGITS.get(currency.upper(), 2)


def format_money(minor: int, currency: str) -> str:
    digits = minor_digits(currency)
    if digits == 0:
        return f"{minor} {currency}"
    return f"{minor / 10**digits:,.{digits}f} {currency}"
