"""The follow-up workload of source changes after the initial load, for CDC to capture.

Each change commits in its own transaction, so CDC records distinct commit times.
Kinds: status changes, refunds, late payments (with coupon codes NULL, '' and
'None'), deletes of abandoned orders, and new orders that are inserted,
updated and deleted again, or deleted and re-inserted under the same key.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sample_data.config import Plan, seeded_rng
from sample_data.errors import GenerationError
from sample_data.manifest import coupon_kind, revenue_per_day
from sample_data.sinks import postgres as pg_sink
from sample_data.transactions import Order, OrderLine, Payment, Transactions
from shoplake.settings import Settings

STATUS_CHANGE_RATE = 0.1
REFUND_RATE = 0.02
LATE_PAYMENT_RATE = 0.5
DELETE_ABANDONED_RATE = 0.2
LATE_COUPONS = [None, "", "None", "WELCOME10"]
CHURN_ORDERS = 4


@dataclass
class Change:
    kind: str
    statements: list[tuple[str, tuple[Any, ...]]]


def state_label(plan: Plan, changes_applied: bool) -> str:
    return (f"{pg_sink.STATE_COMMENT_PREFIX} seed={plan.seed} scale={plan.scale_label} start={plan.start.isoformat()} "
            f"days={plan.days} changes={'applied' if changes_applied else 'pending'}")


def plan_changes(plan: Plan, initial: Transactions) -> tuple[list[Change], Transactions]:
    """Return the changes in commit order and the transactions as they are after them."""
    rng = seeded_rng(plan.seed, "changes")
    state = copy.deepcopy(initial)
    end = plan.window_end - timedelta(seconds=1)
    next_payment = max(p.payment_id for p in state.payments) + 1
    changes: list[Change] = []

    def later(moment: datetime, low_s: int, high_s: int) -> datetime:
        return min(end, moment + timedelta(seconds=rng.randint(low_s, high_s)))

    def new_payment(order: Order, status: str, amount: Decimal, at: datetime, coupon: str | None) -> Change:
        nonlocal next_payment
        payment = Payment(next_payment, order.order_id, at, amount, order.currency, "card", status, coupon)
        next_payment += 1
        order.payments.append(payment)
        return Change("", [("INSERT INTO shop.payments (payment_id, order_id, paid_at, amount, currency, method, status, "
                            "coupon_code) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                            (payment.payment_id, payment.order_id, payment.paid_at, payment.amount, payment.currency,
                             payment.method, payment.status, payment.coupon_code))])

    def set_status(order: Order, status: str, at: datetime) -> tuple[str, tuple[Any, ...]]:
        order.status, order.updated_at = status, max(order.updated_at, at)
        return ("UPDATE shop.orders SET status = %s, updated_at = %s WHERE order_id = %s",
                (order.status, order.updated_at, order.order_id))

    for source, target in (("PAID", "SHIPPED"), ("SHIPPED", "DELIVERED")):
        pool = [o for o in state.orders if o.status == source]
        for order in rng.sample(pool, round(len(pool) * STATUS_CHANGE_RATE)):
            changes.append(Change("status_change", [set_status(order, target, later(order.updated_at, 600, 7200))]))

    delivered = [o for o in state.orders if o.status == "DELIVERED"]
    for order in rng.sample(delivered, round(len(delivered) * REFUND_RATE)):
        at = later(order.updated_at, 3600, 36_000)
        refund = new_payment(order, "REFUNDED", order.total_amount, at, None)
        changes.append(Change("refund", refund.statements + [set_status(order, "REFUNDED", at)]))

    awaiting = [o for o in state.orders if o.status == "NEW"]
    late = rng.sample(awaiting, round(len(awaiting) * LATE_PAYMENT_RATE))
    for position, order in enumerate(late):
        at = later(order.order_ts, 3600, 12 * 3600)
        insert = new_payment(order, "CAPTURED", order.total_amount, at, LATE_COUPONS[position % len(LATE_COUPONS)])
        changes.append(Change("late_payment", insert.statements + [set_status(order, "PAID", at)]))

    late_ids = {order.order_id for order in late}
    abandoned = [o for o in awaiting if o.order_id not in late_ids and not o.payments]
    for order in rng.sample(abandoned, round(len(abandoned) * DELETE_ABANDONED_RATE)):
        state.orders.remove(order)
        changes.append(Change("delete_order", [("DELETE FROM shop.order_lines WHERE order_id = %s", (order.order_id,)),
                                               ("DELETE FROM shop.orders WHERE order_id = %s", (order.order_id,))]))

    changes += _churn(plan, state, rng, new_payment, set_status, end)
    return changes, state


def _churn(plan: Plan, state: Transactions, rng: random.Random, new_payment: Any, set_status: Any,
           end: datetime) -> list[Change]:
    """New orders changed several times: insert, pay, delete; and delete then re-insert with another amount."""
    template = state.orders[0]
    next_order = max(o.order_id for o in state.orders) + 1
    changes = []
    for index in range(CHURN_ORDERS):
        at = end - timedelta(hours=2, minutes=index * 10)
        line = OrderLine(next_order, 1, template.lines[0].product_id, 1, Decimal(rng.randint(10, 90)).quantize(Decimal("0.01")))
        order = Order(next_order, template.customer_id, at, "NEW", template.currency, line.unit_price, None, at, [line])
        next_order += 1
        state.orders.append(order)
        changes.append(Change("churn_insert", _insert_order(order)))
        payment = new_payment(order, "CAPTURED", order.total_amount, at + timedelta(minutes=1), None)
        changes.append(Change("churn_pay", payment.statements + [set_status(order, "PAID", at + timedelta(minutes=1))]))

        if index % 2 == 0:
            state.orders.remove(order)
            changes.append(Change("churn_delete", [
                ("DELETE FROM shop.payments WHERE order_id = %s", (order.order_id,)),
                ("DELETE FROM shop.order_lines WHERE order_id = %s", (order.order_id,)),
                ("DELETE FROM shop.orders WHERE order_id = %s", (order.order_id,))]))
            continue

        payment_row = order.payments[-1]
        payment_row.amount = line.unit_price = order.total_amount = order.total_amount + Decimal("1.50")
        changes.append(Change("churn_reinsert", [
            ("DELETE FROM shop.payments WHERE order_id = %s", (order.order_id,)),
            ("DELETE FROM shop.order_lines WHERE order_id = %s", (order.order_id,)),
            ("DELETE FROM shop.orders WHERE order_id = %s", (order.order_id,)),
            *_insert_order(order),
            ("INSERT INTO shop.payments (payment_id, order_id, paid_at, amount, currency, method, status, coupon_code) "
             "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
             (payment_row.payment_id, order.order_id, payment_row.paid_at, payment_row.amount, payment_row.currency,
              payment_row.method, payment_row.status, payment_row.coupon_code))]))
    return changes


def _insert_order(order: Order) -> list[tuple[str, tuple[Any, ...]]]:
    statements: list[tuple[str, tuple[Any, ...]]] = [(
        "INSERT INTO shop.orders (order_id, customer_id, order_ts, status, currency, total_amount, campaign_id, "
        "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (order.order_id, order.customer_id, order.order_ts, order.status, order.currency, order.total_amount,
         order.campaign_id, order.updated_at))]
    for line in order.lines:
        statements.append(("INSERT INTO shop.order_lines (order_id, line_no, product_id, quantity, unit_price) "
                           "VALUES (%s, %s, %s, %s, %s)",
                           (line.order_id, line.line_no, line.product_id, line.quantity, line.unit_price)))
    return statements


def summarize(plan: Plan, changes: list[Change], state: Transactions) -> dict[str, Any]:
    """Return what the workload changed and the expected figures after it."""
    kinds: dict[str, int] = {}
    for change in changes:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    payments = state.payments
    coupons = {"null": 0, "empty_string": 0, "none_text": 0, "code": 0}
    for payment in payments:
        coupons[coupon_kind(payment.coupon_code)] += 1
    statuses: dict[str, int] = {}
    for order in state.orders:
        statuses[order.status] = statuses.get(order.status, 0) + 1
    return {
        "seed": plan.seed, "scale": plan.scale,
        "transactions": len(changes),
        "changes_by_kind": dict(sorted(kinds.items())),
        "expected_after_changes": {
            "rows": {"orders": len(state.orders), "order_lines": len(state.lines), "payments": len(payments)},
            "orders_by_status": dict(sorted(statuses.items())),
            "coupon_code_values": coupons,
            "revenue_per_day": revenue_per_day(plan, payments),
        },
    }


def apply(settings: Settings, plan: Plan, initial: Transactions) -> dict[str, Any]:
    """Run the workload against the source database unless this run's changes are already there."""
    import psycopg2

    changes, state = plan_changes(plan, initial)
    summary = summarize(plan, changes, state)
    connection = psycopg2.connect(settings.source_dsn())
    try:
        with connection.cursor() as cursor:
            current = pg_sink.read_state_comment(cursor)
        connection.commit()
        if current == state_label(plan, changes_applied=True):
            summary["already_applied"] = True
            return summary
        if current != state_label(plan, changes_applied=False):
            raise GenerationError(
                f"schema shop in {settings.source_db} does not hold the initial load of seed {plan.seed}, scale "
                f"{plan.scale_label} (found: {current!r}); run 'shoplake generate --seed {plan.seed} "
                f"--scale {plan.scale_label}' first")
        for change in changes:
            with connection, connection.cursor() as cursor:
                for statement, params in change.statements:
                    cursor.execute(statement, params)
        with connection, connection.cursor() as cursor:
            pg_sink.write_state_comment(cursor, state_label(plan, changes_applied=True))
    finally:
        connection.close()
    summary["already_applied"] = False
    return summary
