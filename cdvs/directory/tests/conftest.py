import pytest


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
