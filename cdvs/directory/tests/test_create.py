"""A coordinator creates one organisation: the fiche edit's checks, a territory among
their own, possible duplicates (same SIRET, close name in the same commune) shown with
links and « Créer quand même »."""

import pytest
from django.urls import reverse

from cdvs.directory import services
from cdvs.directory.models import Organisation
from cdvs.directory.validators import luhn_ok

URL = reverse("directory_coordination:create")


def text(response):
    return response.content.decode().replace("&#x27;", "'")


def valid_siret(prefix="7328293200007"):
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


def data(world, **changes):
    values = {
        "name": "Les Jardins du Bizet",
        "kind": "association",
        "territory": world.territories["armentieres"].pk,
        "city": "Armentières",
        "postcode": "59280",
        "update_frequency_months": 6,
    }
    values.update(changes)
    return values


@pytest.mark.django_db
def test_a_coordinator_creates_a_fiche_with_history(client, world, login):
    login("coordinateur")
    listing = text(client.get(reverse("directory:list")))
    assert URL in listing and "Ajouter une organisation" in listing
    choices = client.get(URL).context["form"].fields["territory"].queryset
    assert world.territories["armentieres"] in choices  # own territories only
    assert world.territories["lille"] not in choices
    response = client.post(URL, data(world, siret=valid_siret()), follow=True)
    org = Organisation.objects.get(name="Les Jardins du Bizet")
    assert response.redirect_chain[-1][0] == org.get_absolute_url()
    assert "Fiche « Les Jardins du Bizet » créée." in text(response)
    assert org.territory == world.territories["armentieres"]
    assert org.history.get().history_change_reason == "Création de la fiche"
    assert org.last_confirmed_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siret": "73282932000075"}, "siret", "clé de contrôle est fausse"),
        ({"postcode": "5928"}, "postcode", "5 chiffres"),
        ({"name": ""}, "name", "obligatoire"),
    ],
)
def test_same_checks_as_the_fiche_edit(client, world, login, changes, field, message):
    login("coordinateur")
    before = Organisation.objects.count()
    response = client.post(URL, data(world, **changes))
    assert message in " ".join(response.context["form"].errors[field])
    assert "n'a pas été créée" in text(response)
    assert Organisation.objects.count() == before


@pytest.mark.django_db
def test_a_territory_outside_ones_own_is_refused(client, world, login):
    login("coordinateur")
    response = client.post(URL, data(world, territory=world.territories["lille"].pk))
    assert "territory" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Les Jardins du Bizet").exists()


@pytest.mark.django_db
def test_possible_duplicates_are_shown_then_created_anyway(client, world, login):
    siret = valid_siret()
    bizet = world.organisations["asso_arm"]  # « Centre social du Bizet »
    bizet.city, bizet.siret = "Armentières", siret
    bizet.save()
    near = Organisation.objects.create(
        name="CENTRE SOCIAL DU BIZET.", kind="association", city="ARMENTIERES"
    )
    Organisation.objects.create(name="Centre social du Bizet", kind="association", city="Lille")
    Organisation.objects.create(name="Bizet", kind="association", city="Armentières")
    login("coordinateur")
    before = Organisation.objects.count()
    response = client.post(URL, data(world, name="Centre sociaux du bizet"))
    page = text(response)
    assert "Cette organisation existe peut-être déjà" in page
    assert bizet.get_absolute_url() in page and near.get_absolute_url() in page
    assert "nom proche dans la même commune" in page
    assert page.count("Centre social du Bizet</a>") == 1  # not the one in Lille
    assert ">Bizet</a>" not in page  # too short a name to be « inside »
    assert "Créer quand même" in page and Organisation.objects.count() == before
    # same SIRET, whatever the name
    page = text(client.post(URL, data(world, name="Tout autre nom", siret=siret)))
    assert f"même SIRET ({siret})" in page
    # « Créer quand même »
    response = client.post(URL, {**data(world, name="Centre sociaux du bizet"), "confirm": "1"})
    assert response.status_code == 302 and Organisation.objects.count() == before + 1


@pytest.mark.django_db
def test_duplicates_fold_accents_case_and_words(world):
    Organisation.objects.create(name="Maison de l'Emploi", kind="association", city="Armentières")
    found = services.possible_duplicates(name="MAISON DE L EMPLOI", city="armentieres")
    assert [o.name for o, _ in found] == ["Maison de l'Emploi"]
    assert services.possible_duplicates(name="Maison du vélo", city="Armentières") == []
    assert services.possible_duplicates(name="Maison de l'Emploi", city="Lille") == []


@pytest.mark.django_db
def test_only_coordinators_create(client, world, login):
    login("membre")
    assert client.get(URL).status_code == 403
    assert "Ajouter une organisation" not in text(client.get(reverse("directory:list")))
