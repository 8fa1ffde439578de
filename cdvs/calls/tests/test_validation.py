"""Bad input gets a French message and saves nothing; amounts in French format."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from cdvs.calls.models import CallForProjects
from cdvs.calls.templatetags.calls_format import amount_range, euros

pytestmark = pytest.mark.django_db


def _data(**extra):
    data = {
        "title": "Appel à projets jeunesse",
        "funder_name": "CAF du Nord",
        "nature": "droit_commun",
        "opens_on": "2025-02-01",
        "closes_on": "2025-03-31",
        "visibility": "public",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"closes_on": "2025-01-01"}, "closes_on", "La date de clôture doit suivre"),
        ({"amount_min": "-5"}, "amount_min", "Le montant ne peut pas être négatif."),
        (
            {"amount_min": "5000", "amount_max": "1000"},
            "amount_max",
            "Le montant maximum doit être supérieur ou égal au montant minimum.",
        ),
        ({"envelope": "100", "amount_max": "1000"}, "envelope", "L'enveloppe totale"),
        ({"closes_on": "", "recurrence": "annuelle"}, "recurrence", "Un appel récurrent"),
        ({"opens_on": "31/02/2025"}, "opens_on", "Saisissez une date valide."),
        ({"description": "<script>alert(1)</script>"}, "description", "Le HTML n'est pas"),
        ({"title": ""}, "title", "Ce champ est obligatoire."),
    ],
)
def test_bad_input_is_refused_in_french(client, world, extra, field, message):
    client.force_login(world.users["coordinateur"])
    response = client.post(reverse("calls_coordination:create"), _data(**extra))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not CallForProjects.all_objects.exists()


def test_valid_call_is_saved_with_its_history(client, world):
    client.force_login(world.users["coordinateur"])
    response = client.post(
        reverse("calls_coordination:create"), _data(amount_min="1000", amount_max="1710.5")
    )
    call = CallForProjects.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:detail", args=[call.pk])
    assert call.amount_max == Decimal("1710.50")
    record = call.history.get()
    assert record.history_user == world.users["coordinateur"]


def test_coordinator_of_lille_cannot_file_a_call_under_armentieres(client, world):
    client.force_login(world.users["coordinateur_lille"])
    response = client.post(
        reverse("calls_coordination:create"), _data(commune=world.territories["armentieres"].pk)
    )
    assert response.status_code == 403
    assert not CallForProjects.all_objects.exists()


def test_euros_in_french_format():
    assert euros(Decimal("1710")) == "1\u202f710\u00a0€"
    assert euros(Decimal("2500.5")) == "2\u202f500,50\u00a0€"
    assert euros(Decimal("1234567")) == "1\u202f234\u202f567\u00a0€"
    assert euros(None) == ""
    call = CallForProjects(amount_min=Decimal("1000"), amount_max=Decimal("5000"))
    assert amount_range(call) == "de 1\u202f000\u00a0€ à 5\u202f000\u00a0€"
    assert amount_range(CallForProjects(amount_max=Decimal("800"))) == "jusqu'à 800\u00a0€"


def test_model_clean_refuses_dates_out_of_order():
    from django.core.exceptions import ValidationError

    call = CallForProjects(
        title="x", funder_name="y", opens_on=date(2025, 3, 1), closes_on=date(2025, 2, 1)
    )
    with pytest.raises(ValidationError) as exc:
        call.full_clean()
    assert "closes_on" in exc.value.message_dict
