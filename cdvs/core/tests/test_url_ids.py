"""Ids in page URLs (issue 11): `<id:pk>` (core.bounds) matches 1 up to 2^63 - 1 only, so
a path holding 2^63 or 0 designates nothing (404) and never reaches a view, where a
filter on a foreign key would overflow."""

import re

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from cdvs.core.bounds import MAX_INT
from cdvs.core.tests.test_crawl import _routes
from cdvs.testing import World

# numbers in URLs that are not keys, each bounded by its view
NOT_KEYS = {"year", "month"}
BIG = str(MAX_INT + 1)


def _numbered_routes():
    for route in sorted(set(_routes())):
        if route.startswith("^") or route.startswith("admin/"):
            continue
        if re.search(r"<(int|id):", route):
            yield route


def _concrete(route, number):
    def sample(match):
        converter = match.group(1)
        return number if converter in ("int", "id") else {"slug": "csv"}.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: sample(m) if m.group(1) else "x", route)


def test_every_key_in_a_url_is_an_id():
    ints = {name for route in _numbered_routes() for name in re.findall(r"<int:(\w+)>", route)}
    assert ints <= NOT_KEYS, f"use <id:…> (cdvs.core.bounds) for a key: {sorted(ints)}"
    assert sum(1 for _ in _numbered_routes()) > 50


@pytest.mark.parametrize("number", [BIG, "0", "00", "1" + "0" * 40])
def test_an_id_out_of_range_matches_no_url(number):
    for route in _numbered_routes():
        if "<id:" not in route:
            continue
        with pytest.raises(Resolver404):
            resolve(_concrete(route, number))


def test_an_id_in_range_matches_and_reverses():
    assert resolve(f"/agenda/reunions/{MAX_INT}/").kwargs == {"pk": MAX_INT}
    assert reverse("meetings:detail", args=[0]) == "/agenda/reunions/0/"  # a URL prefix


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonyme", "porteur", "coordinateur", "administrateur"])
def test_2_63_in_a_path_answers_404(role):
    world = World.build()
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    failures = []
    for route in _numbered_routes():
        path = _concrete(route, BIG)
        for method in ("get", "post"):
            status = getattr(client, method)(path).status_code
            if status not in (404, 405):
                failures.append(f"{method.upper()} {route}: {status}")
    assert failures == [], "\n".join(failures)
