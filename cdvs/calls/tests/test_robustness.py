"""No input breaks the service: implausible dates are refused by the form and the
import, a bad stored row never breaks the deadlines feed, and one saved search that
cannot be read never stops the alerts of the others."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cdvs.calls import alerts
from cdvs.calls.models import CallForProjects, SavedSearch
from cdvs.core.validators import DATE_RANGE_MESSAGE
from cdvs.testing import make_call

from .test_imports import HEADER
from .test_validation import _data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["opens_on", "closes_on", "recurrence_until"])
def test_form_refuses_a_date_far_in_the_future(client, world, field):
    client.force_login(world.users["coordinateur"])
    extra = {field: "9999-12-31"}
    if field == "recurrence_until":
        extra["recurrence"] = "annuelle"
    response = client.post(reverse("calls_coordination:create"), _data(**extra))
    assert response.status_code == 200
    assert DATE_RANGE_MESSAGE in response.context["form"].errors[field]
    assert not CallForProjects.all_objects.exists()


def test_import_refuses_a_date_far_in_the_future(client, world, enjeux):
    client.force_login(world.users["coordinateur"])
    content = (HEADER + "Lointain;État;01/05/2025;31/12/9999;;;;;\n").encode("utf-8")
    response = client.post(
        reverse("calls_coordination:import"),
        {"file": SimpleUploadedFile("appels.csv", content), "visibility": "public"},
    )
    errors = [str(e) for e in response.context["result"].errors]
    assert any("comprise entre le 01/01/1990" in e for e in errors), errors
    assert not CallForProjects.objects.exists()


def test_deadlines_feed_survives_a_stored_implausible_date(client, world, frozen):
    good = make_call("Appel sain", closes_on=date(2025, 3, 31))
    bad = make_call("Appel lointain", closes_on=date(2025, 3, 31))
    # stored before the bound existed (or written around the forms)
    CallForProjects.objects.filter(pk=bad.pk).update(closes_on=date(9999, 12, 31))
    response = client.get(reverse("calls:public_feed"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Appel sain" in body
    assert "Appel lointain" not in body
    assert good.pk


def _searches(world):
    o = world.users
    broken = SavedSearch.objects.create(
        user=o["porteur"], name="Cassée", query="territoire=9223372036854775808",
        frequency="immediate",
    )  # fmt: skip
    healthy = SavedSearch.objects.create(user=o["membre"], name="Tout", frequency="immediate")
    return broken, healthy


def test_a_saved_search_that_cannot_be_read_never_stops_the_others(
    world, frozen, immediate_tasks, mailoutbox, monkeypatch
):
    broken, healthy = _searches(world)
    real = alerts.clean_filters

    def clean_filters(query):
        # whatever bounds the filters get, a stored search whose reading raises
        if query.get("territoire") == "9223372036854775808":
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return real(query)

    monkeypatch.setattr(alerts, "clean_filters", clean_filters)
    make_call("Nouvel appel")
    call_command("send_call_alerts", stdout=io.StringIO())
    to_people = [m for m in mailoutbox if m.to != ["admin@example.org"]]
    assert [m.to for m in to_people] == [["membre@example.org"]]
    report = [m for m in mailoutbox if m.to == ["admin@example.org"]]
    assert len(report) == 1
    assert "send_call_alerts" in report[0].subject
    assert f"SavedSearch n° {broken.pk}" in report[0].body


def test_a_search_with_a_huge_territory_id_never_stops_the_alerts(
    world, frozen, immediate_tasks, mailoutbox
):
    _searches(world)
    make_call("Nouvel appel")
    report = alerts.send_alerts("immediate")
    assert "membre@example.org" in [to for m in mailoutbox for to in m.to]
    assert report.emails >= 1


def test_a_failing_email_is_reported_and_the_others_leave(
    world, frozen, immediate_tasks, mailoutbox, monkeypatch
):
    for role in ("porteur", "membre"):
        SavedSearch.objects.create(user=world.users[role], name="Tout", frequency="immediate")
    make_call("Nouvel appel")
    real = alerts._unsubscribe_url

    def unsubscribe_url(email):
        if email.user.email == "porteur@example.org":
            raise RuntimeError("panne")
        return real(email)

    monkeypatch.setattr(alerts, "_unsubscribe_url", unsubscribe_url)
    report = alerts.send_alerts("immediate")
    assert report.emails == 1
    people = sorted(to for m in mailoutbox for to in m.to if to != "admin@example.org")
    assert people == ["membre@example.org"]
    admin = [m for m in mailoutbox if m.to == ["admin@example.org"]]
    assert len(admin) == 1 and "panne" in admin[0].body
    # the failed one is not marked as told: the next run tries again
    monkeypatch.setattr(alerts, "_unsubscribe_url", real)
    assert alerts.send_alerts("immediate").emails == 1


def test_coordination_calls_stay_within_the_coordinators_scope(client, world, frozen):
    call = make_call(
        "Appel de coordination d'Armentières",
        visibility="coordination",
        commune=world.territories["armentieres"],
    )
    client.force_login(world.users["coordinateur_lille"])
    assert client.get(reverse("calls:detail", args=[call.pk])).status_code == 403
    assert client.get(f"/api/appels/{call.pk}").status_code == 404
    assert call.title not in {c["title"] for c in client.get("/api/appels").json()}
    assert call.title not in client.get(reverse("calls:list")).content.decode()
    client.force_login(world.users["coordinateur"])
    assert client.get(reverse("calls:detail", args=[call.pk])).status_code == 200
    assert client.get(f"/api/appels/{call.pk}").status_code == 200
