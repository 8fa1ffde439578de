"""The rule of an instance and the occurrences it gives over a period.

Pure functions (no database): a rule says in which months, quarters or years an
instance meets and, when the contract gives it, on which day ("le premier lundi ouvré
du mois"). Working days are Monday to Friday except French public holidays (the
`holidays` package). When the rule gives no day, an occurrence is only a window — a
month, a quarter, a year — whose date a coordinator will set: no day is ever invented.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.db import models

from cdvs.core.french import MONTHS, WEEKDAYS, hour

MAX_YEARS = 20
VALID_NTH = (1, 2, 3, 4, -1)


ORDINALS = {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", -1: "dernier"}


class Period(models.TextChoices):
    MONTHS = "mois", "Certains mois (ou tous les mois)"
    QUARTER = "trimestre", "Chaque trimestre"
    YEAR_START = "debut_annee", "Chaque année, en début d'année"
    YEAR_END = "fin_annee", "Chaque année, en fin d'année"
    YEAR = "annee", "Chaque année"
    NONE = "aucune", "Pas de récurrence (réunions ajoutées une à une)"


class RuleError(Exception):
    """An impossible or incomplete rule; `messages` are in French, for the user."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__(" ".join(self.messages))


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year).keys())


def is_public_holiday(day: date) -> bool:
    return day in _french_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


