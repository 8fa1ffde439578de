"""Every write on actions goes through these functions, each in one transaction; the
history (django-simple-history) records who changed what."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cdvs.accounts.permissions import Visibility, require
from cdvs.calls import services as calls_services
from cdvs.calls.models import Nature as CallNature
from cdvs.core.history import mark_history, save_with_history
from cdvs.core.status import move as move_status
from cdvs.library.files import PDF, check_upload

from . import budget, cerfa
from .models import (
    CO_INSTRUCTION_SERIES,
    TRANSITIONS,
    ZERO,
    Action,
    ActionStatusChange,
    BudgetLine,
    ConventionYear,
    FundingLine,
    Opinion,
    Programmation,
    Request,
    Status,
    allowed_transitions,
    is_series,
)

RELATIONS = ("objectives", "partners", "territories")


@transaction.atomic
def save_action(action: Action, values: dict, user, reason=None) -> Action:
    """Create or update `action` with `values` (fields and the many-to-many lists in
    `RELATIONS`); the person must be allowed to edit the result."""
    relations = {name: values.pop(name) for name in RELATIONS if name in values}
    for field, value in values.items():
        setattr(action, field, value)
    action.full_clean()
    require(user, "actions.edit" if action.pk else "actions.manage", action)
    save_with_history(action, user, reason)
    for name, items in relations.items():
        getattr(action, name).set(items)
    return action


def save_action_form(form, user) -> Action:
    """A valid `ActionForm` -> the action created or updated (nothing saved on error)."""
    return save_action(form.instance, dict(form.cleaned_data), user)


@transaction.atomic
def change_status(action: Action, to_status: str, reason: str, user, on=None):
    """Move `action` to `to_status` (one of `TRANSITIONS`), dated, with its reason."""
    require(user, "actions.manage", action)
    return _move(action, to_status, reason, user, on)


def _move(action, to_status, reason, user, on=None):
    """`change_status` once the caller's own permission was checked (a request deposited
    by its porteur, a decision of the comité)."""
    if to_status in allowed_transitions(action.status) and not (reason or "").strip():
        raise ValidationError("Indiquez le motif du changement de statut.")
    return move_status(
        action, to_status, reason, user, on=on, transitions=TRANSITIONS,
        change_model=ActionStatusChange, what="Une action",
    )  # fmt: skip


@transaction.atomic
def save_funding_line(line: FundingLine, values: dict, user) -> FundingLine:
    """Create or update a funding line of an action (amounts: coordination only)."""
    for field, value in values.items():
        setattr(line, field, value)
    line.full_clean()
    require(user, "actions.fund", line.action)
    save_with_history(line, user, None)
    return line


def check_year(action: Action, year: int) -> None:
    contract = action.contract
    if not contract.start_year <= year <= contract.end_year:
        raise ValidationError(
            f"L'année doit être comprise entre {contract.start_year} et "
            f"{contract.end_year}, les années du contrat."
        )


@transaction.atomic
def save_budget(action: Action, year: int, amounts: dict, user, reason=None) -> list[BudgetLine]:
    """Write the CERFA 12156 budget of `action` for `year` as a whole (heading code ->
    Decimal; a missing heading counts as zero): refused, and nothing saved, unless the
    year is the contract's, every amount is positive to the cent and the total of the
    charges equals the total of the produits."""
    require(user, "actions.edit", action)
    check_year(action, year)
    unknown = set(amounts) - set(cerfa.CODES)
    if unknown:
        raise ValidationError(f"Rubrique inconnue : {', '.join(sorted(unknown))}.")
    for code, value in amounts.items():
        if value is None:
            continue
        if value < 0:
            raise ValidationError(f"{cerfa.LABEL[code]} : un montant ne peut pas être négatif.")
        if value != value.quantize(budget.CENT):
            raise ValidationError(
                f"{cerfa.LABEL[code]} : au plus 2 chiffres après la virgule (au centime)."
            )
    amounts = {c: v for c, v in amounts.items() if v}
    error = budget.balance_error(amounts)
    if error:
        raise ValidationError(error)
    existing = {line.heading: line for line in BudgetLine.objects.filter(action=action, year=year)}
    kept = []
    for code in cerfa.CODES:
        value = amounts.get(code)
        if value is None:
            continue
        line = existing.pop(code, None)
        if line is None:
            line = BudgetLine(action=action, year=year, heading=code, amount=value)
        elif line.amount == value:
            kept.append(line)
            continue
        line.amount = value
        kept.append(save_with_history(line, user, reason))
    for line in existing.values():
        mark_history(line, user, reason)
        line.delete()
    return kept


def budget_amounts(action: Action, year: int) -> dict:
    """heading code -> amount of the budget of `action` for `year`."""
    return dict(
        BudgetLine.objects.filter(action=action, year=year).values_list("heading", "amount")
    )


# ---- programmation annuelle


@transaction.atomic
def create_programmation(contract, year, commune, opens_on, closes_on, user) -> Programmation:
    """The programmation of `year` for `commune` (None: contract-wide) and its call for
    projects (calls app: its dates, its page for the partners)."""
    probe = Programmation(contract=contract, year=year, commune=commune)
    require(user, "actions.manage", probe)
    if not contract.start_year <= year <= contract.end_year:
        raise ValidationError(
            f"L'année doit être comprise entre {contract.start_year} et "
            f"{contract.end_year}, les années du contrat."
        )
    if Programmation.objects.filter(contract=contract, commune=commune, year=year).exists():
        raise ValidationError(f"La programmation {year} existe déjà pour ce territoire.")
    where = f" — {commune.name}" if commune is not None else ""
    call = calls_services.create_call(
        {
            "title": f"Programmation politique de la ville {year}{where}",
            "funder_name": "État et commune (crédits politique de la ville)",
            "description": "Appel à projets annuel de la programmation politique de la ville : "
            "déposez la demande de votre action dans l'outil (budget CERFA 12156 et "
            "financements demandés) ou joignez le dossier Dauphin.",
            "opens_on": opens_on,
            "closes_on": closes_on,
            "nature": CallNature.SPECIFIC,
            "visibility": Visibility.PARTNERS,
            "commune": commune,
        },
        user=user,
    )
    probe.call = call
    return save_with_history(probe, user, None)


def _clean(obj, label="", **kwargs):
    """`obj.full_clean()` with its messages flattened (prefixed by `label`): the caller's
    form has not these fields."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        prefix = f"{label} : " if label else ""
        raise ValidationError([prefix + m for m in exc.messages]) from exc


