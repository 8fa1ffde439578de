"""Read-only API of the budget participatif: a campaign's figures (counts and shares
per QPV, PAC and elsewhere, the MEL's carriers figure), the same as its page shows
(`figures.cached_figures`). Never a depositor nor an idea's text."""

from django.http import Http404
from ninja import Router, Schema

from cdvs.accounts.permissions import require
from cdvs.api.errors import ONE
from cdvs.api.types import Id

from . import figures
from .models import Campaign

router = Router()


class FigureRowOut(Schema):
    label: str
    kind: str
    deposited: int
    deposited_share: str
    laureates: int
    laureate_share: str


class CarriersOut(Schema):
    laureates: int
    by_qpv_residents: int
    share: str
    target: str
    reached: bool | None


class CampaignFiguresOut(Schema):
    id: int
    name: str
    rows: list[FigureRowOut]
    carriers: CarriersOut | None


@router.get("/campagnes/{pk}/chiffres", response={200: CampaignFiguresOut, **ONE},
            url_name="participation_figures")  # fmt: skip
def campaign_figures(request, pk: Id):
    """Les chiffres d'une campagne : idées déposées et lauréates par QPV, PAC et
    ailleurs (parts arrondies au dixième), et pour la MEL la part des lauréates portées
    par des habitants des QPV face à l'objectif de 18 %."""
    require(request.user, "participation.view")
    campaign = Campaign.objects.select_related("territory").filter(pk=pk).first()
    if campaign is None:
        raise Http404("Campagne introuvable.")
    rows, carriers = figures.cached_figures(campaign)
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "rows": [
            {
                "label": r.label,
                "kind": r.kind,
                "deposited": r.deposited,
                "deposited_share": r.deposited_text,
                "laureates": r.laureates,
                "laureate_share": r.laureate_text,
            }
            for r in rows
        ],  # fmt: skip
        "carriers": None
        if carriers is None
        else {
            "laureates": carriers.laureates,
            "by_qpv_residents": carriers.by_qpv_residents,
            "share": carriers.share_text,
            "target": carriers.target_text,
            "reached": carriers.reached,
        },  # fmt: skip
    }
