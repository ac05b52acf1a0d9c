"""Orders, order lines and payments of the source database.

A refund is its own payment row with status REFUNDED and a positive amount;
the captured payment it refunds keeps status CAPTURED.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sample_data.campaign_events import CampaignEvent
from sample_data.config import SOURCE_FAULT_RATES, Plan, planted_count, seeded_rng
from sample_data.fx import USD_RATES
from sample_data.timeline import InstantSampler
from sample_data.universe import Customer, Universe

ORDER_ID_BASE = 1_000_000
PAYMENT_ID_BASE = 5_000_000
STATUS_WEIGHTS = {"NEW": 0.04, "CANCELLED": 0.03, "PAID": 0.30, "SHIPPED": 0.33, "DELIVERED": 0.27, "REFUNDED": 0.03}
METHODS = ["card", "card", "card", "paypal", "apple_pay", "bank_transfer"]
COUPON_CODES = ["WELCOME10", "AUTUMN15", "FREESHIP", "VIP20"]
COUPON_RATE = 0.15
CAMPAIGN_ORDER_SHARE = 0.1
FAILED_ATTEMPT_RATE = 0.06
PARTIAL_REFUND_RATE = 0.02
LINE_COUNT_WEIGHTS = {1: 0.5, 2: 0.3, 3: 0.15, 4: 0.05}


@dataclass
class OrderLine:
    order_id: int
    line_no: int
    product_id: str
    quantity: int
    unit_price: Decimal


@dataclass
class Payment:
    payment_id: int
    order_id: int
    paid_at: datetime
    amount: Decimal
    currency: str
    method: str
    status: str
    coupon_code: str | None


@dataclass
class Order:
    order_id: int
    customer_id: int
    order_ts: datetime
    status: str
    currency: str
    total_amount: Decimal
    campaign_id: str | None
    updated_at: datetime
    lines: list[OrderLine] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


@dataclass
class Transactions:
    orders: list[Order]
    planted: dict[str, int]

    @property
    def lines(self) -> list[OrderLine]:
        return [line for order in self.orders for line in order.lines]

    @property
    def payments(self) -> list[Payment]:
        return sorted((p for order in self.orders for p in order.payments), key=lambda p: p.payment_id)


def local_price(usd_price: Decimal, currency: str) -> Decimal:
    """Convert a USD catalog price into the order currency (whole units for JPY)."""
    exponent = Decimal("1") if currency == "JPY" else Decimal("0.01")
    return (usd_price / USD_RATES[currency]).quantize(exponent, rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))


def build_transactions(plan: Plan, universe: Universe, campaign_events: list[CampaignEvent]) -> Transactions:
    """Generate the run's orders with their lines and payments, then plant the coupon-code variants."""
    rng = seeded_rng(plan.seed, "transactions")
    sampler = InstantSampler(plan, rng)
    customers = {customer.customer_id: customer for customer in universe.customers}
    clicks = [e for e in campaign_events if e.event_type == "click" and e.is_valid]
    payment_ids = itertools.count(PAYMENT_ID_BASE + 1)
    orders = []

    for index in range(plan.volumes.orders):
        click = rng.choice(clicks) if clicks and rng.random() < CAMPAIGN_ORDER_SHARE else None
        if click is not None:
            customer = customers[click.customer_id]
            order_epoch = sampler.clamp(click.ts + rng.randint(120, 7_200))
        else:
            customer = rng.choice(universe.customers)
            order_epoch = sampler.draw()
        order = _order(ORDER_ID_BASE + index + 1, customer, order_epoch, click, universe, rng)
        _add_payments(order, sampler, payment_ids, rng)
        orders.append(order)

    planted = _plant_coupon_variants(orders, rng)
    return Transactions(orders, planted)


def _order(order_id: int, customer: Customer, epoch: int, click: CampaignEvent | None,
           universe: Universe, rng: random.Random) -> Order:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    order_ts = datetime.fromtimestamp(epoch, UTC)
    order = Order(order_id, customer.customer_id, order_ts, status, customer.currency, Decimal("0.00"),
                  click.campaign_id if click else None, order_ts)
    line_count = rng.choices(list(LINE_COUNT_WEIGHTS), weights=list(LINE_COUNT_WEIGHTS.values()))[0]
    products = list({product.product_id: product for product in universe.pick_products(rng, line_count)}.values())
    for line_no, product in enumerate(products, start=1):
        quantity = rng.choices([1, 2, 3], weights=[0.75, 0.2, 0.05])[0]
        order.lines.append(OrderLine(order_id, line_no, product.product_id, quantity,
                                     local_price(product.price, customer.currency)))
    order.total_amount = sum((line.unit_price * line.quantity for line in order.lines), Decimal("0.00"))
    return order


def _add_payments(order: Order, sampler: InstantSampler, payment_ids: Iterator[int], rng: random.Random) -> None:
    epoch = int(order.order_ts.timestamp())
    method = rng.choice(METHODS)

    def pay(status: str, at: int, amount: Decimal) -> None:
        coupon = rng.choice(COUPON_CODES) if rng.random() < COUPON_RATE else None
        paid_at = datetime.fromtimestamp(sampler.clamp(at), UTC)
        order.payments.append(Payment(next(payment_ids), order.order_id, paid_at, amount, order.currency, method,
                                      status, coupon))
        order.updated_at = max(order.updated_at, paid_at)

    if order.status in ("NEW", "CANCELLED"):
        if rng.random() < 0.5:
            pay("FAILED", epoch + rng.randint(20, 300), order.total_amount)
        return

    captured_at = epoch + rng.randint(20, 600)
    if rng.random() < FAILED_ATTEMPT_RATE:
        pay("FAILED", epoch + rng.randint(5, 19), order.total_amount)
    pay("CAPTURED", captured_at, order.total_amount)

    refund_at = captured_at + rng.randint(2 * 3_600, 30 * 3_600)
    if order.status == "REFUNDED":
        pay("REFUNDED", refund_at, order.total_amount)
    elif order.status == "DELIVERED" and len(order.lines) > 1 and rng.random() < PARTIAL_REFUND_RATE / 0.5:
        line = order.lines[-1]
        pay("REFUNDED", refund_at, line.unit_price * line.quantity)
    if order.status in ("SHIPPED", "DELIVERED"):
        changed = datetime.fromtimestamp(sampler.clamp(captured_at + rng.randint(3_600, 20 * 3_600)), UTC)
        order.updated_at = max(order.updated_at, changed)


def _plant_coupon_variants(orders: list[Order], rng: random.Random) -> dict[str, int]:
    """Set some coupon codes to '' and to the text 'None', which must stay distinct from NULL."""
    payments = [payment for order in orders for payment in order.payments if payment.coupon_code is None]
    total = sum(len(order.payments) for order in orders)
    planted = {}
    rng.shuffle(payments)
    for kind, value in (("coupon_empty_string", ""), ("coupon_none_text", "None")):
        count = planted_count(SOURCE_FAULT_RATES[kind], total)
        chosen, payments = payments[:count], payments[count:]
        for payment in chosen:
            payment.coupon_code = value
        planted[kind] = len(chosen)
    return planted
