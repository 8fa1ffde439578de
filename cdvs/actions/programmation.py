"""The year's programmation as a table: its requests with their funding lines, and the
totals per funder, per nature, per enjeu and per QPV / PAC, to the cent. The partners
read it once decided, and only decided lines; amounts under instruction are for the
coordination.

The totals are grouped aggregate queries (`totals`, one per kind of group), the rows
are built for one page of requests, and the export reads the requests by chunks: a
fixed number of queries and a bounded memory whatever the number of requests."""

from types import SimpleNamespace

from django.core.paginator import Paginator

from cdvs.accounts.permissions import can
from cdvs.core.cache import cached

from .models import Action, FundingLine, Nature, Request, funding_totals
from .totals import add, amounts, enjeu_pairs, money_sums, place_links, version, zero

TERRITORY_KINDS = ("qpv", "pac")
PAGE_SIZE = 25
EXPORT_CHUNK = 1000
ORDER = ("action__title", "pk")


def readable(user, programmation) -> bool:
    """May `user` read the programmation? Partners once it is arrêtée; the coordination
    of its territory at any time."""
    if can(user, "actions.view_instruction", programmation):
        return True
    return programmation.decided_on is not None and can(user, "actions.view")


def _requests(programmation, coordination):
    requests = Request.objects.filter(programmation=programmation, action__deleted_at__isnull=True)
    if not coordination:
        requests = requests.filter(decided_on__isnull=False)
    return requests


def _line_filter(programmation, coordination, path="") -> dict:
    """The lines counted: of the programmation's year, not in the trash, decided ones
    only for the partners."""
    condition = {f"{path}year": programmation.year, f"{path}deleted_at__isnull": True}
    if not coordination:
        condition[f"{path}granted__isnull"] = False
    return condition


class _Enjeu(int):
    """An enjeu of a row, by its number (`e.number` in the template and the export)."""

    @property
    def number(self):
        return int(self)


def _rows(programmation, coordination, requests) -> list[dict]:
    """The rows of `requests` (a page, or a chunk of the export): four queries; the
    enjeux and territories of the actions read as pairs of values."""
    requests = list(
        requests.select_related("action__porteur", "meeting")
        .defer("action__description", "action__publics")
        .order_by(*ORDER)
    )
    ids = [r.action_id for r in requests]
    enjeux_of: dict[int, set] = {}
    for action_id, number in Action.objectives.through.objects.filter(
        action_id__in=ids
    ).values_list("action_id", "objective__enjeu__number"):
        enjeux_of.setdefault(action_id, set()).add(number)
    places_of: dict[int, list] = {}
    # the kind checked here: filtered in the query, the plan would start from every QPV
    for action_id, name, kind in (
        Action.territories.through.objects.filter(action_id__in=ids)
        .values_list("action_id", "territory__name", "territory__kind")
        .order_by("territory__name", "pk")
    ):  # fmt: skip
        if kind in TERRITORY_KINDS:
            places_of.setdefault(action_id, []).append(SimpleNamespace(name=name))
    lines_of: dict[int, list] = {}
    lines = FundingLine.objects.filter(
        action_id__in=ids, **_line_filter(programmation, coordination)
    ).order_by("funder_kind", "pk")
    for line in lines:
        lines_of.setdefault(line.action_id, []).append(line)
    rows = []
    for request in requests:
        action = request.action
        mine = lines_of.get(action.pk, [])
        rows.append({"request": request, "action": action, "lines": mine,
                     "enjeux": [_Enjeu(n) for n in sorted(enjeux_of.get(action.pk, ()))],
                     "territories": places_of.get(action.pk, []),
                     "totals": funding_totals(mine)["all"]})  # fmt: skip
    return rows


