"""Coordination pages of the plan d'actions: an action created from a piste d'action
or an action existante, its edition, its status changes, its funding lines, the trash
and the history."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import can, filter_allowed, gate, login_if_needed
from cdvs.contract.models import ActionLead, Contract
from cdvs.core.bounds import IdField
from cdvs.core.history import history_page
from cdvs.core.trash import confirm_trash, restore_from_trash

from . import budget, cerfa, cycle, engagements, flagships, services
from .forms import (
    ActionForm,
    AvenantForm,
    BudgetForm,
    ConventionForm,
    DecisionForm,
    EngagementForm,
    FlagshipForm,
    FundingLineForm,
    MilestoneForm,
    OpinionForm,
    ProgrammationForm,
    RequestForm,
    RequestLineFormSet,
    ReviewForm,
    StatusForm,
    StatusReportForm,
)
from .models import (
    Action,
    Convention,
    ConventionYear,
    Engagement,
    Flagship,
    FundingLine,
    Milestone,
    Programmation,
    Request,
    funding_totals,
)


def _action(request, pk, perm="actions.manage", *, deleted=False):
    manager = Action.all_objects if deleted else Action.objects
    action = get_object_or_404(manager.select_related("commune", "porteur", "contract"), pk=pk)
    gate(request.user, perm, action)
    return action


def _form_page(request, form, title, back, notice=""):
    return render(
        request,
        "actions/coordination/form.html",
        {"form": form, "title": title, "back": back, "notice": notice},
    )


def _save(form, request, done):
    try:
        action = services.save_action_form(form, request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    messages.success(request, done)
    return redirect(action.get_absolute_url())


def _lead(request):
    """The piste d'action or action existante named by `?piste=`, if any."""
    field = IdField(required=False)
    try:
        lead_id = field.clean(request.GET.get("piste"))
    except ValidationError:
        lead_id = None
    if lead_id is None:
        return None
    return get_object_or_404(ActionLead.objects.select_related("objective__enjeu"), pk=lead_id)


@login_if_needed
def create(request):
    gate(request.user, "actions.manage")
    lead = _lead(request)
    form = ActionForm(request.POST or None, lead=lead)
    if request.method == "POST" and form.is_valid():
        response = _save(form, request, "Action enregistrée.")
        if response is not None:
            return response
    notice = ""
    if lead is not None:
        notice = (
            f"À partir de la {lead.get_kind_display().lower()} « {lead.text} » : "
            "l'intitulé et l'objectif sont repris ; choisissez le porteur."
        )
    return _form_page(request, form, "Nouvelle action", reverse("actions:list"), notice)


@login_if_needed
def edit(request, pk):
    action = _action(request, pk, "actions.edit")
    full = can(request.user, "actions.manage", action)
    form = ActionForm(request.POST or None, instance=action, full=full)
    if request.method == "POST" and form.is_valid():
        response = _save(form, request, "Action mise à jour.")
        if response is not None:
            return response
    return _form_page(request, form, f"Modifier : {action.title}", action.get_absolute_url())


