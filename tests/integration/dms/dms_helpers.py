"""Helpers of the replicator's integration tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg2
from psycopg2 import sql

from services.dms.config import CONFIG_DIR
from services.dms.source import SESSION_OPTIONS


def write_config(folder: Path, database: str, bucket_folder: str, **s3_settings) -> Path:
    """Copy the checked-in task config with this test's database, slot and bucket folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in CONFIG_DIR.glob("*.json"):
        shutil.copy(path, folder / path.name)
    source = json.loads((folder / "source-endpoint.json").read_text())
    source["DatabaseName"] = database
    source["PostgreSQLSettings"]["SlotName"] = database
    (folder / "source-endpoint.json").write_text(json.dumps(source))
    target = json.loads((folder / "target-endpoint.json").read_text())
    target["S3Settings"].update({"BucketFolder": bucket_folder, "CdcMaxBatchInterval": 1, **s3_settings})
    (folder / "target-endpoint.json").write_text(json.dumps(target))
    return folder


def source_rows(environment, table: str, key: list[str]) -> list[tuple]:
    """Read a source table with psycopg2's own type conversion (independent of the replicator's)."""
    connection = psycopg2.connect(environment.settings.source_dsn(), dbname=environment.database,
                                  options=SESSION_OPTIONS)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("SELECT * FROM {} ORDER BY {}").format(
                sql.Identifier("shop", table), sql.SQL(", ").join(sql.Identifier(name) for name in key)))
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


SOURCE_TABLE_KEYS = {"customers": ["customer_id"], "campaigns": ["campaign_id"], "orders": ["order_id"],
                     "order_lines": ["order_id", "line_no"], "payments": ["payment_id"]}
COUPONS = [None, "", "None", "SPRING10", "\\N", "it's \"quoted\", with, commas\nand a newline"]
STATUSES = ["NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED"]


