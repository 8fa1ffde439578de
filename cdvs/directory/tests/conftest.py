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


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def qpv_square(world):
    """A square perimeter around (50.69, 2.87) for the Armentières QPV."""
    qpv = world.territories["qpv_arm"]
    qpv.geometry = (
        '{"type": "Polygon", "coordinates": [[[2.86, 50.68], [2.88, 50.68], '
        "[2.88, 50.70], [2.86, 50.70], [2.86, 50.68]]]}"
    )
    qpv.save()
    return qpv
