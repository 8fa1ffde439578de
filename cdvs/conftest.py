"""Fixtures of every app's tests (the helpers they build on are in cdvs.testing).

An app's own tests/conftest.py adds only what is particular to that app; a fixture
used by two apps belongs here."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Each test starts with an empty cache (locate() keeps its index there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _logged_in_with_second_factor(monkeypatch):
    """`client.force_login(user)` opens a session as if the person had also given their
    second factor (coordinators, administrators) and without an inactivity clock, so
    tests reach pages directly; `force_login(user, second_factor=False)` leaves the
    session as a real login does (tests of accounts/two_factor and sessions)."""
    from django.test import Client

    from cdvs.accounts import sessions

    real = Client.force_login

    def force_login(self, user, backend=None, second_factor=True):
        real(self, user, backend)
        if second_factor:
            session = self.session
            session[sessions.KEY_TWO_FACTOR] = sessions.DONE
            session.pop(sessions.KEY_SEEN, None)
            session.pop(sessions.KEY_SINCE, None)
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def world(db):
    """The small world of cdvs.testing.World: territories, organisations, one person
    per role (`world.users[role]`, None for "anonyme")."""
    from cdvs.testing import World

    return World.build()


@pytest.fixture
def login(client, world):
    """`login(role)`: the test client becomes that person of the world (logged out
    first, so `login("anonyme")` is an anonymous visitor); returns the user."""

    def _login(role):
        client.logout()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        return user

    return _login


@pytest.fixture
def immediate_tasks(settings):
    """Run tasks inline (the real queue and worker are covered in test_tasks)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield


@pytest.fixture
def frozen(time_machine):
    """Today is Wednesday 15 January 2025, 10:00 in Paris."""
    time_machine.move_to("2025-01-15 10:00:00+01:00", tick=False)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
