from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render

from .navigation import area


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
