from django.shortcuts import get_object_or_404, render

from .models import Kind, Territory


def index(request):
    territories = Territory.objects.select_related("parent").order_by("kind", "name")
    groups = [(label, [t for t in territories if t.kind == kind]) for kind, label in Kind.choices]
    return render(request, "territories/index.html", {"groups": groups})


def detail(request, kind, code):
    territory = get_object_or_404(Territory, kind=kind, code=code)
    return render(request, "territories/detail.html", {"territory": territory})
