"""Alerts: organisations whose competences match, saved searches (instant and weekly),
never the same call twice to a person, only what they may see, one-click unsubscribe."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from cdvs.calls import alerts
from cdvs.calls.models import CallAlertDelivery, OrganisationAlertOptOut, SavedSearch
from cdvs.testing import make_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def competences(world, enjeux):
    """The Armentières association (its porteur and membre) works on enjeu 1, in its
    QPV; the Lille association on enjeu 2."""
    o = world.organisations
    o["asso_arm"].enjeux.add(enjeux[1])
    o["asso_arm"].territories.add(world.territories["qpv_arm"])
    o["asso_lille"].enjeux.add(enjeux[2])
    return world


def _recipients(mailoutbox):
    return sorted(to for m in mailoutbox for to in m.to)


def test_matching_organisations(competences, enjeux, frozen):
    w = competences
    o, t = w.organisations, w.territories
    emploi = make_call("Emploi", enjeux=[enjeux[1]])
    emploi_lille = make_call("Emploi à Lille", enjeux=[enjeux[1]], territories=[t["lille"]])
    emploi_armentieres = make_call(
        "Emploi à Armentières", enjeux=[enjeux[1]], territories=[t["armentieres"]]
    )
    for_associations = make_call("Associations", enjeux=[enjeux[1]], carriers=["association"])
    nothing = make_call("Sans cible")
    found = alerts.matching_organisations(
        [emploi, emploi_lille, emploi_armentieres, for_associations, nothing]
    )
    assert o["asso_arm"].pk in found[emploi.pk]
    assert o["asso_lille"].pk not in found[emploi.pk]
    assert o["asso_arm"].pk not in found[emploi_lille.pk]  # its QPV is in Armentières
    assert o["asso_arm"].pk in found[emploi_armentieres.pk]
    assert o["asso_arm"].pk not in found[for_associations.pk]  # a centre social
    assert found[nothing.pk] == set()


def test_organisation_alerts_go_to_members_once(
    competences, enjeux, frozen, immediate_tasks, mailoutbox
):
    make_call("Emploi des jeunes", enjeux=[enjeux[1]])
    make_call("Réservé aux partenaires", enjeux=[enjeux[1]], visibility="partenaires")
    make_call("Réservé à la coordination", enjeux=[enjeux[1]], visibility="coordination")
    make_call("Éducation", enjeux=[enjeux[2]])
    call_command("send_call_alerts", stdout=io.StringIO())
    assert _recipients(mailoutbox) == ["membre@example.org", "porteur@example.org"]
    message = mailoutbox[0]
    assert "Emploi des jeunes" in message.body
    assert "Réservé aux partenaires" in message.body
    assert "Réservé à la coordination" not in message.body  # not for them
    assert "Éducation" not in message.body
    assert message.body.count("Emploi des jeunes") == 1
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert CallAlertDelivery.objects.count() == 4
    # a second run announces nothing again
    mailoutbox.clear()
    call_command("send_call_alerts", stdout=io.StringIO())
    assert mailoutbox == []


def test_saved_searches_and_organisations_never_repeat_a_call(
    competences, enjeux, frozen, immediate_tasks, mailoutbox, time_machine
):
    member = competences.users["membre"]
    SavedSearch.objects.create(user=member, name="Emploi", query=f"enjeu={enjeux[1].pk}",
                               frequency="immediate")  # fmt: skip
    SavedSearch.objects.create(user=member, name="Tout", query="", frequency="immediate")
    time_machine.move_to("2025-01-16 10:00:00+01:00", tick=False)
    make_call("Emploi des jeunes", enjeux=[enjeux[1]])
    make_call("Culture", funder_name="DRAC")
    alerts.send_alerts("immediate")
    to_member = [m for m in mailoutbox if m.to == ["membre@example.org"]]
    bodies = "\n".join(m.body for m in to_member)
    assert bodies.count("Emploi des jeunes") == 1
    assert bodies.count("Culture") == 1
    assert len(to_member) == 2  # the "Emploi" search, then "Tout" with what is left
    # the porteur gets the organisation's alert
    assert any(m.to == ["porteur@example.org"] for m in mailoutbox)


def test_saved_search_sees_only_what_its_owner_may_see(
    world, frozen, immediate_tasks, mailoutbox, time_machine
):
    SavedSearch.objects.create(user=world.users["sans_role"], name="Tout", frequency="hebdomadaire")
    SavedSearch.objects.create(user=world.users["porteur"], name="Tout", frequency="hebdomadaire")
    time_machine.move_to("2025-01-20 10:00:00+01:00", tick=False)
    make_call("Public")
    make_call("Partenaires", visibility="partenaires")
    make_call("Coordination", visibility="coordination")
    make_call("Déjà clos", opens_on=date(2024, 1, 1), closes_on=date(2024, 3, 1))
    assert alerts.send_alerts("immediate").emails == 0  # weekly searches wait for the weekly run
    alerts.send_alerts("hebdomadaire")
    by_person = {m.to[0]: m.body for m in mailoutbox}
    assert "Public" in by_person["sans.role@example.org"]
    assert "Partenaires" not in by_person["sans.role@example.org"]
    assert "Partenaires" in by_person["porteur@example.org"]
    for body in by_person.values():
        assert "Coordination" not in body
        assert "Déjà clos" not in body


def test_one_click_unsubscribe(
    client, world, competences, enjeux, frozen, immediate_tasks, mailoutbox
):
    member = world.users["membre"]
    search = SavedSearch.objects.create(user=member, name="Tout", frequency="immediate")
    token = alerts.unsubscribe_token(member.pk, search.pk)
    url = reverse("calls:unsubscribe", args=[token])
    # a GET (link scanner) changes nothing
    assert "Me désabonner" in client.get(url).content.decode()
    search.refresh_from_db()
    assert search.active
    # the mail client's one-click POST, without session nor CSRF token
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    search.refresh_from_db()
    assert not search.active
    org_url = reverse("calls:unsubscribe", args=[alerts.unsubscribe_token(member.pk, None)])
    csrf_client.post(org_url)
    assert OrganisationAlertOptOut.objects.filter(user=member).exists()
    make_call("Emploi", enjeux=[enjeux[1]])
    alerts.send_alerts("immediate")
    assert _recipients(mailoutbox) == ["porteur@example.org"]
    # a forged token is refused
    bad = reverse("calls:unsubscribe", args=[token[:-2] + "xx"])
    assert csrf_client.post(bad).status_code == 400


def test_save_a_search_from_the_list(client, world, enjeux):
    client.force_login(world.users["porteur"])
    response = client.post(
        reverse("calls:save_search"),
        {"name": "Emploi", "frequency": "hebdomadaire", "enjeu": enjeux[1].pk, "bogus": "x"},
    )
    assert response.status_code == 302
    search = SavedSearch.objects.get()
    assert search.query == f"enjeu={enjeux[1].pk}"
    assert search.user == world.users["porteur"]
    page = client.get(reverse("calls:alerts")).content.decode()
    assert "Emploi" in page and ".ics" in page
    other = world.users["membre"]
    client.force_login(other)
    assert client.post(reverse("calls:delete_search", args=[search.pk])).status_code == 404
