"""Every write to the strategic frame goes through these functions, each in one
transaction, with the author recorded in the history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from cdvs.accounts.permissions import require
from cdvs.core.history import save_with_history

from .models import ActionLead, Ambition, LocalEnjeu, LocalSection, Objective, Scale


@transaction.atomic
def update(form, user):
    return save_with_history(form.save(commit=False), user, "Modification")


def _next_position(queryset):
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def add_ambition(form, local_enjeu, user):
    ambition = form.save(commit=False)
    ambition.enjeu = local_enjeu.enjeu
    ambition.local_enjeu = local_enjeu
    ambition.scale = Scale.LOCAL
    ambition.position = _next_position(Ambition.all_objects.filter(local_enjeu=local_enjeu))
    return save_with_history(ambition, user, "Création")


@transaction.atomic
def add_objective(form, ambition, user):
    objective = form.save(commit=False)
    objective.ambition = ambition
    objective.enjeu = ambition.enjeu
    objective.position = _next_position(Objective.all_objects.filter(ambition=ambition))
    return save_with_history(objective, user, "Création")


@transaction.atomic
def add_lead(form, objective, user):
    lead = form.save(commit=False)
    lead.objective = objective
    lead.position = _next_position(
        ActionLead.all_objects.filter(objective=objective, kind=lead.kind)
    )
    return save_with_history(lead, user, "Création")


@transaction.atomic
def create_volet(contract, commune, name, adopted, enjeux, user):
    """A volet communal entered in the tool: the section of `commune` and a local
    version of each enjeu of `enjeux` (worded as the contract's until edited)."""
    section = LocalSection(contract=contract, commune=commune, name=name, adopted=adopted)
    require(user, "contract.load_volet", section)
    if LocalSection.all_objects.filter(contract=contract, commune=commune).exists():
        raise ValidationError(f"La commune {commune.name} a déjà un volet communal.")
    save_with_history(section, user, "Création du volet communal")
    for enjeu in enjeux:
        save_with_history(
            LocalEnjeu(section=section, enjeu=enjeu, title=enjeu.title), user, "Création"
        )
    return section
