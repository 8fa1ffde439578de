"""Pages of the plan d'actions for the partners: the list with its filters and
exports, and an action with its objectives, status timeline and funding lines."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cdvs.accounts.permissions import can, filter_allowed, gate, login_if_needed, refuse
from cdvs.contract.models import Contract, Objective
from cdvs.core.bounds import BoundedIntegerField
from cdvs.core.exports import FORMAT_LABELS, export_response, stream_response
from cdvs.meetings.models import Meeting, NextStep

from . import access, budget, cerfa, cpo, cycle
from . import dashboard as dashboard_data
from . import engagements as engagements_data
from . import flagships as flagships_data
from . import programmation as programmation_data
from . import timeline as cycle_timeline
from .access import visible_lines
from .filters import ActionFilters, EngagementFilters
from .models import (
    CHECKPOINT_YEAR,
    CPO_TARGET_SHARE,
    CPO_TARGET_YEAR,
    FLAGSHIPS_PER_CONTRACT,
    ZERO,
    Action,
    BudgetLine,
    Convention,
    CycleMeeting,
    Engagement,
    Flagship,
    FundingLine,
    Nature,
    Programmation,
    funding_totals,
)

PAGE_SIZE = 20
# requests per page of the programmation's table (its totals and exports: all of them)
PROGRAMMATION_PAGE_SIZE = programmation_data.PAGE_SIZE


def _objectives():
    return Prefetch(
        "objectives",
        queryset=Objective.objects.select_related("enjeu").only(
            "pk", "text", "enjeu_id", "enjeu__number", "enjeu__title"
        ),
    )


def _listed(qs):
    return qs.select_related("porteur", "commune").prefetch_related(_objectives(), "territories")


@login_if_needed
def action_list(request):
    gate(request.user, "actions.view")
    form = ActionFilters(request.GET)
    qs = form.filter(access.readable(request.user, Action.objects.all())).order_by("title", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    actions = list(_listed(Action.objects.filter(pk__in=[a.pk for a in page.object_list])))
    actions.sort(key=lambda a: (a.title, a.pk))
    return render(
        request,
        "actions/list.html",
        {
            "form": form,
            "page": page,
            "actions": actions,
            "query": urlencode(form.values),
            "formats": FORMAT_LABELS,
            "can_manage": can(request.user, "actions.manage"),
        },
    )


@login_if_needed
def detail(request, pk):
    action = get_object_or_404(
        _listed(Action.objects.select_related("lead__objective__enjeu", "contract")), pk=pk
    )
    if not access.can_read(request.user, action):
        refuse(request.user, "Cette action n'est pas publique : elle est réservée à son porteur "
                             "et à la coordination de sa commune.")  # fmt: skip
    if not can(request.user, "actions.view"):
        # a public action, for the public: what it does, not its money
        return render(request, "actions/detail.html", {
            "action": action, "public_page": True,
            "changes": list(action.status_changes.select_related("by")),
        })  # fmt: skip
    lines = visible_lines(
        request.user,
        action,
        FundingLine.objects.filter(action=action).order_by("year", "funder_kind", "pk"),
    )
    hidden = FundingLine.objects.filter(action=action).count() - len(lines)
    years = {}
    for line in lines:
        years.setdefault(line.year, []).append(line)
    totals = funding_totals(lines)
    can_edit = can(request.user, "actions.edit", action)
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "years": [
                {"year": year, "lines": items, "totals": funding_totals(items)["all"]}
                for year, items in sorted(years.items())
            ],
            "natures": [(Nature(n).label, t) for n, t in totals["natures"].items()],
            "total": totals["all"],
            "hidden_lines": hidden,
            "changes": list(action.status_changes.select_related("by")),
            "timeline": timeline(action, request.user),
            "next_steps": cycle_next_steps(action, request.user),
            "flagship": Flagship.objects.filter(action=action).first(),
            "budgets": budgets_of(action) if can_edit else [],
            "budget_year": _current_year(action),
            "can_edit": can_edit,
            "can_manage": can(request.user, "actions.manage", action),
            "can_fund": can(request.user, "actions.fund", action),
        },
    )


def timeline(action, user=None) -> list:
    """The yearly cycle of `action`, dated (`actions.timeline.events`)."""
    return cycle_timeline.events(action, user)


def cycle_next_steps(action, user) -> list:
    """The next steps of the action's Copil and dialogues de gestion (meetings `user`
    may read), late ones flagged."""
    today = timezone.localdate()
    meetings = Meeting.objects.filter(action_cycle__action=action).visible_to(user)
    steps = list(
        NextStep.objects.filter(meeting__in=meetings)
        .select_related("meeting", "who_organisation")
        .order_by("due_date", "pk")
    )
    for step in steps:
        step.late = step.is_late(today)
    return steps


def _current_year(action) -> int:
    """This year, kept within the years of the action's contract."""
    contract = action.contract
    return min(max(timezone.localdate().year, contract.start_year), contract.end_year)


