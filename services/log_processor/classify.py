"""Classification of one request: device class, bot flag, event type, ids from path and query.

The rules, in order of precedence:

- event type `probe`: no request line, a method outside GET/POST/PUT/PATCH/DELETE,
  a target that is not an origin-form path (`*`, absolute URLs), or a known
  health-check or scanner path; `api`: paths under `/api/`; `asset`: static
  files (by extension or under `/static/` and `/assets/`); `click`: tracking
  redirects (`/click`, `/r/`) and POSTs outside the API; otherwise `page_view`.
- product id: the segment after `/products/`, `/product/` or `/p/`, else the
  `product_id` or `sku` query parameter.
- campaign id: `utm_campaign`, else `campaign_id`; `utm_source`, `utm_medium` as given.
- user id: the `%u` field when it is a decimal customer id, else the `uid`,
  `user_id` or `customer_id` query parameter when decimal.
- device class from the user agent: `bot` (crawler, HTTP library or monitor
  names), `tablet`, `mobile`, `desktop`, or `other`.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

PAGE_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
ASSET_EXTENSIONS = (".js", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".avif",
                    ".woff", ".woff2", ".ttf", ".eot", ".map", ".mp4", ".webm")
ASSET_PREFIXES = ("/static/", "/assets/")
PROBE_PATHS = ("/health", "/healthz", "/status", "/server-status", "/.env", "/.git", "/wp-login.php",
               "/wp-admin", "/xmlrpc.php", "/phpmyadmin", "/cgi-bin/", "/actuator")
CLICK_PREFIXES = ("/click", "/r/")
PRODUCT_PREFIXES = ("/products/", "/product/", "/p/")
BOT_MARKERS = ("bot", "crawl", "spider", "slurp", "curl/", "wget/", "python-requests", "python-urllib",
               "go-http-client", "java/", "libwww", "httpclient", "okhttp", "probe", "monitor", "scanner",
               "headless", "facebookexternalhit")
TABLET_MARKERS = ("ipad", "tablet", "kindle", "silk/", "playbook", " pad ")
MOBILE_MARKERS = ("mobile", "iphone", "ipod", "android", "dalvik", "windows phone", "blackberry", "opera mini")
DESKTOP_MARKERS = ("windows nt", "macintosh", "x11", "linux x86_64", "cros")
CACHE_LIMIT = 50_000

_device_cache: dict[str, str] = {}


def device_class(user_agent: str | None) -> str:
    """Return `bot`, `tablet`, `mobile`, `desktop` or `other` for a user agent (cached per text)."""
    if not user_agent or user_agent == "-":
        return "other"
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
    """Return `probe`, `api`, `asset`, `click` or `page_view` (rules in the module docstring)."""
    if method is None or path is None or method not in PAGE_METHODS or not path.startswith("/"):
        return "probe"
    if path.startswith(PROBE_PATHS):
        return "probe"
    if path.startswith("/api/"):
        return "api"
    if path.endswith(ASSET_EXTENSIONS) or path.startswith(ASSET_PREFIXES):
        return "asset"
    if path.startswith(CLICK_PREFIXES) or method == "POST":
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
    if path is not None and path.startswith(PRODUCT_PREFIXES):
        segment = path.split("/", 3)[2]
        if segment:
            return segment
    return parameters.get("product_id") or parameters.get("sku") or None


def user_id(remote_user: str, parameters: dict[str, str]) -> int | None:
    """Return the customer id from the `%u` field or the query, or None."""
    if remote_user.isdecimal() and len(remote_user) < 19:
        return int(remote_user)
    for name in ("uid", "user_id", "customer_id"):
        value = parameters.get(name)
        if value is not None and value.isdecimal() and len(value) < 19:
            return int(value)
    return None
