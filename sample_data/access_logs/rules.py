"""How a logged request is classified; these rules are the ones written in docs/contracts.md."""

from __future__ import annotations

STANDARD_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"})
ASSET_SUFFIXES = (".css", ".js", ".png", ".jpg", ".svg", ".ico", ".woff2", ".txt", ".xml")
BOT_TOKENS = ("bot", "crawler", "spider", "slurp", "curl", "wget", "python-requests", "headless")
COUNTED_EVENT_TYPES = ("page_view", "click")


def event_type(method: str | None, target: str | None) -> str:
    """Return `probe`, `asset`, `api`, `click` or `page_view` for one request line."""
    if method is None or target is None or method not in STANDARD_METHODS or not target.startswith("/"):
        return "probe"
    path = target.split("?", 1)[0]
    if path.startswith("/static/") or path.endswith(ASSET_SUFFIXES):
        return "asset"
    if path.startswith("/api/") or method != "GET":
        return "api"
    if path == "/click":
        return "click"
    return "page_view"


def is_bot(user_agent: str) -> bool:
    lowered = user_agent.strip().lower()
    return lowered in ("", "-") or any(token in lowered for token in BOT_TOKENS)


def counted_event(method: str | None, target: str | None, status: int | None, user_agent: str) -> str | None:
    """Return the event type a hit counts as in the manifest's daily figures, or None.

    A hit counts when it is not from a bot, has a status below 400 and is a page view or a click.
    Cut (quarantined) lines are excluded by the caller.
    """
    if status is None or status >= 400 or is_bot(user_agent):
        return None
    kind = event_type(method, target)
    return kind if kind in COUNTED_EVENT_TYPES else None
