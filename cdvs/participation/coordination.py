"""Coordination pages of the participation: campaigns and their support actions, the
moderation of the ideas (status changes), the vote results' import, the conseils de
quartier, and the residents asking to attend the réunion des acteurs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import filter_allowed, gate, login_if_needed
from cdvs.core.history import history_page
from cdvs.territories.models import Kind, Territory
from cdvs.territories.views import map_data, map_layer

from . import services
from .forms import (
    CampaignForm,
    CouncilForm,
    HelpersForm,
    IdeaForm,
    StatusForm,
    SupportForm,
    VoteImportForm,
)
from .models import AttendanceRequest, Campaign, Council, Idea, IdeaStatusChange


def _form_page(request, form, title, back, notice="", multipart=False):
    return render(
        request,
        "participation/coordination/form.html",
        {"form": form, "title": title, "back": back, "notice": notice, "multipart": multipart},
    )


def _campaign(request, pk):
    campaign = get_object_or_404(Campaign.objects.select_related("territory"), pk=pk)
    gate(request.user, "participation.manage", campaign)
    return campaign


@login_if_needed
def campaigns(request):
    gate(request.user, "participation.manage")
    rows = filter_allowed(
        request.user, "participation.manage", Campaign.objects.select_related("territory")
    )
    return render(
        request,
        "participation/coordination/campaigns.html",
        {"campaigns": list(rows), "councils": list(
            filter_allowed(request.user, "participation.manage", Council.objects.all())
        )},
    )  # fmt: skip


def _save_campaign(request, form, back, title):
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.save_campaign(form.instance, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Campagne enregistrée.")
            return redirect("participation_coordination:ideas", pk=campaign.pk)
    return _form_page(request, form, title, back)


@login_if_needed
def create_campaign(request):
    gate(request.user, "participation.manage")
    form = CampaignForm(request.POST or None)
    return _save_campaign(
        request, form, reverse("participation_coordination:campaigns"), "Nouvelle campagne"
    )


@login_if_needed
def edit_campaign(request, pk):
    campaign = _campaign(request, pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    return _save_campaign(
        request,
        form,
        reverse("participation_coordination:ideas", args=[pk]),
        f"Modifier : {campaign}",
    )


@login_if_needed
def ideas(request, pk):
    """Every idea of a campaign, to moderate (with the unconfirmed ones)."""
    campaign = _campaign(request, pk)
    rows = (
        Idea.objects.filter(campaign=campaign).select_related("helped_by").order_by("status", "pk")
    )
    return render(
        request,
        "participation/coordination/ideas.html",
        {
            "campaign": campaign,
            "ideas": list(rows[:500]),
            "supports": list(campaign.supports.select_related("organisation", "territory")),
        },
    )


@login_if_needed
def add_support(request, pk):
    campaign = _campaign(request, pk)
    form = SupportForm(request.POST or None, campaign=campaign)
    back = reverse("participation_coordination:ideas", args=[pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.save_support(form.instance, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Action de soutien enregistrée.")
            return redirect(back)
    return _form_page(request, form, f"Action de soutien : {campaign}", back)


@login_if_needed
def add_idea(request, pk):
    """An idea handed on paper (at the centre social, in a permanence), entered here."""
    campaign = _campaign(request, pk)
    form = IdeaForm(request.POST or None, campaign=campaign, public=False)
    back = reverse("participation_coordination:ideas", args=[pk])
    if request.method == "POST" and form.is_valid():
        try:
            form.apply_place()
            services.save_idea(form.instance, request.user, "Idée saisie par la coordination")
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Idée enregistrée.")
            return redirect(back)
    return _form_page(request, form, f"Saisir une idée : {campaign}", back)


def _idea(request, pk, deleted=False):
    manager = Idea.all_objects if deleted else Idea.objects
    idea = get_object_or_404(manager.select_related("campaign__territory"), pk=pk)
    gate(request.user, "participation.manage", idea.campaign)
    return idea


@login_if_needed
def idea_status(request, pk):
    idea = _idea(request, pk)
    form = StatusForm(request.POST or None, idea=idea)
    back = reverse("participation_coordination:ideas", args=[idea.campaign_id])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_status(
                idea, data["to_status"], data["reason"], request.user, data["on"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Statut de l'idée mis à jour.")
            return redirect(back)
    notice = f"« {idea.title} » : {idea.text} — statut actuel : {idea.get_status_display()}."
    if idea.confirmed_at is None:
        notice += " Cette idée n'est pas encore confirmée par la personne qui l'a déposée."
    return _form_page(request, form, f"Statut de l'idée n° {idea.pk}", back, notice)


@login_if_needed
def idea_history(request, pk):
    idea = _idea(request, pk, deleted=True)
    related = [(f"Statut {c}", c) for c in IdeaStatusChange.objects.filter(idea=idea)]
    return history_page(
        request, idea, reverse("participation_coordination:ideas", args=[idea.campaign_id]),
        related=related,
    )  # fmt: skip


@login_if_needed
def import_votes(request, pk):
    campaign = _campaign(request, pk)
    form = VoteImportForm(request.POST or None, request.FILES or None)
    back = reverse("participation_coordination:ideas", args=[pk])
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = services.import_votes(campaign, upload.read(), upload.name, request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Résultats du vote importés : {count} idée(s).")
            return redirect(back)
    notice = "Tout ou rien : si une ligne est fausse, rien n'est enregistré."
    return _form_page(request, form, f"Résultats du vote : {campaign}", back, notice, True)


# ------------------------------------------------------------------ councils


def _council_map(council):
    """The map of the council page: its commune and the commune's QPV and PAC (all the
    QPV and PAC for a new council); the perimeter itself is drawn from the text field."""
    priority = Territory.objects.with_perimeter().filter(kind__in=[Kind.QPV, Kind.PAC])
    layers = []
    if council.commune_id:
        commune = Territory.objects.filter(pk=council.commune_id).first()
        layers.append(map_layer(commune.name, Kind.COMMUNE, [commune]))
        priority = priority.filter(
            Q(parent_id=council.commune_id) | Q(communes=council.commune_id)
        ).distinct()
    for kind, label in ((Kind.QPV, "QPV"), (Kind.PAC, "PAC")):
        items = [t for t in priority if t.kind == kind]
        if items:
            layers.append(map_layer(label, kind, items))
    return map_data(layers, draw="geojson")


def _council_page(request, council, title):
    stored = council.geometry
    form = CouncilForm(request.POST or None, request.FILES or None, instance=council)
    back = reverse("participation_coordination:campaigns")
    if request.method == "POST" and form.is_valid():
        try:
            services.save_council(
                form.instance, request.user, form.perimeter(), form.cleaned_data.get("feeds_into")
            )
        except ValidationError as exc:
            council.geometry = stored  # nothing saved: the page shows the stored perimeter
            form.add_error(None, exc)
        else:
            messages.success(request, "Conseil de quartier enregistré.")
            return redirect(back)
    notice = ""
    if council.pk and council.geometry:
        shares = services.priority_shares(council.geometry)
        notice = "Part du périmètre en QPV : {} ; en PAC : {}.".format(
            *(f"{round(shares.get(k, 0) * 100)} %" for k in ("qpv", "pac"))
        )
    return render(
        request,
        "participation/coordination/council.html",
        {"form": form, "title": title, "back": back, "notice": notice, "multipart": True,
         "map_script": _council_map(council)},
    )  # fmt: skip


@login_if_needed
def create_council(request):
    gate(request.user, "participation.manage")
    return _council_page(request, Council(), "Nouveau conseil de quartier")


@login_if_needed
def edit_council(request, pk):
    council = get_object_or_404(Council.objects.select_related("commune"), pk=pk)
    gate(request.user, "participation.manage", council)
    return _council_page(request, council, f"Modifier : {council}")


# ------------------------------------------------------------------ réunion des acteurs


@login_if_needed
def requests(request):
    gate(request.user, "participation.manage")
    rows = filter_allowed(
        request.user,
        "participation.manage",
        AttendanceRequest.objects.select_related("meeting").prefetch_related("helpers"),
    )
    return render(request, "participation/coordination/requests.html", {"rows": list(rows[:200])})


def _request(request, pk):
    obj = get_object_or_404(AttendanceRequest.objects.select_related("meeting__series"), pk=pk)
    gate(request.user, "participation.manage", obj)
    return obj


@login_if_needed
@require_POST
def invite(request, pk):
    obj = _request(request, pk)
    try:
        services.invite(obj, request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Invitation envoyée à {obj.name}.")
    return redirect("participation_coordination:requests")


@login_if_needed
def helpers(request, pk):
    obj = _request(request, pk)
    form = HelpersForm(request.POST or None, initial={"helpers": list(obj.helpers.all())})
    back = reverse("participation_coordination:requests")
    if request.method == "POST" and form.is_valid():
        services.set_helpers(obj, form.cleaned_data["helpers"], request.user)
        messages.success(request, "Structures enregistrées.")
        return redirect(back)
    return _form_page(request, form, f"Qui peut aider ? {obj.name}", back, obj.project)
