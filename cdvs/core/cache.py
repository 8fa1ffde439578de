"""Caching by data version: what is computed from the database is kept in the (shared)
cache under a key that holds a version of the data read from the database, so every
process sees a change at once and nothing is ever invalidated by hand.

    version = data_version(Organisation, Place)          # one query
    rows = cached(("directory:near", pk, version), compute, timeout=3600)
"""

import functools
import hashlib
import re

from django.core.cache import cache
from django.db import connection, models
from django.db.models import F
from django.http import HttpResponse
from pydantic import TypeAdapter

TIMEOUT = 3600
_MISSING = object()
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f]")
MAX_KEY = 200  # memcached's limit is 250


def data_version(*sources) -> str:
    """A version of the data of `sources`, read in one query; it changes whenever they do.

    - a model that keeps a history (simple-history): its highest history id, since
      every write through `save()`, `delete()`, `bulk_create_with_history` or
      `bulk_history_create` adds a history row;
    - a queryset, or a model without history: its row count and highest primary key
      (rows written without history, or which rows belong to a subset)."""
    selects, params = [], []
    for source in sources:
        table = _history_table(source) if isinstance(source, type) else None
        if table:
            selects.append(f"(SELECT MAX(history_id) FROM {table})")  # noqa: S608 — our tables
            continue
        queryset = source if isinstance(source, models.QuerySet) else source._base_manager.all()
        rows = queryset.order_by().values(version_pk=F("pk"))
        sql, sql_params = rows.query.sql_with_params()
        selects.append(
            f"(SELECT COUNT(*) || '-' || COALESCE(MAX(v.version_pk), 0) FROM ({sql}) v)"  # noqa: S608
        )
        params.extend(sql_params)
    if not selects:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)  # noqa: S608
        row = cursor.fetchone()
    return "-".join(str(v or 0) for v in row)


@functools.cache
def _history_table(model) -> str | None:
    """The quoted table of `model`'s history, or None; found once per model, since each
    read of simple-history's `Model.history` builds a manager class (milliseconds)."""
    if not getattr(model._meta, "simple_history_manager_attribute", None):
        return None
    return connection.ops.quote_name(model.history.model._meta.db_table)


def query_key(query_string: str, *sources) -> str:
    """A key for what a page renders from its query string and the data of `sources`
    (a list's filter form and its long selects: `{% cache 3600 name key %}`)."""
    parts = f"{query_string}|{data_version(*sources)}"
    return hashlib.sha256(parts.encode()).hexdigest()


def cache_key(parts) -> str:
    """`parts` (a string, or a tuple joined by « : ») as a key every cache backend takes."""
    key = parts if isinstance(parts, str) else ":".join(map(str, parts))
    if len(key) > MAX_KEY or _UNSAFE.search(key):
        prefix = key.split(":", 1)[0][:50]
        key = f"{prefix}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def cached(key, compute, timeout: int = TIMEOUT):
    """`compute()`, kept in the cache under `key` (a string or a tuple of parts). The
    key must carry what the value depends on, a `data_version()` above all."""
    key = cache_key(key)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, timeout)
    return value


def cached_json(key, schema, build, timeout: int = TIMEOUT) -> HttpResponse:
    """A JSON answer validated and serialised once per `key`: `build()` returns data
    matching `schema` (e.g. `list[SomeOut]`)."""

    def compute() -> bytes:
        adapter = TypeAdapter(schema)
        return adapter.dump_json(adapter.validate_python(build()))

    body = cached(key, compute, timeout)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
