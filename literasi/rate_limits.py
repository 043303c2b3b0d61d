"""Counting requests per client in fixed windows, for rate limits on hot public pages.

Django's cache API has no "increment, creating with an expiry" call: ``cache.incr`` on
RedisCache is an EXISTS and an INCRBY (two round trips), plus ``cache.add`` when the window
starts, and each call builds a new redis-py client. On the public certificate verification page
that was more than the rest of the request (about 0.8 ms of 1.6 ms measured in-process), so
with Redis as the cache the counter is one round trip: a two-line Lua script (INCR, and EXPIRE
when the window starts), run with redis-py's documented ``register_script`` on one client per
process. It is atomic and works on every Redis in use (EXPIRE's NX option, which would let a
plain pipeline do it, needs Redis 7; Ubuntu 22.04 ships 6). Without Redis (the embedded
default) Django's cache counts as before: the same limit, only slower.

A page that counts its visitors can read a value it keeps in Redis in the same round trip
(``hit_reading``; ``keep`` writes it): the certificate verification page reads the certificate
this way instead of asking PostgreSQL (certificates.verification_page).
"""

from __future__ import annotations

import functools
import logging

import redis
from django.conf import settings
from django.core.cache import cache

_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
logger = logging.getLogger(__name__)


# The window starts with the first request and ends ``window`` seconds later; a counter never
# exists without its expiry (both happen in one script, which Redis runs atomically).
# With a second key, its value comes back beside the count (false, so nil, when there is none).
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if KEYS[2] then return {count, redis.call('GET', KEYS[2])} end
return {count}
"""


@functools.cache
def _client(location: str) -> redis.Redis:
    # One client (and its connection pool) per process; redis-py's pool notices a fork and
    # opens its own connections in the child (gunicorn preloads the app). Short timeouts: a Redis
    # host that stops answering costs a page half a second, not gunicorn's whole timeout.
    return redis.Redis.from_url(location, socket_connect_timeout=0.5, socket_timeout=0.5)


@functools.cache
def _counter(location: str):
    # The script object sends EVALSHA, and the script itself only the first time Redis does
    # not know it.
    return _client(location).register_script(_COUNT)


def _redis_location() -> str | None:
    backend = settings.CACHES["default"]
    return backend["LOCATION"] if backend["BACKEND"] == _REDIS_CACHE else None


def hit(name: str, *, window: int) -> int:
    """Count one request under ``name`` in the current window of ``window`` seconds (it starts
    with the first request) and return the count so far, this one included. Keys are made as
    the default cache makes its own (its prefix and version), so clearing the cache clears them.

    With Redis away the count is 0: the pages stay up, unlimited, until it is back (a limit
    protects a page; it must not take it down)."""
    return hit_reading(name, window=window)[0]


def hit_reading(name: str, *, window: int, kept: str | None = None) -> tuple[int, str | None]:
    """``hit``, and the value ``keep`` stored under ``kept`` (None if there is none), in one
    round trip to Redis. With Redis away: a count of 0 (a real count is at least 1) and no value."""
    location = _redis_location()
    if location is None:
        return _hit_without_redis(name, window), (cache.get(kept) if kept else None)
    keys = [cache.make_key(name), *([cache.make_key(kept)] if kept else [])]
    try:
        count, *value = _counter(location)(keys=keys, args=[window])
    except redis.RedisError:
        logger.warning("rate limit %s not counted: Redis is unavailable", name, exc_info=True)
        return 0, None
    return count, (value[0].decode() if value and value[0] is not None else None)


def keep(key: str, value: str, *, seconds: int, replace: bool) -> bool:
    """Store ``value`` under ``key`` for ``seconds``, for ``hit_reading``. Unless ``replace``, only
    where there is none yet (Redis's SET NX): a reader keeping what it read loses to a writer
    that stored a newer value meanwhile. Returns False if nothing was stored (Redis away, or a
    value already there)."""
    location = _redis_location()
    if location is None:
        if replace:
            cache.set(key, value, seconds)
            return True
        return cache.add(key, value, seconds)
    try:
        return bool(_client(location).set(cache.make_key(key), value, ex=seconds, nx=not replace))
    except redis.RedisError:
        logger.warning("%s not kept: Redis is unavailable", key, exc_info=True)
        return False


def _hit_without_redis(name: str, window: int) -> int:
    if cache.add(name, 1, window):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # the window ended between add and incr
        return 1 if cache.add(name, 1, window) else cache.incr(name)