def _clean_amount(value, label):
    if value is None:
        return None
    if value < 0:
        raise ValidationError(f"{label} : un montant ne peut pas être négatif.")
    if value != value.quantize(budget.CENT):
        raise ValidationError(f"{label} : au plus 2 chiffres après la virgule (au centime).")
    return value


@transaction.atomic
def submit_request(programmation, action, lines, user, *, dauphin_file=None,
                   dauphin_reference="", on=None) -> Request:  # fmt: skip
    """A carrier's request: `lines` the funding asked for the programmation's year
    (dicts funder_kind, funder_name, nature, requested); the action's CERFA budget of
    that year must be entered and its subsidies (74) reconciled with the lines, unless
    the Dauphin file is attached. The action becomes « déposée ». Nothing saved on error."""
    require(user, "actions.edit", action)
    year = programmation.year
    if programmation.decided_on is not None:
        raise ValidationError("La programmation est arrêtée : elle ne reçoit plus de demande.")
    if action.contract_id != programmation.contract_id:
        raise ValidationError("L'action ne relève pas du contrat de cette programmation.")
    if Request.objects.filter(programmation=programmation, action=action).exists():
        raise ValidationError("Une demande de cette action est déjà déposée pour cette année.")
    if action.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError(
            f"Une action « {action.get_status_display()} » ne peut pas être déposée : "
            "seule une action en projet (ou non retenue une autre année) peut l'être."
        )
    if not lines:
        raise ValidationError("Indiquez au moins un financement demandé.")
    created = []
    for values in lines:
        line = FundingLine(action=action, year=year, **values)
        _clean(line, line.funder_label)
        created.append(line)
    if dauphin_file:
        if check_upload(dauphin_file) != PDF:
            raise ValidationError("Le dossier Dauphin se joint au format PDF.")
    else:
        amounts = budget_amounts(action, year)
        if not amounts:
            raise ValidationError(
                f"Saisissez d'abord le budget {year} de l'action (rubriques du CERFA 12156), "
                "ou joignez le dossier Dauphin."
            )
        existing = list(FundingLine.objects.filter(action=action, year=year))
        if not budget.is_reconciled(amounts, existing + created):
            gaps = [r["label"] for r in budget.reconcile(amounts, existing + created) if r["gap"]]
            raise ValidationError(
                "Les subventions du budget (74) ne correspondent pas aux financements "
                f"demandés : {' ; '.join(gaps)}."
            )
    for line in created:
        save_with_history(line, user, "Demande de financement")
    request = Request(
        programmation=programmation, action=action, dauphin_reference=dauphin_reference,
        submitted_on=on or timezone.localdate(),
        submitted_by=user if user is not None and user.is_authenticated else None,
    )  # fmt: skip
    if dauphin_file:
        request.dauphin_file = dauphin_file
    request.full_clean()
    save_with_history(request, user, None)
    if action.status == Status.REJECTED:
        _move(action, Status.DRAFT, f"Nouvelle demande {year}", user, on)
    _move(action, Status.SUBMITTED, f"Demande déposée à la programmation {year}", user, on)
    return request


