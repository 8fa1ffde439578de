"""Read endpoints whose output changes only with a data version: validated and
serialised once per version, then served as bytes."""

from django.core.cache import cache
from django.http import HttpResponse
from pydantic import TypeAdapter

TIMEOUT = 3600


def cached_json(key: str, schema, build) -> HttpResponse:
    """`build()` returns data matching `schema` (e.g. `list[SomeOut]`); `key` must carry
    a version that every process derives from the database."""
    body = cache.get(key)
    if body is None:
        adapter = TypeAdapter(schema)
        body = adapter.dump_json(adapter.validate_python(build()))
        cache.set(key, body, TIMEOUT)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
