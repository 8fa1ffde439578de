"""The search page: one box across everything a reader may see."""

from django.shortcuts import render

from cdvs.accounts.permissions import require

from . import registry, services
from .forms import SearchForm


def index(request):
    require(request.user, "search.view")
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        results = services.search(
            request.user,
            data["q"],
            kind=data["type"] or None,
            enjeu=data["enjeu"],
            territory=data["territoire"],
            start=data["du"],
            end=data["au"],
            page=data["page"] or 1,
        )
    params = request.GET.copy()
    params.pop("page", None)
    kind_params = params.copy()
    kind_params.pop("type", None)
    labels = registry.labels()
    facets = []
    if results is not None and results.searched:
        facets = [
            {"kind": k, "label": labels[k], "count": results.counts.get(k, 0)}
            for k in labels
            if results.counts.get(k)
        ]
    return render(
        request,
        "search/index.html",
        {
            "form": form,
            "results": results,
            "facets": facets,
            "chosen_kind": form.cleaned_data.get("type")
            if form.is_bound and form.is_valid()
            else "",
            "query_string": params.urlencode(),
            "kind_query_string": kind_params.urlencode(),
            "count_limit": f"{services.COUNT_LIMIT:,}".replace(",", "\u202f"),
            "kinds_text": ", ".join(label.lower() for label in labels.values()),
        },
    )