def request_lines(request: Request):
    return FundingLine.objects.filter(action=request.action, year=request.programmation.year)


@transaction.atomic
def give_opinion(request: Request, values: dict, user) -> Opinion:
    """One funder's opinion (favorable, réservé, défavorable, proposed amount, comment);
    given again, it replaces the funder's former one (kept in the history). The proposed
    amount is copied to the funder's funding line when it has exactly one that year."""
    require(user, "actions.instruct", request)
    if request.decided_on is not None:
        raise ValidationError("La demande est décidée : l'instruction est close.")
    _clean_amount(values.get("proposed"), "Montant proposé")
    opinion = Opinion.objects.filter(
        request=request, funder_kind=values["funder_kind"],
        funder_name=values.get("funder_name", ""),
    ).first() or Opinion(request=request)  # fmt: skip
    for field, value in values.items():
        setattr(opinion, field, value)
    opinion.on = values.get("on") or timezone.localdate()
    opinion.by = user if user is not None and user.is_authenticated else None
    _clean(opinion, validate_unique=False)
    save_with_history(opinion, user, None)
    lines = [
        line
        for line in request_lines(request)
        if line.funder_kind == opinion.funder_kind
        and (opinion.funder_name == "" or line.funder_name == opinion.funder_name)
    ]
    if len(lines) == 1 and opinion.proposed is not None:
        lines[0].proposed = opinion.proposed
        _clean(lines[0], lines[0].funder_label)
        save_with_history(lines[0], user, "Avis du financeur", update_fields=["proposed"])
    return opinion


