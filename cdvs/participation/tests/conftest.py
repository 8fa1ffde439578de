import json
from datetime import date

import pytest

from cdvs.participation.models import Campaign


def square(lon0, lat0, lon1, lat1) -> str:
    return json.dumps(
        {"type": "Polygon",
         "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}
    )  # fmt: skip


# Armentières (made for the tests): lon 2.85–2.91, lat 50.68–50.71; its QPV on the west
# (lon 2.86–2.87), its PAC right beside it, sharing the edge lon 2.87
EDGE = 2.87
QPV_IN = (50.69, EDGE - 0.0005)
PAC_IN = (50.69, EDGE + 0.0005)
ON_EDGE = (50.69, EDGE)
ELSEWHERE = (50.70, 2.90)
OUTSIDE = (50.60, 3.10)


@pytest.fixture
def places(world):
    t = world.territories
    t["armentieres"].geometry = square(2.85, 50.68, 2.91, 50.71)
    t["qpv_arm"].geometry = square(2.86, 50.68, EDGE, 50.695)
    t["pac_arm"].geometry = square(EDGE, 50.68, 2.88, 50.695)
    t["mel"].geometry = square(2.7, 50.5, 3.3, 50.8)
    for key in ("armentieres", "qpv_arm", "pac_arm", "mel"):
        t[key].save()
    return t


@pytest.fixture
def campaign(places, frozen):
    """Open for ideas on « today » (15 January 2025)."""
    return Campaign.objects.create(
        territory=places["armentieres"], name="Budget participatif 2025",
        deposit_opens_on=date(2025, 1, 1), deposit_closes_on=date(2025, 2, 28),
        vote_opens_on=date(2025, 4, 1), vote_closes_on=date(2025, 4, 30),
        ends_on=date(2025, 12, 31),
    )  # fmt: skip


@pytest.fixture
def mel_campaign(places, frozen):
    return Campaign.objects.create(
        territory=places["mel"], name="Budget participatif de la MEL",
        deposit_opens_on=date(2025, 1, 1), deposit_closes_on=date(2025, 2, 28),
        ends_on=date(2025, 12, 31),
    )  # fmt: skip
