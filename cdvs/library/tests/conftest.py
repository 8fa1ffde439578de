import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cdvs.accounts.testing import World


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    return World.build()


@pytest.fixture
def enjeu(world):
    from cdvs.contract.models import Contract, Enjeu

    contract = Contract.objects.create(
        name="Contrat de test", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    return Enjeu.objects.create(contract=contract, number=1, title="Cohésion sociale")


@pytest.fixture
def login(client, world):
    def _login(role):
        client.logout()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        return user

    return _login


def upload_file(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


ROLES = [
    "anonyme",
    "sans_role",
    "porteur",
    "membre",
    "coordinateur",
    "coordinateur_lille",
    "administrateur",
]
SEES = {
    "anonyme": {"public"},
    "sans_role": {"public"},
    "porteur": {"public", "partenaires"},
    "membre": {"public", "partenaires"},
    "coordinateur": {"public", "partenaires", "coordination"},
    "coordinateur_lille": {"public", "partenaires", "coordination"},
    "administrateur": {"public", "partenaires", "coordination"},
}
