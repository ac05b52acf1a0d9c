"""Product-catalog CSV drops in several dialects, with planted bad and duplicate rows.

Every product appears in exactly one of the first day's full files; planted
duplicate and bad rows come on top. Later days get `price_updates.csv`.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sample_data.config import (
    CATALOG_FAULT_RATES,
    LEGACY_FILE_ROW_RATE,
    PRICE_UPDATE_RATE_PER_DAY,
    Plan,
    planted_count,
    seeded_rng,
)
from sample_data.universe import Product, Universe

COLUMNS = ["sku", "name", "description", "category", "price", "currency", "updated_at"]
ERP_COLUMNS = ["sku", "price", "currency", "name", "category", "description", "updated_at"]
LEGACY_COLUMNS = ["sku", "name", "description", "category", "currency", "updated_at"]
FULL_FILE_SHARES = {"products_web.csv": 0.5, "products_erp.csv": 0.3, "products_eu.csv": 0.2}
QUARANTINED_KINDS = ("missing_price", "invalid_price", "missing_sku")


@dataclass
class CatalogRow:
    """One data row before rendering; `price` is text so that planted invalid values fit."""

    sku: str
    name: str
    description: str
    category: str
    price: str
    currency: str
    updated_at: datetime
    fault: str | None = None


@dataclass
class CatalogFile:
    key: str
    dialect: str
    rows: list[CatalogRow] = field(default_factory=list)
    body: bytes = b""


@dataclass
class Catalog:
    files: list[CatalogFile]
    planted: dict[str, int]
    price_updates: int
    current_prices: dict[str, Decimal]


def build_catalog(plan: Plan, universe: Universe) -> Catalog:
    """Split the products over the first day's files, plant faults, add daily price updates and render."""
    rng = seeded_rng(plan.seed, "catalog")
    first_day = f"catalog/dt={plan.start.isoformat()}"
    files = _full_files(first_day, universe.products, rng)
    planted = _plant_row_faults(files, rng)
    legacy = _legacy_file(first_day, universe.products, rng)
    planted["file_missing_required_column"] = 1
    planted["legacy_file_rows"] = len(legacy.rows)
    files.append(legacy)

    current = {product.product_id: product.price for product in universe.products}
    update_count = 0
    for day in plan.dates[1:]:
        update = _price_update_file(f"catalog/dt={day.isoformat()}", day, universe.products, current, rng)
        update_count += len(update.rows)
        files.append(update)

    for catalog_file in files:
        catalog_file.body = render(catalog_file)
    return Catalog(files, planted, update_count, current)


def _row(product: Product) -> CatalogRow:
    return CatalogRow(product.product_id, product.name, product.description, product.category,
                      str(product.price), product.currency, product.updated_at)


def _full_files(prefix: str, products: list[Product], rng: random.Random) -> list[CatalogFile]:
    shuffled = list(products)
    rng.shuffle(shuffled)
    files, offset = [], 0
    for position, (name, share) in enumerate(FULL_FILE_SHARES.items()):
        end = len(shuffled) if position == len(FULL_FILE_SHARES) - 1 else offset + round(share * len(shuffled))
        part = sorted(shuffled[offset:end], key=lambda product: product.product_id)
        files.append(CatalogFile(f"{prefix}/{name}", name.removeprefix("products_").removesuffix(".csv"),
                                 [_row(product) for product in part]))
        offset = end
    return files


def _plant_row_faults(files: list[CatalogFile], rng: random.Random) -> dict[str, int]:
    """Plant value faults on existing rows, then insert duplicate and bad rows (cloned from real rows)."""
    total = sum(len(f.rows) for f in files)
    web = files[0]
    planted = {}
    free = [(f, row) for f in files for row in f.rows]
    rng.shuffle(free)
    web_free = [row for row in web.rows]
    rng.shuffle(web_free)

    for kind, pool in (("multiline_description", "web"), ("doubled_quotes", "web"),
                       ("missing_description", "any"), ("category_variant", "any")):
        count = planted_count(CATALOG_FAULT_RATES[kind], total)
        rows = [row for row in (web_free if pool == "web" else [r for _, r in free]) if row.fault is None][:count]
        for row in rows:
            _apply_value_fault(row, kind, rng)
        planted[kind] = len(rows)

    for kind in ("exact_duplicate_row", "near_duplicate_row", *QUARANTINED_KINDS):
        count = planted_count(CATALOG_FAULT_RATES[kind], total)
        for catalog_file, row in rng.sample(free, count):
            clone = _bad_clone(row, kind, rng)
            catalog_file.rows.insert(rng.randint(0, len(catalog_file.rows)), clone)
        planted[kind] = count
    return planted