def totals(programmation, coordination) -> dict:
    """{"total", "funders", "natures", "enjeux", "territories"}: each a Decimal to the
    cent (or (label, amounts) pairs), summed by the database; six queries."""
    of_requests = {"action__requests__programmation": programmation,
                   "action__deleted_at__isnull": True}  # fmt: skip
    if not coordination:
        of_requests["action__requests__decided_on__isnull"] = False
    lines = FundingLine.objects.filter(
        **of_requests, **_line_filter(programmation, coordination)
    ).order_by()
    sums = money_sums()
    funders: dict[str, dict] = {}
    for row in lines.values("funder_kind", "funder_name").annotate(**sums):
        label = FundingLine(funder_kind=row["funder_kind"], funder_name=row["funder_name"])
        add(funders.setdefault(label.funder_label, zero()), amounts(row))
    natures = {row["nature"]: amounts(row) for row in lines.values("nature").annotate(**sums)}
    on_lines = _line_filter(programmation, coordination, "action__funding_lines__")
    line_sums = money_sums("action__funding_lines__")
    enjeux = (
        enjeu_pairs(**of_requests).filter(**on_lines)
        .values("objective__enjeu_id", "objective__enjeu__number", "objective__enjeu__title")
        .annotate(**line_sums).order_by("objective__enjeu__number")
    )  # fmt: skip
    places = (
        place_links(TERRITORY_KINDS, **of_requests).filter(**on_lines)
        .values("territory_id", "territory__name")
        .annotate(**line_sums).order_by("territory__name", "territory_id")
    )  # fmt: skip
    return {
        "total": amounts(lines.aggregate(**sums)),
        "funders": sorted(funders.items()),
        "natures": [
            (label, natures[value]) for value, label in Nature.choices if value in natures
        ],  # fmt: skip
        "enjeux": [
            (f"Enjeu {r['objective__enjeu__number']} : {r['objective__enjeu__title']}", amounts(r))
            for r in enjeux
        ],  # fmt: skip
        "territories": [(r["territory__name"], amounts(r)) for r in places],
    }


def table(programmation, user, page=None, per_page=PAGE_SIZE) -> dict:
    """{"page" (its object_list: the rows of the page), "total", "funders", "natures",
    "enjeux", "territories", "coordination"}; `page` a page number from the request.
    A fixed number of queries whatever the number of requests; the totals are kept in
    the cache under the version of the data they read (`totals.version`)."""
    coordination = can(user, "actions.view_instruction", programmation)
    ids = _requests(programmation, coordination).order_by(*ORDER).values_list("pk", flat=True)
    shown = Paginator(ids, per_page).get_page(page)
    shown.object_list = _rows(
        programmation, coordination, Request.objects.filter(pk__in=list(shown.object_list))
    )
    sums = cached(("actions:programmation", programmation.pk, coordination, version()),
                  lambda: totals(programmation, coordination))  # fmt: skip
    return {"page": shown, "coordination": coordination, **sums}


def all_rows(programmation, user):
    """Every row of the programmation `user` may read, built by chunks of requests."""
    coordination = can(user, "actions.view_instruction", programmation)
    ids = _requests(programmation, coordination).order_by(*ORDER).values_list("pk", flat=True)
    chunk = []
    for pk in ids.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(pk)
        if len(chunk) == EXPORT_CHUNK:
            yield from _rows(programmation, coordination, Request.objects.filter(pk__in=chunk))
            chunk = []
    if chunk:
        yield from _rows(programmation, coordination, Request.objects.filter(pk__in=chunk))


EXPORT_HEADERS = [
    "Action", "Porteur", "Statut", "Enjeux", "QPV et PAC", "Financeur", "Nature",
    "Demandé (€)", "Proposé (€)", "Accordé (€)", "Date de décision", "Référence",
]  # fmt: skip


def export_rows(programmation, user):
    """One row per funding line of the programmation that `user` may read."""
    for row in all_rows(programmation, user):
        action = row["action"]
        for line in row["lines"]:
            yield [
                action.title,
                action.porteur.name,
                action.get_status_display(),
                ", ".join(f"Enjeu {e.number}" for e in row["enjeux"]),
                ", ".join(t.name for t in row["territories"]),
                line.funder_label,
                line.get_nature_display(),
                line.requested,
                line.proposed,
                line.granted,
                line.decided_on,
                line.decision_reference,
            ]
