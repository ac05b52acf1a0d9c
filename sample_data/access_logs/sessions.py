"""Visitor sessions rendered as hits: browsing funnels, purchases, campaign clicks, crawlers and monitors.

The run has exactly `log_lines` hits: sessions are generated until the budget
is reached and the last session is cut short.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sample_data.campaign_events import CampaignEvent
from sample_data.config import Plan, seeded_rng
from sample_data.timeline import InstantSampler
from sample_data.transactions import Order
from sample_data.universe import Campaign, Universe

SERVERS = ("web-apache-01", "web-nginx-01")
SERVER_OFFSET_MINUTES = {"web-apache-01": -300, "web-nginx-01": 60}
SITE = "https://shop.example"
PURCHASE_SESSION_SHARE = 0.25
BOT_SESSION_SHARE = 0.05
LOGGED_IN_SHARE = 0.55
SEARCH_TERMS = ["trail+shoes", "rain+jacket", "tent", "gps+watch", "coffee", "sunscreen", "headlamp"]
EXTERNAL_REFERRERS = ["-", "-", "https://www.search.example/", "https://social.example/feed", "https://blog.example/"]
DEVICE_AGENTS = {
    "desktop": [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    ],
    "mobile": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.0 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    ],
    "tablet": [
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    ],
}
DEVICE_WEIGHTS = {"desktop": 0.5, "mobile": 0.42, "tablet": 0.08}
CRAWLER_AGENTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "python-requests/2.32.3",
]
MONITOR_AGENT = "curl/8.5.0"


@dataclass(slots=True)
class Hit:
    """One request as a web server logs it, before rendering."""

    ts: int
    server: str
    ip: str
    user: str
    method: str | None
    target: str | None
    status: int | None
    size: int | None
    referrer: str
    user_agent: str
    protocol: str = "HTTP/1.1"
    offset_minutes: int = 0
    campaign_id: str | None = None
    file_hour: int = 0
    write_ts: float = 0.0
    cut: bool = False
    faults: list[str] = field(default_factory=list)


class SessionBuilder:
    """Appends the hits of one session, advancing the session clock between requests."""

    def __init__(self, rng: random.Random, sampler: InstantSampler, start: int, server: str, ip: str,
                 user: str, user_agent: str) -> None:
        self.rng, self.sampler, self.clock = rng, sampler, start
        self.server, self.ip, self.user, self.user_agent = server, ip, user, user_agent
        self.hits: list[Hit] = []
        self.referrer = rng.choice(EXTERNAL_REFERRERS)

    def request(self, method: str, target: str, status: int, size: int, wait: tuple[int, int] = (3, 60),
                campaign_id: str | None = None, is_page: bool = True) -> None:
        self.clock += self.rng.randint(*wait) if self.hits else 0
        hit = Hit(self.sampler.clamp(self.clock), self.server, self.ip, self.user, method, target, status, size,
                  self.referrer, self.user_agent, offset_minutes=SERVER_OFFSET_MINUTES[self.server],
                  campaign_id=campaign_id)
        self.hits.append(hit)
        if is_page:
            self.referrer = SITE + target

    def page(self, target: str) -> None:
        status = self._page_status()
        self.request("GET", target, status, self.rng.randint(4_000, 60_000) if status == 200 else 512)
        if status == 200 and self.rng.random() < 0.6:
            for _ in range(self.rng.randint(1, 2)):
                asset = self.rng.choice(["/static/css/site.css", "/static/js/app.js", "/static/img/logo.svg",
                                         "/favicon.ico"])
                cached = self.rng.random() < 0.4
                self.request("GET", asset, 304 if cached else 200, 0 if cached else self.rng.randint(800, 90_000),
                             wait=(0, 2), is_page=False)

    def _page_status(self) -> int:
        roll = self.rng.random()
        if roll < 0.004:
            return self.rng.choice([500, 502, 503])
        if roll < 0.012:
            return 404
        return 200


def build_hits(plan: Plan, universe: Universe, orders: list[Order], campaign_events: list[CampaignEvent]) -> list[Hit]:
    """Generate exactly `plan.volumes.log_lines` hits, sorted by request time."""
    rng = seeded_rng(plan.seed, "access-logs")
    sampler = InstantSampler(plan, rng)
    budget = plan.volumes.log_lines
    campaigns = {campaign.campaign_id: campaign for campaign in universe.campaigns}
    hits: list[Hit] = []

    def add(session: list[Hit]) -> bool:
        hits.extend(session[: budget - len(hits)])
        return len(hits) >= budget

    for order in rng.sample(orders, round(len(orders) * PURCHASE_SESSION_SHARE)):
        if add(_purchase_session(order, universe, rng, sampler)):
            break
    for click in (event for event in campaign_events if event.event_type == "click" and event.is_valid):
        if len(hits) >= budget or add(_campaign_click_session(click, campaigns[click.campaign_id], universe, rng, sampler)):
            break
    while len(hits) < budget:
        bot = rng.random() < BOT_SESSION_SHARE
        session = _bot_session(universe, rng, sampler) if bot else _browse_session(universe, rng, sampler)
        add(session)

    hits.sort(key=lambda hit: hit.ts)
    return hits


def _visitor(universe: Universe, rng: random.Random, customer_id: int | None = None) -> tuple[str, str]:
    """Return (ip, user field) for a logged-in customer or an anonymous visitor."""
    if customer_id is None and rng.random() < LOGGED_IN_SHARE:
        customer_id = rng.choice(universe.customers).customer_id
    if customer_id is None:
        return _documentation_ipv4(rng.getrandbits(16)), "-"
    return _documentation_ipv4(customer_id), str(customer_id)


def _documentation_ipv4(number: int) -> str:
    prefix = ("192.0.2", "198.51.100", "203.0.113")[number % 3]
    return f"{prefix}.{number // 3 % 254 + 1}"


def _builder(rng: random.Random, sampler: InstantSampler, start: int, ip: str, user: str) -> SessionBuilder:
    device = rng.choices(list(DEVICE_WEIGHTS), weights=list(DEVICE_WEIGHTS.values()))[0]
    return SessionBuilder(rng, sampler, start, rng.choice(SERVERS), ip, user, rng.choice(DEVICE_AGENTS[device]))


def _browse(session: SessionBuilder, universe: Universe, views: int) -> None:
    rng = session.rng
    for position, product in enumerate(universe.pick_products(rng, views), start=1):
        target = f"/products/{product.product_id}"
        if rng.random() < 0.2:
            session.request("GET", f"/click?target={target}&pos={position}", 302, 0, is_page=False)
        session.page(target)
        if rng.random() < 0.25:
            session.request("POST", "/api/cart", 200, 230, wait=(2, 20), is_page=False)


def _browse_session(universe: Universe, rng: random.Random, sampler: InstantSampler) -> list[Hit]:
    ip, user = _visitor(universe, rng)
    session = _builder(rng, sampler, sampler.draw(), ip, user)
    landing = rng.choice(["/", "/", f"/category/{rng.choice(['shoes', 'apparel', 'outdoor', 'home'])}",
                          f"/search?q={rng.choice(SEARCH_TERMS)}"])
    session.page(landing)
    _browse(session, universe, min(8, int(rng.expovariate(0.5))))
    if rng.random() < 0.1:
        session.page("/cart")
        session.page("/checkout")
    return session.hits


def _purchase_session(order: Order, universe: Universe, rng: random.Random, sampler: InstantSampler) -> list[Hit]:
    ip, user = _visitor(universe, rng, order.customer_id)
    steps = 4 + 3 * len(order.lines)
    session = _builder(rng, sampler, int(order.order_ts.timestamp()) - steps * 25, ip, user)
    session.page("/")
    for line in order.lines:
        session.page(f"/products/{line.product_id}")
        session.request("POST", "/api/cart", 200, 230, wait=(2, 20), is_page=False)
    session.page("/cart")
    session.page("/checkout")
    session.request("POST", "/api/checkout", 201, 410, wait=(10, 40), is_page=False)
    session.page(f"/checkout/complete?order={order.order_id}")
    return session.hits


def _campaign_click_session(click: CampaignEvent, campaign: Campaign, universe: Universe,
                            rng: random.Random, sampler: InstantSampler) -> list[Hit]:
    logged_in = rng.random() < 0.7
    ip, user = _visitor(universe, rng, click.customer_id) if logged_in else (_documentation_ipv4(click.customer_id), "-")
    session = _builder(rng, sampler, click.ts + rng.randint(1, 5), ip, user)
    session.referrer = "-"
    product = universe.pick_products(rng, 1)[0]
    target = f"/products/{product.product_id}"
    query = f"target={target}&utm_source={campaign.utm_source}&utm_medium=email&utm_campaign={campaign.campaign_id}"
    session.request("GET", f"/click?{query}", 302, 0, campaign_id=campaign.campaign_id, is_page=False)
    session.page(target)
    _browse(session, universe, min(4, int(rng.expovariate(0.7))))
    return session.hits


def _bot_session(universe: Universe, rng: random.Random, sampler: InstantSampler) -> list[Hit]:
    if rng.random() < 0.3:
        session = SessionBuilder(rng, sampler, sampler.draw(), rng.choice(SERVERS), "203.0.113.250", "-", MONITOR_AGENT)
        for _ in range(rng.randint(5, 20)):
            session.request("GET", "/health", 200, 2, wait=(60, 60), is_page=False)
        return session.hits

    session = SessionBuilder(rng, sampler, sampler.draw(), rng.choice(SERVERS), f"198.51.100.{rng.randint(200, 220)}",
                             "-", rng.choice(CRAWLER_AGENTS))
    session.referrer = "-"
    session.request("GET", "/robots.txt", 200, 120, is_page=False)
    for product in universe.pick_products(rng, rng.randint(10, 40)):
        exists = rng.random() > 0.03
        target = f"/products/{product.product_id}" if exists else f"/products/P-9{rng.randint(0, 9999):04d}"
        session.request("GET", target, 200 if exists else 404, rng.randint(4_000, 60_000), wait=(1, 5), is_page=False)
    return session.hits