def budgets_of(action) -> list[dict]:
    """The CERFA budgets of `action`, year by year: lines, totals, reconciliation with
    the funding lines of the year (for the porteur's people and the coordination)."""
    by_year: dict[int, dict] = {}
    for line in BudgetLine.objects.filter(action=action).order_by("year", "pk"):
        by_year.setdefault(line.year, {})[line.heading] = line.amount
    lines: dict[int, list] = {}
    for line in FundingLine.objects.filter(action=action, year__in=list(by_year)):
        lines.setdefault(line.year, []).append(line)
    return [
        {
            "year": year,
            "lines": [(cerfa.LABEL[c], c, amounts[c]) for c in cerfa.CODES if c in amounts],
            "totals": budget.totals(amounts),
            "reconciled": budget.is_reconciled(amounts, lines.get(year, [])),
        }
        for year, amounts in sorted(by_year.items())
    ]  # fmt: skip


EXPORT_HEADERS = [
    "Intitulé", "Porteur", "Statut", "Enjeux", "Objectifs opérationnels", "Territoires",
    "Début", "Fin", "Demandé (€)", "Accordé (€)", "Versé (€)",
    "Crédits spécifiques accordés (€)", "Droit commun accordé (€)",
    "Valorisation ou autofinancement accordé (€)",
]  # fmt: skip


def export_rows(user, qs):
    """One row per action, its amounts the sums of the lines `user` may read."""
    lines = Prefetch("funding_lines", queryset=FundingLine.objects.order_by("pk"))
    for action in _listed(qs).prefetch_related(lines).iterator(chunk_size=500):
        totals = funding_totals(visible_lines(user, action, action.funding_lines.all()))
        natures, overall = totals["natures"], totals["all"]
        objectives = action.objectives.all()
        yield [
            action.title,
            action.porteur.name,
            action.get_status_display(),
            ", ".join(sorted({f"Enjeu {o.enjeu.number}" for o in objectives})),
            " ; ".join(o.text for o in objectives),
            ", ".join(t.name for t in action.territories.all()),
            action.starts_on,
            action.ends_on,
            overall["requested"],
            overall["granted"],
            overall["paid"],
            natures[Nature.SPECIFIC]["granted"],
            natures[Nature.COMMON_LAW]["granted"],
            natures[Nature.OWN]["granted"],
        ]


@login_if_needed
def export(request, fmt):
    gate(request.user, "actions.view")
    qs = (
        ActionFilters(request.GET)
        .filter(access.readable(request.user, Action.objects.all()))
        .order_by("title", "pk")
    )
    return stream_response(
        "plan-actions", "Plan d'actions", EXPORT_HEADERS, export_rows(request.user, qs), fmt
    )


# ---- programmation annuelle


@login_if_needed
def programmations(request):
    gate(request.user, "actions.view")
    items = [
        p
        for p in Programmation.objects.select_related("commune", "call").order_by("-year", "pk")
        if programmation_data.readable(request.user, p)
    ]
    return render(
        request,
        "actions/programmations.html",
        {"programmations": items, "can_manage": can(request.user, "actions.manage")},
    )


