import pytest

from cdvs.evaluation.loader import load
from cdvs.territories.models import Kind, Territory


@pytest.fixture
def seeded(world):
    """The world plus Armentières' two QPV (2024 codes), with the seed's evidence loaded."""
    t = world.territories
    t["ac"] = Territory.objects.create(
        kind=Kind.QPV, code="QN05967M", name="Attargette - Chanzy", parent=t["armentieres"]
    )
    t["bb"] = Territory.objects.create(
        kind=Kind.QPV, code="QN05968M", name="Bizet - Briqueterie", parent=t["armentieres"]
    )
    world.report = load()
    return world
