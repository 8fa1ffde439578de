"""Every write on the evaluation goes through these functions, each in one transaction;
the history records who changed what. Reads shared by the pages are here too."""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from cdvs.accounts.permissions import require
from cdvs.core.history import save_with_history
from cdvs.core.status import move as move_status
from cdvs.meetings.models import Meeting, NextStepStatus
from cdvs.territories.models import Kind, Territory

from .gaps import target_status
from .models import (
    AGE_BANDS,
    RECOMMENDATION_MOVES,
    AddressCount,
    Adjustment,
    Bilan,
    BilanAnswer,
    BilanResidence,
    EvaluativeQuestion,
    FinanceLine,
    Measurement,
    Recommendation,
    RecommendationChange,
    Status,
    Target,
    WorkingGroup,
    with_place,
)
from .tasks import count_addresses


@transaction.atomic
def save_measurement(measurement: Measurement, values: dict, user, reason=None) -> Measurement:
    for name, value in values.items():
        setattr(measurement, name, value)
    measurement.full_clean()
    require(user, "evaluation.manage", measurement)
    save_with_history(measurement, user, reason)
    return measurement


def latest_measurements(targets) -> dict[int, Measurement]:
    """target pk -> the latest measurement of its indicator on its territory (the
    total, no breakdown): the latest row's id per target found by a subquery on the
    index (indicator, territory, year), then those rows; two queries, whatever the
    number of measurements."""
    targets = [t for t in targets if t.indicator_id]
    if not targets:
        return {}
    totals = Measurement.objects.filter(indicator_id=OuterRef("indicator_id"), sex="", age_band="")
    order = (F("year").desc(nulls_last=True), "-pk")
    latest = Target.objects.filter(pk__in=[t.pk for t in targets]).annotate(
        on_territory=Subquery(
            totals.filter(territory_id=OuterRef("territory_id")).order_by(*order).values("pk")[:1]
        ),
        nowhere=Subquery(totals.filter(territory=None).order_by(*order).values("pk")[:1]),
    )
    chosen = {
        pk: on_territory if territory_id is not None else nowhere
        for pk, territory_id, on_territory, nowhere in latest.values_list(
            "pk", "territory_id", "on_territory", "nowhere"
        )
    }
    rows = with_place(Measurement.objects.all()).in_bulk(
        [pk for pk in chosen.values() if pk is not None]
    )
    return {pk: rows.get(m) for pk, m in chosen.items()}


def targets_with_status(qs=None):
    targets = list(
        (qs if qs is not None else Target.objects.all()).select_related(
            "indicator", "territory", "objective__enjeu"
        )
    )
    latest = latest_measurements(targets)
    return [(t, latest.get(t.pk), Status(target_status(t, latest.get(t.pk)))) for t in targets]


# --- bilans ---------------------------------------------------------------------------


def bilan_qpvs(action):
    """The QPV a bilan counts beneficiaries in: those of the action, else those of its
    commune."""
    qpvs = [t for t in action.territories.all() if t.kind == Kind.QPV]
    if qpvs or action.commune_id is None:
        return qpvs
    return list(
        Territory.objects.filter(kind=Kind.QPV)
        .filter(Q(parent_id=action.commune_id) | Q(communes=action.commune_id))
        .defer("geometry")
        .distinct()
        .order_by("name")
    )


def bilan_questions(action):
    return list(
        EvaluativeQuestion.objects.filter(Q(enjeu=None, action=None) | Q(action=action)).order_by(
            "position", "pk"
        )
    )


@transaction.atomic
def save_bilan(form, user) -> Bilan:
    """A valid BilanForm -> the bilan with its counts per QPV and its answers."""
    bilan = form.instance
    data = form.cleaned_data
    require(user, "evaluation.edit_bilan", bilan.action)
    bilan.ages = {
        band: data[f"age_{band}"] for band, _ in AGE_BANDS if data.get(f"age_{band}") is not None
    }
    for name in form.Meta.fields:
        setattr(bilan, name, data.get(name))
    bilan.full_clean()
    save_with_history(bilan, user, None)
    for qpv in form.qpvs:
        count = data.get(f"qpv_{qpv.pk}")
        if count is None:
            bilan.residences.filter(territory=qpv).delete()
        else:
            BilanResidence.objects.update_or_create(
                bilan=bilan, territory=qpv, defaults={"count": count}
            )
    for question in form.questions:
        text = (data.get(f"question_{question.pk}") or "").strip()
        if text:
            BilanAnswer.objects.update_or_create(
                bilan=bilan, question=question, defaults={"text": text}
            )
        else:
            bilan.answers.filter(question=question).delete()
    return bilan


