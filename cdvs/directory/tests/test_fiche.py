import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cdvs.contract.models import Contract, Enjeu
from cdvs.directory import services
from cdvs.directory.forms import ContactForm, OrganisationForm
from cdvs.directory.models import Contact, Organisation, Place
from cdvs.directory.validators import (
    luhn_ok,
    normalise_phone,
    validate_phone,
    validate_rna,
    validate_siret,
)
from cdvs.directory.vocabulary import normalise
from cdvs.testing import plain

SECRET_NAME = "Dominique Confidentielle"
SECRET_EMAIL = "dominique.confidentielle@example.net"
SECRET_PHONE = "03 20 11 22 33"
SQUARE = (
    '{"type": "Polygon", "coordinates": [[[2.86, 50.68], [2.88, 50.68], '
    "[2.88, 50.70], [2.86, 50.70], [2.86, 50.68]]]}"
)


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


def valid_siret(prefix="7328293200007"):
    for last in "0123456789":
        if luhn_ok(prefix + last):
            return prefix + last
    raise AssertionError


@pytest.fixture
def asso(world):
    org = world.organisations["asso_arm"]
    org.description = "Accompagnement scolaire des jeunes et de leurs familles."
    org.thematiques = ["famille", "education-reussite-scolaire"]
    org.publics = ["jeunes", "familles"]
    org.age_min, org.age_max = 6, 17
    org.lat, org.lon = 50.69, 2.87
    org.save()
    Contact.objects.create(
        organisation=org,
        name=SECRET_NAME,
        role="Référente famille",
        email=SECRET_EMAIL,
        phone=SECRET_PHONE,
        consent_at=timezone.now(),
    )
    return org


# ------------------------------------------------------------------ validators


