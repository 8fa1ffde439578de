"""The yearly cycle of the CPO actions: a Copil de suivi annuel and a dialogue de gestion
per action and year, in the instances of the commune, created once; their next steps
and the bilans in the action's page."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cdvs.actions import cycle, services
from cdvs.actions.models import Convention, CycleKind, CycleMeeting, Status
from cdvs.actions.views import timeline
from cdvs.core.scheduler import JOBS
from cdvs.meetings.models import Meeting, MeetingSeries, NextStep
from cdvs.testing import plain


def text(response) -> str:
    return html.unescape(plain(response.content.decode()))


@pytest.fixture
def cpo(plan, world):
    """A CPO 2025-2027 of the action, and the loaded « Copil de suivi annuel » instance of
    Armentières (the dialogue de gestion's is missing: the tool makes it)."""
    convention = services.save_convention(
        Convention(contract=plan.contract),
        {"title": "CPO Atelier", "porteur": world.organisations["asso_arm"],
         "commune": world.territories["armentieres"], "start_year": 2025},
        {2025: Decimal("1000")}, [plan.action], world.users["coordinateur"],
    )  # fmt: skip
    MeetingSeries.objects.create(
        key="armentieres-copil-suivi-cpo", name="Copil de suivi annuel",
        short_name="Copil de suivi annuel (actions en CPO)", commune=world.territories["armentieres"],
        period="annee", period_start=date(2024, 1, 1), period_end=date(2030, 12, 31),
    )  # fmt: skip
    return convention


def test_each_cpo_action_gets_its_copil_and_dialogue_once(plan, world, cpo):
    coordinator = world.users["coordinateur"]
    report = cycle.create_year(plan.contract, 2025, coordinator)
    assert report.created == {CycleKind.COPIL: 1, CycleKind.DIALOGUE: 1}
    copil = CycleMeeting.objects.get(kind=CycleKind.COPIL).meeting
    dialogue = CycleMeeting.objects.get(kind=CycleKind.DIALOGUE).meeting
    assert copil.series.key == "armentieres-copil-suivi-cpo"
    assert copil.title == "Copil de suivi annuel (actions en CPO) 2025 — Atelier"
    assert copil.organiser == world.organisations["asso_arm"]
    assert (copil.window_start, copil.window_end) == (date(2025, 1, 1), date(2025, 12, 31))
    # the dialogue's instance, made from the contract's words
    assert dialogue.series.name == "dialogue de gestion"
    assert dialogue.series.period == "fin_annee" and dialogue.window_label == "fin d'année 2025"
    assert "invités à un dialogue de gestion en fin d'année" in dialogue.series.description
    assert dialogue.attendances.get().organisation == world.organisations["asso_arm"]
    # a second click, and the job, create nothing more
    again = cycle.create_year(plan.contract, 2025, coordinator)
    assert again.created == {CycleKind.COPIL: 0, CycleKind.DIALOGUE: 0} and again.existing == 2
    cycle.run_job(date(2025, 6, 1))
    assert Meeting.objects.count() == 2 and MeetingSeries.objects.count() == 2
    # another year: its own meetings; a year outside the CPO: none
    cycle.create_year(plan.contract, 2026, coordinator)
    cycle.create_year(plan.contract, 2028, coordinator)
    assert sorted(CycleMeeting.objects.values_list("year", flat=True)) == [2025, 2025, 2026, 2026]


def test_the_job_is_scheduled_and_creates_this_years_meetings(plan, world, cpo):
    assert any(j.name == "cycle-cpo" and j.command == "create_cpo_cycle" for j in JOBS)
    report = cycle.run_job(date(2026, 1, 2))
    assert report.created == {CycleKind.COPIL: 1, CycleKind.DIALOGUE: 1}
    assert set(CycleMeeting.objects.values_list("year", flat=True)) == {2026}


def test_scope_year_and_closed_actions(plan, world, cpo):
    # a coordinator of Lille manages no CPO of Armentières; a partner may not press
    assert cycle.create_year(plan.contract, 2025, world.users["coordinateur_lille"]).created == {
        CycleKind.COPIL: 0, CycleKind.DIALOGUE: 0
    }  # fmt: skip
    with pytest.raises(PermissionDenied):
        cycle.create_year(plan.contract, 2025, world.users["porteur"])
    for year in (2023, 9999, 2**63):
        with pytest.raises(ValidationError, match="comprise entre 2024 et 2030"):
            cycle.create_year(plan.contract, year, world.users["coordinateur"])
    plan.action.status = Status.ABANDONED
    plan.action.save()
    cycle.create_year(plan.contract, 2025, world.users["coordinateur"])
    assert not Meeting.objects.exists()


def test_the_button_and_the_action_page(client, plan, world, cpo):
    client.force_login(world.users["coordinateur"])
    page = text(client.get(reverse("actions:conventions")))
    assert "Créer les Copil et dialogues de gestion de l'année 2025" in page
    url = reverse("actions_coordination:cycle_year", args=[2025])
    response = client.post(url, follow=True)
    assert "Copil de suivi annuel 2025 créés : 1" in text(response)
    client.post(url)
    assert CycleMeeting.objects.count() == 2
    for year in (2023, 9999, 2**63):
        assert client.post(f"/actions/gestion/cpo/cycle/{year}/").status_code == 404
    assert client.get(url).status_code == 405
    # the meetings' next steps are the action's; the timeline shows the Copil
    copil = CycleMeeting.objects.get(kind=CycleKind.COPIL).meeting
    NextStep.objects.create(meeting=copil, what="Envoyer le bilan intermédiaire",
                            due_date=date(2025, 2, 1))  # fmt: skip
    page = text(client.get(plan.action.get_absolute_url()))
    assert "Envoyer le bilan intermédiaire" in page and "(en retard)" in page
    assert "Copil de suivi annuel (actions en CPO) 2025 — Atelier (année 2025 : date à fixer)" in (
        page
    )
    page = text(client.get(reverse("actions:convention", args=[cpo.pk])))
    assert (
        "Dialogue de gestion 2025 — Atelier" in page or "dialogue de gestion 2025 — Atelier" in page
    )
    client.force_login(world.users["porteur"])
    assert (
        "Envoyer le bilan intermédiaire"
        in client.get(plan.action.get_absolute_url()).content.decode()
    )


def test_the_bilans_join_the_timeline_through_the_registry(plan, world):
    from cdvs.evaluation.models import Bilan

    Bilan.objects.create(action=plan.action, year=2025, submitted_on=date(2026, 3, 1))
    texts = [e.text for e in timeline(plan.action, world.users["coordinateur"])]
    assert "Bilan 2025 transmis" in texts
    assert "Bilan 2025 transmis" not in [
        e.text for e in timeline(plan.action, world.users["coordinateur_lille"])
    ]


def test_an_instance_in_the_trash_is_reported_not_duplicated(plan, world, cpo):
    series = MeetingSeries.objects.get(key="armentieres-copil-suivi-cpo")
    series.soft_delete()
    report = cycle.create_year(plan.contract, 2025, world.users["coordinateur"])
    assert report.created == {CycleKind.COPIL: 0, CycleKind.DIALOGUE: 1}
    assert "est dans la corbeille" in report.lines()[-1]
    assert MeetingSeries.all_objects.filter(key__endswith="copil-suivi-cpo").count() == 1


def test_series_are_found_by_the_keys_load_meetings_writes(world):
    from cdvs.actions.forms import DecisionForm
    from cdvs.actions.models import CO_INSTRUCTION_SERIES, is_series
    from cdvs.testing import make_meeting

    keys = {"armentieres-comite-co-instruction": True, "comite-co-instruction": True,
            "armentieres-comite-co-instruction-bis": False, None: False}  # fmt: skip
    for key, expected in keys.items():
        assert is_series(MeetingSeries(key=key), CO_INSTRUCTION_SERIES) is expected
    meeting = make_meeting(world, "armentieres", "coordination", "Comité", day=date(2025, 3, 1))
    meeting.series.key = "armentieres-comite-co-instruction"
    meeting.series.save()
    assert list(DecisionForm(lines=[], year=2025).fields["meeting"].queryset) == [meeting]
