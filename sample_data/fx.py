"""The fixed FX table that the generator and the Glue jobs share.

Rates are US dollars per one unit of the currency, fixed for the whole sample
window so that expected USD figures are reproducible. They are illustrative,
not market rates.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CAD": Decimal("0.73"),
    "JPY": Decimal("0.0067"),
}

CENT = Decimal("0.01")


def to_usd(amount: Decimal, currency: str) -> Decimal:
    """Convert `amount` to USD and round half-up to cents; raise KeyError for an unknown currency."""
    return (amount * USD_RATES[currency]).quantize(CENT, rounding=ROUND_HALF_UP)
