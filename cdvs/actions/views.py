"""Pages of the plan d'actions for the partners: the list with its filters and
exports, and an action with its objectives, status timeline and funding lines."""

from datetime import date
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cdvs.accounts.permissions import can, gate, login_if_needed, refuse
from cdvs.contract.models import Contract, Objective
from cdvs.core.bounds import BoundedIntegerField
from cdvs.core.exports import FORMAT_LABELS, stream_response

from . import access, budget, cerfa, cpo
from . import dashboard as dashboard_data
from . import programmation as programmation_data
from .access import visible_lines
from .filters import ActionFilters
from .models import (
    CPO_TARGET_SHARE,
    CPO_TARGET_YEAR,
    ZERO,
    Action,
    BudgetLine,
    Convention,
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
            "timeline": timeline(action),
            "budgets": budgets_of(action) if can_edit else [],
            "budget_year": _current_year(action),
            "can_edit": can_edit,
            "can_manage": can(request.user, "actions.manage", action),
            "can_fund": can(request.user, "actions.fund", action),
        },
    )


def timeline(action) -> list[tuple]:
    """The yearly cycle of `action`, dated: its requests and their co-instruction
    decisions, its CPO; (date, text) sorted by date."""
    events = []
    for r in action.requests.select_related("programmation", "meeting"):
        year = r.programmation.year
        events.append((r.submitted_on, f"Demande déposée à la programmation {year}"))
        if r.decided_on:
            where = f" ({r.meeting.title})" if r.meeting_id else ""
            events.append((r.decided_on, f"Décision du comité de co-instruction {year}{where}"))
    for c in action.conventions.all():
        when = c.signed_on or date(c.start_year, 1, 1)
        events.append((when, f"Convention pluriannuelle d'objectifs {c.start_year}-{c.end_year}"
                             f" : {c.title}"))  # fmt: skip
    return sorted(events, key=lambda e: e[0])


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
        },
    )


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
