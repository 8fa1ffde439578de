"""Public pages of the calls for projects: the list with its filters, a call, its
attachments, the deadlines calendar, exports, and a person's saved searches."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import can, gate_visible, login_if_needed
from cdvs.contract.models import Enjeu, enjeu_labels
from cdvs.core.cache import query_key
from cdvs.core.exports import FORMAT_LABELS, export_response
from cdvs.core.markup import render_markdown
from cdvs.territories.models import Territory

from . import alerts
from .filters import CallFilters, apply_filters, as_query, clean_filters, ordered
from .forms import SavedSearchForm
from .ics import deadlines_feed
from .models import (
    CallAttachment,
    CallForProjects,
    OrganisationAlertOptOut,
    SavedSearch,
    Status,
)

PAGE_SIZE = 20


def _list_queryset(user, filters, today):
    qs = apply_filters(CallForProjects.objects.visible_to(user), filters, today)
    return ordered(qs, filters)


def _with_relations(qs):
    return qs.select_related("funder").prefetch_related(
        Prefetch("enjeux", queryset=enjeu_labels()),
        "territories",
    )


def _decorate(calls, today):
    for call in calls:
        session = call.current_session(today)
        call.session = session
        call.current_status = Status(call.status(today))
        call.days_left = (session.closes_on - today).days if session.closes_on else None
    return calls


def call_list(request):
    today = timezone.localdate()
    form = CallFilters(request.GET)
    filters = form.values
    qs = _list_queryset(request.user, filters, today)
    # a page of ids first (from the index alone at scale), then those 20 rows
    page = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = CallForProjects.objects.filter(pk__in=ids).only(
        "pk", "title", "funder_name", "funder_id", "opens_on", "closes_on", "closes_at",
        "recurrence", "recurrence_until", "nature", "visibility", "amount_min", "amount_max",
        "envelope",
    ).prefetch_related(Prefetch("enjeux", queryset=enjeu_labels()))  # fmt: skip
    by_pk = {c.pk: c for c in rows}
    calls = _decorate([by_pk[pk] for pk in ids if pk in by_pk], today)
    query = as_query(filters)
    searches = []
    if request.user.is_authenticated:
        searches = list(SavedSearch.objects.filter(user=request.user).order_by("name"))
    return render(
        request,
        "calls/list.html",
        {
            "form": form,
            "form_key": query_key(
                request.GET.urlencode(), Enjeu, Territory, Territory.all_objects.all()
            ),
            "page": page,
            "calls": calls,
            "query": query,
            "filters": filters,
            "formats": FORMAT_LABELS,
            "save_form": SavedSearchForm(),
            "searches": searches,
            "can_manage": can(request.user, "calls.manage"),
            "closing_soon_url": "?" + as_query({**filters, "statut": Status.CLOSING_SOON}),
        },
    )


def _visible_call(request, pk):
    call = get_object_or_404(
        CallForProjects.objects.select_related("funder", "commune").prefetch_related(
            Prefetch("enjeux", queryset=enjeu_labels()), "territories"
        ),
        pk=pk,
    )
    gate_visible(request.user, call, "Cet appel à projets est réservé à d'autres partenaires.")
    return call


@login_if_needed
def detail(request, pk):
    today = timezone.localdate()
    call = _visible_call(request, pk)
    _decorate([call], today)
    return render(
        request,
        "calls/detail.html",
        {
            "call": call,
            "description": render_markdown(call.description),
            "attachments": list(call.attachments.all()),
            "next_sessions": call.upcoming_sessions(3, today)[1:] if call.recurrence else [],
            "can_manage": can(request.user, "calls.manage", call),
        },
    )


@login_if_needed
def attachment(request, pk, attachment_pk):
    call = _visible_call(request, pk)
    item = get_object_or_404(CallAttachment.objects.filter(call=call), pk=attachment_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("Fichier introuvable.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.filename, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def export(request, fmt):
    today = timezone.localdate()
    filters = clean_filters(request.GET)
    qs = _with_relations(_list_queryset(request.user, filters, today))
    headers = [
        "Intitulé", "Financeur", "Nature", "Statut", "Ouverture", "Clôture", "Heure limite",
        "Récurrence", "Montant minimum (€)", "Montant maximum (€)", "Enveloppe totale (€)",
        "Enjeux", "Territoires", "Porteurs éligibles", "Publics", "Lien", "Adresse",
    ]  # fmt: skip

    site = settings.SITE_URL.rstrip("/")

    def rows():
        for call in qs.iterator(chunk_size=500):
            session = call.current_session(today)
            yield [
                call.title,
                call.funder_name,
                call.get_nature_display(),
                Status(call.status(today)).label,
                session.opens_on,
                session.closes_on,
                call.closes_at.strftime("%H:%M") if call.closes_at else "",
                call.get_recurrence_display() if call.recurrence else "",
                call.amount_min,
                call.amount_max,
                call.envelope,
                ", ".join(f"Enjeu {e.number}" for e in call.enjeux.all()),
                ", ".join(t.name for t in call.territories.all()),
                ", ".join(call.carrier_labels),
                ", ".join(call.public_labels),
                call.link,
                site + call.get_absolute_url(),
            ]

    return export_response("appels-a-projets", "Appels à projets", headers, rows(), fmt)


def _feed_queryset(qs, today):
    recent = today - timedelta(days=90)
    return qs.filter(Q(pk__in=qs.active(today).values("pk")) | Q(closes_on__gte=recent))


def public_feed(request):
    """The deadlines of the public calls (a calendar client has no session)."""
    today = timezone.localdate()
    qs = _feed_queryset(CallForProjects.objects.filter(visibility="public"), today)
    body = deadlines_feed(qs.order_by("sort_date", "pk"), "Appels à projets — clôtures", today)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def search_feed(request, token):
    """The deadlines of one saved search, as its owner may see them (token = credential)."""
    search = alerts.read_feed_token(token)
    if search is None:
        raise Http404("Lien de calendrier invalide.")
    today = timezone.localdate()
    filters = clean_filters(_query_dict(search.query))
    if filters.get("statut") == Status.CLOSED:
        filters["statut"] = "tous"
    qs = apply_filters(CallForProjects.objects.visible_to(search.user), filters, today)
    qs = _feed_queryset(qs, today)
    body = deadlines_feed(qs.order_by("sort_date", "pk"), f"Appels à projets — {search.name}")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def _query_dict(query: str):
    return QueryDict(query)


@login_required
def my_alerts(request):
    searches = list(SavedSearch.objects.filter(user=request.user).order_by("name", "pk"))
    for search in searches:
        search.feed_url = request.build_absolute_uri(
            reverse("calls:search_feed", args=[alerts.feed_token(search)])
        )
    opted_out = OrganisationAlertOptOut.objects.filter(user=request.user).exists()
    return render(
        request,
        "calls/alerts.html",
        {"searches": searches, "opted_out": opted_out},
    )


@login_required
@require_POST
def save_search(request):
    form = SavedSearchForm(request.POST)
    filters = clean_filters(request.POST)
    if form.is_valid():
        search = form.save(commit=False)
        search.user = request.user
        search.query = as_query(filters)
        search.save()
        messages.success(request, f"Recherche « {search.name} » enregistrée.")
        return redirect("calls:alerts")
    messages.error(
        request,
        "La recherche n'a pas été enregistrée : donnez-lui un nom et choisissez la "
        "fréquence des alertes.",
    )
    query = as_query(filters)
    return redirect(f"{_list_url()}?{query}" if query else _list_url())


def _list_url():
    return reverse("calls:list")


@login_required
@require_POST
def delete_search(request, pk):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    search.delete()
    messages.success(request, f"Recherche « {search.name} » supprimée.")
    return redirect("calls:alerts")


@login_required
@require_POST
def toggle_organisation_alerts(request):
    if request.POST.get("recevoir") == "1":
        OrganisationAlertOptOut.objects.filter(user=request.user).delete()
        messages.success(request, "Vous recevrez les alertes de vos organisations.")
    else:
        OrganisationAlertOptOut.objects.get_or_create(user=request.user)
        messages.success(request, "Vous ne recevrez plus les alertes de vos organisations.")
    return redirect("calls:alerts")


@csrf_exempt
def unsubscribe(request, token):
    """One-click unsubscribe (RFC 8058): a POST stops the alert at once (mail clients
    post without session or CSRF token: the signed token is the credential); a GET
    shows a confirmation button, so that link scanners stop nothing."""
    found = alerts.read_unsubscribe_token(token)
    if found is None:
        return render(request, "calls/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        what = alerts.unsubscribe(*found)
        return render(request, "calls/unsubscribe.html", {"done": True, "what": what})
    return render(request, "calls/unsubscribe.html", {"token": token})
