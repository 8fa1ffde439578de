from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render

from cdvs.contract.models import Contract
from cdvs.territories.models import Kind, Territory

from .navigation import AREAS, area


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


def upcoming_area(request, area: str):
    found = _area(area)
    return render(request, "core/upcoming.html", {"area": found})


def _area(slug):
    found = area(slug)
    if found is None or found.url_name:
        raise Http404("Rubrique inconnue")
    return found


def accessibility(request):
    return render(request, "core/accessibility.html")


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"statut": "ok"})
