"""The home page: the contract and its enjeux, the territories it covers and the areas of
the product. It sits with the root URLconf, above every app, because it reads several."""

from django.shortcuts import render

from cdvs.contract.models import Contract
from cdvs.core.navigation import AREAS
from cdvs.territories.models import Kind, Territory

# how the home page's lead names each area
LEAD_NAMES = {
    "contrat": "le contrat",
    "territoires": "ses territoires",
    "annuaire": "l'annuaire",
    "agenda": "l'agenda des instances",
    "documents": "les documents",
    "appels-a-projets": "les appels à projets",
    "plan-actions": "le plan d'actions",
    "evaluation": "l'évaluation",
    "participation": "la participation",
}


def _enumerate(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " et " + names[-1] if len(names) > 1 else "".join(names)


def lead_text(areas) -> str:
    """« … : le contrat, ses territoires, l'annuaire… ; bientôt l'évaluation et la
    participation. »: what exists, then what is announced, from the navigation."""
    built = [LEAD_NAMES.get(a.slug, a.label) for a in areas if a.url_name]
    soon = [LEAD_NAMES.get(a.slug, a.label) for a in areas if not a.url_name]
    text = "Un seul lieu pour les partenaires des quartiers prioritaires : " + _enumerate(built)
    if soon:
        text += " ; bientôt " + _enumerate(soon)
    return text + "."


def home(request):
    contract = Contract.objects.order_by("id").first()
    counts = {
        kind: Territory.objects.of_kind(kind).count() for kind in (Kind.COMMUNE, Kind.QPV, Kind.PAC)
    }
    return render(
        request,
        "core/home.html",
        {
            "contract": contract,
            "enjeux": contract.enjeux.all() if contract else [],
            "counts": counts,
            "areas": AREAS,
            "lead": lead_text(AREAS),
        },
    )