def _programmation(request, pk):
    programmation = get_object_or_404(
        Programmation.objects.select_related("commune", "call", "contract"), pk=pk
    )
    gate(request.user, "actions.view")
    if not programmation_data.readable(request.user, programmation):
        refuse(request.user, "Cette programmation n'est pas encore arrêtée.")
    return programmation


@login_if_needed
def programmation(request, pk):
    item = _programmation(request, pk)
    data = programmation_data.table(
        item, request.user, page=request.GET.get("page"), per_page=PROGRAMMATION_PAGE_SIZE
    )
    return render(
        request,
        "actions/programmation.html",
        {
            "programmation": item,
            "data": data,
            "page": data["page"],
            "formats": FORMAT_LABELS,
            "can_manage": can(request.user, "actions.manage", item),
            "can_request": can(request.user, "actions.edit") and item.decided_on is None,
        },
    )


@login_if_needed
def programmation_export(request, pk, fmt):
    item = _programmation(request, pk)
    return stream_response(
        f"programmation-{item.year}",
        f"Programmation {item.year}",
        programmation_data.EXPORT_HEADERS,
        programmation_data.export_rows(item, request.user),
        fmt,
    )


# ---- conventions pluriannuelles d'objectifs


@login_if_needed
def conventions(request):
    """The share of CPO per year against the 2030 target, and the CPO."""
    gate(request.user, "actions.view")
    contract = Contract.objects.order_by("pk").first()
    rows = cpo.shares(contract) if contract is not None else []
    for row in rows:
        row["actions_text"] = cpo.percent(row["share_actions"])
        row["amount_text"] = cpo.percent(row["share_amount"])
    items = list(
        Convention.objects.select_related("porteur", "commune")
        .prefetch_related("years", "actions")
        .order_by("-start_year", "title", "pk")
    )
    return render(
        request,
        "actions/conventions.html",
        {
            "contract": contract,
            "rows": rows,
            "chart": cpo.chart(rows) if rows else None,
            "conventions": items,
            "target": cpo.percent(CPO_TARGET_SHARE),
            "target_year": CPO_TARGET_YEAR,
            "can_manage": can(request.user, "actions.manage"),
            "cycle": _cycle_rows(contract) if contract is not None else [],
        },
    )


def _cycle_rows(contract) -> list[dict]:
    years = list(range(contract.start_year, contract.end_year + 1))
    summary = cycle.year_summary(contract, years)
    return [{"year": y, **summary[y]} for y in years]


@login_if_needed
def convention(request, pk):
    gate(request.user, "actions.view")
    item = get_object_or_404(
        Convention.objects.select_related("porteur", "commune", "contract").prefetch_related(
            "years", "actions"
        ),
        pk=pk,
    )
    years = list(item.years.all())
    return render(
        request,
        "actions/convention.html",
        {
            "item": item,
            "actions": access.readable(request.user, item.actions.all()).order_by("title", "pk"),
            "years": years,
            "total": sum((y.amount for y in years), ZERO),
            "can_manage": can(request.user, "actions.manage", item),
            "cycle": list(
                CycleMeeting.objects.filter(
                    convention=item, meeting__in=Meeting.objects.visible_to(request.user)
                )
                .select_related("meeting__series")
                .order_by("year", "kind", "pk")
            ),
        },
    )


@login_if_needed
def dashboard(request):
    gate(request.user, "actions.view")
    contract = Contract.objects.order_by("pk").first()
    if contract is None:
        raise Http404("Aucun contrat.")
    field = BoundedIntegerField(min_value=contract.start_year, max_value=contract.end_year)
    try:
        year = field.clean(request.GET.get("annee") or None)
    except ValidationError:
        year = None
    if year is None:
        year = _current_year_of(contract)
    data = dashboard_data.build(contract, year, request.user)
    return render(
        request,
        "actions/dashboard.html",
        {"data": data, "contract": contract,
         "years": list(range(contract.start_year, contract.end_year + 1))},
    )  # fmt: skip


def _current_year_of(contract) -> int:
    return min(max(timezone.localdate().year, contract.start_year), contract.end_year)