class RandomWorkload:
    """Random inserts, updates and deletes on the shop tables, several per key in one transaction.

    Customers 1-5 and campaign C1 are never deleted, so orders can always reference them.
    """

    def __init__(self, connection, seed: int) -> None:
        import random

        self.connection = connection
        self.random = random.Random(seed)
        self.next_id = 100
        self.orders: set[int] = set()
        self.spare_customers: set[int] = set()
        self.payments: set[int] = set()
        self.changes = 0

    def seed(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO shop.campaigns VALUES ('C1', 'Spring', 'email', '2026-11-02', "
                           "'2026-11-30', 1000.00, 'EUR')")
            for customer in range(1, 6):
                cursor.execute("INSERT INTO shop.customers (customer_id, email, country, signup_at) "
                               "VALUES (%s, %s, 'DE', '2026-11-02 10:00:00+01')", (customer, f"c{customer}@shop.example"))
        self.connection.commit()

    def run_transactions(self, count: int) -> None:
        for _ in range(count):
            with self.connection.cursor() as cursor:
                for _ in range(self.random.randint(1, 4)):
                    self._one_change(cursor)
            self.connection.commit()

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _one_change(self, cursor) -> None:
        self.changes += 1
        choice = self.random.random()
        if choice < 0.25 or not self.orders:
            self._insert_order(cursor)
        elif choice < 0.5:
            self._update_order(cursor, self.random.choice(sorted(self.orders)))
        elif choice < 0.6:
            self._delete_order(cursor, self.random.choice(sorted(self.orders)))
        elif choice < 0.75:
            self._change_payment(cursor)
        else:
            self._change_customer(cursor)

    def _insert_order(self, cursor) -> None:
        order_id = self._new_id()
        cursor.execute("INSERT INTO shop.orders VALUES (%s, %s, now(), 'NEW', 'EUR', %s, %s, now())",
                       (order_id, self.random.randint(1, 5), self._amount(), self.random.choice([None, "C1"])))
        for line in range(1, self.random.randint(1, 3) + 1):
            cursor.execute("INSERT INTO shop.order_lines VALUES (%s, %s, %s, %s, %s)",
                           (order_id, line, f"P-{self.random.randint(1, 50):03d}", self.random.randint(1, 5),
                            self._amount()))
        self.orders.add(order_id)

    def _update_order(self, cursor, order_id: int) -> None:
        for _ in range(self.random.randint(1, 3)):
            cursor.execute("UPDATE shop.orders SET status = %s, total_amount = %s, updated_at = now() "
                           "WHERE order_id = %s", (self.random.choice(STATUSES), self._amount(), order_id))
        cursor.execute("UPDATE shop.order_lines SET quantity = quantity + 1 WHERE order_id = %s AND line_no = 1",
                       (order_id,))

    def _delete_order(self, cursor, order_id: int) -> None:
        cursor.execute("DELETE FROM shop.payments WHERE order_id = %s RETURNING payment_id", (order_id,))
        self.payments -= {row[0] for row in cursor.fetchall()}
        cursor.execute("DELETE FROM shop.order_lines WHERE order_id = %s", (order_id,))
        cursor.execute("DELETE FROM shop.orders WHERE order_id = %s", (order_id,))
        self.orders.discard(order_id)

    def _change_payment(self, cursor) -> None:
        if self.payments and self.random.random() < 0.5:
            payment_id = self.random.choice(sorted(self.payments))
            if self.random.random() < 0.3:
                cursor.execute("DELETE FROM shop.payments WHERE payment_id = %s", (payment_id,))
                self.payments.discard(payment_id)
                return
            cursor.execute("UPDATE shop.payments SET coupon_code = %s, status = 'REFUNDED' WHERE payment_id = %s",
                           (self.random.choice(COUPONS), payment_id))
            return
        payment_id = self._new_id()
        cursor.execute("INSERT INTO shop.payments VALUES (%s, %s, now(), %s, 'EUR', 'card', 'CAPTURED', %s)",
                       (payment_id, self.random.choice(sorted(self.orders)), self._amount(),
                        self.random.choice(COUPONS)))
        self.payments.add(payment_id)

    def _change_customer(self, cursor) -> None:
        if self.spare_customers and self.random.random() < 0.3:
            customer_id = self.random.choice(sorted(self.spare_customers))
            cursor.execute("DELETE FROM shop.customers WHERE customer_id = %s", (customer_id,))
            self.spare_customers.discard(customer_id)
            return
        if self.random.random() < 0.4:
            customer_id = self._new_id()
            cursor.execute("INSERT INTO shop.customers (customer_id, email, last_name, signup_at) "
                           "VALUES (%s, %s, %s, now())", (customer_id, f"n{customer_id}@shop.example",
                                                          self._long_text()))
            self.spare_customers.add(customer_id)
            return
        customer_id = self.random.choice(sorted(self.spare_customers | {1, 2, 3, 4, 5}))
        cursor.execute("UPDATE shop.customers SET city = %s, updated_at = now() WHERE customer_id = %s",
                       (self.random.choice([None, "", "None", "Köln", "São Paulo"]), customer_id))

    def _amount(self):
        from decimal import Decimal

        return Decimal(self.random.randint(0, 10_000_000)) / 100

    def _long_text(self) -> str:
        if self.random.random() < 0.3:
            return "".join(f"{self.random.getrandbits(32):08x}" for _ in range(1000))
        return self.random.choice(["Smith", "", None, "None", "O'Brien"])


def replicated_state(environment, table: str) -> list[dict]:
    """Apply the table's DMS files and return the current rows in key order."""
    import boto3

    from services.dms.apply import apply_changes, read_table_files

    keys = SOURCE_TABLE_KEYS[table]
    full_load, cdc = read_table_files(boto3.client("s3"), environment.bucket, environment.table_prefix(table))
    state = apply_changes(full_load, cdc, keys)
    return [state[key] for key in sorted(state)]


def table_checksum(rows: list[dict]) -> str:
    """Return an md5 checksum of rows in the given order; datetimes count by their UTC ISO text."""
    import hashlib
    from datetime import UTC, datetime

    def canonical(value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).isoformat()
        return repr(value)

    digest = hashlib.md5(usedforsecurity=False)
    for row in rows:
        digest.update(repr(sorted((name, canonical(value)) for name, value in row.items())).encode())
    return digest.hexdigest()
