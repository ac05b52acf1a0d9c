"""Master data of the synthetic shop: customers, campaigns and products.

Every other source draws its ids from here, so referential integrity is kept
across sources for every record that is not a planted fault.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from faker import Faker

from sample_data.config import SOURCE_FAULT_RATES, Plan, planted_count, seeded_rng

# Country, share of customers, Faker locale, order currency.
COUNTRIES = [
    ("US", 0.35, "en_US", "USD"),
    ("GB", 0.15, "en_GB", "GBP"),
    ("DE", 0.15, "de_DE", "EUR"),
    ("FR", 0.10, "fr_FR", "EUR"),
    ("NL", 0.05, "nl_NL", "EUR"),
    ("ES", 0.05, "es_ES", "EUR"),
    ("CA", 0.08, "en_CA", "CAD"),
    ("JP", 0.07, "ja_JP", "JPY"),
]
CURRENCY_BY_COUNTRY = {country: currency for country, _, _, currency in COUNTRIES}
CATEGORIES = {
    "Shoes": ["Trail Shoe", "Road Shoe", "Sandal", "Hiking Boot", "Sneaker"],
    "Apparel": ["Rain Jacket", "Fleece", "T-Shirt", "Running Tights", "Beanie"],
    "Outdoor": ["Tent", "Sleeping Bag", "Headlamp", "Water Filter", "Trekking Pole"],
    "Electronics": ["GPS Watch", "Earbuds", "Power Bank", "Action Camera", "Bike Light"],
    "Home": ["Coffee Grinder", "Water Bottle", "Lunch Box", "Thermos", "Camp Mug"],
    "Beauty": ["Sunscreen", "Lip Balm", "Body Wash", "Hand Cream", "Insect Repellent"],
}
ADJECTIVES = ["Alpine", "Urban", "Coastal", "Summit", "Nordic", "Desert", "Canyon", "Harbor", "Meadow", "Glacier"]
CAMPAIGN_THEMES = ["Autumn Sale", "Black Friday Preview", "New Arrivals", "Loyalty Rewards", "Winter Gear",
                   "Free Shipping Week", "Back in Stock", "Weekend Deals"]
UTM_SOURCES = ["newsletter", "promo", "retention"]
CUSTOMER_ID_BASE = 10_000


@dataclass
class Customer:
    customer_id: int
    email: str
    first_name: str
    last_name: str
    country: str | None
    city: str | None
    signup_at: datetime
    updated_at: datetime
    currency: str
    faults: list[str] = field(default_factory=list)


@dataclass
class Campaign:
    campaign_id: str
    name: str
    channel: str
    start_date: date
    end_date: date
    budget: Decimal
    currency: str
    utm_source: str


@dataclass
class Product:
    product_id: str
    name: str
    description: str
    category: str
    price: Decimal
    currency: str
    updated_at: datetime


@dataclass
class Universe:
    """Master data plus the skewed product popularity the other generators sample from."""

    customers: list[Customer]
    campaigns: list[Campaign]
    products: list[Product]
    product_weights: list[float]
    planted: dict[str, int]
    _cumulative_weights: list[float] = field(default_factory=list)

    def pick_products(self, rng: random.Random, count: int) -> list[Product]:
        # Cumulative weights are computed once: passing `weights` would redo it on every call.
        if not self._cumulative_weights:
            self._cumulative_weights = list(itertools.accumulate(self.product_weights))
        return rng.choices(self.products, cum_weights=self._cumulative_weights, k=count)


def build_universe(plan: Plan) -> Universe:
    """Generate customers, campaigns and products for `plan`, deterministically by seed."""
    faker = Faker([locale for _, _, locale, _ in COUNTRIES])
    faker.seed_instance(plan.seed)
    customers, planted = _customers(plan, faker, seeded_rng(plan.seed, "customers"))
    campaigns = _campaigns(plan, seeded_rng(plan.seed, "campaigns"))
    products = _products(plan, faker, seeded_rng(plan.seed, "products"))
    weights = _zipf_weights(len(products), seeded_rng(plan.seed, "popularity"))
    return Universe(customers, campaigns, products, weights, planted)


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _customers(plan: Plan, faker: Faker, rng: random.Random) -> tuple[list[Customer], dict[str, int]]:
    count = plan.volumes.customers
    near_duplicates = planted_count(SOURCE_FAULT_RATES["near_duplicate_customer"], count)
    originals = count - near_duplicates
    customers = [_new_customer(plan, faker, rng, index) for index in range(originals)]

    for index in range(originals, count):
        customers.append(_near_duplicate(rng.choice(customers[:originals]), index, rng))

    planted = {"near_duplicate_customer": near_duplicates}
    for kind, apply in (("email_format_variant", _vary_email), ("missing_city", _drop_city),
                        ("missing_country", _drop_country)):
        chosen = rng.sample(customers[:originals], planted_count(SOURCE_FAULT_RATES[kind], count))
        for customer in chosen:
            apply(customer, rng)
            customer.faults.append(kind)
        planted[kind] = len(chosen)
    return customers, planted


def _new_customer(plan: Plan, faker: Faker, rng: random.Random, index: int) -> Customer:
    country, _, locale, currency = rng.choices(COUNTRIES, weights=[c[1] for c in COUNTRIES])[0]
    local_faker = faker[locale]
    first, last = local_faker.first_name(), local_faker.last_name()
    customer_id = CUSTOMER_ID_BASE + index + 1
    handle = f"{_ascii_slug(first) or 'user'}.{_ascii_slug(last) or 'shop'}{customer_id}"
    email = f"{handle}@mail{customer_id % 7}.example"
    signup_at = plan.window_start - timedelta(seconds=rng.randint(86_400, 2 * 365 * 86_400))
    updated_at = signup_at + timedelta(seconds=rng.randint(0, int((plan.window_start - signup_at).total_seconds()) - 1))
    return Customer(customer_id, email, first, last, country, local_faker.city(), signup_at, updated_at, currency)


def _near_duplicate(original: Customer, index: int, rng: random.Random) -> Customer:
    """Return the same person signed up again under a new id, with the email in other case and padding."""
    customer_id = CUSTOMER_ID_BASE + index + 1
    signup_at = original.signup_at + timedelta(days=rng.randint(1, 30))
    return Customer(customer_id, f" {original.email.upper()}", original.first_name, original.last_name,
                    original.country, original.city, signup_at, signup_at, original.currency,
                    ["near_duplicate_customer"])


def _vary_email(customer: Customer, rng: random.Random) -> None:
    local, _, domain = customer.email.partition("@")
    customer.email = rng.choice([f"{local.title()}@{domain.upper()}", f"{customer.email} ", f"  {customer.email}"])


def _drop_city(customer: Customer, rng: random.Random) -> None:
    customer.city = None


def _drop_country(customer: Customer, rng: random.Random) -> None:
    customer.country = None


def _campaigns(plan: Plan, rng: random.Random) -> list[Campaign]:
    campaigns = []
    for index in range(plan.volumes.campaigns):
        start = plan.start + timedelta(days=rng.randint(-6, plan.days - 1))
        currency = rng.choice(["USD", "EUR", "GBP"])
        theme = CAMPAIGN_THEMES[index % len(CAMPAIGN_THEMES)]
        campaigns.append(Campaign(
            campaign_id=f"C-{index + 1:03d}",
            name=f"{theme} {start.isoformat()}",
            channel="email",
            start_date=start,
            end_date=start + timedelta(days=rng.choice([7, 14, 21])),
            budget=Decimal(rng.randint(500, 20_000)).quantize(Decimal("0.01")),
            currency=currency,
            utm_source=rng.choice(UTM_SOURCES),
        ))
    return campaigns


def _products(plan: Plan, faker: Faker, rng: random.Random) -> list[Product]:
    text_faker = faker["en_US"]
    categories = list(CATEGORIES)
    products = []
    for index in range(plan.volumes.products):
        category = rng.choice(categories)
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(CATEGORIES[category])} {index + 1}"
        price = Decimal(str(round(rng.lognormvariate(3.6, 0.7), 2))).quantize(Decimal("0.01"))
        updated_at = plan.window_start - timedelta(seconds=rng.randint(3_600, 90 * 86_400))
        products.append(Product(f"P-{index + 1:05d}", name, text_faker.sentence(nb_words=12), category,
                                max(price, Decimal("1.00")), "USD", updated_at))
    return products


def _zipf_weights(count: int, rng: random.Random) -> list[float]:
    """Return a skewed popularity per product: a few products get most views and sales."""
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    return [1.0 / rank**1.1 for rank in ranks]
