from datetime import date

import pytest
from django.utils import timezone

from cdvs.accounts.testing import World
from cdvs.contract.models import Contract, Enjeu
from cdvs.meetings.models import Meeting, MeetingSeries, Minutes


@pytest.fixture
def world(db):
    return World.build()


@pytest.fixture
def enjeux(world):
    contract = Contract.objects.create(
        name="Contrat de test", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    return {
        1: Enjeu.objects.create(contract=contract, number=1, title="Réussite éducative"),
        2: Enjeu.objects.create(contract=contract, number=2, title="Emploi et insertion"),
    }


def make_meeting(world, commune, visibility, title, day=date(2026, 3, 2), **extra):
    series = MeetingSeries.objects.create(
        name=f"Instance {title}",
        commune=world.territories[commune] if commune else None,
        visibility=visibility,
        period_start=date(2025, 1, 1),
        period_end=date(2030, 12, 31),
    )
    return Meeting.objects.create(
        series=series,
        title=title,
        day=day,
        window_start=day,
        window_end=day,
        sort_date=day,
        visibility=visibility,
        **extra,
    )


def publish_minutes(meeting, body):
    return Minutes.objects.create(meeting=meeting, body=body, published_at=timezone.now())
