"""The yearly cycle of the actions under CPO (volet communal §2.2, seed l.634): « les
porteurs des actions bénéficiant d'un CPO organiseront ainsi un Copil de suivi annuel
et seront également invités à un dialogue de gestion en fin d'année ».

For a year, every action of a CPO covering it gets one meeting of each step in the
instance of its commune (« Copil de suivi annuel », « dialogue de gestion », loaded by
`manage.py load_meetings`; created from the contract's words when a commune has none),
once: the `CycleMeeting` row, unique per action, year and step, is the lock. The
meetings have no `occurrence`, so the instance's rule never moves nor removes them."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cdvs.accounts.permissions import filter_allowed, require
from cdvs.contract.models import Contract, LocalSection
from cdvs.core.history import save_with_history
from cdvs.core.jobs import for_each_recipient
from cdvs.meetings.models import Attendance, Meeting, MeetingSeries
from cdvs.meetings.recurrence import Period, Rule

from .models import (
    CPO_YEARS,
    CYCLE_SERIES,
    Convention,
    CycleKind,
    CycleMeeting,
    Status,
    series_key_q,
)

# the contract's words (seed l.634) for an instance a commune lacks
SEED_SENTENCE = (
    "Par ailleurs, des temps de rencontre auront également lieu sur les actions ayant un "
    "financement « politique de la Ville » État et commune : les porteurs des actions "
    "bénéficiant d'un CPO organiseront ainsi un Copil de suivi annuel et seront également "
    "invités à un dialogue de gestion en fin d'année."
)
SEED_SERIES = {
    CycleKind.COPIL: {"name": "Copil de suivi annuel", "period": Period.YEAR},
    CycleKind.DIALOGUE: {"name": "dialogue de gestion", "period": Period.YEAR_END},
}
REASON = "Cycle annuel des actions en CPO"
# an action in these states has no Copil any more
CLOSED = (Status.ABANDONED, Status.REJECTED)


@dataclass
class CycleReport:
    year: int
    created: dict = field(default_factory=lambda: dict.fromkeys(CycleKind.values, 0))
    existing: int = 0
    problems: list = field(default_factory=list)

    def lines(self) -> list[str]:
        copil, dialogue = self.created[CycleKind.COPIL], self.created[CycleKind.DIALOGUE]
        out = [
            f"Copil de suivi annuel {self.year} créés : {copil}",
            f"Dialogues de gestion {self.year} créés : {dialogue}",
            f"Déjà créés : {self.existing}",
        ]
        return out + self.problems


def check_year(contract, year) -> None:
    if year is None or not contract.start_year <= year <= contract.end_year:
        raise ValidationError(
            f"L'année doit être comprise entre {contract.start_year} et "
            f"{contract.end_year}, les années du contrat."
        )


def conventions_of(year: int, queryset=None):
    """The CPO covering `year`."""
    queryset = queryset if queryset is not None else Convention.objects.all()
    return queryset.filter(start_year__lte=year, start_year__gt=year - CPO_YEARS)


def pairs(year: int, conventions) -> list[tuple]:
    """(convention, action) for each live action of the CPO covering `year`."""
    out = []
    items = conventions_of(year, conventions).select_related("contract", "commune")
    for convention in items.prefetch_related("actions__commune", "actions__porteur"):
        for action in convention.actions.all():
            if action.deleted_at is None:
                out.append((convention, action))
    return out


def series_for(commune, kind: str, contract) -> MeetingSeries:
    """The instance of `kind` in `commune` (the loaded one, key « <volet>-<slug> »), or a
    new one with the contract's words when the commune has none."""
    slug = CYCLE_SERIES[kind]
    found = (
        MeetingSeries.all_objects.filter(commune=commune)
        .filter(series_key_q(slug))
        .order_by("deleted_at", "pk")
        .first()
    )
    if found is not None and found.is_deleted:
        raise ValidationError(
            f"L'instance « {found.name} » de {commune.name} est dans la corbeille : "
            "restaurez-la pour y créer les réunions."
        )
    if found is not None:
        return found
    section = LocalSection.objects.filter(commune=commune, contract=contract).first()
    seed = SEED_SERIES[kind]
    key = f"{section.key}-{slug}" if section is not None and section.key else None
    series = MeetingSeries(
        key=key, section=section, commune=commune, name=seed["name"],
        short_name=seed["name"][:1].upper() + seed["name"][1:], period=seed["period"],
        description=SEED_SENTENCE, source="volet communal §2.2 (seed l.634)",
        period_start=_first_day(contract), period_end=_last_day(contract),
    )  # fmt: skip
    return save_with_history(series, None, REASON)


