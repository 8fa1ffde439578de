from datetime import date, time

import pytest

from cdvs.meetings.recurrence import Rule, RuleError, is_working_day

ODD = [1, 3, 5, 7, 9, 11]


def _rule(**kw):
    base = dict(period="mois", period_start=date(2024, 1, 1), period_end=date(2030, 12, 31))
    base.update(kw)
    return Rule(**base)


def test_first_working_monday_skips_french_public_holidays():
    rule = _rule(months=ODD, weekday=0, nth=1, working_day=True)
    days = {o.key: o.day for o in rule.occurrences()}
    assert days["2024-01"] == date(2024, 1, 8)  # 1 January is a holiday
    assert days["2024-07"] == date(2024, 7, 1)
    # 1 May 2028 (fête du Travail) and 8 May 2028 (Victoire 1945) are both Mondays
    assert days["2028-05"] == date(2028, 5, 15)
    assert len(days) == 6 * 7
    assert all(d.weekday() == 0 and is_working_day(d) for d in days.values())
    # without "ouvré", the holiday is kept
    plain = {o.key: o.day for o in _rule(months=ODD, weekday=0, nth=1).occurrences()}
    assert plain["2028-05"] == date(2028, 5, 1)


def test_last_weekday_of_month():
    days = [o.day for o in _rule(months=[12], weekday=4, nth=-1).occurrences()]
    assert days[0] == date(2024, 12, 27)


def test_no_day_in_the_contract_means_no_day_invented():
    occurrences = _rule(months=[2, 4, 6, 8, 10, 12]).occurrences()
    assert occurrences and all(o.day is None for o in occurrences)
    first = occurrences[0]
    assert (first.window_start, first.window_end, first.window_label) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
        "février 2024",
    )


@pytest.mark.parametrize(
    "period, count, label",
    [
        ("trimestre", 28, "1er trimestre 2024"),
        ("annee", 7, "année 2024"),
        ("fin_annee", 7, "fin d'année 2024"),
        ("debut_annee", 7, "début d'année 2024"),
    ],
)
def test_quarters_and_years_are_windows(period, count, label):
    occurrences = _rule(period=period).occurrences()
    assert len(occurrences) == count
    assert occurrences[0].window_label == label and occurrences[0].day is None


def test_occurrences_outside_the_period_are_left_out():
    rule = _rule(months=ODD, weekday=0, nth=1, working_day=True, period_start=date(2024, 6, 1))
    assert rule.occurrences()[0].day == date(2024, 7, 1)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(period_end=date(2023, 1, 1)), "La fin de la période ne peut pas précéder son début."),
        (dict(months=[]), "Choisissez au moins un mois"),
        (dict(months=[13]), "Les mois doivent être des nombres de 1 (janvier) à 12"),
        (dict(weekday=0), "Indiquez à la fois le jour de la semaine et son rang"),
        (dict(weekday=6, nth=1, working_day=True), "n'est jamais un jour ouvré"),
        (dict(weekday=0, nth=5), "un cinquième jour de la semaine n'existe pas chaque mois"),
        (dict(duration_minutes=0), "La durée doit être comprise"),
        (
            dict(start_time=time(23, 0), duration_minutes=120),
            "La réunion doit se terminer le jour où elle commence.",
        ),
        (dict(period="trimestre"), "Les mois ne s'indiquent que"),
        (dict(period="annee", months=[], weekday=0, nth=1), "Un jour de la semaine ne peut être"),
    ],
)
def test_impossible_rules_are_refused_in_french(changes, message):
    base = dict(months=ODD)
    base.update(changes)
    with pytest.raises(RuleError) as exc:
        _rule(**base).check()
    assert any(message in m for m in exc.value.messages), exc.value.messages


def test_a_rule_without_any_occurrence_is_refused():
    rule = _rule(months=[1], period_start=date(2024, 2, 1), period_end=date(2024, 11, 30))
    with pytest.raises(RuleError, match="aucune réunion"):
        rule.check()


def test_description_in_french():
    rule = _rule(months=ODD, weekday=0, nth=1, working_day=True, duration_minutes=60)
    assert rule.describe() == (
        "En janvier, mars, mai, juillet, septembre et novembre, le premier lundi ouvré du "
        "mois, horaire à fixer ; durée 1 h."
    )