def _apply_value_fault(row: CatalogRow, kind: str, rng: random.Random) -> None:
    row.fault = kind
    if kind == "multiline_description":
        row.description = f"{row.description}\nCare: {rng.choice(['hand wash', 'wipe clean', 'machine wash 30C'])}."
    elif kind == "doubled_quotes":
        row.description = f'Says "{rng.choice(["fast", "light", "warm", "tough"])}". {row.description}'
    elif kind == "missing_description":
        row.description = ""
    elif kind == "category_variant":
        row.category = rng.choice([row.category.upper(), f" {row.category.lower()}", f"{row.category}  "])


def _bad_clone(row: CatalogRow, kind: str, rng: random.Random) -> CatalogRow:
    clone = replace(row, fault=kind)
    if kind == "near_duplicate_row":
        clone.name = rng.choice([row.name.upper(), f" {row.name}", row.name.replace(" ", "  ", 1)])
    elif kind == "missing_price":
        clone.price = ""
    elif kind == "invalid_price":
        clone.price = rng.choice(["N/A", "abc", "12..5", "-"])
    elif kind == "missing_sku":
        clone.sku = ""
    return clone


def _legacy_file(prefix: str, products: list[Product], rng: random.Random) -> CatalogFile:
    """Return a drop without the required `price` column: the whole file must be rejected."""
    rows = [_row(p) for p in rng.sample(products, planted_count(LEGACY_FILE_ROW_RATE, len(products)))]
    return CatalogFile(f"{prefix}/products_legacy.csv", "legacy", sorted(rows, key=lambda row: row.sku))


def _price_update_file(prefix: str, day: object, products: list[Product], current: dict[str, Decimal],
                       rng: random.Random) -> CatalogFile:
    changed = sorted(rng.sample(products, planted_count(PRICE_UPDATE_RATE_PER_DAY, len(products))),
                     key=lambda product: product.product_id)
    rows = []
    for product in changed:
        price = (current[product.product_id] * Decimal(str(rng.uniform(0.8, 1.2)))).quantize(Decimal("0.01"))
        current[product.product_id] = price
        updated_at = datetime(day.year, day.month, day.day, 6, tzinfo=product.updated_at.tzinfo)  # type: ignore[attr-defined]
        row = _row(product)
        row.price, row.updated_at = str(price), updated_at + timedelta(minutes=rng.randint(0, 120))
        rows.append(row)
    return CatalogFile(f"{prefix}/price_updates.csv", "update", rows)


def render(catalog_file: CatalogFile) -> bytes:
    """Render a file in its dialect; see docs/contracts.md, Catalog drops."""
    buffer = io.StringIO(newline="")
    dialect = catalog_file.dialect
    if dialect == "erp":
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(ERP_COLUMNS)
        for row in catalog_file.rows:
            writer.writerow([row.sku, row.price, row.currency, row.name, row.category, row.description,
                             row.updated_at.strftime("%Y-%m-%d %H:%M:%S")])
        return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")

    if dialect == "eu":
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in catalog_file.rows:
            writer.writerow([row.sku, row.name, row.description, row.category, row.price.replace(".", ","),
                             row.currency, row.updated_at.strftime("%d.%m.%Y %H:%M")])
        return buffer.getvalue().encode("utf-8")

    columns = LEGACY_COLUMNS if dialect == "legacy" else COLUMNS
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in catalog_file.rows:
        values = {"sku": row.sku, "name": row.name, "description": row.description, "category": row.category,
                  "price": row.price, "currency": row.currency,
                  "updated_at": row.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        writer.writerow([values[column] for column in columns])
    return buffer.getvalue().encode("utf-8")
