"""Projets phares (MEL framework §6.3, seed l.1779-1783): three actions chosen by the
coordinators (the seed does not name them), each followed by a chef de projet, its
milestones, and a reporting of its progress at each comité de pilotage stratégique —
frozen once that meeting is held. « Un point d'étape sera réalisé en 2027. »"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cdvs.accounts.permissions import require
from cdvs.contract.models import Contract, GovernanceBody
from cdvs.core.history import save_with_history
from cdvs.meetings.models import Meeting, MeetingSeries, MeetingStatus

from .models import (
    FLAGSHIPS_PER_CONTRACT,
    STEERING_SERIES,
    Flagship,
    Milestone,
    StatusReport,
)
from .services import _clean  # full_clean, its messages flattened

# the contract's words (seed l.874, l.1728, l.1781)
STEERING_NAME = "Comité de pilotage du contrat de ville et des solidarités"
QUOTE = (
    "Trois actions très concrètes et prioritaires pour la vie quotidienne des habitants "
    "feront l'objet d'un suivi renforcé. Un chef de projet commun aux signataires du "
    "contrat sera désigné pour suivre chacune des actions et fera un reporting de l'état "
    "d'avancement de l'action lors de chaque comité de pilotage stratégique du contrat."
)
CHECKPOINT = "Un point d'étape sera réalisé en 2027."
TOO_MANY = (
    "Le contrat compte déjà trois projets phares (§ 6.3 : « Trois actions très concrètes et "
    "prioritaires ») : retirez-en un avant d'en choisir un autre."
)


def steering_series(contract, user=None, *, create=False) -> MeetingSeries | None:
    """The instance of the comité de pilotage du contrat (key « comite-pilotage »);
    with `create`, made from the contract's words when missing (its meetings are then
    added one by one in the agenda)."""
    series = MeetingSeries.objects.filter(key=STEERING_SERIES).first()
    if series is not None or not create:
        return series
    body = GovernanceBody.objects.filter(contract=contract, key=STEERING_SERIES).first()
    series = MeetingSeries(
        key=STEERING_SERIES, name=body.name if body is not None else STEERING_NAME,
        description=body.description if body is not None else QUOTE,
        source="cadre intercommunal, § 6.1 et 6.3", period_start=date(contract.start_year, 1, 1),
        period_end=date(contract.end_year, 12, 31),
    )  # fmt: skip
    return save_with_history(series, user, "Projets phares : instance du comité de pilotage")


def steering_meetings(contract):
    series = steering_series(contract)
    if series is None:
        return Meeting.objects.none()
    return Meeting.objects.filter(series=series).order_by("sort_date", "pk")


def is_frozen(meeting, today: date | None = None) -> bool:
    """A report is frozen once its meeting is held: marked « tenue », or its day past."""
    if meeting.status == MeetingStatus.HELD:
        return True
    today = today or timezone.localdate()
    return (
        meeting.status != MeetingStatus.CANCELLED and meeting.day is not None
        and meeting.day < today
    )  # fmt: skip


def _lead(values):
    if values.get("lead_user") and values.get("lead_contact"):
        raise ValidationError(
            "Le chef de projet est un compte ou un contact de l'annuaire, pas les deux."
        )


@transaction.atomic
def choose(action, values: dict, user) -> Flagship:
    """`action` becomes a projet phare of its contract: at most three a contract."""
    item = Flagship(action=action, contract_id=action.contract_id)
    require(user, "actions.flagships", item)
    # one chooser at a time per contract (PostgreSQL: a row lock)
    Contract.objects.select_for_update().filter(pk=action.contract_id).first()
    if action.deleted_at is not None:
        raise ValidationError("Cette action est dans la corbeille.")
    if Flagship.objects.filter(action=action).exists():
        raise ValidationError("Cette action est déjà un projet phare.")
    if Flagship.objects.filter(contract_id=action.contract_id).count() >= FLAGSHIPS_PER_CONTRACT:
        raise ValidationError(TOO_MANY)
    _lead(values)
    for name, value in values.items():
        setattr(item, name, value)
    item.chosen_on = item.chosen_on or timezone.localdate()
    _clean(item, validate_constraints=False)
    save_with_history(item, user, "Choisie comme projet phare")
    steering_series(action.contract, user, create=True)
    return item


@transaction.atomic
def update(item: Flagship, values: dict, user) -> Flagship:
    require(user, "actions.flagships", item)
    _lead(values)
    for name, value in values.items():
        setattr(item, name, value)
    _clean(item, validate_constraints=False)
    return save_with_history(item, user, None)


@transaction.atomic
def save_milestone(milestone: Milestone, values: dict, user, today=None) -> Milestone:
    """A milestone within the contract's years; « atteint » with its date, not after
    today."""
    flagship = milestone.flagship
    require(user, "actions.flagships", flagship)
    for name, value in values.items():
        setattr(milestone, name, value)
    contract = flagship.action.contract
    today = today or timezone.localdate()
    due = milestone.due_on
    if due is not None and not contract.start_year <= due.year <= contract.end_year:
        raise ValidationError(
            f"La date prévue doit tomber entre {contract.start_year} et {contract.end_year}, "
            "les années du contrat."
        )
    if milestone.done and milestone.done_on is None:
        raise ValidationError("Indiquez la date à laquelle le jalon a été atteint.")
    if not milestone.done and milestone.done_on is not None:
        raise ValidationError("Une date d'atteinte suppose un jalon atteint : cochez « atteint ».")
    if milestone.done_on is not None and milestone.done_on > today:
        raise ValidationError("Un jalon ne peut pas être atteint après aujourd'hui.")
    milestone.label = (milestone.label or "").strip()
    _clean(milestone)
    return save_with_history(milestone, user, None)


@transaction.atomic
def save_report(flagship: Flagship, meeting, text: str, user, today=None) -> StatusReport:
    """The reporting of `flagship` for a meeting of the comité de pilotage, with the
    state of its milestones now; refused once the meeting is held."""
    require(user, "actions.flagships", flagship)
    series = steering_series(flagship.action.contract)
    if series is None or meeting.series_id != series.pk:
        raise ValidationError("Choisissez une réunion du comité de pilotage du contrat.")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("Cette réunion du comité de pilotage est annulée.")
    if is_frozen(meeting, today):
        raise ValidationError(
            "Le comité de pilotage s'est tenu : ce point d'étape est figé, il ne se modifie plus."
        )
    report = StatusReport.objects.filter(flagship=flagship, meeting=meeting).first()
    report = report or StatusReport(flagship=flagship, meeting=meeting)
    report.text = (text or "").strip()
    report.milestones = [m.snapshot() for m in flagship.milestones.order_by("due_on", "pk")]
    report.written_by = user if user is not None and user.is_authenticated else None
    _clean(report, validate_constraints=False)
    return save_with_history(report, user, "Point d'étape du projet phare")
