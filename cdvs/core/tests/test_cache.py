import json

import pytest
from django.core.cache import cache

from cdvs.core.cache import cache_key, cached, cached_json, data_version
from cdvs.territories.models import Kind, Territory


@pytest.mark.django_db
def test_data_version_follows_history_rows_and_plain_writes(django_assert_num_queries):
    def version():
        return data_version(Territory, Territory.objects.filter(kind=Kind.PAC))

    with django_assert_num_queries(1):
        empty = version()
    assert empty == "0-0-0" and version() == empty
    pac = Territory.objects.create(kind=Kind.PAC, code="pac-1", name="PAC")
    created = version()
    assert created != empty and version() == created
    pac.name = "PAC renommé"
    pac.save()  # a history row
    renamed = version()
    assert renamed != created
    # written without history: only the queryset's count and highest id see it
    Territory.objects.bulk_create([Territory(kind=Kind.PAC, code="pac-2", name="Autre")])
    assert version() != renamed
    assert data_version(Territory) == renamed.split("-")[0]
    assert data_version() == ""


@pytest.mark.django_db
def test_a_model_without_history_counts_its_rows():
    from cdvs.search.models import SearchEntry

    assert data_version(SearchEntry) == "0-0"


def test_cached_computes_once_per_key_even_for_none():
    calls = []

    def compute():
        calls.append(1)
        return None

    assert cached(("test", 1), compute) is None
    assert cached(("test", 1), compute) is None
    assert len(calls) == 1
    cached(("test", 2), compute)
    assert len(calls) == 2
    assert cache.get("test:1", "missing") is None


def test_keys_are_safe_for_every_backend():
    assert cache_key(("a", 1, "b")) == "a:1:b"
    spaced, long = cache_key(("calls", "en cours")), cache_key("x:" + "y" * 300)
    assert spaced.startswith("calls:") and " " not in spaced
    assert long.startswith("x:") and len(long) < 100
    assert spaced != cache_key(("calls", "en_cours"))


def test_cached_json_validates_and_serialises_once():
    built = []

    def build():
        built.append(1)
        return [{"a": 1}]

    for _ in range(2):
        response = cached_json("test:json", list[dict[str, int]], build)
        assert json.loads(response.content) == [{"a": 1}]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert built == [1]
