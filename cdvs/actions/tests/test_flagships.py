"""Projets phares: at most three a contract, a chef de projet, milestones, and a report
for each comité de pilotage, frozen once the meeting is held."""

import html
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cdvs.actions import flagships
from cdvs.actions.models import Action, Flagship, Milestone, StatusReport
from cdvs.directory.models import Contact
from cdvs.meetings.models import Meeting, MeetingStatus
from cdvs.testing import plain


def text(response) -> str:
    return html.unescape(plain(response.content.decode()))


def _action(plan, world, title):
    return Action.objects.create(contract=plan.contract, title=title,
                                 porteur=world.organisations["asso_arm"],
                                 commune=world.territories["armentieres"])  # fmt: skip


@pytest.fixture
def flagship(plan, world):
    return flagships.choose(plan.action, {"lead_user": world.users["coordinateur"]},
                            world.users["coordinateur"])  # fmt: skip


def _meeting(plan, day, **extra):
    series = flagships.steering_series(plan.contract)
    return Meeting.objects.create(series=series, title="Comité de pilotage", day=day,
                                  window_start=day, window_end=day, sort_date=day, **extra)  # fmt: skip


def test_at_most_three_a_contract_refused_in_french(plan, world, flagship):
    user = world.users["coordinateur"]
    assert flagship.contract == plan.contract and flagship.lead_label
    series = flagships.steering_series(plan.contract)
    assert series.name == "Comité de pilotage du contrat de ville et des solidarités"
    with pytest.raises(ValidationError, match="déjà un projet phare"):
        flagships.choose(plan.action, {}, user)
    flagships.choose(_action(plan, world, "B"), {}, user)
    flagships.choose(_action(plan, world, "C"), {}, user)
    fourth = _action(plan, world, "D")
    with pytest.raises(ValidationError) as info:
        flagships.choose(fourth, {}, user)
    assert "déjà trois projets phares" in info.value.messages[0]
    assert Flagship.objects.count() == 3
    # one withdrawn: another may be chosen
    flagship.soft_delete(user)
    flagships.choose(fourth, {}, user)
    assert Flagship.objects.count() == 3


def test_chef_de_projet_and_permissions(plan, world):
    contact = Contact.objects.create(
        organisation=world.organisations["pv_arm"], name="Sam Chef", consent_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="pas les deux"):
        flagships.choose(plan.action, {"lead_user": world.users["membre"],
                                       "lead_contact": contact}, world.users["coordinateur"])  # fmt: skip
    for role in ("porteur", "membre", "coordinateur_lille"):
        with pytest.raises(PermissionDenied):
            flagships.choose(plan.action, {}, world.users[role])
    assert not Flagship.all_objects.exists()
    item = flagships.choose(plan.action, {"lead_contact": contact}, world.users["coordinateur"])
    assert item.lead_label == "Sam Chef"


@pytest.mark.parametrize(
    "values, message",
    [
        ({"label": "Ouverture", "due_on": date(2031, 1, 1)}, "entre 2024 et 2030"),
        ({"label": "Ouverture", "due_on": date(2026, 1, 1), "done": True}, "Indiquez la date"),
        ({"label": "Ouverture", "due_on": date(2026, 1, 1), "done_on": date(2025, 1, 1)},
         "cochez « atteint »"),
        ({"label": "Ouverture", "due_on": date(2026, 1, 1), "done": True,
          "done_on": date(2026, 6, 2)}, "après aujourd'hui"),
        ({"label": "x" * 10_000, "due_on": date(2026, 1, 1)}, "au plus"),
        ({"label": "\ud800", "due_on": date(2026, 1, 1)}, "invalide"),
    ],
)  # fmt: skip
def test_bad_milestones_refused_nothing_saved(world, flagship, values, message):
    with pytest.raises(ValidationError) as info:
        flagships.save_milestone(Milestone(flagship=flagship), values,
                                 world.users["coordinateur"], today=date(2026, 6, 1))  # fmt: skip
    assert message in " ".join(info.value.messages)
    assert not Milestone.objects.exists()


def test_a_report_per_meeting_frozen_once_held(plan, world, flagship):
    user = world.users["coordinateur"]
    flagships.save_milestone(Milestone(flagship=flagship),
                             {"label": "Lancement", "due_on": date(2026, 1, 1)}, user)  # fmt: skip
    soon = timezone.localdate() + timedelta(days=10)
    meeting = _meeting(plan, soon)
    report = flagships.save_report(flagship, meeting, "Lancé, en avance.", user)
    assert report.milestones == [{"label": "Lancement", "due_on": "2026-01-01", "done": False,
                                  "done_on": None}]  # fmt: skip
    flagships.save_report(flagship, meeting, "Lancé.", user)
    assert StatusReport.objects.get().text == "Lancé."
    # held: frozen, in French; the day past: frozen too
    meeting.status = MeetingStatus.HELD
    meeting.save()
    with pytest.raises(ValidationError, match="figé"):
        flagships.save_report(flagship, meeting, "Réécrit", user)
    past = _meeting(plan, timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError, match="figé"):
        flagships.save_report(flagship, past, "Après coup", user)
    assert StatusReport.objects.get().text == "Lancé."
    # a meeting of another instance, bad texts
    other = Meeting.objects.create(title="Autre", day=soon, window_start=soon, window_end=soon,
                                   sort_date=soon)  # fmt: skip
    with pytest.raises(ValidationError, match="comité de pilotage du contrat"):
        flagships.save_report(flagship, other, "x", user)
    later = _meeting(plan, soon + timedelta(days=30))
    for text, message in (("x" * 10_000, "au plus"), ("\ud800", "invalide"), (" ", "vide")):
        with pytest.raises(ValidationError) as info:
            flagships.save_report(flagship, later, text, user)
        assert message in " ".join(info.value.messages)
    assert StatusReport.objects.count() == 1


def test_pages(client, plan, world, flagship):
    soon = timezone.localdate() + timedelta(days=10)
    meeting = _meeting(plan, soon, visibility="partenaires")
    client.force_login(world.users["coordinateur"])
    page = text(client.get(reverse("actions:flagships")))
    assert "Un point d'étape sera réalisé en 2027." in page and "Atelier" in page
    url = reverse("actions_coordination:report", args=[flagship.pk, meeting.pk])
    assert client.post(url, {"text": "Avance bien"}).status_code == 302
    response = client.post(
        reverse("actions_coordination:milestone_add", args=[flagship.pk]),
        {"label": "Fin", "due_on": "2035-01-01"},
    )
    assert "entre 2024 et 2030" in text(response)
    assert not Milestone.objects.exists()
    meeting.status = MeetingStatus.HELD
    meeting.save()
    response = client.post(url, {"text": "Changé"})
    assert "figé" in text(response)
    assert StatusReport.objects.get().text == "Avance bien"
    client.force_login(world.users["membre"])
    page = text(client.get(flagship.get_absolute_url()))
    assert "Avance bien" in page and "point d'étape figé" in page and "Rédiger" not in page
    assert "Projet phare" in text(client.get(plan.action.get_absolute_url()))
    assert client.post(url, {"text": "x"}).status_code == 403
    # the choosing page refuses a fourth in French
    client.force_login(world.users["coordinateur"])
    for title in ("B", "C"):
        flagships.choose(_action(plan, world, title), {}, world.users["coordinateur"])
    d = _action(plan, world, "D")
    response = client.post(reverse("actions_coordination:flagship_create"), {"action": d.pk})
    assert "déjà trois projets phares" in text(response)
    assert Flagship.objects.count() == 3
