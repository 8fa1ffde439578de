"""The figures of a campaign (§2.4.1: « étudier le nombre d'idées déposées et
lauréates au sein des QPV et des périmètres d'attention complémentaire »), exact:
counts and shares as Fractions, shown as percentages rounded with Decimal.

An idea counts as deposited once its depositor confirmed it (trash aside), whatever
its status since; it counts as laureate when lauréate or réalisée. At the MEL level
(enjeu 4), the share of the selected projects carried by residents of the QPV is set
against the QPV's share of the MEL's population: 18 %."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Q

from cdvs.core.cache import cached, data_version
from cdvs.territories.models import Territory

from .models import LAUREATE_STATUSES, Area, Idea, Residence

# « la Population des QPV représente 18% de la Population de la MEL, au moins 18% des
# projets sélectionnés, dans le cadre de budgets participatifs MEL, sont portés par des
# habitants des QPV » (volet communal, enjeu 4)
MEL_QPV_TARGET = Fraction(18, 100)


def percent(share: Fraction | None, places: int = 1) -> str:
    """« 33,3 % » (rounded half up, French decimal comma), « — » without a share."""
    if share is None:
        return "—"
    value = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    quantum = Decimal(1).scaleb(-places)
    text = str(value.quantize(quantum, rounding=ROUND_HALF_UP)).replace(".", ",")
    return f"{text}\u202f%"


def share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@dataclass
class Row:
    label: str
    kind: str  # "qpv", "pac", "ailleurs", "total"
    deposited: int
    laureates: int
    total_deposited: int
    total_laureates: int

    @property
    def deposited_share(self) -> Fraction | None:
        return share(self.deposited, self.total_deposited)

    @property
    def laureate_share(self) -> Fraction | None:
        return share(self.laureates, self.total_laureates)

    @property
    def success_rate(self) -> Fraction | None:
        """Laureates among the ideas deposited there."""
        return share(self.laureates, self.deposited)

    @property
    def deposited_text(self) -> str:
        return percent(self.deposited_share)

    @property
    def laureate_text(self) -> str:
        return percent(self.laureate_share)

    def cells(self) -> list:
        return [
            self.label,
            self.deposited,
            percent(self.deposited_share),
            self.laureates,
            percent(self.laureate_share),
        ]


HEADERS = ["Lieu des idées", "Idées déposées", "Part des idées déposées", "Idées lauréates",
           "Part des lauréates"]  # fmt: skip


def counted(campaign):
    return Idea.objects.filter(campaign=campaign, confirmed_at__isnull=False)


def _laureate():
    return Q(status__in=LAUREATE_STATUSES)


def campaign_rows(campaign) -> list[Row]:
    """One row per QPV and PAC where ideas were placed (and every QPV / PAC of the
    campaign's territory, even without idea), then « QPV (ensemble) », « PAC
    (ensemble) », « Ailleurs » and the total. Three queries."""
    ideas = counted(campaign)
    totals = ideas.aggregate(n=Count("pk"), w=Count("pk", filter=_laureate()))
    total, won = totals["n"], totals["w"]
    through = Idea.territories.through
    per_territory = dict(
        (row["territory_id"], (row["n"], row["w"]))
        for row in through.objects.filter(idea__in=ideas)
        .values("territory_id")
        .annotate(
            n=Count("idea_id"), w=Count("idea_id", filter=Q(idea__status__in=LAUREATE_STATUSES))
        )
    )
    scope = campaign.territory
    own = Territory.objects.filter(kind__in=["qpv", "pac"]).filter(
        Q(pk__in=per_territory) | Q(parent=scope) | Q(communes=scope) | Q(parent__parent=scope)
    )
    rows = []
    for kind in ("qpv", "pac"):
        for pk, name in own.filter(kind=kind).order_by("name").distinct().values_list("pk", "name"):
            n, w = per_territory.get(pk, (0, 0))
            rows.append(Row(f"{kind.upper()} {name}", kind, n, w, total, won))
    per_area = dict(
        (row["area"], (row["n"], row["w"]))
        for row in ideas.values("area").annotate(n=Count("pk"), w=Count("pk", filter=_laureate()))
    )
    for area, label in ((Area.QPV, "QPV (ensemble)"), (Area.PAC, "PAC (ensemble)"),
                        (Area.ELSEWHERE, "Ailleurs")):  # fmt: skip
        n, w = per_area.get(area, (0, 0))
        rows.append(Row(label, f"{area}-ensemble" if area != Area.ELSEWHERE else area, n, w,
                        total, won))  # fmt: skip
    rows.append(Row("Total", "total", total, won, total, won))
    return rows


@dataclass
class CarriersFigure:
    """Selected projects (laureates) carried by residents of the QPV, against 18 %."""

    laureates: int
    by_qpv_residents: int
    target: Fraction = MEL_QPV_TARGET

    @property
    def share(self) -> Fraction | None:
        return share(self.by_qpv_residents, self.laureates)

    @property
    def reached(self) -> bool | None:
        return None if self.share is None else self.share >= self.target

    @property
    def share_text(self) -> str:
        return percent(self.share)

    @property
    def target_text(self) -> str:
        return percent(self.target, 0)


def carriers_figure(campaign) -> CarriersFigure:
    row = (
        counted(campaign)
        .filter(_laureate())
        .aggregate(n=Count("pk"), q=Count("pk", filter=Q(carriers_residence=Residence.QPV)))
    )
    return CarriersFigure(row["n"], row["q"])


def figures_version() -> str:
    """What the figures depend on: every idea written (history, or rows added in bulk)
    and the territories (their perimeters classify the ideas)."""
    return data_version(Idea, Idea.all_objects.all(), Territory, Territory.all_objects.all())


def cached_figures(campaign, version=None) -> tuple[list[Row], CarriersFigure | None]:
    """(rows, MEL carriers figure or None) of a campaign, kept until an idea or a
    territory changes (`version`: `figures_version()`, when the caller has it)."""

    def compute():
        carriers = carriers_figure(campaign) if campaign.is_metropolitan else None
        return campaign_rows(campaign), carriers

    return cached(("participation:figures", campaign.pk, version or figures_version()), compute)