@transaction.atomic
def submit_bilan(bilan: Bilan, user, today=None) -> Bilan:
    require(user, "evaluation.edit_bilan", bilan)
    if bilan.beneficiaries is None:
        raise ValidationError("Indiquez au moins le nombre de bénéficiaires avant de transmettre.")
    bilan.submitted_on = today or timezone.localdate()
    save_with_history(bilan, user, "Bilan transmis", update_fields=["submitted_on"])
    return bilan


@transaction.atomic
def save_finance_line(line: FinanceLine, values: dict, user) -> FinanceLine:
    for name, value in values.items():
        setattr(line, name, value)
    line.full_clean()
    require(user, "evaluation.edit_bilan", line.bilan)
    save_with_history(line, user, None)
    return line


def bilan_counts(bilans, today) -> list[dict]:
    """Per year: bilans expected (those created), received, late."""
    years = {}
    for bilan in bilans:
        row = years.setdefault(
            bilan.year, {"year": bilan.year, "total": 0, "received": 0, "late": 0}
        )
        row["total"] += 1
        row["received"] += bilan.submitted_on is not None
        row["late"] += bilan.is_late(today)
    return [years[y] for y in sorted(years, reverse=True)]


# --- QPV share from an address list -----------------------------------------------------

ADDRESS_FORMATS = ("csv", "ods", "xlsx")
MAX_ADDRESS_FILE = 5 * 1024 * 1024


@transaction.atomic
def start_address_count(bilan: Bilan, upload, user) -> AddressCount:
    """Keep the uploaded list in storage only until the worker reads it (then it is
    deleted); the worker's task gets the count's id, never an address."""
    require(user, "evaluation.edit_bilan", bilan)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ADDRESS_FORMATS:
        raise ValidationError("Déposez un fichier CSV, ODS ou XLSX.")
    if upload.size > MAX_ADDRESS_FILE:
        raise ValidationError("Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers.")
    run = AddressCount.objects.create(bilan=bilan, created_by=user, extension=extension)
    default_storage.save(run.file_name, upload)
    transaction.on_commit(lambda: count_addresses.enqueue(run.pk))
    return run


# --- collective evaluation --------------------------------------------------------------


@transaction.atomic
def save_group(group: WorkingGroup, values: dict, user) -> WorkingGroup:
    for name, value in values.items():
        setattr(group, name, value)
    group.full_clean()
    require(user, "evaluation.manage", group)
    save_with_history(group, user, None)
    return group


@transaction.atomic
def add_to_group(group: WorkingGroup, item, user):
    """A member, a finding or a recommendation of `group` (an unsaved model with its
    fields set by a form)."""
    require(user, "evaluation.manage", group)
    item.group = group
    item.full_clean()
    save_with_history(item, user, None)
    return item


@transaction.atomic
def change_recommendation(rec: Recommendation, status: str, note: str, user, today=None):
    """A dated change of status, like a next step's: « à faire », « en cours », « fait »,
    « abandonné »."""
    require(user, "evaluation.manage", rec)
    if status not in NextStepStatus.values:
        raise ValidationError("Statut inconnu.")
    if status == rec.status:
        raise ValidationError("La recommandation a déjà ce statut.")
    move_status(
        rec, status, note, user, on=today, transitions=RECOMMENDATION_MOVES,
        change_model=RecommendationChange, what="Une recommandation",
    )  # fmt: skip
    return rec


@transaction.atomic
def record_adjustment(adjustment: Adjustment, user) -> Adjustment:
    require(user, "evaluation.manage", adjustment.action)
    adjustment.by = user
    adjustment.full_clean()
    save_with_history(adjustment, user, "Ajustement de l'action")
    return adjustment


def group_sessions(group: WorkingGroup, user):
    """The group's sessions: the meetings of its instance the person may read."""
    if group.series_id is None:
        return []
    return list(
        Meeting.objects.visible_to(user).filter(series_id=group.series_id).order_by("sort_date")
    )
