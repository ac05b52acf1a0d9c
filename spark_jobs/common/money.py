"""Money as decimal with its currency, and conversion to US dollars with the project's fixed FX table."""

from __future__ import annotations

from decimal import Decimal

from pyspark.sql import Column
from pyspark.sql import functions as F

try:
    from sample_data.fx import USD_RATES
except ImportError:  # a Glue deployment ships spark_jobs only; keep this copy equal to sample_data/fx.py
    USD_RATES: dict[str, Decimal] = {  # type: ignore[no-redef]
        "USD": Decimal("1"),
        "EUR": Decimal("1.08"),
        "GBP": Decimal("1.27"),
        "CAD": Decimal("0.73"),
        "JPY": Decimal("0.0067"),
    }

MONEY = "decimal(12,2)"
MONEY_USD = "decimal(14,2)"


def usd_rate(currency: Column) -> Column:
    """Return USD per unit of `currency`, or null for a currency not in the table."""
    pairs = []
    for code, rate in sorted(USD_RATES.items()):
        pairs += [F.lit(code), F.lit(rate).cast("decimal(18,8)")]
    return F.create_map(*pairs)[F.upper(F.trim(currency))]


def to_usd(amount: Column, currency: Column) -> Column:
    """Convert to USD, rounded half-up to cents (as `sample_data.fx.to_usd` does)."""
    return F.round(amount.cast("decimal(18,4)") * usd_rate(currency), 2).cast(MONEY_USD)
