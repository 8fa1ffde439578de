import pytest

from cdvs.accounts.testing import World


@pytest.fixture
def world(db):
    return World.build()


@pytest.fixture
def immediate_tasks(settings):
    """Run tasks inline (the real queue and worker are covered in test_tasks)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield
