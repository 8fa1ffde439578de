"""Residents' pages, no account needed: the budget participatif (campaigns, their
figures, the public ideas), depositing and following an idea from the link received,
asking to attend the réunion des acteurs, and the FALC page. Light pages: no script
needed, no map required. Never a depositor's email or any resident's personal data."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cdvs.accounts.lockout import client_ip_for_axes
from cdvs.accounts.permissions import can, gate, login_if_needed
from cdvs.core.cache import cached
from cdvs.core.exports import FORMAT_LABELS, export_response
from cdvs.meetings.models import Meeting

from . import figures, near, services
from .forms import AttendanceRequestForm, IdeaForm, NearForm
from .models import PUBLIC_STATUSES, Campaign, Idea

PUBLIC_IDEAS = 100


def _campaign(pk):
    return get_object_or_404(Campaign.objects.select_related("territory"), pk=pk)


def public_ideas(campaign):
    return (
        Idea.objects.filter(
            campaign=campaign, confirmed_at__isnull=False, status__in=PUBLIC_STATUSES
        )
        .only("pk", "title", "area", "status", "campaign_id", "address")
        .order_by("title", "pk")
    )


@login_if_needed
def index(request):
    gate(request.user, "participation.view")
    campaigns = list(Campaign.objects.select_related("territory").defer("territory__geometry"))
    today = timezone.localdate()
    return render(
        request,
        "participation/index.html",
        {
            "open": [c for c in campaigns if c.accepts_ideas(today)],
            "campaigns": campaigns,
            "can_manage": can(request.user, "participation.manage"),
            "next_meeting": _next_actors_meeting(),
        },
    )


@login_if_needed
def falc(request):
    gate(request.user, "participation.view")
    today = timezone.localdate()
    campaigns = [c for c in Campaign.objects.select_related("territory") if c.accepts_ideas(today)]
    return render(request, "participation/falc.html", {"open": campaigns})


def public_idea_page(campaign, number, version):
    """A page of the campaign's public ideas (PUBLIC_IDEAS a page, by title), its rows
    and its count kept by the ideas' data version: at 10 000 ideas, sorting them by
    title is the page's dearest query."""
    count = cached(
        ("participation:public-ideas-count", campaign.pk, version),
        lambda: public_ideas(campaign).count(),
    )
    page = Paginator(range(count), PUBLIC_IDEAS).get_page(number)
    start = page.start_index() - 1 if count else 0
    page.object_list = cached(
        ("participation:public-ideas", campaign.pk, page.number, version),
        lambda: list(public_ideas(campaign)[start : start + PUBLIC_IDEAS]),
    )
    return page


@login_if_needed
def campaign(request, pk):
    gate(request.user, "participation.view")
    obj = _campaign(pk)
    version = figures.figures_version()
    rows, carriers = figures.cached_figures(obj, version)
    page = public_idea_page(obj, request.GET.get("page"), version)
    return render(
        request,
        "participation/campaign.html",
        {
            "campaign": obj,
            "rows": rows,
            "headers": figures.HEADERS,
            "carriers": carriers,
            "supports": list(obj.supports.select_related("organisation", "territory")),
            "ideas": page.object_list,
            "page": page,
            "open": obj.accepts_ideas(timezone.localdate()),
            "formats": FORMAT_LABELS,
            "can_manage": can(request.user, "participation.manage", obj),
        },
    )


@login_if_needed
def export_figures(request, pk, fmt):
    """The figures only (never the ideas' depositors)."""
    gate(request.user, "participation.view")
    obj = _campaign(pk)
    rows = [row.cells() for row in figures.campaign_rows(obj)]
    if obj.is_metropolitan:
        c = figures.carriers_figure(obj)
        rows.append(
            ["Lauréates portées par des habitants des QPV", c.by_qpv_residents,
             f"{figures.percent(c.share)} (objectif : au moins {c.target_text})", c.laureates, ""]
        )  # fmt: skip
    return export_response(
        f"budget-participatif-{obj.pk}", obj.name[:31], figures.HEADERS, rows, fmt
    )


@login_if_needed
def idea(request, pk):
    gate(request.user, "participation.view")
    obj = get_object_or_404(
        Idea.objects.select_related("campaign", "helped_by").filter(
            confirmed_at__isnull=False, status__in=PUBLIC_STATUSES
        ),
        pk=pk,
    )
    return render(request, "participation/idea.html", {"idea": obj, "public": True})


def _ip(request) -> str:
    return client_ip_for_axes(request) or "inconnue"


@login_if_needed
def deposit(request, pk):
    gate(request.user, "participation.view")
    obj = _campaign(pk)
    if not obj.accepts_ideas(timezone.localdate()):
        messages.error(request, "Le dépôt des idées de cette campagne n'est pas ouvert.")
        return redirect(obj.get_absolute_url())
    form = IdeaForm(request.POST or None, campaign=obj)
    if request.method == "POST" and form.is_valid():
        if form.is_spam:
            form.add_error(None, "Votre envoi ressemble à un envoi automatique : rien n'a été "
                                 "enregistré. Laissez vide le dernier champ.")  # fmt: skip
        else:
            try:
                form.apply_place()
                services.deposit_idea(form.instance, ip=_ip(request))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return render(request, "participation/deposited.html", {"idea": form.instance})
    return render(request, "participation/deposit.html", {"campaign": obj, "form": form})


def _from_token(token):
    try:
        return services.idea_from_token(token)
    except ValidationError as exc:
        return exc


def _refused(request, error):
    return render(request, "participation/forged.html", {"message": error.messages[0]}, status=400)


@login_if_needed
def my_idea(request, token):
    """The depositor's page, from their link: confirming, following, editing."""
    found = _from_token(token)
    if isinstance(found, ValidationError):
        return _refused(request, found)
    services.confirm_idea(found)
    editable = found.status == "deposee"
    if request.method == "POST" and not editable:
        messages.error(request, "Cette idée a déjà été examinée : elle ne peut plus être modifiée.")
        response = redirect(request.path)
        response.status_code = 303
        return response
    form = IdeaForm(request.POST or None, instance=found, campaign=found.campaign, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            form.apply_place()
            services.edit_by_depositor(form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Votre idée a été mise à jour.")
            return redirect(request.path)
    return render(
        request,
        "participation/my_idea.html",
        {
            "idea": found,
            "form": form if editable else None,
            "changes": list(found.status_changes.all()),
            "token": token,
        },
    )


@login_if_needed
@require_POST
def erase_my_email(request, token):
    found = _from_token(token)
    if isinstance(found, ValidationError):
        return _refused(request, found)
    services.erase_email(found)
    messages.success(
        request,
        "Votre adresse électronique a été effacée. Gardez ce lien pour suivre votre idée.",
    )
    # 303 See Other: back to the page of the link, never mistaken for a login redirect
    response = redirect("participation:my_idea", token=token)
    response.status_code = 303
    return response


def _next_actors_meeting():
    """The next public réunion des acteurs (its instance's name says so), if any."""
    return (
        Meeting.objects.filter(visibility="public")
        .filter(Q(series__name__icontains="acteurs") | Q(title__icontains="acteurs"))
        .upcoming(timezone.localdate())
        .select_related("enjeu")
        .chronological()
        .first()
    )


@login_if_needed
def attend(request, pk):
    """A resident with a project on the enjeu of a (public) réunion des acteurs asks
    to attend it."""
    gate(request.user, "participation.view")
    meeting = Meeting.objects.filter(visibility="public").select_related("enjeu").filter(pk=pk)
    meeting = meeting.first()
    if meeting is None:
        raise Http404("Réunion introuvable.")
    form = AttendanceRequestForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("site_web"):
            form.add_error(None, "Votre envoi ressemble à un envoi automatique : rien n'a été "
                                 "enregistré.")  # fmt: skip
        else:
            try:
                services.request_attendance(form.instance, _ip(request))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return render(request, "participation/attend_done.html", {"meeting": meeting})
    return render(request, "participation/attend.html", {"meeting": meeting, "form": form})


@login_if_needed
def near_me(request):
    """« Près de chez moi » (and its FALC version with `?facile=1`)."""
    gate(request.user, "participation.view")
    form = NearForm(request.GET or None)
    context = {
        "form": form,
        "events": near.upcoming_events(),
        "falc": bool(request.GET.get("facile")),
    }
    if form.is_bound and form.is_valid() and form.cleaned_data["point"] is not None:
        point = form.cleaned_data["point"]
        commune, areas = near.quartier_of(point.lat, point.lon)
        ids = [t.id for t in areas] + ([commune.id] if commune else [])
        context.update(
            point=point,
            commune=commune,
            areas=areas,
            nearby=near.open_near(point.lat, point.lon),
            actions=near.actions_in(ids),
            initiatives=near.initiatives([t.id for t in areas]),
        )
    return render(request, "participation/near.html", context)