@login_if_needed
def change_status(request, pk):
    action = _action(request, pk)
    form = StatusForm(request.POST or None, action=action)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_status(
                action, data["to_status"], data["reason"], request.user, data["on"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Statut de l'action mis à jour.")
            return redirect(action.get_absolute_url())
    notice = f"Statut actuel : {action.get_status_display()}."
    if not form.fields["to_status"].choices:
        notice += " Aucun changement de statut n'est possible depuis ce statut."
    return _form_page(
        request, form, f"Changer le statut : {action.title}", action.get_absolute_url(), notice
    )


def _funding_page(request, action, line, title):
    form = FundingLineForm(request.POST or None, instance=line, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_funding_line(form.instance, {}, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Ligne de financement enregistrée.")
            return redirect(action.get_absolute_url())
    notice = (
        f"Années du contrat : {action.contract.start_year} à {action.contract.end_year}. "
        "Montants en euros, au centime près."
    )
    return _form_page(request, form, title, action.get_absolute_url(), notice)


@login_if_needed
def add_funding(request, pk):
    action = _action(request, pk, "actions.fund")
    return _funding_page(
        request, action, FundingLine(action=action), f"Nouveau financement : {action.title}"
    )


@login_if_needed
def edit_funding(request, pk):
    line = get_object_or_404(
        FundingLine.objects.select_related(
            "action__commune", "action__porteur", "action__contract"
        ),
        pk=pk,
    )
    gate(request.user, "actions.fund", line.action)
    return _funding_page(request, line.action, line, f"Modifier le financement : {line}")


@login_if_needed
def delete(request, pk):
    action = _action(request, pk)
    return confirm_trash(
        request,
        action,
        heading=f"Mettre à la corbeille : {action.title}",
        explanation="L'action disparaîtra des listes et des exports, avec ses financements. "
        "Vous pourrez la restaurer depuis la corbeille.",
        back=action.get_absolute_url(),
        then="actions_coordination:trash",
        done=f"« {action.title} » est dans la corbeille : vous pouvez la restaurer.",
    )


@login_if_needed
@require_POST
def restore(request, pk):
    action = _action(request, pk, deleted=True)
    return restore_from_trash(
        request, action, then=action.get_absolute_url(), done=f"« {action.title} » a été restaurée."
    )


@login_if_needed
def trash(request):
    gate(request.user, "actions.manage")
    actions = filter_allowed(
        request.user,
        "actions.manage",
        Action.all_objects.deleted().select_related("deleted_by"),
    ).order_by("-deleted_at")[:200]
    return render(request, "actions/coordination/trash.html", {"actions": list(actions)})


@login_if_needed
def history(request, pk):
    action = _action(request, pk, deleted=True)
    related = [
        (f"Financement {line}", line)
        for line in FundingLine.all_objects.filter(action=action).order_by("year", "pk")
    ]
    return history_page(request, action, action.get_absolute_url(), related=related)


def _year(action, year):
    """404 unless `year` is a year of the action's contract (the URL's number is bounded
    here, as test_url_ids asks of the numbers that are not keys)."""
    if not action.contract.start_year <= year <= action.contract.end_year:
        raise Http404("Année hors du contrat.")
    return year


@login_if_needed
def edit_budget(request, pk, year):
    """The CERFA 12156 budget of an action for a year, written as a whole and balanced."""
    action = _action(request, pk, "actions.edit")
    _year(action, year)
    amounts = services.budget_amounts(action, year)
    form = BudgetForm(request.POST or None, amounts=amounts)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_budget(action, year, form.amounts(), request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Budget {year} enregistré, équilibré.")
            return redirect(action.get_absolute_url())
    lines = FundingLine.objects.filter(action=action, year=year)
    contract = action.contract
    return render(
        request,
        "actions/coordination/budget.html",
        {
            "action": action,
            "year": year,
            "years": list(range(contract.start_year, contract.end_year + 1)),
            "title": f"Budget {year} : {action.title}",
            "form": form,
            "sides": [("Charges", form.charges()), ("Produits", form.produits())],
            "totals": budget.totals(amounts) if amounts else None,
            "reconciliation": budget.reconcile(amounts, lines) if amounts else None,
        },
    )


# ---- programmation annuelle


@login_if_needed
def programmation_create(request):
    gate(request.user, "actions.manage")
    form = ProgrammationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.create_programmation(
                d["contract"], d["year"], d["commune"], d["opens_on"], d["closes_on"],
                request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{item} ouverte : son appel à projets est publié.")
            return redirect(item.get_absolute_url())
    return _form_page(request, form, "Nouvelle programmation annuelle",
                      reverse("actions:programmations"))  # fmt: skip


@login_if_needed
def request_create(request, pk):
    """A carrier (or a coordinator) deposits the request of one of their actions."""
    item = get_object_or_404(Programmation.objects.select_related("contract"), pk=pk)
    gate(request.user, "actions.edit")
    actions = filter_allowed(
        request.user,
        "actions.edit",
        Action.objects.filter(contract=item.contract, status__in=["projet", "non_retenue"]),
    ).order_by("title")
    form = RequestForm(request.POST or None, request.FILES or None, actions=actions)
    lines = RequestLineFormSet(request.POST or None, prefix="lignes")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            services.submit_request(
                item, form.cleaned_data["action"],
                [line for f in lines if (line := f.line()) is not None], request.user,
                dauphin_file=form.cleaned_data["dauphin_file"],
                dauphin_reference=form.cleaned_data["dauphin_reference"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Demande déposée : l'action est « déposée ».")
            return redirect(form.cleaned_data["action"].get_absolute_url())
    return render(
        request,
        "actions/coordination/request_form.html",
        {"programmation": item, "form": form, "lines": lines,
         "back": reverse("actions:programmation", args=[item.pk])},
    )  # fmt: skip


def _request(request, pk, perm="actions.instruct"):
    item = get_object_or_404(
        Request.objects.select_related(
            "action__commune", "action__porteur", "action__contract", "programmation", "meeting"
        ),
        pk=pk,
    )
    gate(request.user, perm, item)
    return item


@login_if_needed
def request_detail(request, pk):
    item = _request(request, pk)
    year = item.programmation.year
    lines = list(services.request_lines(item))
    amounts = services.budget_amounts(item.action, year)
    return render(
        request,
        "actions/coordination/request.html",
        {
            "item": item,
            "action": item.action,
            "year": year,
            "lines": lines,
            "totals": funding_totals(lines)["all"],
            "opinions": list(item.opinions.select_related("by")),
            "budget_lines": [(cerfa.LABEL[c], amounts[c]) for c in cerfa.CODES if c in amounts],
            "budget_totals": budget.totals(amounts) if amounts else None,
            "reconciliation": budget.reconcile(amounts, lines) if amounts else None,
        },
    )


@login_if_needed
def request_file(request, pk):
    """The Dauphin file of a request: the coordination and the porteur's people."""
    item = _request(request, pk, "actions.edit")
    if not item.dauphin_file:
        raise Http404("Aucun dossier Dauphin joint.")
    return FileResponse(
        item.dauphin_file.open("rb"), as_attachment=True,
        filename=f"dauphin-{item.programmation.year}-{item.pk}.pdf",
        content_type="application/pdf",
    )  # fmt: skip


@login_if_needed
def opinion(request, pk):
    item = _request(request, pk)
    form = OpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.give_opinion(item, dict(form.cleaned_data), request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Avis enregistré.")
            return redirect(item.get_absolute_url())
    return _form_page(request, form, f"Avis d'un financeur : {item.action.title}",
                      item.get_absolute_url())  # fmt: skip


@login_if_needed
def decision(request, pk):
    item = _request(request, pk, "actions.fund")
    lines = list(services.request_lines(item))
    form = DecisionForm(request.POST or None, lines=lines, year=item.programmation.year)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_decisions(
                item, form.decisions(), form.cleaned_data["decided_on"], request.user,
                form.cleaned_data["meeting"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Décision du comité de co-instruction enregistrée.")
            return redirect(item.get_absolute_url())
    notice = "Montants en euros, au centime près ; 0 pour un financement refusé."
    if item.decided_on:
        notice = "Cette demande est déjà décidée."
    return _form_page(request, form, f"Décision du comité : {item.action.title}",
                      item.get_absolute_url(), notice)  # fmt: skip


@login_if_needed
@require_POST
def programmation_close(request, pk):
    item = get_object_or_404(Programmation.objects.select_related("commune"), pk=pk)
    gate(request.user, "actions.manage", item)
    try:
        services.close_programmation(item, None, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{item} arrêtée : les partenaires la voient.")
    return redirect(item.get_absolute_url())


# ---- conventions pluriannuelles d'objectifs


def _convention_page(request, item, title, back):
    form = ConventionForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_convention(
                item, form.values(), form.amounts(), list(form.cleaned_data["actions"]),
                request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Convention enregistrée.")
            return redirect(item.get_absolute_url())
    notice = "Une CPO couvre trois années ; ses actions sont celles de son porteur."
    return _form_page(request, form, title, back, notice)


@login_if_needed
def convention_create(request):
    gate(request.user, "actions.manage")
    return _convention_page(request, Convention(), "Nouvelle CPO", reverse("actions:conventions"))


@login_if_needed
def convention_edit(request, pk):
    item = get_object_or_404(Convention.objects.select_related("commune", "contract"), pk=pk)
    gate(request.user, "actions.manage", item)
    return _convention_page(request, item, f"Modifier : {item}", item.get_absolute_url())


@login_if_needed
def avenant(request, pk):
    line = get_object_or_404(ConventionYear.objects.select_related("convention__commune"), pk=pk)
    gate(request.user, "actions.manage", line.convention)
    form = AvenantForm(request.POST or None, instance=line)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_avenant(form.instance, {}, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Avenant {line.year} enregistré.")
            return redirect(line.convention.get_absolute_url())
    return _form_page(request, form, f"Avenant {line.year} : {line.convention.title}",
                      line.convention.get_absolute_url())  # fmt: skip


# ---- the yearly cycle of the CPO actions


@login_if_needed
@require_POST
def cycle_year(request, year):
    """« Créer les Copil et dialogues de gestion de l'année N »: never twice the same."""
    contract = Contract.objects.order_by("pk").first()
    if contract is None or not contract.start_year <= year <= contract.end_year:
        raise Http404("Année hors du contrat.")  # before the gate: a number out of range
    gate(request.user, "actions.manage")
    try:
        report = cycle.create_year(contract, year, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, " ; ".join(report.lines()) + ".")
    return redirect(reverse("actions:conventions") + "#cycle")


# ---- engagements de droit commun


def _engagement(request, pk, *, deleted=False):
    manager = Engagement.all_objects if deleted else Engagement.objects
    item = get_object_or_404(manager.select_related("commune", "contract"), pk=pk)
    gate(request.user, "actions.engagements", item)
    return item


def _engagement_page(request, item, title, back):
    form = EngagementForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            engagements.save_engagement(
                item, form.values(), list(form.cleaned_data["enjeux"]), request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Engagement enregistré.")
            return redirect(item.get_absolute_url())
    notice = (
        "Le texte de l'engagement tel que l'écrit l'annexe de la délibération du "
        "19 avril 2024 (ou l'engagement qu'un autre partenaire a transmis)."
    )
    return _form_page(request, form, title, back, notice)


@login_if_needed
def engagement_create(request):
    gate(request.user, "actions.engagements")
    return _engagement_page(
        request, Engagement(), "Nouvel engagement de droit commun", reverse("actions:engagements")
    )


@login_if_needed
def engagement_edit(request, pk):
    item = _engagement(request, pk)
    return _engagement_page(request, item, f"Modifier : {item}", item.get_absolute_url())


@login_if_needed
def engagement_review(request, pk):
    item = _engagement(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            engagements.review(item, dict(form.cleaned_data), request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Examen enregistré.")
            return redirect(item.get_absolute_url())
    notice = (
        "Groupe de suivi de la mobilisation du droit commun : « faire le point sur le niveau "
        "de réalisation des engagements pris »."
    )
    return _form_page(request, form, f"Examen : {item}", item.get_absolute_url(), notice)


@login_if_needed
def engagement_delete(request, pk):
    item = _engagement(request, pk)
    return confirm_trash(
        request, item, heading=f"Mettre à la corbeille : {item}",
        explanation="L'engagement disparaîtra de la liste et des exports, avec ses examens. "
        "Vous pourrez le restaurer depuis la liste des engagements.",
        back=item.get_absolute_url(), then="actions:engagements",
        done=f"« {item} » est dans la corbeille : vous pouvez le restaurer.",
    )  # fmt: skip


@login_if_needed
@require_POST
def engagement_restore(request, pk):
    item = _engagement(request, pk, deleted=True)
    return restore_from_trash(
        request, item, then=item.get_absolute_url(), done=f"« {item} » a été restauré."
    )


@login_if_needed
def engagement_history(request, pk):
    item = _engagement(request, pk, deleted=True)
    related = [(f"Examen du {r.on:%d/%m/%Y}", r) for r in item.reviews.order_by("on", "pk")]
    return history_page(request, item, item.get_absolute_url(), related=related)


# ---- projets phares


def _flagship(request, pk):
    item = get_object_or_404(
        Flagship.objects.select_related("action__commune", "action__porteur", "action__contract"),
        pk=pk,
    )
    gate(request.user, "actions.flagships", item)
    return item


@login_if_needed
def flagship_create(request):
    gate(request.user, "actions.flagships")
    actions = filter_allowed(request.user, "actions.flagships", Action.objects.all()).exclude(
        pk__in=Flagship.objects.values("action_id")
    )
    form = FlagshipForm(request.POST or None, actions=actions)
    if request.method == "POST" and form.is_valid():
        try:
            item = flagships.choose(form.cleaned_data["action"], form.values(), request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"« {item.action} » est un projet phare.")
            return redirect(item.get_absolute_url())
    notice = (
        "Cadre intercommunal, § 6.3 : trois actions très concrètes et prioritaires, chacune "
        "suivie par un chef de projet (un compte de l'outil ou un contact de l'annuaire)."
    )
    return _form_page(
        request, form, "Choisir un projet phare", reverse("actions:flagships"), notice
    )


@login_if_needed
def flagship_edit(request, pk):
    item = _flagship(request, pk)
    form = FlagshipForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            flagships.update(item, form.values(), request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Projet phare mis à jour.")
            return redirect(item.get_absolute_url())
    return _form_page(request, form, f"Modifier : {item}", item.get_absolute_url())


@login_if_needed
def flagship_remove(request, pk):
    item = _flagship(request, pk)
    return confirm_trash(
        request, item, heading=f"Retirer des projets phares : {item.action}",
        explanation="L'action reste au plan d'actions ; ses jalons et points d'étape sont "
        "gardés dans la corbeille.",
        back=item.get_absolute_url(), then="actions:flagships",
        done=f"« {item.action} » n'est plus un projet phare.", reason="Retirée des projets phares",
    )  # fmt: skip


def _milestone_page(request, flagship, milestone, title):
    form = MilestoneForm(request.POST or None, instance=milestone)
    if request.method == "POST" and form.is_valid():
        try:
            flagships.save_milestone(form.instance, {}, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Jalon enregistré.")
            return redirect(flagship.get_absolute_url())
    return _form_page(request, form, title, flagship.get_absolute_url())


@login_if_needed
def milestone_add(request, pk):
    item = _flagship(request, pk)
    return _milestone_page(
        request, item, Milestone(flagship=item), f"Nouveau jalon : {item.action}"
    )


@login_if_needed
def milestone_edit(request, pk):
    milestone = get_object_or_404(
        Milestone.objects.select_related(
            "flagship__action__commune", "flagship__action__porteur", "flagship__action__contract"
        ),
        pk=pk,
    )
    gate(request.user, "actions.flagships", milestone.flagship)
    return _milestone_page(
        request, milestone.flagship, milestone, f"Modifier le jalon : {milestone}"
    )


@login_if_needed
def report(request, pk, meeting):
    """The reporting of a projet phare for one meeting of the comité de pilotage."""
    item = _flagship(request, pk)
    meeting = get_object_or_404(flagships.steering_meetings(item.action.contract), pk=meeting)
    existing = item.reports.filter(meeting=meeting).first()
    frozen = flagships.is_frozen(meeting)
    form = StatusReportForm(
        request.POST or None, initial={"text": existing.text if existing else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            flagships.save_report(item, meeting, form.cleaned_data["text"], request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Point d'étape enregistré.")
            return redirect(item.get_absolute_url())
    notice = f"Comité de pilotage : {meeting.when_text()}. L'état des jalons est repris tel quel."
    if frozen:
        notice = "Le comité de pilotage s'est tenu : ce point d'étape est figé."
    return _form_page(
        request, form, f"Point d'étape : {item.action}", item.get_absolute_url(), notice
    )
