"""The bar of issue 11: every URL (the Django admin aside), with every query parameter
it reads set to 2^63, -1, a 10 000-character string and a lone surrogate (sent as the
bytes a hostile client would send, « %ED%A0%80 »), answers without a server error.

The query parameters an HTML page reads are found by recording the reads of
``request.GET`` on a first plain request; those of the API come from its OpenAPI
description. Integers are read through `cdvs.core.bounds`, dates through
`cdvs.core.validators`."""

import re
from contextlib import contextmanager
from datetime import date
from urllib.parse import quote

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cdvs.testing import World

pytestmark = pytest.mark.django_db

VALUES = {
    "2^63": quote("9223372036854775808"),
    "-1": "-1",
    "10000 car.": "x" * 10_000,
    "surrogate": "%ED%A0%80",
}
SKIPPED_PREFIXES = (
    "admin/",  # Django's own admin
    "api/",  # the API is read below
    "sante/",  # answers 503 on purpose while no worker beats (core/tests/test_operations.py)
)
SAMPLE = {"int": "1", "str": "x", "slug": "csv", "path": "x", "uuid": None}

_PAGES: dict[str, list] = {}  # role -> (route, path, parameters read), found once


def _routes(patterns=None, prefix=""):
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def _concrete(route: str) -> str | None:
    if route.startswith("^") or route.startswith(SKIPPED_PREFIXES):
        return None
    parts = []
    for piece in re.split(r"(<[^>]+>)", route):
        if piece.startswith("<"):
            converter = piece[1:-1].split(":")[0] if ":" in piece else "str"
            sample = SAMPLE.get(converter)
            if sample is None:
                return None
            parts.append(sample)
        else:
            parts.append(piece)
    return "/" + "".join(parts)


@contextmanager
def _recording(names: set):
    """Record the keys read from any QueryDict meanwhile."""
    originals = {}
    for method in ("get", "getlist", "__getitem__", "__contains__"):
        original = getattr(QueryDict, method)
        originals[method] = original

        def spy(self, key, *args, _original=original, **kwargs):
            if isinstance(key, str):
                names.add(key)
            return _original(self, key, *args, **kwargs)

        setattr(QueryDict, method, spy)
    try:
        yield
    finally:
        for method, original in originals.items():
            setattr(QueryDict, method, original)


def _status(client, path: str, query: str = "") -> int:
    response = client.get(path, QUERY_STRING=query)
    if response.streaming:
        try:
            b"".join(response.streaming_content)
        except Exception:
            return 500
    return response.status_code


@pytest.fixture
def content(db):
    from cdvs.meetings.tests.conftest import Agenda
    from cdvs.testing import make_call

    world = World.build()
    agenda = Agenda(world)
    make_call("Appel de test", opens_on=date(2025, 1, 1), closes_on=date(2025, 3, 31))
    return world, agenda


def _api_operations():
    from cdvs.api.main import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        params = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        yield path, concrete, params


def _pages(client, role) -> list:
    if role not in _PAGES:
        pages = []
        for route in sorted(set(_routes())):
            path = _concrete(route)
            if path is None:
                continue
            names: set = set()
            with _recording(names):
                status = _status(client, path)
            assert status < 500, route
            pages.append((route, path, sorted(names - {"csrfmiddlewaretoken"})))
        pages += list(_api_operations())
        _PAGES[role] = pages
    return _PAGES[role]


@pytest.mark.parametrize(
    "label",
    [
        "2^63",
        "-1",
        "10000 car.",
        "surrogate",
    ],
)
@pytest.mark.parametrize("role", ["anonyme", "administrateur"])
def test_no_server_error_whatever_the_query_parameters(content, role, label):
    world, _ = content
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    failures = []
    for route, path, params in _pages(client, role):
        for name in params:
            if _status(client, path, f"{quote(name)}={VALUES[label]}") >= 500:
                failures.append(f"{route} ?{name}=")
    assert failures == [], "\n".join(failures)