def test_siret_checksum_and_la_poste_exception():
    validate_siret(valid_siret())
    validate_siret("356 000 000 00048")  # La Poste, siège
    validate_siret("35600000049837")  # a La Poste establishment: sum of digits % 5 == 0
    bad = valid_siret()[:-1] + str((int(valid_siret()[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret(bad)
    with pytest.raises(ValidationError, match="14 chiffres"):
        validate_siret("1234")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("35600000049838")


def test_rna_and_phone():
    validate_rna("W595012345")
    for bad in ("595012345", "W59501234", "X595012345"):
        with pytest.raises(ValidationError, match="W suivi de 9 chiffres"):
            validate_rna(bad)
    assert normalise_phone("+33 3 20 00 00 00") == "03 20 00 00 00"
    assert normalise_phone("03.20.00.00.00") == "03 20 00 00 00"
    assert normalise_phone("0033 6 12 34 56 78") == "06 12 34 56 78"
    for bad in ("12345", "+44 20 7946 0958", "00 20 00 00 00", "0020000000"):
        with pytest.raises(ValidationError, match="numéro français"):
            validate_phone(bad)


def test_normalise_folds_accents_case_and_plurals():
    assert normalise("Écoles ÉLÉMENTAIRES, jeunes") == " ecole elementaire jeune "
    assert normalise("") == ""


# ------------------------------------------------------------------ bad input


def _form_data(org, **changes):
    data = {
        "name": org.name,
        "kind": org.kind,
        "update_frequency_months": 6,
        "siret": "",
        "rna": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siret": "73282932000075"}, "siret", "clé de contrôle est fausse"),
        ({"rna": "12345"}, "rna", "W suivi de 9 chiffres"),
        ({"age_min": 30, "age_max": 10}, "age_max", "supérieur ou égal à l'âge minimum"),
        ({"age_min": 130}, "age_min", "inférieure ou égale à 120"),
        ({"lat": 50.6}, "lon", "latitude et la longitude"),
        ({"lat": 10, "lon": 2}, "lat", "supérieure ou égale à 41"),
        ({"postcode": "5928"}, "postcode", "5 chiffres"),
    ],
)
def test_bad_fiche_input_is_refused_in_french_and_nothing_saved(
    client, world, changes, field, message
):
    org = world.organisations["asso_arm"]
    before = org.history.count()
    client.force_login(world.users["membre"])
    response = client.post(reverse("directory:edit", args=[org.pk]), _form_data(org, **changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field]), form.errors
    assert "n'a pas été enregistrée" in text(response)
    org.refresh_from_db()
    assert org.history.count() == before
    assert org.siret == "" and org.rna == "" and org.age_min is None and org.lat is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "pas-une-adresse"}, "email", "adresse électronique valide"),
        ({"phone": "12 34"}, "phone", "numéro français"),
        ({"consent": ""}, "consent", "consentement"),
    ],
)
def test_bad_contact_input_is_refused_and_nothing_saved(client, world, changes, field, message):
    org = world.organisations["asso_arm"]
    data = {"name": "Alex", "email": "alex@example.net", "phone": "0320000000", "consent": "on"}
    data.update(changes)
    client.force_login(world.users["membre"])
    response = client.post(reverse("directory:contact_add", args=[org.pk]), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Contact.all_objects.exists()


def test_member_adds_a_contact_with_consent(client, world):
    org = world.organisations["asso_arm"]
    client.force_login(world.users["membre"])
    response = client.post(
        reverse("directory:contact_add", args=[org.pk]),
        {"name": "Alex", "email": "alex@example.net", "phone": "+33320000000", "consent": "on"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.phone == "03 20 00 00 00" and contact.consent_at is not None
    assert contact.history.get().history_user == world.users["membre"]


def test_member_edits_the_fiche_with_history(client, world):
    enjeu = Enjeu.objects.create(
        contract=Contract.objects.create(
            name="Contrat", epci=world.territories["mel"], start_year=2024, end_year=2030
        ),
        number=1,
        title="Réussite éducative",
    )
    org = world.organisations["asso_arm"]
    client.force_login(world.users["membre"])
    siret = valid_siret()
    response = client.post(
        reverse("directory:edit", args=[org.pk]),
        _form_data(
            org,
            description="Aide aux devoirs",
            siret=siret[:3] + " " + siret[3:],
            rna="w595012345",
            age_min=6,
            age_max=11,
            thematiques=["famille"],
            publics=["jeunes"],
            enjeux=[enjeu.pk],
            territories=[world.territories["qpv_arm"].pk],
            website="example.org",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    org.refresh_from_db()
    assert org.siret == siret and org.rna == "W595012345" and org.website == "https://example.org"
    assert org.last_confirmed_at is not None and not org.is_stale()
    latest = org.history.first()
    assert latest.history_user == world.users["membre"]
    assert latest.history_change_reason == "Modification de la fiche"
    # the search index follows the enjeux and the labels
    assert Organisation.objects.search("reussite educative").filter(pk=org.pk).exists()
    assert Organisation.objects.search("famille").filter(pk=org.pk).exists()


def test_people_of_another_organisation_cannot_edit(client, world):
    org = world.organisations["asso_lille"]
    client.force_login(world.users["membre"])
    assert client.get(reverse("directory:edit", args=[org.pk])).status_code == 403
    assert client.post(reverse("directory:confirm", args=[org.pk])).status_code == 403


# ------------------------------------------------------------------ freshness


def test_mark_up_to_date_and_badge(client, world):
    org = world.organisations["asso_arm"]
    assert org.freshness_label() == "Jamais confirmée à jour"
    client.force_login(world.users["porteur"])
    response = client.post(reverse("directory:confirm", args=[org.pk]))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.history.first().history_change_reason == "Fiche confirmée à jour"
    assert "Mise à jour il y a moins d'un mois" in text(client.get(org.get_absolute_url()))
    later = timezone.now() + timedelta(days=100)
    assert org.freshness_label(later) == "Mise à jour il y a 3 mois"
    assert not org.is_stale() and org.is_stale(timezone.now() + timedelta(days=200))


def test_stale_and_orphaned_list_for_the_coordinators_territory(client, world):
    now = timezone.now()
    fresh = world.organisations["pv_arm"]
    fresh.last_confirmed_at = now
    fresh.save()
    old = world.organisations["asso_arm"]
    old.last_confirmed_at = now - timedelta(days=400)
    old.update_frequency_months = 12
    old.save()
    assert set(Organisation.objects.stale()) == set(Organisation.objects.all()) - {fresh}
    assert world.organisations["asso_lille"] in Organisation.objects.orphaned()
    assert old not in Organisation.objects.orphaned()
    client.force_login(world.users["coordinateur"])
    page = text(client.get(reverse("directory_coordination:stale")))
    assert "Centre social du Bizet" in page and "Association lilloise" not in page
    assert "Caisse d'allocations familiales" in page  # contract-wide
    client.force_login(world.users["coordinateur_lille"])
    page = text(client.get(reverse("directory_coordination:stale")))
    assert "Association lilloise" in page and "Centre social du Bizet" not in page


# ------------------------------------------------------------------ search and filters


def test_search_is_accent_case_and_plural_insensitive(client, world, asso):
    e2c = Organisation.objects.create(name="École de la 2e chance", kind="association")
    assert list(Organisation.objects.search("ecole")) == [e2c]
    assert list(Organisation.objects.search("ÉCOLES")) == [e2c]
    assert asso in Organisation.objects.search("jeune")
    assert asso in Organisation.objects.search("Jeunes familles")
    assert not Organisation.objects.search("jeunes retraités").exists()
    page = text(client.get(reverse("directory:list"), {"q": "ecole"}))
    assert "École de la 2e chance" in page and "Centre social du Bizet" not in page


def test_filters(client, world, asso):
    url = reverse("directory:list")

    def names(**params):
        return {o.name for o in client.get(url, params).context["organisations"]}

    assert names(thematique="famille") == {"Centre social du Bizet"}
    assert names(public="jeunes", age=10) == {"Centre social du Bizet"}
    assert "Centre social du Bizet" not in names(age=30)
    assert "Centre social du Bizet" in names(age=30) | names(age=17)
    assert names(kind="association") == {"Association lilloise"}
    assert "Centre social du Bizet" in names(territory=world.territories["qpv_arm"].pk)
    assert "Association lilloise" not in names(territory=world.territories["qpv_arm"].pk)
    response = client.get(url, {"age": "200"})
    assert response.status_code == 200 and "inférieure ou égale à 120" in text(response)


def test_list_and_search_run_a_constant_number_of_queries(
    client, world, asso, django_assert_max_num_queries
):
    contract = Contract.objects.create(
        name="Contrat", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    enjeu = Enjeu.objects.create(contract=contract, number=2, title="Emploi")
    url = reverse("directory:list")
    client.force_login(world.users["membre"])
    for params in ({}, {"q": "association", "age": "20"}):
        with django_assert_max_num_queries(30) as few:
            client.get(url, params)
        for i in range(25):
            o = Organisation.objects.create(
                name=f"Association {i}", kind="association", territory=world.territories["lille"]
            )
            o.enjeux.add(enjeu)
            Place.objects.create(organisation=o, name="Local")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url, params)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("directory:help"), {"need": "association", "age": "20"})


# ------------------------------------------------------------------ places, qui peut aider


def test_place_is_classified_with_locate(world):
    qpv = world.territories["qpv_arm"]
    qpv.geometry = SQUARE
    qpv.save()
    org = world.organisations["asso_arm"]
    inside = Place.objects.create(organisation=org, name="Local", lat=50.69, lon=2.87)
    outside = Place.objects.create(organisation=org, name="Antenne", lat=50.60, lon=3.05)
    nowhere = Place.objects.create(organisation=org, name="Sans coordonnées")
    assert (inside.classification, inside.territory) == ("qpv", qpv)
    assert (outside.classification, outside.territory) == ("hors", None)
    assert nowhere.classification == ""


def test_who_can_help_nearest_first(client, world, asso):
    qpv = world.territories["qpv_arm"]
    qpv.geometry = SQUARE
    qpv.save()
    far = Organisation.objects.create(
        name="Soutien scolaire de Lille", kind="association", lat=50.63, lon=3.06,
        thematiques=["famille"], age_min=5, age_max=18,
    )  # fmt: skip
    adults = Organisation.objects.create(
        name="Familles adultes", kind="association", thematiques=["famille"], age_min=18
    )
    helpers = services.who_can_help(thematique="famille", age=12, lat=50.69, lon=2.87)
    assert [h.organisation for h in helpers] == [asso, far]
    assert helpers[0].distance_km < 0.1 < helpers[1].distance_km
    assert adults not in [h.organisation for h in services.who_can_help(age=12)]
    response = client.get(
        reverse("directory:help"), {"thematique": "famille", "age": "12", "place": qpv.pk}
    )
    page = text(response)
    assert page.index("Centre social du Bizet") < page.index("Soutien scolaire de Lille")
    assert SECRET_EMAIL not in page and SECRET_NAME not in page
    bad = client.get(reverse("directory:help"), {"lat": "40.7", "lon": "-74.0"})
    assert "Votre position semble hors de France" in text(bad)


# ------------------------------------------------------------------ no personal data


def _zip_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


@pytest.mark.parametrize("role", ["anonyme", "sans_role"])
def test_no_personal_data_for_the_public(client, world, asso, role):
    if world.users[role] is not None:
        client.force_login(world.users[role])
    secrets = (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, "Référente famille")
    pages = [
        client.get(reverse("directory:list")),
        client.get(reverse("directory:list"), {"q": "Dominique"}),
        client.get(reverse("directory:list"), {"q": "confidentielle example"}),
        client.get(asso.get_absolute_url()),
        client.get(reverse("directory:help"), {"need": "famille", "lat": "50.69", "lon": "2.87"}),
        client.get(reverse("api:organisations")),
        client.get(reverse("api:organisations"), {"q": "Dominique"}),
        client.get(reverse("api:organisation", args=[asso.pk])),
        client.get(reverse("directory:export", args=["csv"])),
    ]
    bodies = [r.content.decode("utf-8-sig") for r in pages]
    for fmt in ("ods", "xlsx"):
        bodies.append(_zip_text(client.get(reverse("directory:export", args=[fmt])).content))
    for body in bodies:
        for secret in secrets:
            assert secret not in body
    assert pages[7].json()["contacts"] is None
    assert "Centre social du Bizet" in bodies[8]
    assert not Organisation.objects.search("Dominique").exists()


@pytest.mark.parametrize("role", ["porteur", "membre", "coordinateur_lille", "administrateur"])
def test_logged_in_partners_see_contacts(client, world, asso, role):
    client.force_login(world.users[role])
    page = text(client.get(asso.get_absolute_url()))
    assert SECRET_EMAIL in page and SECRET_PHONE in page
    data = client.get(reverse("api:organisation", args=[asso.pk])).json()
    assert data["contacts"][0]["email"] == SECRET_EMAIL
    # exports stay without personal data, whoever asks
    assert SECRET_EMAIL not in client.get(reverse("directory:export", args=["csv"])).content.decode(
        "utf-8-sig"
    )


def test_api_is_in_the_openapi(client, world):
    schema = client.get(reverse("api:openapi-json")).json()
    assert "/api/annuaire/organisations" in schema["paths"]
    assert "/api/annuaire/organisations/{pk}" in schema["paths"]


# ------------------------------------------------------------------ seed


def test_load_directory_is_idempotent_and_keeps_edits(db, capsys):
    call_command("load_territories")
    call_command("load_contract")
    call_command("load_directory")
    mns = Organisation.objects.get(key="arm-mns")
    assert mns.kind == "droit_commun"
    assert sorted(mns.enjeux.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert mns.territory.code == "59017"
    assert not Contact.objects.exists()
    names = set(Organisation.objects.values_list("name", flat=True))
    assert {"École de la 2e chance", "CS 4Saisons", "Habitat du Nord", "CIDFF"} <= names
    assert not names & {"CS...", "CHA ?", "Collectifs citoyens", "Chef d'établissement collège"}
    count = Organisation.objects.count()
    mns.name = "MNS (Maison Nord Solidarités)"
    mns.save()
    Organisation.objects.get(key="arm-cidff").soft_delete()
    capsys.readouterr()
    call_command("load_directory")
    out = capsys.readouterr().out
    assert "Organisations créées : 0" in out and "Organisations mises à jour : 0" in out
    assert Organisation.all_objects.count() == count
    assert Organisation.objects.get(key="arm-mns").name == "MNS (Maison Nord Solidarités)"
    assert Organisation.objects.search("ecole").filter(key="arm-e2c").exists()


def test_contact_form_is_a_form_with_consent():
    form = ContactForm({"name": "A", "email": "a@example.net", "consent": "on"})
    assert form.is_valid()
    assert OrganisationForm().fields["thematiques"].choices[0][0] == "choisir-un-metier"
