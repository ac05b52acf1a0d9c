"""Classification of one request: device class, bot flag, event type, ids from path and query.

Event type and bot flag follow the rules of docs/contracts.md ("Access-log lines"). The first match
wins: `probe` (no request line, a method other than GET/POST/PUT/DELETE/PATCH, or a target not starting with
`/`), `asset` (under `/static/` or a static file suffix), `api` (under `/api/` or a method other than
GET), `click` (the `/click` tracking redirect), else `page_view`. A user agent is a bot when it is `-`
or empty or names a crawler or HTTP tool.

Also: the product id is the segment after `/products/`, else the `product_id` query parameter; the
campaign id is `utm_campaign`, else `campaign_id`; the user id is the `%u` field when it is a decimal
customer id, else the `uid`, `user_id` or `customer_id` query parameter; the device class of a
non-bot user agent is `tablet`, `mobile`, `desktop` or `other`.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

PAGE_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
ASSET_SUFFIXES = (".css", ".js", ".png", ".jpg", ".svg", ".ico", ".woff2", ".txt", ".xml")
PRODUCT_PREFIX = "/products/"
BOT_MARKERS = ("bot", "crawler", "spider", "slurp", "curl", "wget", "python-requests", "headless")
TABLET_MARKERS = ("ipad", "tablet", "kindle", "silk/", "playbook", " pad ")
MOBILE_MARKERS = ("mobile", "iphone", "ipod", "android", "dalvik", "windows phone", "blackberry", "opera mini")
DESKTOP_MARKERS = ("windows nt", "macintosh", "x11", "linux x86_64", "cros")
CACHE_LIMIT = 50_000

_device_cache: dict[str, str] = {}


def device_class(user_agent: str | None) -> str:
    """Return `bot`, `tablet`, `mobile`, `desktop` or `other` for a user agent (cached per text)."""
    if user_agent is None or user_agent.strip() in ("", "-"):
        return "bot"
    cached = _device_cache.get(user_agent)
    if cached is not None:
        return cached

    lowered = user_agent.lower()
    if any(marker in lowered for marker in BOT_MARKERS):
        result = "bot"
    elif any(marker in lowered for marker in TABLET_MARKERS) or ("android" in lowered and "mobile" not in lowered
                                                                 and "dalvik" not in lowered):
        result = "tablet"
    elif any(marker in lowered for marker in MOBILE_MARKERS):
        result = "mobile"
    elif any(marker in lowered for marker in DESKTOP_MARKERS):
        result = "desktop"
    else:
        result = "other"
    if len(_device_cache) >= CACHE_LIMIT:
        _device_cache.clear()
    _device_cache[user_agent] = result
    return result


def event_type(method: str | None, path: str | None) -> str:
    """Return `probe`, `asset`, `api`, `click` or `page_view` (rules in the module docstring)."""
    if method is None or path is None or method not in PAGE_METHODS or not path.startswith("/"):
        return "probe"
    if path.startswith("/static/") or path.endswith(ASSET_SUFFIXES):
        return "asset"
    if path.startswith("/api/") or method != "GET":
        return "api"
    if path == "/click":
        return "click"
    return "page_view"


def query_parameters(query: str) -> dict[str, str]:
    """Return the first value of each query parameter, percent- and plus-decoded."""
    parameters: dict[str, str] = {}
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if not name or name in parameters:
            continue
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        parameters[name] = value
    return parameters


def product_id(path: str | None, parameters: dict[str, str]) -> str | None:
    """Return the product id named by the path or the query, or None."""
    if path is not None and path.startswith(PRODUCT_PREFIX):
        segment = path.split("/", 3)[2]
        if segment:
            return segment
    return parameters.get("product_id") or None


def user_id(remote_user: str, parameters: dict[str, str]) -> int | None:
    """Return the customer id from the `%u` field or the query, or None."""
    if remote_user.isdecimal() and len(remote_user) < 19:
        return int(remote_user)
    for name in ("uid", "user_id", "customer_id"):
        value = parameters.get(name)
        if value is not None and value.isdecimal() and len(value) < 19:
            return int(value)
    return None
