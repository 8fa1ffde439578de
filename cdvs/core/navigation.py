"""The areas of the product, in the order of the main navigation."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Area:
    slug: str
    label: str
    url_name: str | None = None  # None: the area is announced but not built yet
    description: str = ""

    @property
    def url(self) -> str:
        if self.url_name:
            return reverse(self.url_name)
        return reverse("core:upcoming", args=[self.slug])


AREAS = [
    Area("contrat", "Contrat", "contract:index", "Les enjeux, ambitions et objectifs du contrat."),
    Area("territoires", "Territoires", "territories:index", "La métropole, ses communes, ses QPV."),
    Area(
        "annuaire",
        "Annuaire",
        "directory:list",
        "Les fiches compétences et coordonnées des acteurs.",
    ),
    Area(
        "agenda",
        "Agenda",
        "meetings:index",
        "Les instances de coordination, leurs ordres du jour et comptes-rendus.",
    ),
    Area(
        "documents",
        "Documents",
        "library:documents",
        "Documents partagés, comptes-rendus publiés et actualités des partenaires.",
    ),
    Area(
        "appels-a-projets",
        "Appels à projets",
        "calls:list",
        "Les appels à projets du droit commun et des crédits spécifiques, leurs échéances.",
    ),
    Area(
        "plan-actions",
        "Plan d'actions",
        "actions:list",
        "Les actions, leurs financements et leurs comités.",
    ),
    Area("evaluation", "Évaluation", None, "Indicateurs, cibles et bilans des actions."),
    Area(
        "participation",
        "Participation",
        "participation:index",
        "Budget participatif et conseils de quartier.",
    ),
]


def area(slug: str) -> Area | None:
    return next((a for a in AREAS if a.slug == slug), None)