# ---- engagements de droit commun

ENGAGEMENTS_PAGE_SIZE = 50


@login_if_needed
def engagements(request):
    gate(request.user, "actions.view")
    form = EngagementFilters(request.GET)
    qs = form.filter(Engagement.objects.all()).order_by("partner", "reference", "pk")
    page = Paginator(qs, ENGAGEMENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(
        Engagement.objects.filter(pk__in=[e.pk for e in page.object_list])
        .select_related("commune")
        .prefetch_related("enjeux")
        .order_by("partner", "reference", "pk")
    )
    can_write = can(request.user, "actions.engagements")
    trash = []
    if can_write:
        trash = list(
            filter_allowed(
                request.user, "actions.engagements", Engagement.all_objects.deleted()
            ).order_by("-deleted_at")[:50]
        )
    return render(
        request,
        "actions/engagements.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "query": urlencode(form.values),
            "formats": FORMAT_LABELS,
            "can_write": can_write,
            "trash": trash,
        },
    )


@login_if_needed
def engagement(request, pk):
    gate(request.user, "actions.view")
    item = get_object_or_404(
        Engagement.objects.select_related("commune", "contract").prefetch_related("enjeux"),
        pk=pk,
    )
    return render(
        request,
        "actions/engagement.html",
        {
            "item": item,
            "reviews": list(item.reviews.select_related("by").order_by("-on", "-pk")),
            "can_write": can(request.user, "actions.engagements", item),
        },
    )


@login_if_needed
def engagements_export(request, fmt):
    gate(request.user, "actions.view")
    qs = EngagementFilters(request.GET).filter(Engagement.objects.all())
    return export_response(
        "engagements-droit-commun",
        "Engagements de droit commun",
        engagements_data.EXPORT_HEADERS,
        engagements_data.export_rows(qs.order_by("partner", "reference", "pk")),
        fmt,
    )


# ---- projets phares


def _flagships_qs():
    return Flagship.objects.select_related(
        "action__porteur", "action__commune", "lead_user", "lead_contact__organisation"
    )


@login_if_needed
def flagships(request):
    gate(request.user, "actions.view")
    contract = Contract.objects.order_by("pk").first()
    items = list(_flagships_qs().prefetch_related("milestones").order_by("chosen_on", "pk"))
    for item in items:
        milestones = list(item.milestones.all())
        item.done_count = sum(1 for m in milestones if m.done)
        item.milestone_count = len(milestones)
    series = flagships_data.steering_series(contract) if contract is not None else None
    return render(
        request,
        "actions/flagships.html",
        {
            "items": items,
            "quote": flagships_data.QUOTE,
            "checkpoint": flagships_data.CHECKPOINT,
            "checkpoint_year": CHECKPOINT_YEAR,
            "most": FLAGSHIPS_PER_CONTRACT,
            "series": series,
            "can_choose": can(request.user, "actions.flagships")
            and contract is not None
            and len([i for i in items if i.contract_id == contract.pk]) < FLAGSHIPS_PER_CONTRACT,
        },
    )


@login_if_needed
def flagship(request, pk):
    gate(request.user, "actions.view")
    item = get_object_or_404(_flagships_qs().select_related("action__contract"), pk=pk)
    contract = item.action.contract
    today = timezone.localdate()
    reports = {r.meeting_id: r for r in item.reports.select_related("written_by")}
    meetings = []
    for meeting in flagships_data.steering_meetings(contract).visible_to(request.user):
        report = reports.get(meeting.pk)
        meetings.append({
            "meeting": meeting, "report": report,
            "frozen": flagships_data.is_frozen(meeting, today),
            "cancelled": meeting.is_cancelled,
        })  # fmt: skip
    return render(
        request,
        "actions/flagship.html",
        {
            "item": item,
            "milestones": list(item.milestones.all()),
            "meetings": meetings,
            "checkpoint": flagships_data.CHECKPOINT,
            "checkpoint_year": CHECKPOINT_YEAR,
            "can_write": can(request.user, "actions.flagships", item),
        },
    )
