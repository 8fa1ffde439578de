"""The home page: the contract and its enjeux, the territories it covers and the areas of
the product. It sits with the root URLconf, above every app, because it reads several."""

from django.shortcuts import render

from cdvs.contract.models import Contract
from cdvs.core.navigation import AREAS
from cdvs.territories.models import Kind, Territory


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
        },
    )