@transaction.atomic
def record_decisions(request: Request, decisions: dict, decided_on, user, meeting=None):
    """The comité de co-instruction's decision on `request`, line by line: `decisions`
    maps each funding line of the year to {"granted", "decision_reference",
    "granted_reason"}; every line of the year is decided at once. The action becomes
    « programmée » when something is granted, else « non retenue ». Nothing saved on
    error (a granted amount above the request without a reason, …)."""
    require(user, "actions.fund", request.action)
    if request.decided_on is not None:
        raise ValidationError("La demande est déjà décidée.")
    if decided_on is None:
        raise ValidationError("Indiquez la date de la décision.")
    if decided_on < request.submitted_on:
        raise ValidationError("La décision ne peut pas précéder le dépôt de la demande.")
    if meeting is not None and not is_series(meeting.series, CO_INSTRUCTION_SERIES):
        raise ValidationError("Choisissez une réunion du comité de co-instruction.")
    lines = list(request_lines(request))
    if {line.pk for line in lines} != {line.pk for line in decisions}:
        raise ValidationError("Décidez chaque ligne de financement de la demande.")
    for line in lines:
        values = decisions[next(k for k in decisions if k.pk == line.pk)]
        line.granted = _clean_amount(values.get("granted"), str(line))
        if line.granted is None:
            raise ValidationError(f"{line} : indiquez le montant accordé (0 si refusé).")
        line.decision_reference = values.get("decision_reference", "")
        line.granted_reason = values.get("granted_reason", "")
        line.decided_on = decided_on
        _clean(line, line.funder_label)
        save_with_history(line, user, "Décision du comité de co-instruction")
    request.decided_on = decided_on
    request.meeting = meeting
    save_with_history(request, user, None)
    granted = sum((line.granted for line in lines), ZERO)
    to_status = Status.PROGRAMMED if granted > 0 else Status.REJECTED
    reason = "Décision du comité de co-instruction" + (
        f" du {meeting.day:%d/%m/%Y}" if meeting is not None and meeting.day else ""
    )
    return _move(request.action, to_status, reason, user, decided_on)


@transaction.atomic
def close_programmation(programmation: Programmation, on, user) -> Programmation:
    """Arrêter the programmation: every request decided; then the partners see it."""
    require(user, "actions.manage", programmation)
    pending = programmation.requests.filter(decided_on__isnull=True).count()
    if pending:
        raise ValidationError(
            f"{pending} demande{'s' if pending > 1 else ''} reste{'nt' if pending > 1 else ''} "
            "à décider avant d'arrêter la programmation."
        )
    programmation.decided_on = on or timezone.localdate()
    return save_with_history(programmation, user, "Programmation arrêtée")


# ---- conventions pluriannuelles d'objectifs


@transaction.atomic
def save_convention(convention, values: dict, amounts: dict, actions, user):
    """Create or update a CPO: its fields, its three yearly amounts (year -> Decimal or
    None; a year left empty has no amount yet) and its actions (the porteur's own)."""
    for field, value in values.items():
        setattr(convention, field, value)
    _clean(convention)
    require(user, "actions.manage", convention)
    foreign = [a.title for a in actions if a.porteur_id != convention.porteur_id]
    if foreign:
        raise ValidationError(
            f"Ces actions ne sont pas portées par le porteur de la CPO : {', '.join(foreign)}."
        )
    save_with_history(convention, user, None)
    convention.actions.set(actions)
    existing = {y.year: y for y in convention.years.all()}
    for year, value in amounts.items():
        _clean_amount(value, f"Montant {year}")
        line = existing.pop(year, None)
        if value is None:
            continue
        line = line or ConventionYear(convention=convention, year=year)
        line.amount = value
        _clean(line, str(year), validate_unique=False)
        save_with_history(line, user, None)
    for stale in existing.values():
        if not convention.start_year <= stale.year <= convention.end_year:
            mark_history(stale, user, "Année hors de la convention")
            stale.delete()
    return convention


@transaction.atomic
def save_avenant(line, values: dict, user):
    """A yearly amount changed by an avenant (amount, reference, date)."""
    require(user, "actions.manage", line.convention)
    for field, value in values.items():
        setattr(line, field, value)
    _clean(line, str(line.year), validate_unique=False)
    return save_with_history(line, user, "Avenant")
