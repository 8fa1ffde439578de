"""What the plan d'actions makes searchable: the actions (title, description, porteur,
enjeux), found by those who may read them (`access`): a public action by everyone, any
other only by the coordination of its commune (its porteur finds it in its list)."""

from django.db.models import BooleanField, ExpressionWrapper, Prefetch

from cdvs.contract.models import Objective
from cdvs.directory.models import Organisation
from cdvs.search.registry import Entry, SearchSource, register

from . import access
from .models import Action, Programmation, Request


def action_entry(action: Action) -> Entry:
    enjeux = sorted({o.enjeu for o in action.objectives.all()}, key=lambda e: e.number)
    body = [
        action.description,
        f"Porteur : {action.porteur.name}",
        *(f"Enjeu {e.number} : {e.title}" for e in enjeux),
        f"Statut : {action.get_status_display()}",
    ]
    public = getattr(action, "public", None)
    if public is None:
        public = access.is_public(action)
    territories = [t.pk for t in action.territories.all()]
    if action.commune_id and action.commune_id not in territories:
        territories.append(action.commune_id)
    return Entry(
        title=action.title,
        body="\n".join(p for p in body if p),
        url=action.get_absolute_url(),
        date=action.starts_on or action.created_at.date(),
        visibility="public" if public else "coordination",
        scope_territory_id=action.commune_id,
        organisation_id=action.porteur_id,
        territory_ids=territories,
        enjeux=[e.number for e in enjeux],
    )


def _actions():
    return (
        Action.objects.select_related("porteur")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.select_related("enjeu")),
            "territories",
        )
        # public or not, read in the same query (no query per action when rebuilding)
        .annotate(public=ExpressionWrapper(access.public_condition(), BooleanField()))
    )


register(
    SearchSource(
        kind="action",
        label="Actions",
        queryset=_actions,
        to_entry=action_entry,
        # what an entry shows or who finds it changes with these
        triggers={
            Organisation: lambda o: Action.all_objects.filter(porteur=o).values_list(
                "pk", flat=True
            ),
            Request: lambda r: [r.action_id],
            # a programmation arrêtée makes its programmed actions public
            Programmation: lambda p: Request.objects.filter(programmation=p).values_list(
                "action_id", flat=True
            ),
        },
    )
)
