"""A small rate limit on the cache (shared between processes with Redis): `hit(key,
limit, window)` counts one use of `key` in a fixed window of `window` seconds that the
first use opens, and answers whether it is still within `limit`; `used(key)` reads the
count without adding to it."""

from django.core.cache import cache

PREFIX = "ratelimit:"


def hit(key: str, limit: int, window: int) -> bool:
    """Count one use of `key`; True while the uses of the window are at most `limit`."""
    name = PREFIX + key
    cache.add(name, 0, window)
    try:
        count = cache.incr(name)
    except ValueError:  # the window closed between add() and incr()
        cache.set(name, 1, window)
        count = 1
    return count <= limit


def used(key: str) -> int:
    """How many uses of `key` the current window holds."""
    return cache.get(PREFIX + key, 0)
