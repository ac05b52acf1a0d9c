"""Client address handling: zone suffixes, IPv4-mapped IPv6, and keyed hashing.

Raw client addresses never leave the handler: each one is replaced by the
HMAC-SHA256 of its canonical text. An IPv4-mapped IPv6 address
(`::ffff:198.51.100.7`) hashes like the IPv4 address it carries, so one client
gets one hash whichever way the server logged it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import NamedTuple

CACHE_LIMIT = 200_000
INVALID_HOST = "invalid_host"


class ClientAddress(NamedTuple):
    """What a record keeps of one logged client host."""

    ip_hash: str | None
    ip_version: int | None
    ip_flag: str | None
    zone: str | None


class ClientAddressHasher:
    """Parse and hash logged client hosts, caching each distinct host text."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("the IP hash key is empty; set SHOPLAKE_IP_HASH_KEY")
        self._key = key
        self._cache: dict[str, ClientAddress] = {}

    def address(self, host: str) -> ClientAddress:
        """Return the hashed address of one `%h` / `$remote_addr` field."""
        cached = self._cache.get(host)
        if cached is not None:
            return cached

        result = self._parse(host)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[host] = result
        return result

    def hash_text(self, canonical: str) -> str:
        """Return the HMAC-SHA256 hex digest of one canonical address text."""
        return hmac.new(self._key, canonical.encode("ascii"), hashlib.sha256).hexdigest()

    def _parse(self, host: str) -> ClientAddress:
        text, _, zone = host.partition("%")
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return ClientAddress(None, None, INVALID_HOST, None)

        canonical = str(address)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            canonical = str(address.ipv4_mapped)
        return ClientAddress(self.hash_text(canonical), address.version, None, zone or None)
