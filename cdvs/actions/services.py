"""Every write on actions goes through these functions, each in one transaction; the
history (django-simple-history) records who changed what."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cdvs.accounts.permissions import require
from cdvs.core.history import mark_history, save_with_history

from . import budget, cerfa
from .models import Action, ActionStatusChange, BudgetLine, FundingLine, allowed_transitions

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
    if to_status not in allowed_transitions(action.status):
        raise ValidationError(
            f"Une action « {action.get_status_display()} » ne peut pas passer à ce statut."
        )
    if not reason.strip():
        raise ValidationError("Indiquez le motif du changement de statut.")
    change = ActionStatusChange(
        action=action,
        from_status=action.status,
        to_status=to_status,
        on=on or timezone.localdate(),
        reason=reason.strip(),
        by=user if user is not None and user.is_authenticated else None,
    )
    change.full_clean()
    save_with_history(change, user, reason)
    action.status = to_status
    save_with_history(action, user, reason, update_fields=["status"])
    return change


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
