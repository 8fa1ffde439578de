"""The one way to write history: `save_with_history` and `mark_history` (core.history)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from simple_history.models import HistoricalRecords

from cdvs.core.history import mark_history, save_with_history
from cdvs.territories.models import Kind, Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user(email="auteur@example.org", password="x-Secret-9")


@pytest.fixture
def signed_in_request(user):
    """As in a page: simple-history's middleware holds a signed-in request."""
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.create_user(
        email="autre@example.org", password="x-Secret-9"
    )
    HistoricalRecords.context.request = request
    yield request
    del HistoricalRecords.context.request


def territory(**values):
    return Territory(kind=Kind.COMMUNE, code="99001", name="Commune de test", **values)


def test_the_record_names_the_user_and_the_reason(user):
    saved = save_with_history(territory(), user, "Création")
    record = saved.history.get()
    assert (record.history_user, record.history_change_reason) == (user, "Création")
    assert record.history_type == "+"


@pytest.mark.parametrize("nobody", [None, AnonymousUser()])
def test_no_signed_in_user_is_recorded_as_nobody_not_the_requests_user(signed_in_request, nobody):
    record = save_with_history(territory(), nobody, "Chargement").history.get()
    assert record.history_user is None
    assert record.history_change_reason == "Chargement"


def test_update_fields_are_passed_to_save(user):
    obj = save_with_history(territory(), user, "Création")
    obj.name, obj.code = "Nouveau nom", "99002"
    save_with_history(obj, user, "Renommée", update_fields=["name"])
    obj.refresh_from_db()
    assert (obj.name, obj.code) == ("Nouveau nom", "99001")
    assert obj.history.first().history_change_reason == "Renommée"


def test_no_validation_here(user):
    # the forms have validated: a blank name (refused by full_clean) is saved as given
    obj = Territory(kind=Kind.COMMUNE, code="99001", name="")
    assert save_with_history(obj, user, "Sans nom").pk


def test_mark_history_serves_a_delete_and_the_trash_follows_the_same_rule(user, signed_in_request):
    obj = save_with_history(territory(), user, "Création")
    obj.soft_delete(None, "Mis à la corbeille")
    assert obj.history.first().history_user is None
    obj.restore(user)
    assert (obj.history.first().history_user, obj.history.first().history_change_reason) == (
        user,
        "Restauré",
    )
    pk = obj.pk
    mark_history(obj, user, "Supprimé").delete()
    record = Territory.history.filter(id=pk).first()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        user,
        "Supprimé",
    )