@dataclass(frozen=True)
class Occurrence:
    key: str
    day: date | None
    window_start: date
    window_end: date
    window_label: str


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def _join_fr(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


@dataclass
class Rule:
    period: str
    period_start: date
    period_end: date
    months: list = field(default_factory=list)
    weekday: int | None = None
    nth: int | None = None
    working_day: bool = False
    start_time: time | None = None
    duration_minutes: int | None = None

    @classmethod
    def from_series(cls, series) -> "Rule":
        return cls(
            period=series.period,
            period_start=series.period_start,
            period_end=series.period_end,
            months=list(series.months or []),
            weekday=series.weekday,
            nth=series.nth,
            working_day=series.working_day,
            start_time=series.start_time,
            duration_minutes=series.duration_minutes,
        )

    # ------------------------------------------------------------ validation

    def errors(self) -> list[str]:
        errors = []
        if self.period not in Period.values:
            errors.append(f"Périodicité inconnue : « {self.period} ».")
        if not isinstance(self.period_start, date) or not isinstance(self.period_end, date):
            errors.append("Indiquez le début et la fin de la période.")
        elif self.period_end < self.period_start:
            errors.append("La fin de la période ne peut pas précéder son début.")
        elif self.period_end.year - self.period_start.year >= MAX_YEARS:
            errors.append(f"La période ne peut pas dépasser {MAX_YEARS} ans.")
        months = self.months or []
        if any(not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12 for m in months):
            errors.append("Les mois doivent être des nombres de 1 (janvier) à 12 (décembre).")
        elif len(set(months)) != len(months):
            errors.append("Un mois est indiqué deux fois.")
        if self.period == Period.MONTHS and not months:
            errors.append(
                "Choisissez au moins un mois pour une instance qui se réunit certains mois."
            )
        if self.period != Period.MONTHS and months:
            errors.append(
                "Les mois ne s'indiquent que pour une instance qui se réunit certains mois."
            )
        if (self.weekday is None) != (self.nth is None):
            errors.append(
                "Indiquez à la fois le jour de la semaine et son rang dans le mois "
                "(par exemple : le premier lundi), ou aucun des deux."
            )
        if self.weekday is not None and self.period != Period.MONTHS:
            errors.append(
                "Un jour de la semaine ne peut être fixé que pour une instance qui se réunit "
                "certains mois."
            )
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            errors.append("Jour de la semaine inconnu.")
        if self.nth is not None and self.nth not in VALID_NTH:
            errors.append(
                "Le rang dans le mois doit être premier, deuxième, troisième, quatrième ou dernier "
                "(un cinquième jour de la semaine n'existe pas chaque mois)."
            )
        if self.working_day and self.weekday is not None and self.weekday >= 5:
            errors.append(
                "Un samedi ou un dimanche n'est jamais un jour ouvré : cette règle ne donnerait "
                "aucune date."
            )
        if self.duration_minutes is not None:
            if not 0 < self.duration_minutes <= 24 * 60:
                errors.append("La durée doit être comprise entre 1 minute et 24 heures.")
            elif self.start_time is not None:
                start = datetime.combine(date(2000, 1, 1), self.start_time)
                if (start + timedelta(minutes=self.duration_minutes)).date() != start.date():
                    errors.append("La réunion doit se terminer le jour où elle commence.")
        return errors

    def check(self) -> None:
        errors = self.errors()
        if not errors and self.period != Period.NONE and not self.occurrences():
            errors.append("Cette règle ne donne aucune réunion sur la période choisie.")
        if errors:
            raise RuleError(errors)

    # ----------------------------------------------------------- occurrences

    def _day_in_month(self, year: int, month: int) -> date | None:
        if self.weekday is None:
            return None
        first = date(year, month, 1)
        days = [
            first + timedelta(days=i)
            for i in range((_month_end(year, month) - first).days + 1)
            if (first + timedelta(days=i)).weekday() == self.weekday
        ]
        if self.working_day:
            days = [d for d in days if is_working_day(d)]
        if not days:
            return None
        if self.nth == -1:
            return days[-1]
        return days[self.nth - 1] if len(days) >= self.nth else None

    def occurrences(self) -> list[Occurrence]:
        """Every occurrence whose window meets the period, in order."""
        if self.period == Period.NONE or self.errors():
            return []
        out = []
        for year in range(self.period_start.year, self.period_end.year + 1):
            if self.period == Period.MONTHS:
                for month in sorted(self.months):
                    start, end = date(year, month, 1), _month_end(year, month)
                    day = self._day_in_month(year, month)
                    label = f"{MONTHS[month - 1]} {year}"
                    out.append(Occurrence(f"{year}-{month:02d}", day, start, end, label))
            elif self.period == Period.QUARTER:
                for q in range(1, 5):
                    start = date(year, 3 * q - 2, 1)
                    end = _month_end(year, 3 * q)
                    label = f"{'1er' if q == 1 else f'{q}e'} trimestre {year}"
                    out.append(Occurrence(f"{year}-T{q}", None, start, end, label))
            else:
                label = {
                    Period.YEAR_START: f"début d'année {year}",
                    Period.YEAR_END: f"fin d'année {year}",
                    Period.YEAR: f"année {year}",
                }[self.period]
                out.append(Occurrence(str(year), None, date(year, 1, 1), date(year, 12, 31), label))
        return [
            o
            for o in out
            if (o.day is not None and self.period_start <= o.day <= self.period_end)
            or (
                o.day is None
                and o.window_end >= self.period_start
                and o.window_start <= self.period_end
            )
        ]

    # ------------------------------------------------------------- wording

    def describe(self) -> str:
        if self.period == Period.NONE:
            return "Pas de récurrence : les réunions sont ajoutées une à une."
        if self.period == Period.MONTHS:
            if len(self.months) == 12:
                text = "Tous les mois"
            else:
                text = "En " + _join_fr([MONTHS[m - 1] for m in sorted(self.months)])
            if self.weekday is not None:
                text += f", le {ORDINALS[self.nth]} {WEEKDAYS[self.weekday]}"
                text += " ouvré du mois" if self.working_day else " du mois"
            else:
                text += ", date à fixer dans le mois"
        else:
            text = {
                Period.QUARTER: "Chaque trimestre, date à fixer dans le trimestre",
                Period.YEAR_START: "Chaque année en début d'année, date à fixer",
                Period.YEAR_END: "Chaque année en fin d'année, date à fixer",
                Period.YEAR: "Une fois par an, date à fixer",
            }[self.period]
        if self.weekday is not None:
            if self.start_time:
                text += f", à {hour(self.start_time)}"
            else:
                text += ", horaire à fixer"
        if self.duration_minutes:
            hours, minutes = divmod(self.duration_minutes, 60)
            text += " ; durée " + (
                f"{hours} h {minutes:02d}"
                if hours and minutes
                else f"{hours} h"
                if hours
                else f"{minutes} min"
            )
        return text + "."