def _first_day(contract):
    return date(contract.start_year, 1, 1)


def _last_day(contract):
    return date(contract.end_year, 12, 31)


def _window(series: MeetingSeries, year: int):
    """The period the instance's rule gives in `year` (« fin d'année 2025 »…)."""
    for occurrence in Rule.from_series(series).occurrences():
        if occurrence.window_start.year == year and occurrence.day is None:
            return occurrence.window_start, occurrence.window_end, occurrence.window_label
    label = f"année {year}"
    return _year_bounds(year) + (label,)


def _year_bounds(year):
    return date(year, 1, 1), date(year, 12, 31)


def create_for(convention, action, year: int, user, report: CycleReport) -> None:
    """The missing meetings of `action` for `year` (each step once)."""
    commune = action.commune or convention.commune
    if commune is None:
        report.problems.append(
            f"« {action.title} » : ni l'action ni la CPO n'ont de commune, aucune instance "
            "où créer ses réunions."
        )
        return
    if action.status in CLOSED:
        return
    done = set(CycleMeeting.objects.filter(action=action, year=year).values_list("kind", flat=True))
    for kind in CycleKind.values:
        if kind in done:
            report.existing += 1
            continue
        try:
            with transaction.atomic():
                _create_one(convention, action, year, kind, commune, user)
        except IntegrityError:  # created meanwhile by another click or the job
            report.existing += 1
            continue
        except ValidationError as exc:
            report.problems.append(f"« {action.title} » : {' '.join(exc.messages)}")
            continue
        report.created[kind] += 1


def _create_one(convention, action, year, kind, commune, user):
    series = series_for(commune, kind, convention.contract)
    start, end, label = _window(series, year)
    organiser = action.porteur if kind == CycleKind.COPIL else series.organiser
    meeting = Meeting(
        series=series, title=f"{series.label} {year} — {action.title}"[:255],
        window_start=start, window_end=end, window_label=label, sort_date=start,
        visibility=series.visibility, format=series.format, organiser=organiser,
        action=action.lead,
    )  # fmt: skip
    save_with_history(meeting, user, REASON)
    # the porteur is invited (the Copil's organiser, the dialogue's guest)
    save_with_history(Attendance(meeting=meeting, organisation=action.porteur), user, REASON)
    link = CycleMeeting(action=action, convention=convention, year=year, kind=kind,
                        meeting=meeting)  # fmt: skip
    save_with_history(link, user, REASON)


def create_year(contract, year, user) -> CycleReport:
    """A coordinator's button: the Copil and dialogues de gestion of `year` for the CPO
    they manage. Idempotent: a meeting already created is never created again."""
    require(user, "actions.manage")
    check_year(contract, year)
    report = CycleReport(year)
    conventions = filter_allowed(
        user, "actions.manage", Convention.objects.filter(contract=contract)
    )
    with transaction.atomic():
        for convention, action in pairs(year, conventions):
            create_for(convention, action, year, user, report)
    return report


def year_summary(contract, years, conventions=None) -> dict:
    """year -> {"actions": CPO actions, "copil": created, "dialogue": created}."""
    conventions = conventions if conventions is not None else Convention.objects.all()
    conventions = conventions.filter(contract=contract)
    summary = {y: {"actions": 0, "copil": 0, "dialogue": 0} for y in years}
    seen: dict[int, set] = {y: set() for y in years}
    for start, action_id in conventions.filter(actions__deleted_at__isnull=True).values_list(
        "start_year", "actions"
    ):
        for y in range(start, start + CPO_YEARS):
            if y in seen and action_id is not None:
                seen[y].add(action_id)
    for y in years:
        summary[y]["actions"] = len(seen[y])
    links = CycleMeeting.objects.filter(convention__in=conventions, year__in=list(years))
    for year, kind in links.values_list("year", "kind"):
        summary[year][kind] += 1
    return summary


def run_job(today: date) -> CycleReport:
    """The scheduled job (« cycle-cpo »): this year's Copil and dialogues de gestion of
    every CPO, each action in its own savepoint (`for_each_recipient`)."""
    report = CycleReport(today.year)
    for contract in Contract.objects.all():
        if not contract.start_year <= today.year <= contract.end_year:
            continue
        items = pairs(today.year, Convention.objects.filter(contract=contract))
        for_each_recipient(
            items, lambda p: create_for(p[0], p[1], today.year, None, report), "cycle-cpo",
            describe=lambda p: f"Action n° {p[1].pk}",
        )  # fmt: skip
    return report
