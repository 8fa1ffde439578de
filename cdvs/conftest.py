import pytest


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Each test starts with an empty cache (locate() keeps its index there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
