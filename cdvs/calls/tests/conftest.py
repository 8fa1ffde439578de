from datetime import date

import pytest

from cdvs.accounts.testing import World


@pytest.fixture
def world(db):
    return World.build()


@pytest.fixture
def frozen(time_machine):
    """Today is Wednesday 15 January 2025, 10:00 in Paris."""
    time_machine.move_to("2025-01-15 10:00:00+01:00", tick=False)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class Enjeux(dict):
    pass


@pytest.fixture
def enjeux(world):
    """A contract with three enjeux (numbers 1, 2, 3)."""
    from cdvs.contract.models import Contract, Enjeu

    contract = Contract.objects.create(
        name="Contrat de test", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    found = Enjeux()
    for number, title in ((1, "Emploi et insertion"), (2, "Éducation"), (3, "Santé")):
        found[number] = Enjeu.objects.create(contract=contract, number=number, title=title)
    return found


def make_call(title="Appel de test", *, enjeux=(), territories=(), **values):
    from cdvs.calls import services

    values.setdefault("funder_name", "État")
    values.setdefault("opens_on", date(2025, 1, 1))
    values.setdefault("closes_on", date(2025, 3, 31))
    return services.create_call({"title": title, **values}, enjeux, territories)


@pytest.fixture
def call_factory(db):
    return make_call
