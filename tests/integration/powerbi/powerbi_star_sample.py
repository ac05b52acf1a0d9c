"""A small, deterministic star schema for the dashboard tests, with the edge cases the measures must handle.

Edge cases: cancelled, refunded and NULL order statuses; failed payments before
a captured one; payments attributed to no campaign (-1); a campaign without a
budget and one with a budget of 0; bot sessions and one session whose is_bot is
NULL; an SCD type 2 product with two versions; more than ten countries so the
top-10 visuals cut.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

SEED = 20261102
START = dt.date(2026, 11, 2)
DAYS = 7
CATEGORIES = ("shoes", "jackets", "bags", "hats")
SEGMENTS = ("new", "regular", "vip")
COUNTRIES = ("US", "DE", "FR", "GB", "ES", "IT", "NL", "SE", "PL", "IE", "PT", "BE")
ORDER_STATUSES = ("NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED")
DEVICES = ("desktop", "mobile", "tablet", "other")


def build_rows() -> dict[str, list[tuple]]:
    """Return the rows of every star table, in the column order of docs/contracts.md."""
    rng = random.Random(SEED)
    rows: dict[str, list[tuple]] = {}
    rows["dim_date"] = _dates()
    rows["dim_product"] = _products()
    rows["dim_customer"] = _customers(rng)
    rows["dim_campaign"] = [
        (-1, None, "unknown", None, None, None, None, None),
        (1, "spring", "Spring sale", "email", START, START + dt.timedelta(days=6), Decimal("500.00"), "USD"),
        (2, "boots", "Boot launch", "email", START, START + dt.timedelta(days=6), Decimal("250.00"), "USD"),
        (3, "newsletter", "Newsletter", "email", START, START + dt.timedelta(days=6), None, "USD"),
        (4, "partners", "Partner promo", "email", START, START + dt.timedelta(days=6), Decimal("0.00"), "USD"),
    ]
    sales, payments = _orders(rng)
    rows["fact_product_sales"] = sales
    rows["fact_transactions"] = payments
    rows["fact_campaign_interactions"] = _campaign_events(rng)
    rows["fact_network_traffic"] = _sessions(rng)
    return rows


def _dates() -> list[tuple]:
    dates = []
    for offset in range(DAYS):
        day = START + dt.timedelta(days=offset)
        dates.append((
            int(day.strftime("%Y%m%d")), day, day.year, (day.month - 1) // 3 + 1, day.month, day.strftime("%B"),
            day.day, day.isoweekday(), day.strftime("%A"), day.isocalendar()[1], day.isoweekday() >= 6,
        ))
    return dates


def _products() -> list[tuple]:
    products = [(-1, "unknown", "unknown", None, "unknown", None, None, None, None, True)]
    valid_from = dt.datetime(2026, 1, 1)
    for number in range(1, 13):
        category = CATEGORIES[number % len(CATEGORIES)]
        price = Decimal(10 * number) + Decimal("0.90")
        products.append((number, f"P-{number:03d}", f"Product {number:02d}", "sample", category, price, "USD",
                         valid_from, None, number != 3))
    # Product P-003 changed price mid-week: a second SCD type 2 version.
    products.append((13, "P-003", "Product 03", "sample", CATEGORIES[3], Decimal("27.50"), "USD",
                     dt.datetime(2026, 11, 5), None, True))
    return products


def _customers(rng: random.Random) -> list[tuple]:
    customers = [(-1, None, None, None, None, None, None, "unknown")]
    for number in range(1, 41):
        country = COUNTRIES[number % len(COUNTRIES)] if number <= 36 else "US"
        customers.append((number, 1000 + number, f"{number:064x}", country, "City", START - dt.timedelta(days=number),
                          None, rng.choice(SEGMENTS)))
    return customers


def _orders(rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    sales, payments = [], []
    payment_id = 1
    for order_id in range(1, 151):
        day = START + dt.timedelta(days=order_id % DAYS)
        date_key = int(day.strftime("%Y%m%d"))
        customer = rng.randint(1, 40) if order_id % 3 else rng.randint(1, 12)
        status = None if order_id == 77 else rng.choice(ORDER_STATUSES)
        for line_no in range(1, rng.randint(1, 3) + 1):
            product = rng.randint(1, 13)
            quantity = rng.randint(1, 4)
            unit_price = Decimal(rng.randint(500, 9000)) / 100
            amount = unit_price * quantity
            sales.append((order_id, line_no, date_key, product, customer, quantity, unit_price, amount, "USD",
                          amount, status))
        total = sum(line[7] for line in sales if line[0] == order_id)
        campaign = rng.choice((-1, -1, 1, 2, 3, 4))
        paid_at = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)))
        if order_id % 5 == 0:
            payments.append((payment_id, order_id, date_key, customer, campaign, paid_at, total, "USD", total,
                             "FAILED", "card", None))
            payment_id += 1
        payment_status = "REFUNDED" if status == "REFUNDED" else "CAPTURED"
        method = rng.choice(("card", "paypal", "bank_transfer"))
        coupon = rng.choice((None, "", "None", "WELCOME10"))
        payments.append((payment_id, order_id, date_key, customer, campaign, paid_at + dt.timedelta(minutes=1),
                         total, "USD", total, payment_status, method, coupon))
        payment_id += 1
    return sales, payments


def _campaign_events(rng: random.Random) -> list[tuple]:
    events = []
    for campaign in (1, 2, 3):
        for customer in range(1, 41):
            if rng.random() < 0.3:
                continue
            day = START + dt.timedelta(days=rng.randint(0, DAYS - 1))
            date_key = int(day.strftime("%Y%m%d"))
            sent_at = dt.datetime.combine(day, dt.time(9, 0))
            events.append((f"e-{campaign}-{customer}-sent", date_key, campaign, customer, "sent", sent_at))
            if rng.random() < 0.5:
                events.append((f"e-{campaign}-{customer}-open", date_key, campaign, customer, "open",
                               sent_at + dt.timedelta(hours=1)))
                if rng.random() < 0.4:
                    events.append((f"e-{campaign}-{customer}-click", date_key, campaign, customer, "click",
                                   sent_at + dt.timedelta(hours=2)))
    return events


def _sessions(rng: random.Random) -> list[tuple]:
    sessions = []
    for number in range(1, 301):
        day = START + dt.timedelta(days=rng.randint(0, DAYS - 1))
        start = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)))
        duration = rng.randint(0, 1800)
        page_views = rng.randint(1, 12)
        is_bot = None if number == 150 else rng.random() < 0.15
        sessions.append((
            f"s-{number:04d}", int(day.strftime("%Y%m%d")), rng.choice((-1, -1, rng.randint(1, 40))),
            rng.choice((-1, 1, 2, 3)), start, start + dt.timedelta(seconds=duration), duration, page_views,
            rng.randint(0, 6), rng.randint(0, 20), rng.randint(1000, 500000),
            rng.choice((0, 0, 0, 1, 2)), rng.choice((0, 0, 0, 0, 1)), is_bot,
            "bot" if is_bot else rng.choice(DEVICES), "/", page_views == 1,
        ))
    return sessions
