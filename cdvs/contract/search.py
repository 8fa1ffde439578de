"""What the contract makes searchable: its strategic tree (ambitions, objectifs
opérationnels, pistes d'actions and actions existantes), all public. Each result
leads to its enjeu's page (the local section's part for a volet communal)."""

from django.db.models import Q
from django.urls import reverse

from cdvs.search.registry import Entry, SearchSource, register

from .models import ActionLead, Ambition, Enjeu, LeadKind, LocalEnjeu, Objective


def _place(enjeu, local_enjeu):
    """(url, territory ids, coordination territory) of an element of the tree."""
    url = reverse("contract:enjeu", args=[enjeu.pk])
    if local_enjeu is not None:
        commune = local_enjeu.section.commune_id
        return f"{url}#volet-{local_enjeu.pk}", [commune], commune
    epci = enjeu.contract.epci_id
    return url, [epci], epci


def _local(obj):
    return obj.local_enjeu if obj.local_enjeu_id else None


def ambition_entry(ambition: Ambition) -> Entry:
    enjeu = ambition.enjeu
    url, territories, scope = _place(enjeu, _local(ambition))
    body = [
        ambition.full_text,
        ambition.detail,
        ambition.context,
        ambition.heading,
        ambition.note,
        ambition.get_scale_display(),
        f"Enjeu {enjeu.number} : {enjeu.title}",
    ]
    return Entry(
        title=ambition.text,
        body="\n".join(p for p in body if p),
        url=url,
        visibility="public",
        scope_territory_id=scope,
        territory_ids=territories,
        enjeux=[enjeu.number],
    )


def _ambition_of(objective: Objective):
    """The objective's ambition; None while a cascade deletion has removed its row."""
    return objective.ambition if objective.ambition_id else None


def _objective_local(objective: Objective):
    ambition = _ambition_of(objective)
    if ambition is not None and ambition.local_enjeu_id:
        return ambition.local_enjeu
    return _local(objective)


def objective_entry(objective: Objective) -> Entry:
    enjeu = objective.enjeu
    url, territories, scope = _place(enjeu, _objective_local(objective))
    body = [
        objective.heading,
        objective.note,
        "Prioritaire localement" if objective.is_local_priority else "",
        f"Ambition : {objective.ambition.text}" if _ambition_of(objective) else "",
        f"Enjeu {enjeu.number} : {enjeu.title}",
    ]
    return Entry(
        title=objective.text,
        body="\n".join(p for p in body if p),
        url=url,
        visibility="public",
        scope_territory_id=scope,
        territory_ids=territories,
        enjeux=[enjeu.number],
    )


def lead_entry(lead: ActionLead) -> Entry:
    objective = lead.objective
    enjeu = objective.enjeu
    url, territories, scope = _place(enjeu, _objective_local(objective))
    body = [f"Objectif opérationnel : {objective.text}", f"Enjeu {enjeu.number} : {enjeu.title}"]
    return Entry(
        title=lead.text,
        body="\n".join(body),
        url=url,
        visibility="public",
        scope_territory_id=scope,
        territory_ids=territories,
        enjeux=[enjeu.number],
    )


_AMBITION_PATHS = ["enjeu__contract", "local_enjeu__section"]
_OBJECTIVE_PATHS = [
    "enjeu__contract",
    "ambition__local_enjeu__section",
    "local_enjeu__section",
]


def _live_ambitions():
    return Ambition.objects.filter(enjeu__deleted_at__isnull=True).exclude(
        local_enjeu__deleted_at__isnull=False
    )


def _live_objectives():
    return (
        Objective.objects.filter(enjeu__deleted_at__isnull=True)
        .exclude(ambition__deleted_at__isnull=False)
        .exclude(local_enjeu__deleted_at__isnull=False)
        .exclude(ambition__local_enjeu__deleted_at__isnull=False)
    )


def _leads(kind):
    return lambda: ActionLead.objects.filter(
        kind=kind, objective__in=_live_objectives().values("pk")
    ).select_related(*(f"objective__{p}" for p in _OBJECTIVE_PATHS), "objective__ambition")


def _leads_of_objectives(objectives):
    return ActionLead.all_objects.filter(objective__in=objectives).values_list("pk", flat=True)


def _objectives_of_ambitions(ambitions):
    return Objective.all_objects.filter(ambition__in=ambitions)


# a change higher in the tree (text, trash, restore) redoes what is below it
_AMBITION_TRIGGERS = {
    Enjeu: lambda e: Ambition.all_objects.filter(enjeu=e).values_list("pk", flat=True),
    LocalEnjeu: lambda le: Ambition.all_objects.filter(local_enjeu=le).values_list("pk", flat=True),
}
_OBJECTIVE_TRIGGERS = {
    Enjeu: lambda e: Objective.all_objects.filter(enjeu=e).values_list("pk", flat=True),
    Ambition: lambda a: _objectives_of_ambitions([a]).values_list("pk", flat=True),
    LocalEnjeu: lambda le: Objective.all_objects.filter(
        Q(local_enjeu=le) | Q(ambition__local_enjeu=le)
    ).values_list("pk", flat=True),
}
_LEAD_TRIGGERS = {
    Enjeu: lambda e: _leads_of_objectives(Objective.all_objects.filter(enjeu=e)),
    Ambition: lambda a: _leads_of_objectives(_objectives_of_ambitions([a])),
    Objective: lambda o: _leads_of_objectives([o]),
}

register(
    SearchSource(
        kind="ambition",
        label="Ambitions",
        queryset=lambda: _live_ambitions().select_related(*_AMBITION_PATHS),
        to_entry=ambition_entry,
        triggers=_AMBITION_TRIGGERS,
    )
)
register(
    SearchSource(
        kind="objectif",
        label="Objectifs opérationnels",
        queryset=lambda: _live_objectives().select_related(*_OBJECTIVE_PATHS, "ambition"),
        to_entry=objective_entry,
        triggers=_OBJECTIVE_TRIGGERS,
    )
)
register(
    SearchSource(
        kind="piste",
        label="Pistes d'actions",
        queryset=_leads(LeadKind.PISTE),
        to_entry=lead_entry,
        triggers=_LEAD_TRIGGERS,
    )
)
register(
    SearchSource(
        kind="action_existante",
        label="Actions existantes",
        queryset=_leads(LeadKind.EXISTING),
        to_entry=lead_entry,
        triggers=_LEAD_TRIGGERS,
    )
)
